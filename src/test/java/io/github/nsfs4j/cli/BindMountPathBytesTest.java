package io.github.nsfs4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.nsfs4j.DiscoveredNamespace;
import io.github.nsfs4j.Namespace;
import io.github.nsfs4j.NamespaceDiscovery;
import io.github.nsfs4j.NamespaceSnapshot;
import io.github.nsfs4j.testing.Commands;

/**
 * Issue 9 item 12: bind mounts of namespaces at mount points that mountinfo escapes
 * (space {@code \040}, tab {@code \011}, newline {@code \012}, backslash {@code \134}) and at
 * one whose name is not UTF-8. Each is a net namespace of its own, made by
 * {@code unshare --net=FILE true} from bash (Java cannot name the non-UTF-8 file). Discovery
 * must find every one, keep each path's bytes exactly, and open each through them; a Path is
 * given where the JVM can name the file.
 */
class BindMountPathBytesTest {

    @TempDir
    Path tmp;

    private final List<byte[]> mounted = new ArrayList<>();

    /** bash's {@code $'...'} quoting of arbitrary bytes. */
    private static String bashQuote(byte[] bytes) {
        StringBuilder sb = new StringBuilder("$'");
        for (byte b : bytes) {
            sb.append(String.format("\\x%02x", b & 0xff));
        }
        return sb.append('\'').toString();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    private static Commands.Result bash(String script) {
        return Commands.run(List.of("bash", "-c", script));
    }

    @AfterEach
    void unmount() {
        for (byte[] file : mounted) {
            bash("umount " + bashQuote(file));
        }
    }

    @Test
    void bindMountsAtEscapedAndNonUtf8PathsAreFoundAndOpened() throws Exception {
        NamespaceFixture.requireNamespaces();
        byte[] dir = (tmp.toString() + "/").getBytes(StandardCharsets.UTF_8);
        Map<String, byte[]> names = new LinkedHashMap<>();
        names.put("space", "net ns".getBytes(StandardCharsets.UTF_8));
        names.put("tab", "net\tns".getBytes(StandardCharsets.UTF_8));
        names.put("newline", "net\nns".getBytes(StandardCharsets.UTF_8));
        names.put("backslash", "net\\134ns".getBytes(StandardCharsets.UTF_8)); // a literal backslash-1-3-4
        names.put("not UTF-8", new byte[] {'n', 'e', 't', (byte) 0xff, (byte) 0xfe, '-', 'n', 's'});
        Map<String, Long> inodes = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> e : names.entrySet()) {
            byte[] file = concat(dir, e.getValue());
            String q = bashQuote(file);
            // unshare from bash, not Unshared.bindMount: a Java string cannot name a file that is not UTF-8
            Commands.Result made = bash("touch " + q + " && unshare --net=" + q + " true && stat -c %i " + q);
            assertEquals(0, made.exitCode(), made::toString);
            mounted.add(file);
            inodes.put(e.getKey(), Long.parseLong(made.stdout().strip()));
        }

        NamespaceSnapshot snapshot = NamespaceDiscovery.scan();
        for (Map.Entry<String, byte[]> e : names.entrySet()) {
            String what = e.getKey();
            long inode = inodes.get(what);
            DiscoveredNamespace ns = snapshot.byInode(inode).orElseThrow(
                    () -> new AssertionError("the bind mount at the " + what + " path is missing: " + snapshot));
            assertTrue(ns.heldBy().contains(DiscoveredNamespace.Holder.MOUNT), ns::toString);
            byte[] path = ns.pathBytes();
            byte[] tail = concat(dir, e.getValue());
            assertArrayEquals(tail, Arrays.copyOfRange(path, path.length - tail.length, path.length),
                    what + ": the path's bytes as the kernel has them, escapes undone");
            assertTrue(new String(path, StandardCharsets.ISO_8859_1).matches("(?s)/proc/\\d+/root/.*"), ns::pathString);
            try (Namespace opened = ns.open()) {
                assertEquals(inode, opened.inode(), what);
            }
            if (what.equals("not UTF-8")) {
                assertNull(ns.path(), "no Path can name those bytes in this JVM");
                assertTrue(ns.pathString().endsWith("net\\xff\\xfe-ns"), ns.pathString());
            } else {
                assertNotNull(ns.path(), what);
                assertEquals(new String(path, StandardCharsets.UTF_8), ns.path().toString());
                try (Namespace byPath = Namespace.open(ns.path())) {
                    assertEquals(inode, byPath.inode(), what);
                }
            }
        }

        // nsfs ls: every one listed, the path as text (the non-UTF-8 bytes as \xNN).
        CliRun run = CliRun.of("ls", "--json", "-t", "net");
        assertEquals(0, run.status(), run::toString);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> rows = (List<Map<String, Object>>) (List<?>) run.json().get("namespaces");
        for (Map.Entry<String, Long> e : inodes.entrySet()) {
            Map<String, Object> row = rows.stream().filter(r -> CliRun.u64(r.get("ns")) == e.getValue()).findFirst()
                    .orElseThrow(() -> new AssertionError("nsfs ls lacks the " + e.getKey() + " bind mount"));
            String shown = (String) row.get("path");
            String name = e.getKey().equals("not UTF-8") ? "net\\xff\\xfe-ns"
                    : new String(names.get(e.getKey()), StandardCharsets.UTF_8);
            assertTrue(shown.endsWith(tmp + "/" + name), shown);
        }
    }
}
