package io.github.nsfs4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.nsfs4j.testing.Commands;
import io.github.nsfs4j.testing.Json;
import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Unshared;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code nsfs ls --json} run by an unprivileged user (setpriv, uid 65534) while root keeps a
 * process in a fresh net namespace that a bind mount also holds, as a container's network is
 * held under {@code /run/netns}: the user cannot inspect root's processes, so the namespace
 * looks empty to it. The document must say how many processes were refused, and no row may
 * present its count as a fact (each is marked {@code partial}).
 */
class PartialViewTest {

    @TempDir
    static Path tmp;

    @Test
    void anUnprivilegedListingSaysWhatItCouldNotSee() throws Exception {
        Unshared.requireCommand("setpriv");
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path file = tmp.resolve("netns");
        Files.createFile(file);
        try (Unshared root = Unshared.start("net")) {
            long inode = Proc.nsInode(root.leafPid(), "net");
            Commands.Result mount = Commands.run(List.of("mount", "--bind", "/proc/" + root.leafPid() + "/ns/net",
                    file.toString()));
            assertEquals(0, mount.exitCode(), mount::toString);
            try {
                List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"));
                cmd.addAll(Commands.javaCommand(List.of("--enable-native-access=ALL-UNNAMED"), Main.class,
                        "ls", "--json", "-t", "net"));
                Commands.Result r = Commands.run(cmd);
                assertEquals(0, r.exitCode(), r::toString);
                Map<String, Object> doc = Json.object(r.stdout());
                long refused = Json.asLong(doc.get("processes_refused"));
                assertTrue(refused > 0, () -> "root's processes were refused to uid 65534: " + doc);
                assertTrue(Json.asLong(doc.get("processes_scanned")) > 0, doc::toString);
                assertNotNull(doc.get("processes_vanished"));
                Map<String, Object> row = null;
                for (Object o : Json.asArray(doc.get("namespaces"))) {
                    Map<String, Object> m = Json.asObject(o);
                    assertEquals(Boolean.TRUE, m.get("partial"), () -> "every row is partial: " + m);
                    if (Json.asLong(m.get("ns")) == inode) {
                        row = m;
                    }
                }
                Map<String, Object> held = row;
                assertNotNull(held, () -> "net:[" + inode + "] is seen through its bind mount: " + r.stdout());
                // What the user saw: no process; the truth: root's are in it. The row says it is partial.
                assertEquals(BigInteger.ZERO, held.get("nprocs"), held::toString);
                assertTrue(Proc.processesIn("net", inode) > 0);
            } finally {
                Commands.run(List.of("umount", file.toString()));
            }
        }
    }
}
