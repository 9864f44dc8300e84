package io.github.nsfs4j;

import io.github.nsfs4j.linux.Errno;
import io.github.nsfs4j.linux.LibC;
import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.kernel.PidfdIoctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

import io.github.nsfs4j.testing.Commands;
import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Unshared;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A live process whose main thread has called pthread_exit while another thread runs (issue
 * 9, item 1): its main thread is a zombie with no namespaces left, so the kernel answers
 * ESRCH to {@code PIDFD_GET_<TYPE>_NAMESPACE}, and {@code /proc/PID/ns/*} cannot be read;
 * the process is alive all the same. The fixture is a small C program compiled here with gcc.
 * And a zombie (exited, not reaped) is not alive.
 */
class PidfdMainThreadExitTest {

    private static final String PROGRAM = """
            #include <pthread.h>
            #include <stdio.h>
            #include <unistd.h>
            static void *run(void *arg) { (void) arg; for (;;) pause(); return 0; }
            int main(void) {
                pthread_t t;
                if (pthread_create(&t, 0, run, 0) != 0) return 1;
                printf("ready\\n");
                fflush(stdout);
                pthread_exit(0);
            }
            """;

    @TempDir
    Path dir;
    Process process;
    int pid;

    @BeforeEach
    void start() throws Exception {
        Unshared.requireCommand("gcc");
        Path source = Files.writeString(dir.resolve("main-thread-exits.c"), PROGRAM);
        Path binary = dir.resolve("main-thread-exits");
        Commands.Result cc = Commands.run(List.of("gcc", "-O", "-pthread", "-o", binary.toString(), source.toString()));
        assertEquals(0, cc.exitCode(), cc.toString());
        process = new ProcessBuilder(binary.toString()).redirectErrorStream(true).start();
        pid = (int) process.pid();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        assertEquals("ready", out.readLine());
        // the main thread's exit is asynchronous: wait (bounded) until the kernel shows it a zombie
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (Proc.state(pid).orElse('?') != 'Z') {
            assertTrue(System.nanoTime() < deadline, "the main thread did not exit: " + Proc.state(pid));
            Thread.sleep(10);
        }
    }

    @AfterEach
    void stop() throws Exception {
        if (process != null) {
            process.destroyForcibly().waitFor();
        }
    }

    /** The live thread's tid: the task that is not the (zombie) main thread. */
    private int liveThread() throws Exception {
        List<Integer> tids = new ArrayList<>();
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            tasks.forEach(t -> tids.add(Integer.parseInt(t.getFileName().toString())));
        }
        tids.remove(Integer.valueOf(pid));
        assertEquals(1, tids.size(), "one thread besides the main one: " + tids);
        return tids.getFirst();
    }

    @Test
    void itIsAliveAndItsNamespacesAreReachableThroughItsLiveThread() throws Exception {
        assertTrue(process.isAlive(), "the JDK agrees the process runs");
        int tid = liveThread();
        try (Pidfd pidfd = Pidfd.open(pid)) {
            assertTrue(pidfd.isAlive());
            for (NamespaceType type : NamespaceType.values()) {
                // the kernel's own answer for the main thread: no namespaces (or, before 6.11, no request)
                int raw = rawPidfdNamespace(pidfd, type);
                assertTrue(raw == -Errno.ESRCH || raw == -Errno.ENOTTY, type + ": the kernel answered " + raw);
                long truth = Proc.nsInode(tid, type.procName()); // /proc/TID/ns of the live thread
                try (Namespace ns = pidfd.namespace(type)) {
                    assertEquals(truth, ns.inode(), type + " of the live thread");
                    assertEquals(type, ns.type());
                }
            }
            try (PidNamespace own = PidNamespace.current()) {
                assertEquals(OptionalInt.of(pid), pidfd.pidIn(own), "pidIn works for it too");
            }
            try (PidNamespace ns = pidfd.pidNamespace(); UserNamespace user = pidfd.userNamespace();
                    MountNamespace mnt = pidfd.mountNamespace()) {
                assertEquals(Proc.nsInode(tid, "pid"), ns.inode());
                assertEquals(Proc.nsInode(tid, "user"), user.inode());
                assertEquals(Proc.nsInode(tid, "mnt"), mnt.inode());
            }
            try (Namespace viaHandle = Namespace.ofProcess(process.toHandle(), NamespaceType.NET)) {
                assertEquals(Proc.nsInode(tid, "net"), viaHandle.inode());
            }

            process.destroyForcibly().waitFor();
            assertFalse(pidfd.isAlive(), "after the last thread exited");
            assertThrows(NoSuchNamespaceException.class, () -> pidfd.namespace(NamespaceType.NET));
            try (PidNamespace own = PidNamespace.current()) {
                assertThrows(NoSuchNamespaceException.class, () -> pidfd.pidIn(own));
            }
        }
    }

    private static int rawPidfdNamespace(Pidfd pidfd, NamespaceType type) throws Exception {
        return Internals.onFd(pidfd, raw -> {
            int rc = LibC.ioctl(raw, PidfdIoctl.namespaceOf(type).request(), 0L);
            if (rc >= 0) {
                LibC.close(rc);
            }
            return rc;
        });
    }

    /** A zombie (exited, not reaped by its parent) counts as exited. */
    @Test
    void aZombieIsNotAlive() throws Exception {
        // sh forks a short child, then becomes a sleep that never reaps it
        Process parent = new ProcessBuilder("sh", "-c", "true & exec sleep 1000").start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            Optional<Long> zombie = Optional.empty();
            while (zombie.isEmpty()) {
                assertTrue(System.nanoTime() < deadline, "no zombie child of " + parent.pid());
                zombie = Proc.children(parent.pid()).stream()
                        .filter(c -> Proc.state(c).orElse('?') == 'Z').findFirst();
                Thread.sleep(10);
            }
            int z = Math.toIntExact(zombie.get());
            try (Pidfd pidfd = Pidfd.open(z)) {
                assertEquals(Optional.of('Z'), Proc.state(z), "still a zombie (truth)");
                assertFalse(pidfd.isAlive());
                assertThrows(NoSuchNamespaceException.class, () -> pidfd.namespace(NamespaceType.UTS));
            }
        } finally {
            parent.destroyForcibly().waitFor();
        }
    }
}
