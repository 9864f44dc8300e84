package io.github.nsfs4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.nsfs4j.testing.Commands;
import io.github.nsfs4j.testing.LsnsRelease;
import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.ThreadInNamespace;
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
List.of("exec", "-t", "x", "-n", "--", "true"),
                List.of("exec", "-t", pid(), "-n", "-z", "--", "true"), List.of("--json", "exec", "-t", pid(), "-n",
                        "--", "true"))) {
            CliRun.of(args.toArray()).assertFailure(125);
        }
        CliRun gonePid = CliRun.of("exec", "-t", gone, "-n", "--", "true");
        assertTrue(gonePid.err().contains("no such process"), gonePid::toString);
        // nsenter's -F and -Z do not apply: refused saying why, not as unknown options
        for (String option : List.of("-F", "--no-fork", "-Z", "--follow-context")) {
            CliRun refused = CliRun.of("exec", "-t", pid(), "-n", option, "--", "true").assertFailure(125);
            assertTrue(refused.err().contains("does not apply") && !refused.err().contains("unknown"),
                    refused::toString);
        }
    }

    @Test
    void optionsEndAtTheCommand(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("args");
        CliRun r = CliRun.of("exec", "-t", pid(), "-n", "-u", "sh", "-c", "echo \"$0 $1\" > " + out, "-n", "--help");
        assertEquals(0, r.status(), r::toString);
        assertEquals("-n --help\n", Files.readString(out), "the command's own options are not nsfs's");
    }

    /** A COMMAND name with an escape sequence and a tab reaches the terminal escaped (issue 18), as cli.md promises. */
    @Test
    void aCommandNameIsEscapedInMessages(@TempDir Path dir) throws Exception {
        String name = "nsfs4j-\u001b[31mred\tname";
        CliRun missing = CliRun.of("exec", "-t", pid(), "-n", "--", name).assertFailure(127);
        assertEquals("nsfs exec: nsfs4j-\\x1b[31mred\\x09name: command not found\n", missing.err());
        CliRun all = CliRun.of("exec", "-t", pid(), "-a", "--", name).assertFailure(127);
        assertEquals("nsfs exec: nsfs4j-\\x1b[31mred\\x09name: command not found in the target's mount namespace\n",
                all.err(), "-a enters the mount namespace too");
        Path plain = Files.writeString(dir.resolve(name), "not a program\n");
        CliRun cannot = CliRun.of("exec", "-t", pid(), "-n", "--", plain.toString()).assertFailure(126);
        assertTrue(cannot.err().contains("\\x1b[31mred\\x09name: cannot run it: ") && !cannot.err().contains("\u001b")
                && !cannot.err().contains("\t"), cannot::toString);
    }

    /**
     * -S, -G and --preserve-credentials as nsenter 2.38+ gives them, in a user namespace that maps
     * uids and gids 100000-165535 outside to 0-65535 inside (root, uid 0 outside, is not mapped):
     * uid and gid 0 by default, the ones asked for, or root's own kept (shown as the overflow id
     * 65534); an id the namespace does not map fails at setuid, in words, before COMMAND runs.
     */
    @Test
    void credentialsAfterEnteringAsNsenterSetsThem(@TempDir Path dir) throws Exception {
        Unshared.require(Proc.euid() == 0, "writes a user namespace's uid_map: needs root");
        Unshared.requireCommand("nsenter");
        try (Unshared target = Unshared.builder().types("user", "net").start()) {
            String leaf = Long.toString(target.leafPid());
            Files.writeString(Path.of("/proc/" + leaf + "/uid_map"), "0 100000 65536\n");
            Files.writeString(Path.of("/proc/" + leaf + "/gid_map"), "0 100000 65536\n");
            // COMMAND runs as uids that own nothing here: a file anyone may write
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path out = Files.createFile(dir.resolve("out"));
            Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rw-rw-rw-"));
            String script = "echo $(id -u) $(id -g) $(id -G) > " + out;
            for (List<String> options : List.of(List.of("-U", "-n"), List.of("-a", "-S", "1000", "-G", "1001"),
                    List.of("-U", "-G", "7"), List.of("-U", "-n", "--preserve-credentials"))) {
                List<String> argv = new ArrayList<>(List.of("exec", "-t", leaf));
                argv.addAll(options);
                argv.addAll(List.of("--", "sh", "-c", script));
                CliRun r = CliRun.of(argv.toArray());
                assertEquals(0, r.status(), r::toString);
                String ours = Files.readString(out);
                List<String> nsenter = new ArrayList<>(List.of("nsenter", "-t", leaf));
                nsenter.addAll(options);
                nsenter.addAll(List.of("sh", "-c", script));
                Commands.Result theirs = Commands.run(nsenter);
                assertEquals(0, theirs.exitCode(), theirs.toString());
                assertEquals(Files.readString(out), ours, "nsenter " + options + " gives the same ids");
            }
            assertEquals("0 0 0\n", runIds(leaf, out, script, "-U"), "uid and gid 0 by default");
            assertEquals("1000 1001 1001\n", runIds(leaf, out, script, "-U", "-S", "1000", "-G", "1001"));
            assertEquals("65534 65534 65534\n", runIds(leaf, out, script, "-U", "--preserve-credentials"),
                    "root's own ids, which the namespace does not map");
            CliRun unmapped = CliRun.of("exec", "-t", leaf, "-U", "-S", "70000", "--", "touch", out.toString())
                    .assertFailure(125);
            assertTrue(unmapped.err().contains("setuid") && unmapped.err().contains("70000")
                    && unmapped.err().contains("Invalid argument"), unmapped::toString);
            CliRun.of("exec", "-t", leaf, "-U", "-S", "1x", "--", "true").assertFailure(125);
            CliRun.of("exec", "-t", leaf, "-U", "-G", "4294967295", "--", "true").assertFailure(125);
        }
    }

    private static String runIds(String leaf, Path out, String script, String... options) throws Exception {
        List<String> argv = new ArrayList<>(List.of("exec", "-t", leaf));
        argv.addAll(List.of(options));
        argv.addAll(List.of("--", "sh", "-c", script));
        CliRun r = CliRun.of(argv.toArray());
        assertEquals(0, r.status(), r::toString);
        return Files.readString(out);
    }

    /**
     * Namespaces named by a file, as nsenter names them (--net=FILE, -nFILE attached): a bind
     * mount that alone holds its namespace, and /proc/PID/fd/N of a process holding one open;
     * mixed with -t for the other types, or without -t at all. A file of another type, or not a
     * namespace, is refused with one line; -nu means the file "u", as in nsenter.
     */
    @Test
    void namespacesNamedByAFile(@TempDir Path dir) throws Exception {
        Path held = Files.createFile(dir.resolve("net"));
        Unshared.bindMount("net", held); // a network namespace no process is in
        try {
            Path out = dir.resolve("out");
            String links = "readlink /proc/self/ns/net /proc/self/ns/uts > " + out;
            String heldLink = "net:[" + Files.getAttribute(held, "unix:ino") + "]";
            CliRun byFile = CliRun.of("exec", "--net=" + held, "--", "sh", "-c", links);
            assertEquals(0, byFile.status(), byFile::toString);
            assertEquals(List.of(heldLink, Proc.nsLink(ProcessHandle.current().pid(), "uts")), Files.readAllLines(out));
            CliRun attached = CliRun.of("exec", "-t", pid(), "-u", "-n" + held, "--", "sh", "-c", links);
            assertEquals(0, attached.status(), attached::toString);
            assertEquals(List.of(heldLink, Proc.nsLink(container.leafPid(), "uts")), Files.readAllLines(out),
                    "net from the file, uts from the target");
            Commands.Result nsenter = Commands.run(List.of("nsenter", "-t", pid(), "-u", "-n" + held, "sh", "-c",
                    links));
            assertEquals(0, nsenter.exitCode(), nsenter.toString());
            assertEquals(List.of(heldLink, Proc.nsLink(container.leafPid(), "uts")), Files.readAllLines(out),
                    "nsenter reads the same options the same way");

            try (java.io.FileInputStream holder = new java.io.FileInputStream("/proc/" + pid() + "/ns/ipc")) {
                int fd = -1;
                for (Map.Entry<Integer, String> e : Proc.fds().entrySet()) {
                    if (e.getValue().equals(Proc.nsLink(container.leafPid(), "ipc"))) {
                        fd = e.getKey();
                    }
                }
                assertTrue(fd >= 0, "the ipc namespace is open in this JVM");
                CliRun viaFd = CliRun.of("exec", "--ipc=/proc/" + ProcessHandle.current().pid() + "/fd/" + fd, "--",
                        "sh", "-c", "readlink /proc/self/ns/ipc > " + out);
                assertEquals(0, viaFd.status(), viaFd::toString);
                assertEquals(List.of(Proc.nsLink(container.leafPid(), "ipc")), Files.readAllLines(out));
            }

            CliRun wrongType = CliRun.of("exec", "--uts=" + held, "--", "true").assertFailure(125);
            assertTrue(wrongType.err().contains("is a net namespace, not a uts one"), wrongType::toString);
            CliRun notNs = CliRun.of("exec", "-n/etc/hostname", "--", "true").assertFailure(125);
            assertTrue(notNs.err().contains("/etc/hostname"), notNs::toString);
            CliRun bundled = CliRun.of("exec", "-t", pid(), "-nu", "--", "true").assertFailure(125);
            assertTrue(bundled.err().contains("open on u: "), "-nu names the file u: " + bundled);
            CliRun.of("exec", "-n", "--", "true").assertFailure(125); // a type from no process: -t missing
        } finally {
            Commands.run(List.of("umount", held.toString()));
        }
    }

    /**
     * -r, -w and -W as nsenter gives them: the target's root and working directory without a
     * DIR, a DIR of nsfs's file tree, or (-W) a directory of the entered tree; each compared
     * with nsenter on the same options. -w and -W exclude each other, as in nsenter; a
     * directory that cannot be entered fails before COMMAND, naming the directory.
     */
    @Test
    void rootAndWorkingDirectoriesAsNsenterSetsThem(@TempDir Path dir) throws Exception {
        Unshared.requireCommand("nsenter");
        Path out = dir.resolve("out");
        for (List<String> options : List.of(List.of("-m", "-W", "/proc/sys"), List.of("-m", "-r", "-w"),
                List.of("-n", "-w/usr/lib"), List.of("-n", "--wdns=/usr/lib"), List.of("-m", "-r/", "-W/etc"))) {
            List<String> argv = new ArrayList<>(List.of("exec", "-t", pid()));
            argv.addAll(options);
            argv.addAll(List.of("--", "sh", "-c", "pwd -P > " + out));
            CliRun r = CliRun.of(argv.toArray());
            assertEquals(0, r.status(), r::toString);
            List<String> ours = Files.readAllLines(out);
            List<String> nsenter = new ArrayList<>(List.of("nsenter", "-t", pid()));
            nsenter.addAll(options);
            nsenter.addAll(argv.subList(argv.indexOf("--") + 1, argv.size()));
            Commands.Result theirs = Commands.run(nsenter);
            assertEquals(0, theirs.exitCode(), theirs.toString());
            assertEquals(Files.readAllLines(out), ours, "nsenter " + options + " starts in the same directory");
        }
        CliRun both = CliRun.of("exec", "-t", pid(), "-n", "-w", "-W/", "--", "true").assertFailure(125);
        assertTrue(both.err().contains("exclude each other"), both::toString);
        CliRun noTarget = CliRun.of("exec", "--net=/proc/self/ns/net", "-r", "--", "true").assertFailure(125);
        assertTrue(noTarget.err().contains("-t PID"), noTarget::toString);
        CliRun missing = CliRun.of("exec", "-t", pid(), "-m", "-W", "/nsfs4j-no-such-dir", "--", "true");
        assertEquals(125, missing.status(), missing::toString);
        assertTrue(missing.err().contains("/nsfs4j-no-such-dir"), missing::toString);
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

    /**
     * A signal sent to nsfs reaches COMMAND (issue 18: kill of nsfs left COMMAND running), as it
     * reaches a command that nsenter runs in its place: HUP, INT and TERM are forwarded, nsfs
     * exits with COMMAND's status, and nothing is left running. Through the jar: a JVM of its own.
     */
    @Test
    void signalsSentToNsfsReachTheCommand(@TempDir Path tmp) throws Exception {
        Path jar = TestJar.build(tmp.resolve("jar"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (String signal : List.of("TERM", "INT", "HUP")) {
            Path ready = tmp.resolve("ready-" + signal);
            Path got = tmp.resolve("got-" + signal);
            String script = "trap 'echo " + signal + " > " + got + "; kill $child; exit 7' " + signal
                    + "; sleep 1000 & child=$!; echo $$ > " + ready + ".tmp; mv " + ready + ".tmp " + ready + "; wait";
            // a JVM started in the background of a script (mvn under nohup or '&') has HUP, INT and QUIT
            // ignored, and an ignored signal stays ignored through exec, for nsfs and COMMAND alike (as for
            // nsenter): env gives them back their defaults, so that the test sees what a terminal's user sees
            Process nsfs = new ProcessBuilder("env", "--default-signal=HUP,INT,TERM", java, "-jar", jar.toString(),
                    "exec", "-t", pid(), "-n", "--", "sh", "-c", script).redirectErrorStream(true)
                    .redirectOutput(tmp.resolve("out-" + signal).toFile()).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.exists(ready) && nsfs.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(Files.exists(ready), "COMMAND did not start: " + Files.readString(tmp.resolve("out-" + signal)));
            long command = Long.parseLong(Files.readString(ready).trim());
            Commands.Result kill = Commands.run(List.of("kill", "-" + signal, Long.toString(nsfs.pid())));
            assertEquals(0, kill.exitCode(), kill.toString());
            assertTrue(nsfs.waitFor(60, TimeUnit.SECONDS), "nsfs did not end after " + signal);
            assertEquals(7, nsfs.exitValue(), "COMMAND's status: " + Files.readString(tmp.resolve("out-" + signal)));
            assertEquals(signal + "\n", Files.readString(got), "COMMAND got the signal");
            assertFalse(ProcessHandle.of(command).map(ProcessHandle::isAlive).orElse(false), "COMMAND has ended");
        }
    }

    /** nsfs exec through the jar, or (nsenter) util-linux 2.41's nsenter, with SHELL set or unset and a script on stdin. */
    private static Commands.Result runWith(Path jar, boolean nsenter, String shell, String stdin, String... args)
            throws Exception {
        List<String> cmd = new ArrayList<>(nsenter ? LsnsRelease.nsenter(args) : List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar.toString()));
        if (!nsenter) {
            cmd.add("exec");
            cmd.addAll(List.of(args));
        }
        ProcessBuilder pb = new ProcessBuilder(cmd);
        if (shell == null) {
            pb.environment().remove("SHELL");
        } else {
            pb.environment().put("SHELL", shell);
        }
        Path in = Files.createTempFile("nsfs4j-stdin", ".sh");
        try {
            Files.writeString(in, stdin);
            Process p = pb.redirectInput(in.toFile()).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes());
            String err = new String(p.getErrorStream().readAllBytes());
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), cmd + " did not end");
            return new Commands.Result(cmd, p.exitValue(), out, err);
        } finally {
            Files.delete(in);
        }
    }

    /** No COMMAND: $SHELL, else /bin/sh, as a login shell ("-sh" as $0), as nsenter 2.41 runs it. */
    @Test
    void noCommandRunsTheShellAsNsenterDoes(@TempDir Path tmp) throws Exception {
        Path jar = TestJar.build(tmp.resolve("jar"));
        String script = "echo \"$0\"; readlink /proc/$$/ns/net; case $- in *i*) echo interactive;; esac\n";
        for (String shell : java.util.Arrays.asList("/bin/sh", null, "/bin/bash", "/nsfs4j/no-such-shell")) {
            Commands.Result expected = runWith(jar, true, shell, script, "-t", pid(), "-n");
            Commands.Result actual = runWith(jar, false, shell, script, "-t", pid(), "-n");
            assertEquals(expected.exitCode(), actual.exitCode(), "SHELL=" + shell + ": " + expected + " / " + actual);
            assertEquals(expected.stdout(), actual.stdout(), "SHELL=" + shell);
            if (expected.exitCode() == 0) {
                assertEquals("", actual.stderr(), actual::toString);
                assertTrue(actual.stdout().contains(Proc.nsLink(container.leafPid(), "net")), actual::toString);
            } else {
                assertTrue(actual.stderr().contains("/nsfs4j/no-such-shell: command not found"), actual::toString);
            }
        }
    }

    /**
     * -e: COMMAND's environment is the target's (/proc/PID/environ), as util-linux 2.41's
     * nsenter gives it (sorted: the JDK keeps the environment in a hash map), with -t alone
     * and with a namespace named by a file; the library's Pidfd.environment() is that file's
     * entries; -e without -t is a usage error, as in nsenter.
     */
    @Test
    void envIsTheTargetsAsNsenterGivesIt(@TempDir Path tmp) throws Exception {
        Unshared.require(Proc.euid() == 0, "unshare --net: needs root");
        Path jar = TestJar.build(tmp.resolve("jar"));
        Process target = new ProcessBuilder("unshare", "--net", "--", "env", "-i", "FOO=target", "BAR=two words",
                "EMPTY=", "PATH=/usr/bin:/bin", "sleep", "1000").start();
        try {
            String tpid = Long.toString(target.pid());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.readString(Path.of("/proc", tpid, "environ")).contains("FOO=target")
                    && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            try (io.github.nsfs4j.Pidfd pidfd = io.github.nsfs4j.Pidfd.open((int) target.pid())) {
                assertEquals(Map.of("FOO", "target", "BAR", "two words", "EMPTY", "", "PATH", "/usr/bin:/bin"),
                        pidfd.environment());
            }
            Commands.Result expected = runWith(jar, true, "/bin/sh", "", "-t", tpid, "-n", "-e", "--", "/usr/bin/env");
            assertEquals(0, expected.exitCode(), expected.toString());
            for (List<String> args : List.of(List.of("-t", tpid, "-n", "-e"), List.of("-t", tpid,
                    "--net=/proc/" + tpid + "/ns/net", "--env"))) {
                List<String> all = new ArrayList<>(args);
                all.addAll(List.of("--", "/usr/bin/env"));
                Commands.Result actual = runWith(jar, false, "/bin/sh", "", all.toArray(String[]::new));
                assertEquals(0, actual.exitCode(), actual.toString());
                assertEquals(expected.stdout().lines().sorted().toList(), actual.stdout().lines().sorted().toList(),
                        String.valueOf(args));
                assertEquals("", actual.stderr(), actual::toString);
            }
            CliRun.of("exec", "--net=/proc/" + tpid + "/ns/net", "-e", "--", "true").assertFailure(125);
        } finally {
            target.destroyForcibly();
            target.waitFor();
        }
    }

    /**
     * -t TID: a thread id (pidfd_open answers ENOENT for one) names that thread's namespaces,
     * as util-linux 2.41's nsenter takes it: a thread of this JVM in the container's net
     * namespace, while the JVM's main thread is not; the library's Pidfd.open(TID) the same.
     */
    @Test
    void aThreadIdNamesThatThreadsNamespaces(@TempDir Path tmp) throws Exception {
        Unshared.require(Proc.euid() == 0, "setns into a net namespace: needs root");
        Path jar = TestJar.build(tmp.resolve("jar"));
        String inside = Proc.nsLink(container.leafPid(), "net");
        try (ThreadInNamespace t = new ThreadInNamespace(container.leafPid(), "net")) {
            String tid = Integer.toString(t.tid());
            assertEquals(inside, Files.readSymbolicLink(Path.of("/proc", tid, "ns", "net")).toString(),
                    "the kernel's truth: the thread is in the container's net namespace");
            try (io.github.nsfs4j.Pidfd pidfd = io.github.nsfs4j.Pidfd.open(t.tid());
                    io.github.nsfs4j.Namespace net = pidfd.namespace(io.github.nsfs4j.kernel.NamespaceType.NET)) {
                assertTrue(pidfd.isAlive());
                assertEquals(inside, "net:[" + net.inode() + "]");
            }
            Commands.Result expected = runWith(jar, true, "/bin/sh", "", "-t", tid, "-n", "--", "readlink",
                    "/proc/self/ns/net");
            assertEquals(0, expected.exitCode(), expected.toString());
            assertEquals(inside + "\n", expected.stdout());
            Commands.Result actual = runWith(jar, false, "/bin/sh", "", "-t", tid, "-n", "--", "readlink",
                    "/proc/self/ns/net");
            assertEquals(0, actual.exitCode(), actual.toString());
            assertEquals(expected.stdout(), actual.stdout());
            assertEquals("", actual.stderr(), actual::toString);
        }
    }

    /**
     * --user-parent, as util-linux 2.41's nsenter takes it: the parent (NS_GET_PARENT) of the
     * user namespace that -U (or --user=FILE) names, or of the target's without -U; a target
     * in nsfs's own (initial) user namespace has none to enter: a failure in words.
     */
    @Test
    void userParentAsNsenterTakesIt(@TempDir Path tmp) throws Exception {
        Unshared.require(Proc.euid() == 0, "nested user namespaces entered by root");
        Path jar = TestJar.build(tmp.resolve("jar"));
        // user namespace U2 (with a net namespace it owns) inside U1 inside the initial one; no fork: the pid is sleep's
        Process target = new ProcessBuilder("unshare", "-U", "-r", "--", "unshare", "-U", "-r", "-n", "--",
                "sleep", "1000").start();
        try {
            String tpid = Long.toString(target.pid());
            String own = Proc.nsLink(ProcessHandle.current().pid(), "user");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (Proc.nsLink(target.pid(), "net").equals(Proc.nsLink(ProcessHandle.current().pid(), "net"))
                    && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            String u2 = Proc.nsLink(target.pid(), "user");
            assertFalse(u2.equals(own), "the target is in a user namespace of its own");
            String show = "readlink /proc/self/ns/user /proc/self/ns/net";
            for (List<String> args : List.of(List.of("-t", tpid, "--user-parent"), List.of("-t", tpid, "-n",
                    "--user-parent"), List.of("-t", tpid, "-U", "-n", "--user-parent"), List.of("-t", tpid,
                    "--user=/proc/" + tpid + "/ns/user", "--user-parent"))) {
                List<String> all = new ArrayList<>(args);
                all.addAll(List.of("--", "sh", "-c", show));
                Commands.Result expected = runWith(jar, true, "/bin/sh", "", all.toArray(String[]::new));
                assertEquals(0, expected.exitCode(), expected.toString());
                String user = expected.stdout().lines().findFirst().orElseThrow();
                assertFalse(user.equals(u2) || user.equals(own), "nsenter entered U1: " + expected);
                Commands.Result actual = runWith(jar, false, "/bin/sh", "", all.toArray(String[]::new));
                assertEquals(0, actual.exitCode(), actual.toString());
                assertEquals(expected.stdout(), actual.stdout(), String.valueOf(args));
                assertEquals("", actual.stderr(), actual::toString);
            }
            String self = Long.toString(ProcessHandle.current().pid());
            Commands.Result none = runWith(jar, true, "/bin/sh", "", "-t", self, "--user-parent", "--", "true");
            assertEquals(1, none.exitCode(), "nsenter fails: the initial user namespace has no parent: " + none);
            CliRun ours = CliRun.of("exec", "-t", self, "--user-parent", "--", "true").assertFailure(125);
            assertTrue(ours.err().contains("has no parent"), ours::toString);
        } finally {
            target.destroyForcibly();
            target.waitFor();
        }
    }

    /**
     * -N/--net-socket FD: the net namespace of socket FD of the target, as util-linux 2.41's
     * nsenter enters it: here one that only the socket keeps (its maker went back to its old
     * one), so no -t or file could name it; -N with -n, and an fd that is no socket, fail
     * before COMMAND.
     */
    @Test
    void netSocketAsNsenterTakesIt(@TempDir Path tmp) throws Exception {
        Unshared.require(Proc.euid() == 0, "pidfd_getfd of another process: needs root");
        Unshared.requireCommand("perl");
        Path jar = TestJar.build(tmp.resolve("jar"));
        // unshare(2) is 272 and setns(2) 308 on x86-64
        String script = "use Socket; open(my $o, '<', '/proc/self/ns/net') or die \"open: $!\";"
                + " syscall(272, 0x40000000) == 0 or die \"unshare: $!\";"
                + " my @st = stat('/proc/self/ns/net'); socket(S, PF_INET, SOCK_DGRAM, 0) or die \"socket: $!\";"
                + " syscall(308, fileno($o), 0x40000000) == 0 or die \"setns: $!\"; close $o;"
                + " $| = 1; print 'netns ', $st[1], ' fd ', fileno(S), \"\\n\"; print \"ready\\n\"; sleep 100000";
        try (Unshared holder = Unshared.builder().start(List.of("perl", "-e", script))) {
            String[] words = holder.output().trim().split(" ");
            String expectedLink = "net:[" + words[1] + "]";
            String fd = words[3];
            String hpid = Long.toString(holder.leafPid());
            assertFalse(expectedLink.equals(Proc.nsLink(holder.leafPid(), "net")), "the holder has left it");
            Commands.Result expected = runWith(jar, true, "/bin/sh", "", "-t", hpid, "-N", fd, "--", "readlink",
                    "/proc/self/ns/net");
            assertEquals(0, expected.exitCode(), expected.toString());
            assertEquals(expectedLink + "\n", expected.stdout());
            for (List<String> args : List.of(List.of("-t", hpid, "-N", fd), List.of("-t", hpid, "--net-socket=" + fd),
                    List.of("-t", hpid, "-N" + fd, "-u"))) {
                List<String> all = new ArrayList<>(args);
                all.addAll(List.of("--", "readlink", "/proc/self/ns/net"));
                Commands.Result actual = runWith(jar, false, "/bin/sh", "", all.toArray(String[]::new));
                assertEquals(0, actual.exitCode(), actual.toString());
                assertEquals(expected.stdout(), actual.stdout(), String.valueOf(args));
                assertEquals("", actual.stderr(), actual::toString);
            }
            CliRun.of("exec", "-t", hpid, "-N", fd, "-n", "--", "true").assertFailure(125);
            CliRun.of("exec", "-N", fd, "--", "true").assertFailure(125);
            Commands.Result notSocket = runWith(jar, true, "/bin/sh", "", "-t", hpid, "-N", "1", "--", "true");
            assertTrue(notSocket.exitCode() != 0, "nsenter refuses a pipe: " + notSocket);
            CliRun pipe = CliRun.of("exec", "-t", hpid, "-N", "1", "--", "true").assertFailure(125);
            assertTrue(pipe.err().contains("is not a socket"), pipe::toString);
        }
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
