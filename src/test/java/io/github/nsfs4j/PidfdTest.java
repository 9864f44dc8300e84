package io.github.nsfs4j;

import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Unshared;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Pidfd: a child in new namespaces of all eight types, opened race-free; after it exits and is
 * reaped, every use of the pidfd says so, even when its pid has been given to a new process.
 */
class PidfdTest {

    static final List<String> ALL_TYPES = Unshared.ALL_TYPES;

    Unshared tree; // unshare with all eight types new, then sh that becomes sleep
    int child; // host pid of the process in the new namespaces (pid 1 of its pid namespace)

    @BeforeEach
    void startChildInNewNamespaces() {
        tree = Unshared.startAllTypes();
        child = (int) tree.leafPid();
        assertEquals(tree.pid(1), tree.leafPid());
    }

    @AfterEach
    void stop() {
        tree.close();
    }

    private static NamespaceType type(String procName) {
        for (NamespaceType t : NamespaceType.values()) {
            if (t.procName().equals(procName)) {
                return t;
            }
        }
        throw new IllegalArgumentException(procName);
    }

    @Test
    void namespacesOfAllEightTypesAreTheChildsOwn() throws Exception {
        try (Pidfd pidfd = Pidfd.open(child)) {
            assertEquals(child, pidfd.pid());
            assertTrue(pidfd.isAlive());
            for (String name : ALL_TYPES) {
                long expected = Proc.nsInode(child, name);
                assertNotEquals(Proc.nsInode(ProcessHandle.current().pid(), name), expected,
                        name + ": the child was meant to have its own");
                try (Namespace ns = pidfd.namespace(type(name))) {
                    assertEquals(type(name), ns.type());
                    assertEquals(expected, ns.inode(), name);
                }
            }
            try (PidNamespace pid = pidfd.pidNamespace(); UserNamespace user = pidfd.userNamespace();
                    MountNamespace mnt = pidfd.mountNamespace()) {
                assertEquals(Proc.nsInode(child, "pid"), pid.inode());
                assertEquals(Proc.nsInode(child, "user"), user.inode());
                assertEquals(Proc.nsInode(child, "mnt"), mnt.inode());
            }
        }
    }

    @Test
    void pidInAgreesWithNSpid() throws Exception {
        int[] nspid = Proc.task(child).nspid();
        assertEquals(2, nspid.length);
        try (Pidfd pidfd = Pidfd.open(child); PidNamespace childNs = pidfd.pidNamespace();
                PidNamespace host = PidNamespace.current();
                PidNamespace unshareNs = PidNamespace.ofProcess(tree.topPid())) {
            assertEquals(OptionalInt.of(nspid[1]), pidfd.pidIn(childNs));
            assertEquals(OptionalInt.of(nspid[0]), pidfd.pidIn(host));
            assertEquals(OptionalInt.of(nspid[0]), pidfd.pidIn(unshareNs)); // unshare itself stayed in the host's
            // and the other way round: the unshare process is not in the child's pid namespace
            try (Pidfd parent = Pidfd.open(tree.topPid())) {
                assertEquals(OptionalInt.empty(), parent.pidIn(childNs));
            }
        }
    }

    @Test
    void namespaceOfProcessHandleIsRaceFreeAndRight() throws Exception {
        ProcessHandle handle = ProcessHandle.of(child).orElseThrow();
        for (String name : ALL_TYPES) {
            try (Namespace ns = Namespace.ofProcess(handle, type(name))) {
                assertEquals(Proc.nsInode(child, name), ns.inode(), name);
            }
        }
        try (Pidfd pidfd = Pidfd.of(handle)) {
            assertEquals(child, pidfd.pid());
            assertTrue(pidfd.isAlive());
        }
    }

    @Test
    void exitIsDetectedAndNotMistakenForTheNextHolderOfThePid() throws Exception {
        ProcessHandle oldHandle = ProcessHandle.of(child).orElseThrow();
        java.util.Optional<java.time.Instant> oldStart = oldHandle.info().startInstant();
        int[] nspid = Proc.task(child).nspid();
        try (Pidfd pidfd = Pidfd.open(child); PidNamespace childNs = pidfd.pidNamespace();
                PidNamespace host = PidNamespace.current()) {
            assertEquals(OptionalInt.of(nspid[1]), pidfd.pidIn(childNs));

            // kill the child; unshare reaps it and exits
            new ProcessBuilder("kill", "-KILL", Integer.toString(child)).start().waitFor();
            Proc.awaitGone(child, Duration.ofSeconds(10));

            assertFalse(pidfd.isAlive());
            for (String name : ALL_TYPES) {
                assertThrows(NoSuchNamespaceException.class, () -> pidfd.namespace(type(name)), name);
            }
            assertThrows(NoSuchNamespaceException.class, () -> pidfd.pidIn(childNs));
            assertThrows(NoSuchNamespaceException.class, () -> pidfd.pidIn(host));
            assertThrows(NoSuchNamespaceException.class, () -> Pidfd.of(oldHandle));
            assertThrows(NoSuchNamespaceException.class, () -> Namespace.ofProcess(oldHandle, NamespaceType.NET));

            // Now give the same pid to a new host process, and ask again.
            Process reuser = reusePid(child);
            try {
                if (reuser != null) {
                    assertEquals(child, reuser.pid());
                    // a bare pid now names the new process, in the host's namespaces ...
                    assertEquals(OptionalInt.of(child), host.pidInNamespace(child));
                    try (Namespace net = Namespace.ofProcess(child, NamespaceType.NET)) {
                        assertEquals(Proc.nsInode(ProcessHandle.current().pid(), "net"), net.inode());
                    }
                    // ... but the pidfd still holds the dead one, and says so
                    assertFalse(pidfd.isAlive());
                    assertThrows(NoSuchNamespaceException.class, () -> pidfd.namespace(NamespaceType.NET));
                    assertThrows(NoSuchNamespaceException.class, () -> pidfd.pidIn(host));
                    // The JDK tells a ProcessHandle's process from a later holder of its pid by
                    // start time, in clock ticks: two processes started in the same tick look alike.
                    if (!oldStart.equals(reuser.toHandle().info().startInstant())) {
                        assertThrows(NoSuchNamespaceException.class, () -> Pidfd.of(oldHandle));
                        assertThrows(NoSuchNamespaceException.class, () -> Namespace.ofProcess(oldHandle,
                                NamespaceType.NET));
                    } else {
                        System.out.println("PidfdTest: the reuser started in the same clock tick as the old"
                                + " process; the JDK cannot tell their ProcessHandles apart");
                    }
                    // while a pidfd on the new holder works
                    try (Pidfd fresh = Pidfd.open(child)) {
                        assertTrue(fresh.isAlive());
                        assertEquals(OptionalInt.of(child), fresh.pidIn(host));
                    }
                } else {
                    System.out.println("PidfdTest: could not get pid " + child + " reused (busy machine);"
                            + " checked the exit without reuse only");
                }
            } finally {
                if (reuser != null) {
                    reuser.destroyForcibly();
                    reuser.waitFor();
                }
            }
        }
    }

    @Test
    void ofProcessHandleOfAnExitedProcessThrows() throws Exception {
        Process p = new ProcessBuilder("true").start();
        ProcessHandle handle = p.toHandle();
        p.waitFor();
        assertFalse(handle.isAlive());
        assertThrows(NoSuchNamespaceException.class, () -> Pidfd.of(handle));
        assertThrows(NoSuchNamespaceException.class, () -> Namespace.ofProcess(handle, NamespaceType.UTS));
    }

    @Test
    void openRejectsBadPidsAndUnknownProcesses() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> Pidfd.open(0));
        assertThrows(IllegalArgumentException.class, () -> Pidfd.open(-1));
        assertThrows(IllegalArgumentException.class, () -> Pidfd.open(Integer.MIN_VALUE));
        int unused = Proc.unusedPid();
        assertThrows(NoSuchNamespaceException.class, () -> Pidfd.open(unused));
    }

    @Test
    void closedPidfdThrowsClosed() throws Exception {
        Pidfd pidfd = Pidfd.open(child);
        pidfd.close();
        pidfd.close(); // idempotent
        assertFalse(pidfd.isOpen());
        assertThrows(ClosedNamespaceException.class, pidfd::isAlive);
        assertThrows(ClosedNamespaceException.class, () -> pidfd.namespace(NamespaceType.PID));
    }

    /**
     * Starts {@code sleep} so that it gets host pid {@code pid}: sets the host's
     * {@code /proc/sys/kernel/ns_last_pid} to pid - 1 just before the fork (root only), a few
     * tries on a busy machine. Null if it did not work out.
     */
    private static Process reusePid(int pid) throws IOException, InterruptedException {
        Path lastPid = Path.of("/proc/sys/kernel/ns_last_pid");
        for (int attempt = 0; attempt < 30; attempt++) {
            if (Files.exists(Path.of("/proc/" + pid))) {
                return null; // someone else took it
            }
            Files.writeString(lastPid, Integer.toString(pid - 1));
            Process p = new ProcessBuilder("sleep", "600").start();
            if (p.pid() == pid) {
                return p;
            }
            p.destroyForcibly();
            p.waitFor();
        }
        return null;
    }

    /**
     * sendSignal reaches the process the pidfd holds (its exit status says which signal); once
     * it is reaped the pidfd names no process (ESRCH: gone), and a number that is no signal is
     * EINVAL. The pidfd stays usable and open throughout.
     */
    @Test
    void sendSignalReachesTheProcessAndOnlyIt() throws Exception {
        Process sleeper = new ProcessBuilder("sleep", "1000").start();
        try (Pidfd pidfd = Pidfd.of(sleeper.toHandle())) {
            NamespaceException invalid = assertThrows(NamespaceException.class, () -> pidfd.sendSignal(1000));
            assertTrue(invalid.getMessage().contains("EINVAL"), invalid.getMessage());
            pidfd.sendSignal(0); // no signal: only checks that it may be sent
            assertTrue(sleeper.isAlive());
            pidfd.sendSignal(15);
            assertEquals(128 + 15, sleeper.waitFor(), "killed by SIGTERM");
            NoSuchNamespaceException gone = assertThrows(NoSuchNamespaceException.class, () -> pidfd.sendSignal(15));
            assertTrue(gone.getMessage().contains("ESRCH"), gone.getMessage());
            assertTrue(pidfd.isOpen());
        } finally {
            sleeper.destroyForcibly();
        }
    }
}
