package io.github.nsfs4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.nsfs4j.Namespace;
import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.testing.Commands;
import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Unshared;

/**
 * {@code nsfs exec --TYPE=:ID}: a namespace named by its 64-bit id, which no process, fd or path
 * of the caller needs to hold. Checked against the kernel's truth: COMMAND's
 * {@code /proc/self/ns} links against the inode of the bind mount that keeps the namespace.
 */
class ExecByIdTest {

    @Test
    void aNamespaceNamedByItsId(@TempDir Path dir) throws Exception {
        Unshared.requireNamespaces();
        Path held = Files.createFile(dir.resolve("net"));
        Unshared.bindMount("net", held); // a network namespace no process is in
        String heldLink = "net:[" + Files.getAttribute(held, "unix:ino") + "]";
        long id;
        try {
            try (Namespace ns = Namespace.open(held)) {
                Unshared.require(ns.id().isPresent(), "namespace ids need Linux 6.18 (NS_GET_ID); the kernel"
                        + " matrix checks the refusal on older kernels");
                id = ns.id().getAsLong();
            }
            Path out = dir.resolve("out");
            String links = "readlink /proc/self/ns/net /proc/self/ns/uts > " + out;
            CliRun byId = CliRun.of("exec", "--net=:" + Long.toUnsignedString(id), "--", "sh", "-c", links);
            assertEquals(0, byId.status(), byId::toString);
            assertEquals(List.of(heldLink, Proc.nsLink(ProcessHandle.current().pid(), "uts")),
                    Files.readAllLines(out), "the id's namespace, the others nsfs's own");
            CliRun attached = CliRun.of("exec", "-n:" + Long.toUnsignedString(id), "--", "sh", "-c", links);
            assertEquals(0, attached.status(), attached::toString);
            assertEquals(heldLink, Files.readAllLines(out).get(0), "-n:ID attached, as -nFILE");

            CliRun otherType = CliRun.of("exec", "--uts=:" + Long.toUnsignedString(id), "--", "true")
                    .assertFailure(125);
            assertTrue(otherType.err().contains("no such namespace"), otherType::toString);
        } finally {
            Commands.run(List.of("umount", held.toString()));
        }
        // the bind mount was all that held it: now no namespace has the id
        CliRun gone = CliRun.of("exec", "--net=:" + Long.toUnsignedString(id), "--", "true").assertFailure(125);
        assertTrue(gone.err().contains("no such namespace") && gone.err().lines().count() == 1, gone::toString);
    }

    @Test
    void aMalformedIdIsAUsageError() {
        for (String bad : List.of(":", ":x1", ":-1", ":18446744073709551616", ":1 ")) {
            CliRun r = CliRun.of("exec", "--net=" + bad, "--", "true").assertFailure(125);
            assertTrue(r.err().startsWith("nsfs exec: not a namespace id for --net: '" + bad + "'"), r::toString);
        }
        CliRun max = CliRun.of("exec", "--net=:18446744073709551615", "--", "true").assertFailure(125);
        assertTrue(max.err().contains("no such namespace") || max.err().contains("Linux 6.18"), max::toString);
    }

    @Test
    void theLibrarysWay() throws Exception {
        try (Namespace own = Namespace.current(NamespaceType.NET)) {
            Unshared.require(own.id().isPresent(), "namespace ids need Linux 6.18 (NS_GET_ID)");
            try (Namespace byId = Namespace.ofId(NamespaceType.NET, own.id().getAsLong())) {
                assertEquals(Proc.nsInode(ProcessHandle.current().pid(), "net"), byId.inode());
            }
        }
    }
}
