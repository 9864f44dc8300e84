package io.github.nsfs4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.nsfs4j.testing.Commands;
import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Unshared;

/**
 * {@code nsfs exec} as the contract says: the command runs in the target's namespaces (their
 * readlink, NSpid), with its own exit status, or 125/126/127; user and time entered too.
 * In-process through Main.run, and through {@code java -jar}.
 */
class ExecCommandTest {
    private static Unshared container;

    @BeforeAll
    static void start() {
        container = Unshared.builder().types("ipc", "mnt", "net", "pid", "uts").mountProc().start();
    }

    @AfterAll
    static void stop() {
        if (container != null) {
            container.close();
        }
    }

    private static String pid() {
        return Long.toString(container.leafPid());
    }

    @Test
    void runsInTheNamedNamespaces(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("links");
        CliRun r = CliRun.of("exec", "-t", pid(), "-n", "-u", "--", "sh", "-c",
                "readlink /proc/self/ns/net /proc/self/ns/uts /proc/self/ns/ipc > " + out);
        assertEquals(0, r.status(), r::toString);
        assertEquals(List.of(Proc.nsLink(container.leafPid(), "net"), Proc.nsLink(container.leafPid(), "uts"),
                Proc.nsLink(ProcessHandle.current().pid(), "ipc")), Files.readAllLines(out),
                "net and uts entered, ipc not asked for");
    }

    @Test
    void exitStatusIsTheCommandsOrEnvsConvention(@TempDir Path dir) throws Exception {
        Path plain = Files.writeString(dir.resolve("plain"), "not a program\n"); // rw-r--r--: not executable
        assertEquals(3, CliRun.of("exec", "-t", pid(), "-n", "--", "sh", "-c", "exit 3").status());
        assertEquals(128 + 9, CliRun.of("exec", "-t", pid(), "-n", "--", "sh", "-c", "kill -9 $$").status());
        CliRun missing = CliRun.of("exec", "-t", pid(), "-a", "--", "nsfs4j-no-such-command").assertFailure(127);
        assertTrue(missing.err().contains("not found"), missing::toString);
        CliRun notRunnable = CliRun.of("exec", "-t", pid(), "-n", "--", plain).assertFailure(126);
        assertTrue(notRunnable.err().contains(plain.toString()), notRunnable::toString);
    }

    @Test
    void failuresBeforeTheCommandAre125() {
        long gone = Proc.pidMax() - 1; // no process has it: pids are handed out from low numbers
        for (List<String> args : List.of(List.of("exec", "-t", Long.toString(gone), "-n", "--", "true"),
                List.of("exec", "-n", "--", "true"), List.of("exec", "-t", pid(), "--", "true"),
                List.of("exec", "-t", pid(), "-n"), List.of("exec", "-t", "x", "-n", "--", "true"),
                List.of("exec", "-t", pid(), "-n", "-z", "--", "true"), List.of("--json", "exec", "-t", pid(), "-n",
                        "--", "true"))) {
            CliRun.of(args.toArray()).assertFailure(125);
        }
        CliRun gonePid = CliRun.of("exec", "-t", gone, "-n", "--", "true");
        assertTrue(gonePid.err().contains("no such process"), gonePid::toString);
    }

    @Test
    void optionsEndAtTheCommand(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("args");
        CliRun r = CliRun.of("exec", "-t", pid(), "-nu", "sh", "-c", "echo \"$0 $1\" > " + out, "-n", "--help");
        assertEquals(0, r.status(), r::toString);
        assertEquals("-n --help\n", Files.readString(out), "the command's own options are not nsfs's");
    }

    /** User and time namespaces are entered, as nsenter enters them (through nsfs4j's launcher). */
    @Test
    void userAndTimeAreEntered(@TempDir Path dir) throws Exception {
        try (Unshared withUser = Unshared.builder().types("user", "net").mapRootUser(true).start();
                Unshared withTime = Unshared.builder().types("time").options("--boottime", "1000").start()) {
            Path out = dir.resolve("out");
            CliRun all = CliRun.of("exec", "-t", Long.toString(withUser.leafPid()), "-a", "--", "sh", "-c",
                    "readlink /proc/self/ns/user /proc/self/ns/net > " + out + "; id -u >> " + out);
            assertEquals(0, all.status(), all::toString);
            assertEquals(List.of(Proc.nsLink(withUser.leafPid(), "user"), Proc.nsLink(withUser.leafPid(), "net"), "0"),
                    Files.readAllLines(out));
            CliRun time = CliRun.of("exec", "-t", Long.toString(withTime.leafPid()), "-T", "--", "sh", "-c",
                    "readlink /proc/self/ns/time > " + out);
            assertEquals(0, time.status(), time::toString);
            assertEquals(List.of(Proc.nsLink(withTime.leafPid(), "time")), Files.readAllLines(out));
        }
        // a user namespace that is nsfs's own is skipped
        assertEquals(0, CliRun.of("exec", "-t", pid(), "-n", "-U", "-T", "--", "true").status());
    }

    /** Through the jar: -p and -m as the contract says (NSpid inside, the mount namespace's root as cwd). */
    @Test
    void throughJavaJar(@TempDir Path tmp) throws Exception {
        Path jar = TestJar.build(tmp.resolve("jar"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Commands.Result r = Commands.run(List.of(java, "-jar", jar.toString(), "exec", "-t", pid(), "-p", "-m",
                "--", "sh", "-c", "grep NSpid /proc/self/status; pwd; readlink /proc/self/ns/mnt; exit 5"));
        assertEquals(5, r.exitCode(), r.toString());
        List<String> lines = r.stdout().lines().toList();
        assertEquals(3, lines.size(), r.toString());
        assertTrue(lines.get(0).matches("NSpid:\\t\\d+"), "one level: the container's own /proc: " + r);
        assertEquals("/", lines.get(1));
        assertEquals(Proc.nsLink(container.leafPid(), "mnt"), lines.get(2));
        assertEquals("", r.stderr(), r.toString());

        Commands.Result all = Commands.run(List.of(java, "-jar", jar.toString(), "exec", "-t", pid(), "-a", "--",
                "sh", "-c", "for t in ipc mnt net pid uts; do readlink /proc/self/ns/$t; done"));
        assertEquals(0, all.exitCode(), all.toString());
        List<String> expected = new ArrayList<>();
        for (String t : List.of("ipc", "mnt", "net", "pid", "uts")) {
            expected.add(Proc.nsLink(container.leafPid(), t));
        }
        assertEquals(expected, all.stdout().lines().toList());
    }
}
