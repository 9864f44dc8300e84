package io.github.nsfs4j.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/** The test harness itself: the JSON reader, and that {@link Unshared} builds and tears down what it says. */
class HarnessTest {

    // ------------------------------------------------------------------ Json

    @Test
    void jsonReadsEveryKindOfValue() {
        Object v = Json.parse(" {\"a\": [1, -2, 3.5, 1e3, true, false, null, \"x\\\"y\\\\z\\n\\u00e9\\/\"],"
                + " \"b\": {}, \"c\": [], \"big\": 18446744073709551615, \"zero\": 0} ");
        Map<String, Object> m = Json.asObject(v);
        assertEquals(List.of("a", "b", "c", "big", "zero"), List.copyOf(m.keySet()), "key order kept");
        List<Object> a = Json.asArray(m.get("a"));
        assertEquals(BigInteger.ONE, a.get(0));
        assertEquals(BigInteger.valueOf(-2), a.get(1));
        assertEquals(new java.math.BigDecimal("3.5"), a.get(2));
        assertEquals(0, new java.math.BigDecimal("1000").compareTo((java.math.BigDecimal) a.get(3)));
        assertEquals(Boolean.TRUE, a.get(4));
        assertEquals(Boolean.FALSE, a.get(5));
        assertNull(a.get(6));
        assertEquals("x\"y\\z\n\u00e9/", a.get(7));
        assertEquals(Map.of(), m.get("b"));
        assertEquals(List.of(), m.get("c"));
        assertEquals(new BigInteger("18446744073709551615"), m.get("big"));
        assertEquals(BigInteger.ZERO, m.get("zero"));
    }

    @Test
    void jsonRejectsMalformedInput() {
        for (String bad : new String[] {"", "{", "[1,]", "{\"a\" 1}", "{\"a\":1,}", "01", "1.", "-", "tru", "\"abc",
                "\"\\x\"", "\"\\u12\"", "{} {}", "[1] x", "{\"a\":1,\"a\":2}", "{a:1}", "\"a\nb\""}) {
            assertThrows(IllegalArgumentException.class, () -> Json.parse(bad), bad);
        }
    }

    @Test
    void jsonNumbersAndNumericStringsAsLong() {
        assertEquals(4026531837L, Json.asLong(4026531837L));
        assertEquals(4026531837L, Json.asLong("4026531837"));
        assertEquals(0L, Json.asLong(null));
        assertEquals(0L, Json.asLong(""));
        assertThrows(IllegalArgumentException.class, () -> Json.asLong(true));
    }

    /** lsns's document (some versions print numbers as strings), and nsfs's, read as rows by inode. */
    @Test
    void lsnsRowsParse() {
        Map<Long, Lsns.Row> rows = Lsns.parse("{\"namespaces\": [{\"ns\": \"4026531835\", \"type\": \"cgroup\","
                + " \"nprocs\": 3, \"pid\": 1, \"user\": \"root\", \"command\": \"init\", \"pns\": 0,"
                + " \"ons\": \"4026531837\"},"
                + " {\"ns\": 4026532201, \"type\": \"net\", \"nprocs\": 0, \"pid\": null, \"user\": \"root\","
                + " \"command\": null, \"pns\": null, \"ons\": 4026531837}]}");
        assertEquals(List.of(new Lsns.Row(4026531835L, "cgroup", 3, 1L, "root", "init", 0, 4026531837L),
                new Lsns.Row(4026532201L, "net", 0, null, "root", null, 0, 4026531837L)), List.copyOf(rows.values()));
        assertThrows(IllegalStateException.class, () -> Lsns.parse("{\"namespaces\": [{\"ns\": 1, \"type\": \"net\"},"
                + " {\"ns\": 1, \"type\": \"uts\"}]}"), "one inode, two rows");
    }

    /** The real lsns output parses, and lists the JVM's own namespaces with the types readlink shows. */
    @Test
    void lsnsListsTheOwnNamespaces() {
        Unshared.requireCommand("lsns");
        Map<Long, Lsns.Row> lsns = Lsns.snapshot();
        for (String type : Unshared.ALL_TYPES) {
            long inode = Proc.selfNsInode(type);
            Lsns.Row e = lsns.get(inode);
            assertTrue(e != null, "lsns lists " + type + ":[" + inode + "]");
            assertEquals(type, e.type());
        }
    }

    // ------------------------------------------------------------------ Commands

    /**
     * A child JVM may run as another user or in a user namespace: every entry of its class
     * path, each parent directory and everything inside is readable (directories also
     * searchable) by others, wherever the checkout lies.
     */
    @Test
    void childJvmClassPathIsReadableByEveryone() throws IOException {
        List<String> cmd = Commands.javaCommand(List.of(), HarnessTest.class);
        String[] entries = cmd.get(cmd.indexOf("-cp") + 1).split(File.pathSeparator);
        assertEquals(3, entries.length, "test classes, main classes, jnr-constants: " + List.of(entries));
        for (String entry : entries) {
            Path path = Path.of(entry);
            for (Path up = path.getParent(); up != null; up = up.getParent()) {
                assertOthersMay(up, "r-x");
            }
            try (Stream<Path> walk = Files.walk(path)) {
                for (Path p : (Iterable<Path>) walk::iterator) {
                    assertOthersMay(p, Files.isDirectory(p) ? "r-x" : "r--");
                }
            }
        }
    }

    private static void assertOthersMay(Path path, String mode) throws IOException {
        String others = PosixFilePermissions.toString(Files.getPosixFilePermissions(path)).substring(6);
        for (int i = 0; i < 3; i++) {
            if (mode.charAt(i) != '-') {
                assertEquals(mode.charAt(i), others.charAt(i), path + " is " + others + " for others");
            }
        }
    }

    // ------------------------------------------------------------------ Unshared

    @Test
    void unavailableSkipsUnlessNamespacesAreRequired() {
        org.opentest4j.TestAbortedException skipped = assertThrows(org.opentest4j.TestAbortedException.class,
                () -> Unshared.unavailable("no unshare", false));
        assertTrue(skipped.getMessage().contains("no unshare"), skipped.getMessage());
        org.opentest4j.AssertionFailedError failed = assertThrows(org.opentest4j.AssertionFailedError.class,
                () -> Unshared.unavailable("no unshare", true));
        assertTrue(failed.getMessage().contains("no unshare") && failed.getMessage().contains(Unshared.REQUIRE_ENV),
                failed.getMessage());
        assertEquals("1".equals(System.getenv(Unshared.REQUIRE_ENV)), Unshared.namespacesRequired());
    }

    @Test
    void commandLineNestsLevels() {
        List<String> cmd = Unshared.builder().types("user", "pid").levels(2).command();
        assertEquals(List.of("unshare", "--user", "--pid", "--map-root-user", "--fork", "--kill-child", "sh", "-c",
                "\"$@\" & wait", "sh", "unshare", "--user", "--pid", "--map-root-user", "--fork", "--kill-child", "sh",
                "-c", "echo ready; exec sleep 100000"), cmd);
        List<String> one = Unshared.builder().types("mnt", "net").prefix("setpriv", "--reuid=1").command();
        assertEquals(List.of("setpriv", "--reuid=1", "unshare", "--mount", "--net", "--fork", "--kill-child", "sh",
                "-c", "echo ready; exec sleep 100000"), one);
        assertThrows(IllegalArgumentException.class, () -> Unshared.builder().types("pid_for_children"));
        assertThrows(IllegalArgumentException.class, () -> Unshared.builder().levels(0));
        List<String> direct = Unshared.builder().types("pid").levels(2).nestDirectly().command(List.of("true"));
        assertEquals(List.of("unshare", "--pid", "--fork", "--kill-child", "unshare", "--pid", "--fork",
                "--kill-child", "true"), direct);
    }

    /** Nested directly: U1 forks U2 forks U3 forks the leaf; pid(k) is the init of level k's pid namespace. */
    @Test
    void levelsNestedDirectly() {
        int ownDepth = Proc.nsPid(ProcessHandle.current().pid()).size();
        try (Unshared tree = Unshared.builder().types("user", "pid").levels(3).nestDirectly().start()) {
            assertEquals(4, tree.pids().size());
            assertEquals(tree.pid(3), tree.leafPid());
            for (int k = 1; k <= 3; k++) {
                List<Long> nsPid = Proc.nsPid(tree.pid(k));
                assertEquals(ownDepth + k, nsPid.size(), "NSpid of level " + k + ": " + nsPid);
                assertEquals(1L, nsPid.getLast());
                if (k < 3) {
                    assertEquals(tree.unsharePid(k + 1), tree.pid(k), "level " + (k + 1) + "'s unshare is level " + k
                            + "'s init");
                }
                assertNotEquals(Proc.nsInode(tree.unsharePid(k), "user"),
                        k == 1 ? Proc.selfNsInode("user") : Proc.nsInode(tree.unsharePid(k - 1), "user"),
                        "level " + k + "'s unshare is in a user namespace of its own");
            }
            assertEquals(Proc.nsInode(tree.unsharePid(3), "user"), Proc.nsInode(tree.leafPid(), "user"));
        }
    }

    /** A command of the test's own in the innermost level: run to its end, or started until it says ready. */
    @Test
    void innermostCommandRunsOrStarts() throws InterruptedException {
        Commands.Result r = Unshared.builder().types("uts").run(List.of("readlink", "/proc/self/ns/uts"));
        assertEquals(0, r.exitCode(), r::toString);
        assertNotEquals(Proc.nsLink(ProcessHandle.current().pid(), "uts") + "\n", r.stdout());
        assertTrue(r.stdout().startsWith("uts:["), r::toString);
        try (Unshared tree = Unshared.builder().types("uts")
                .start(List.of("sh", "-c", "echo before; echo ready; echo after; exec sleep 100000"))) {
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!tree.output().contains("after") && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals("before\nafter\n", tree.output());
            Commands.Result inside = Unshared.enter(tree.leafPid(), "uts", List.of("readlink", "/proc/self/ns/uts"));
            assertEquals(Proc.nsLink(tree.leafPid(), "uts") + "\n", inside.stdout(), inside::toString);
        }
        assertThrows(IllegalStateException.class, () -> Unshared.builder().types("uts").start(List.of("true")),
                "a command that ends without ready fails the test, it does not skip it");
    }

    /** Level k's member has k more pid-namespace levels than the JVM and all-new namespaces per level. */
    @Test
    void levelsAreWhereTheHarnessSaysTheyAre() {
        int ownDepth = Proc.nsPid(ProcessHandle.current().pid()).size();
        try (Unshared tree = Unshared.builder().allTypes().levels(3).start()) {
            assertEquals(6, tree.pids().size());
            assertEquals(tree.pid(3), tree.leafPid());
            assertEquals(tree.levelPids(), List.of((long) tree.pid(1), (long) tree.pid(2), (long) tree.pid(3)));
            for (int k = 1; k <= 3; k++) {
                long pid = tree.pid(k);
                List<Long> nsPid = Proc.nsPid(pid);
                assertEquals(ownDepth + k, nsPid.size(), "NSpid of level " + k + ": " + nsPid);
                assertEquals(1L, nsPid.getLast(), "the level's member is its pid namespace's init");
                assertEquals(pid, nsPid.getFirst());
                for (String type : Unshared.ALL_TYPES) {
                    long inner = Proc.nsInode(pid, type);
                    long outer = k == 1 ? Proc.selfNsInode(type) : Proc.nsInode(tree.pid(k - 1), type);
                    assertNotEquals(outer, inner, type + " namespace of level " + k + " is new");
                }
                // the unshare process of level k is already in its user namespace but not its pid namespace
                long unshare = tree.unsharePid(k);
                assertEquals(Proc.nsInode(pid, "user"), Proc.nsInode(unshare, "user"));
                assertEquals(ownDepth + k - 1, Proc.nsPid(unshare).size());
            }
        }
    }

    @Test
    void closeKillsEveryProcessAndIsIdempotent() {
        Unshared tree = Unshared.builder().types("user", "net").levels(3).start();
        List<Long> pids = tree.pids();
        Set<Long> seen = new HashSet<>(pids);
        assertEquals(pids.size(), seen.size());
        for (long pid : pids) {
            assertTrue(Proc.state(pid).isPresent(), "process " + pid + " runs");
        }
        assertFalse(tree.allGone());
        tree.close();
        assertTrue(tree.allGone(), "every process of the tree is gone");
        for (long pid : pids) {
            assertTrue(Proc.state(pid).isEmpty(), "process " + pid + " is reaped, not a zombie");
        }
        tree.close();
        assertTrue(tree.allGone());
    }
}
