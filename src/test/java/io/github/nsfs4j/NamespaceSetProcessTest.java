package io.github.nsfs4j;

import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Unshared;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Processes started inside another process's namespaces: the kernel's view of the child
 * ({@code /proc/PID/ns/*}, {@code NSpid}) is the target's, and the exit code and output come
 * back through the returned {@link Process}.
 */
class NamespaceSetProcessTest {
    private static final List<String> TYPES = List.of("cgroup", "ipc", "mnt", "net", "pid", "uts");
    private static Unshared container;

    @BeforeAll
    static void start() {
        // a container: its own /proc (--mount-proc), where the JVM's java.home is hidden as well
        container = Unshared.builder().types(TYPES).mountProc().script("mount -t tmpfs none "
                + System.getProperty("java.home") + " && echo ready && exec sleep 100000").start();
    }

    @AfterAll
    static void stop() {
        if (container != null) {
            container.close();
        }
    }

    private static NamespaceSet all() throws NamespaceException {
        try (Pidfd pidfd = Pidfd.open(container.leafPid())) {
            return NamespaceSet.allOf(pidfd);
        }
    }

    @Test
    void aProcessStartedInsideIsInTheTargetsNamespaces_withItsExitCodeAndOutput() throws Exception {
        try (NamespaceSet set = all()) {
            assertEquals(java.util.EnumSet.of(NamespaceType.CGROUP, NamespaceType.IPC, NamespaceType.MNT,
                    NamespaceType.NET, NamespaceType.PID, NamespaceType.UTS), set.types());
            // waits for a line on stdin, so that the test can look at it while it runs
            Process p = set.start(new ProcessBuilder("sh", "-c",
                    "echo $$; pwd; read line; echo \"got $line\"; echo err >&2; exit 7"));
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String pidInside = out.readLine();
            assertEquals("/", out.readLine(), "the working directory is the mount namespace's root");
            for (String type : TYPES) {
                assertEquals(Proc.nsLink(container.leafPid(), type), Proc.nsLink(p.pid(), type), type);
            }
            List<Long> nspid = Proc.nsPid(p.pid());
            assertEquals(2, nspid.size(), "a member of the container's pid namespace: " + nspid);
            assertEquals(p.pid(), nspid.get(0));
            assertEquals(Long.toString(nspid.get(1)), pidInside, "the kernel's NSpid agrees with the shell's own $$");
            p.getOutputStream().write("hello\n".getBytes(StandardCharsets.UTF_8));
            p.getOutputStream().close();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            assertEquals(7, p.exitValue());
            assertEquals("got hello", out.readLine());
            assertEquals(null, out.readLine());
            assertEquals("err\n", new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
            assertFalse(p.isAlive());
            out.close();
            p.getErrorStream().close();
        }
        assertEquals(Map.of(), Proc.foreignThreadsSettled());
    }

    /**
     * Virtual threads that wait on the pipes of started processes (more of them than the
     * virtual-thread scheduler has carriers) leave the carriers free: the virtual thread that
     * feeds the processes still runs. A wait in a native read or write would keep every
     * carrier, and the feeder would never run.
     */
    @Test
    void virtualThreadsWaitingOnPipesDoNotHoldTheirCarriers(@TempDir Path dir) throws Exception {
        int carriers = Integer.getInteger("jdk.virtualThreadScheduler.parallelism",
                Runtime.getRuntime().availableProcessors());
        int n = carriers + 2;
        Path go = dir.resolve("go");
        List<Process> readers = new java.util.ArrayList<>();
        List<Process> writers = new java.util.ArrayList<>();
        try (Pidfd pidfd = Pidfd.open(container.leafPid());
                NamespaceSet net = NamespaceSet.of(pidfd, NamespaceType.NET)) {
            for (int i = 0; i < n; i++) {
                readers.add(net.start(new ProcessBuilder("sh", "-c", "read line; echo \"got $line\"")));
                // reads nothing until the go file exists: a write of 1 MiB fills the pipe and waits
                writers.add(net.start(new ProcessBuilder("sh", "-c", "while [ ! -e " + go + " ]; do sleep 0.02;"
                        + " done; exec wc -c")));
            }
            List<String> seen = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
            List<Thread> waiting = new java.util.ArrayList<>();
            for (int i = 0; i < n; i++) {
                Process r = readers.get(i);
                Process w = writers.get(i);
                waiting.add(Thread.ofVirtual().start(() -> {
                    try {
                        seen.add(new BufferedReader(new InputStreamReader(r.getInputStream(), StandardCharsets.UTF_8))
                                .readLine());
                    } catch (java.io.IOException e) {
                        seen.add(e.toString());
                    }
                }));
                waiting.add(Thread.ofVirtual().start(() -> {
                    try {
                        w.getOutputStream().write(new byte[1 << 20]);
                        w.getOutputStream().close();
                        seen.add(new String(w.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim());
                    } catch (java.io.IOException e) {
                        seen.add(e.toString());
                    }
                }));
            }
            Thread feeder = Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(300); // let the others start waiting first
                    for (Process r : readers) {
                        r.getOutputStream().write("line\n".getBytes(StandardCharsets.UTF_8));
                        r.getOutputStream().flush();
                    }
                    Files.createFile(go);
                } catch (Exception e) {
                    seen.add(e.toString());
                }
            });
            for (Thread t : waiting) {
                assertTrue(t.join(java.time.Duration.ofSeconds(60)), "a virtual thread waiting on a pipe is stuck"
                        + " (the feeder " + (feeder.isAlive() ? "never ran" : "ran") + "): " + seen);
            }
            feeder.join();
            List<String> expected = new java.util.ArrayList<>();
            for (int i = 0; i < n; i++) {
                expected.add("got line");
                expected.add(Integer.toString(1 << 20));
            }
            java.util.Collections.sort(expected);
            List<String> got = new java.util.ArrayList<>(seen);
            java.util.Collections.sort(got);
            assertEquals(expected, got);
        } finally {
            for (Process p : readers) {
                p.destroyForcibly();
                p.getOutputStream().close();
                p.getInputStream().close();
                p.getErrorStream().close();
            }
            for (Process p : writers) {
                p.destroyForcibly();
                p.getOutputStream().close();
                p.getInputStream().close();
                p.getErrorStream().close();
            }
        }
    }

    @Test
    void theJdksOwnProcessBuilderFailsInThereWhichIsWhyTheLibraryStartsProcessesItself() throws Exception {
        try (Pidfd pidfd = Pidfd.open(container.leafPid());
                NamespaceSet mnt = NamespaceSet.of(pidfd, NamespaceType.MNT)) {
            // its helper, java.home/lib/jspawnhelper, is looked up in the container's file tree
            assertThrows(java.io.IOException.class, () -> mnt.call(() -> new ProcessBuilder("true").start()));
            Process p = mnt.start(new ProcessBuilder("true"));
            assertEquals(0, p.waitFor());
        }
    }

    @Test
    void signalsAndRedirects(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("out.log");
        try (NamespaceSet set = all()) {
            Process killed = set.start(new ProcessBuilder("sh", "-c", "kill -9 $$"));
            assertEquals(128 + 9, killed.waitFor(), "killed by a signal: 128 + N, as the JDK reports it");
            Process toFile = set.start(new ProcessBuilder("sh", "-c", "echo to-file; echo also >&2")
                    .redirectOutput(log.toFile()).redirectErrorStream(true));
            assertEquals(0, toFile.waitFor());
            assertEquals("to-file\nalso\n", Files.readString(log), "a redirect file is the JVM's, not the target's");
            Process sleeper = set.start(new ProcessBuilder("sleep", "1000"));
            sleeper.destroy();
            assertEquals(128 + 15, sleeper.waitFor());
            assertEquals(128 + 15, sleeper.onExit().get().exitValue());
        }
    }

    @Test
    void commandNotFoundOrNotRunnable(@TempDir Path dir) throws Exception {
        Path plain = Files.writeString(dir.resolve("plain"), "not a program\n");
        Path garbage = Files.write(dir.resolve("garbage"), new byte[] {0, 1, 2, 3});
        Files.setPosixFilePermissions(garbage, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        try (NamespaceSet set = all()) {
            NoSuchFileException missing = assertThrows(NoSuchFileException.class,
                    () -> set.start(new ProcessBuilder("nsfs4j-no-such-command")));
            assertTrue(missing.getMessage().contains("mount namespace"), missing.getMessage());
            // the JVM's java binary exists in the JVM's tree, not in the container's (a tmpfs hides java.home)
            Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            assertTrue(Files.isExecutable(java));
            assertThrows(NoSuchFileException.class, () -> set.start(new ProcessBuilder(java.toString(), "-version")));
            // the test's temporary files are on a filesystem the container shares
            assertThrows(AccessDeniedException.class, () -> set.start(new ProcessBuilder(plain.toString())));
            java.nio.file.FileSystemException format = assertThrows(java.nio.file.FileSystemException.class,
                    () -> set.start(new ProcessBuilder(garbage.toString())));
            assertTrue(format.getMessage().contains("ENOEXEC"), format.getMessage());
        }
        assertEquals(Map.of(), Proc.foreignThreadsSettled());
    }

    /**
     * ProcessOptions.argv0: the process's argv[0] (the kernel's /proc/PID/cmdline, and sh's $0)
     * is the name given, while the program run is still the builder's; through posix_spawn
     * (namespaces alone) and through the launcher (a uid asks for it).
     */
    @Test
    void argv0NamesTheProcessWhileTheBuildersProgramRuns() throws Exception {
        try (NamespaceSet set = all()) {
            for (ProcessOptions options : List.of(new ProcessOptions().argv0("-nsfs4j-login"),
                    new ProcessOptions().argv0("-nsfs4j-login").uid(0))) {
                Process p = set.start(new ProcessBuilder("sh", "-c", "echo \"$0\"; tr '\\0' ' ' < /proc/$$/cmdline"),
                        options);
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(p.waitFor(30, TimeUnit.SECONDS));
                assertEquals(0, p.exitValue(), out);
                assertEquals("-nsfs4j-login\n-nsfs4j-login -c echo \"$0\"; tr '\\0' ' ' < /proc/$$/cmdline ", out,
                        String.valueOf(options));
            }
        }
    }
}
