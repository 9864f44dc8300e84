package io.github.nsfs4j.cli;

import static io.github.nsfs4j.cli.CliRun.big;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.github.nsfs4j.testing.Lsns;
import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Unshared;

/** {@code nsfs info}, compared with readlink and lsns on real namespaces. */
class InfoCommandTest {

    private static final long SELF = ProcessHandle.current().pid();

    /** Checks an info document against readlink and lsns, and returns it. */
    private static Map<String, Object> checkAgainstKernel(long pid, String type) throws Exception {
        CliRun run = CliRun.of("info", "--json", type + ":" + pid);
        assertEquals(0, run.status(), run::toString);
        assertEquals("", run.err(), run::toString);
        Map<String, Object> info = run.json();
        List<String> expectedKeys = type.equals("pid")
                ? List.of("ns", "id", "type", "pns", "ons", "owner_uid", "init_pid")
                : List.of("ns", "id", "type", "pns", "ons", "owner_uid");
        assertEquals(expectedKeys, List.copyOf(info.keySet()));

        long inode = Proc.nsInode(pid, type);
        assertEquals(big(inode), info.get("ns"));
        assertEquals(type, info.get("type"));
        Lsns.Row row = Lsns.snapshot().get(inode);
        assertNotNull(row, "lsns does not list " + type + ":[" + inode + "]");
        assertEquals(row.type(), info.get("type"));
        assertEquals(big(row.pns()), info.get("pns"), "pns of " + type + ":[" + inode + "]");
        assertEquals(big(row.ons()), info.get("ons"), "ons of " + type + ":[" + inode + "]");
        // Linux 6.18+ has NS_GET_ID: a positive id.
        assertInstanceOf(BigInteger.class, info.get("id"), run::toString);
        assertTrue(((BigInteger) info.get("id")).signum() > 0, run::toString);
        if (!type.equals("user")) {
            assertNull(info.get("owner_uid"));
        }
        // The same namespace named by its path gives the same document.
        CliRun byPath = CliRun.of("info", "--json", "/proc/" + pid + "/ns/" + type);
        assertEquals(run.out(), byPath.out());
        return info;
    }

    @ParameterizedTest
    @ValueSource(strings = {"cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"})
    void ownNamespacesMatchReadlinkAndLsns(String type) throws Exception {
        Map<String, Object> info = checkAgainstKernel(SELF, type);
        if (type.equals("user")) {
            assertEquals(BigInteger.ZERO, info.get("owner_uid"));
        }
        if (type.equals("pid")) {
            // init of our own pid namespace is a pid we see as 1.
            assertEquals(BigInteger.ONE, info.get("init_pid"));
        }
    }

    @Test
    void textOutputIsAlignedKeyValueLines() throws Exception {
        CliRun run = CliRun.of("info", "net:" + SELF);
        assertEquals(0, run.status(), run::toString);
        long inode = Proc.nsInode(SELF, "net");
        List<String> lines = run.out().lines().toList();
        assertEquals(6, lines.size(), run::toString);
        assertEquals("ns:        " + Long.toUnsignedString(inode), lines.get(0));
        assertEquals("type:      net", lines.get(2));
        assertEquals("owner_uid: -", lines.get(5));
        int column = lines.get(0).indexOf(Long.toUnsignedString(inode));
        for (String line : lines) {
            assertTrue(line.charAt(column - 1) == ' ' && line.charAt(column) != ' ', run::toString);
        }
    }

    @Test
    void childUserNamespace() throws Exception {
        try (Unshared child = Unshared.builder().types("user", "uts").mapRootUser(true).start()) {
            Map<String, Object> info = checkAgainstKernel(child.leafPid(), "user");
            assertEquals(BigInteger.ZERO, info.get("owner_uid"), "created by root");
            long hostUser = Proc.nsInode(SELF, "user");
            assertEquals(big(hostUser), info.get("pns"));
            assertEquals(big(hostUser), info.get("ons"));
            assertNotEquals(CliRun.of("info", "--json", "user:" + SELF).json().get("id"), info.get("id"));
            // The child's new uts namespace is owned by its user namespace.
            Map<String, Object> uts = checkAgainstKernel(child.leafPid(), "uts");
            assertEquals(info.get("ns"), uts.get("ons"));
        }
    }

    @Test
    void userNamespaceOfAnotherUserShowsItsUid() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "no setpriv");
        try (Unshared child = Unshared.builder().prefix("setpriv", "--reuid=4321", "--regid=4321", "--clear-groups")
                .types("user").start()) {
            Map<String, Object> info = checkAgainstKernel(child.leafPid(), "user");
            assertEquals(BigInteger.valueOf(4321), info.get("owner_uid"));
        }
    }

    @Test
    void childPidNamespaceShowsItsInit() throws Exception {
        try (Unshared child = Unshared.start("pid")) {
            Map<String, Object> info = checkAgainstKernel(child.leafPid(), "pid");
            assertEquals(BigInteger.valueOf(child.leafPid()), info.get("init_pid"));
            assertEquals(big(Proc.nsInode(SELF, "pid")), info.get("pns"));
            assertEquals(big(Proc.nsInode(SELF, "user")), info.get("ons"));

            CliRun text = CliRun.of("info", "pid:" + child.leafPid());
            assertTrue(text.out().contains("\ninit_pid:  " + child.leafPid() + "\n"), text::toString);
        }
    }

    @Test
    void childNetNamespaceHasItsOwnIdentity() throws Exception {
        try (Unshared child = Unshared.start("net")) {
            Map<String, Object> info = checkAgainstKernel(child.leafPid(), "net");
            Map<String, Object> host = CliRun.of("info", "--json", "net:" + SELF).json();
            assertNotEquals(host.get("ns"), info.get("ns"));
            assertNotEquals(host.get("id"), info.get("id"));
        }
    }

    /**
     * NSREF as a bind mount: {@code unshare --net=FILE} and {@code unshare --pid=FILE --fork}
     * leave namespaces alive with no process in them; the pid namespace has no init left.
     */
    @Test
    void bindMountedNamespaces(@TempDir Path dir) throws Exception {
        Path net = Files.createFile(dir.resolve("blue"));
        Path pid = Files.createFile(dir.resolve("pidns"));
        try {
            Unshared.bindMount("net", net);
            Unshared.bindMount("pid", pid);

            CliRun netInfo = CliRun.of("info", "--json", net);
            assertEquals(0, netInfo.status(), netInfo::toString);
            assertEquals("net", netInfo.json().get("type"));
            assertNotEquals(big(Proc.nsInode(SELF, "net")), netInfo.json().get("ns"));
            assertEquals(big(Proc.nsInode(SELF, "user")), netInfo.json().get("ons"));

            CliRun pidInfo = CliRun.of("info", "--json", pid);
            assertEquals(0, pidInfo.status(), pidInfo::toString);
            Map<String, Object> doc = pidInfo.json();
            assertEquals("pid", doc.get("type"));
            assertTrue(doc.containsKey("init_pid"));
            assertNull(doc.get("init_pid"), "its init has exited");
            assertEquals(big(Proc.nsInode(SELF, "pid")), doc.get("pns"));

            CliRun init = CliRun.of("init-pid", "--json", pid);
            assertEquals(1, init.status(), init::toString);
            assertNull(((Map<?, ?>) ((List<?>) init.json().get("results")).getFirst()).get("init_pid"));
            assertEquals(1, CliRun.of("pid", "--from", pid, 1).status());
        } finally {
            for (Path p : List.of(net, pid)) {
                new ProcessBuilder("umount", p.toString()).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
            }
        }
    }
}
