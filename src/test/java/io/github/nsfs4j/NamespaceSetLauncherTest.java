package io.github.nsfs4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.testing.Commands;
import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Unshared;

import java.io.FileInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Processes started into user and time namespaces, which no thread of the JVM can join:
 * nsfs4j's launcher joins them (docs/design.md). Each start is compared with the kernel's
 * truth ({@code /proc/PID/ns/*}, NSpid, {@code /proc/uptime}) and with nsenter doing the same;
 * by root, and by an unprivileged owner of the namespaces (a child JVM as uid 65534). And what
 * reaches the command: its standard streams as asked, closed ones closed, no fd of the JVM; and
 * what a failure leaves: the right exception, no process, no fd.
 */
class NamespaceSetLauncherTest {
    private static final List<String> NOBODY = List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups");

    /** Runs {@code sh -c script} in the set; its stdout (exit status 0 asserted). */
    private static String sh(NamespaceSet set, String script, ProcessOptions options) throws Exception {
        Process p = set.start(new ProcessBuilder("sh", "-c", script).redirectError(ProcessBuilder.Redirect.INHERIT),
                options);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the command did not end");
        assertEquals(0, p.exitValue(), out);
        p.getInputStream().close();
        p.getOutputStream().close();
        return out;
    }

    private static String sh(NamespaceSet set, String script) throws Exception {
        return sh(set, script, new ProcessOptions());
    }

    /** nsenter with these options on process {@code pid}, running {@code sh -c script}: its stdout. */
    private static String nsenter(List<String> prefix, long pid, List<String> options, String script) {
        Unshared.requireCommand("nsenter");
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of("nsenter", "-t", Long.toString(pid)));
        cmd.addAll(options);
        cmd.addAll(List.of("sh", "-c", script));
        Commands.Result r = Commands.run(cmd);
        assertEquals(0, r.exitCode(), r.toString());
        return r.stdout();
    }

    private static String links(long pid, String... types) {
        StringBuilder sb = new StringBuilder();
        for (String t : types) {
            sb.append(Proc.nsLink(pid, t)).append('\n');
        }
        return sb.toString();
    }

    private static final String READLINKS = "readlink /proc/self/ns/user /proc/self/ns/mnt /proc/self/ns/net"
            + " /proc/self/ns/uts; ";

    @Test
    void userMountNetAndUtsAsRootLikeNsenter() throws Exception {
        try (Unshared target = Unshared.builder().types("user", "mnt", "net", "uts").mapRootUser(true).start();
                Pidfd pidfd = Pidfd.open(target.leafPid());
                NamespaceSet set = NamespaceSet.allOf(pidfd)) {
            assertEquals(EnumSet.of(NamespaceType.USER, NamespaceType.MNT, NamespaceType.NET, NamespaceType.UTS),
                    set.types(), "allOf: user too");
            String script = READLINKS + "id -u; id -g; pwd";
            String out = sh(set, script);
            assertEquals(links(target.leafPid(), "user", "mnt", "net", "uts") + "0\n0\n/\n", out,
                    "the kernel's links of the target; uid and gid 0 in the user namespace, as nsenter makes them");
            assertEquals(nsenter(List.of(), target.leafPid(), List.of("-a"), script), out, "nsenter -a does the same");
        }
        assertEquals(Map.of(), Proc.foreignThreadsSettled(), "no thread of the JVM moved");
    }

    @Test
    void aTimeNamespaceShiftsTheClocksByItsOffsets() throws Exception {
        try (Unshared target = Unshared.builder().types("time").options("--boottime", "1000", "--monotonic", "500")
                .start(); Pidfd pidfd = Pidfd.open(target.leafPid());
                NamespaceSet set = NamespaceSet.of(pidfd, NamespaceType.TIME)) {
            double before = uptime(Files.readString(Path.of("/proc/uptime")));
            String out = sh(set, "readlink /proc/self/ns/time; cat /proc/uptime");
            String nsenter = nsenter(List.of(), target.leafPid(), List.of("-T"), "cat /proc/uptime");
            double after = uptime(Files.readString(Path.of("/proc/uptime")));
            String[] lines = out.split("\n");
            assertEquals(Proc.nsLink(target.leafPid(), "time"), lines[0]);
            double inside = uptime(lines[1]);
            assertTrue(inside >= before + 1000 && inside <= after + 1000, "boottime + 1000 s: " + before + " <= "
                    + inside + " - 1000 <= " + after);
            assertTrue(Math.abs(uptime(nsenter) - inside) < 5, "nsenter -T reads the same: " + nsenter + " " + out);
        }
    }

    private static double uptime(String procUptime) {
        return Double.parseDouble(procUptime.trim().split(" ")[0]);
    }

    @Test
    void aPidNamespaceThroughTheRelayAsNsenterDoes() throws Exception {
        try (Unshared target = Unshared.builder().types("user", "pid").mapRootUser(true).start();
                Pidfd pidfd = Pidfd.open(target.leafPid());
                NamespaceSet set = NamespaceSet.of(pidfd, NamespaceType.USER, NamespaceType.PID)) {
            Process p = set.start(new ProcessBuilder("sh", "-c", "echo $$; exec sleep 100"));
            String inside = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8)).readLine();
            long command = Proc.awaitChild(p.pid(), "sleep", java.time.Duration.ofSeconds(10));
            assertEquals("nsfs4j-launch", Proc.task(p.pid()).comm(), "the process is the relay");
            assertEquals(Proc.nsLink(target.leafPid(), "pid"), Proc.nsLink(command, "pid"));
            List<Long> nspid = Proc.nsPid(command);
            assertEquals(List.of(command, Long.parseLong(inside)), nspid, "a member of the target's pid namespace");
            assertEquals(1, Proc.nsPid(p.pid()).size(), "the relay stays in the JVM's");
            assertEquals(2, nsenter(List.of(), target.leafPid(), List.of("-U", "-p"), "grep NSpid /proc/self/status")
                    .trim().split("\\s+").length - 1, "nsenter -p: NSpid of two levels too");
            p.destroy(); // TERM to the relay, forwarded
            assertTrue(p.waitFor(10, TimeUnit.SECONDS));
            assertEquals(128 + 15, p.exitValue(), "the command died of TERM, and the relay says so");
            Proc.awaitGone(command, java.time.Duration.ofSeconds(10));
            p.getInputStream().close();
        }
    }

    @Test
    void killingTheRelayKillsTheCommand() throws Exception {
        try (Unshared target = Unshared.builder().types("pid").start();
                Pidfd pidfd = Pidfd.open(target.leafPid());
                NamespaceSet set = NamespaceSet.of(pidfd, NamespaceType.PID)) {
            // pid alone: no launcher, the command is the JVM's own child
            Process direct = set.start(new ProcessBuilder("true"));
            assertEquals(0, direct.waitFor());
            Process p = set.start(new ProcessBuilder("sleep", "100"), new ProcessOptions().gid(0));
            long command = Proc.awaitChild(p.pid(), "sleep", java.time.Duration.ofSeconds(10));
            p.destroyForcibly();
            assertEquals(128 + 9, p.waitFor());
            Proc.awaitGone(command, java.time.Duration.ofSeconds(10)); // PR_SET_PDEATHSIG
        }
    }

    /**
     * uid 65534 owns a container (user, mnt, net, uts, pid, its own /proc); a JVM running as
     * uid 65534 starts a process in all of them, as nsenter run by it does. The JVM has no
     * capability: the launcher enters the others after the user namespace (nsenter's second pass).
     */
    @Test
    void anUnprivilegedOwnerStartsAProcessInItsNamespaces() throws Exception {
        Unshared.requireCommand("setpriv");
        try (Unshared own = Unshared.builder().prefix(NOBODY.toArray(String[]::new))
                .types("user", "mnt", "net", "uts", "pid").mapRootUser(true).mountProc().start()) {
            long pid = own.leafPid();
            assertEquals(65534L, Proc.uids(pid).get(0));
            String script = READLINKS + "id -u; grep NSpid /proc/self/status";
            Commands.Result r = Commands.run(probe(NOBODY, pid, "all", "sh", "-c", script));
            assertEquals(0, r.exitCode(), r.toString());
            List<String> lines = r.stdout().lines().toList();
            assertEquals(links(pid, "user", "mnt", "net", "uts") + "0\n", String.join("\n", lines.subList(0, 5))
                    + "\n", r.toString());
            assertTrue(lines.get(5).matches("NSpid:\\t\\d+"), "one level: the container's own /proc: " + r);
            assertEquals(List.of("exit 0", "fds as before", "children as before"), lines.subList(6, 9), r.toString());
            // (nsenter 2.38's -a also tries the namespaces that are its own, and cgroup then fails: name them;
            // and it gives up when setgroups fails both before entering, without CAP_SETGID, and after, where
            // the user namespace says "deny": keep the credentials, uid 65534 is 0 inside anyway)
            String viaNsenter = nsenter(NOBODY, pid, List.of("-U", "-m", "-n", "-u", "-p", "--preserve-credentials"),
                    READLINKS + "id -u");
            assertEquals(String.join("\n", lines.subList(0, 5)) + "\n", viaNsenter, "nsenter as uid 65534 agrees");
        }
    }

    /** The failure of a setns in the launcher: the right exception, nothing left behind. */
    @Test
    void aNamespaceTheOwnerMayNotEnterIsRefusedByTheKernelAndLeavesNothing(@TempDir Path tmp) throws Exception {
        Unshared.requireCommand("setpriv");
        Path dir = Files.createDirectory(tmp.resolve("ns"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwxr-xr-x")));
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path rootsNet = Files.createFile(dir.resolve("net"));
        Unshared.bindMount("net", rootsNet); // root's: its owner is the initial user namespace
        try (Unshared own = Unshared.builder().prefix(NOBODY.toArray(String[]::new)).types("user", "net")
                .mapRootUser(true).start()) {
            Commands.Result r = Commands.run(probe(NOBODY, own.leafPid(), "files:/proc/" + own.leafPid()
                    + "/ns/user," + rootsNet, "true"));
            assertEquals(0, r.exitCode(), r.toString());
            List<String> lines = r.stdout().lines().toList();
            assertTrue(lines.get(0).startsWith("NamespaceAccessDeniedException: setns on net:["), r.toString());
            assertTrue(lines.get(0).contains("EPERM"), r.toString());
            assertEquals(List.of("fds as before", "children as before"), lines.subList(1, 3), r.toString());
        } finally {
            Commands.run(List.of("umount", rootsNet.toString()));
        }
    }

    /**
     * {@code vm.memfd_noexec = 2} forbids executing any memfd, the launcher's included: a start
     * that needs the launcher is refused with one message that names the setting, nothing is
     * left behind, and a start that needs no launcher still works. The setting is per pid
     * namespace (6.3+), so a child JVM in a pid namespace of its own sets it, with a /proc of its
     * own; it names the target's namespaces by bind mounts, as its /proc does not show them.
     */
    @Test
    void executableMemfdsForbiddenRefuseWithAClearMessage(@TempDir Path dir) throws Exception {
        Unshared.require(Files.exists(Path.of("/proc/sys/vm/memfd_noexec")), "vm.memfd_noexec needs Linux 6.3+");
        Unshared.require(Proc.euid() == 0, "sets vm.memfd_noexec and bind-mounts namespace files: needs root");
        try (Unshared target = Unshared.builder().types("user", "net").mapRootUser(true).start()) {
            List<Path> files = new ArrayList<>();
            try {
                for (String type : List.of("user", "net")) {
                    Path file = Files.createFile(dir.resolve(type));
                    files.add(file);
                    Commands.Result bound = Commands.run(List.of("mount", "--bind", "/proc/" + target.leafPid()
                            + "/ns/" + type, file.toString()));
                    assertEquals(0, bound.exitCode(), bound.toString());
                }
                List<String> forbidding = List.of("unshare", "--pid", "--fork", "--mount-proc", "sh", "-c",
                        "echo 2 > /proc/sys/vm/memfd_noexec && exec \"$@\"", "sh");
                Commands.Result refused = Commands.run(probe(forbidding, 0, "files:" + files.get(0) + ","
                        + files.get(1), "true"));
                assertEquals(0, refused.exitCode(), refused.toString());
                List<String> lines = refused.stdout().lines().toList();
                assertTrue(lines.get(0).startsWith("EntryRefusedException: ") && lines.get(0).contains(
                        "vm.memfd_noexec = 2") && lines.get(0).contains("launcher"), refused.toString());
                assertEquals(List.of("fds as before", "children as before"), lines.subList(1, 3), refused.toString());
                Commands.Result netOnly = Commands.run(probe(forbidding, 0, "files:" + files.get(1), "sh", "-c",
                        "readlink /proc/self/ns/net"));
                assertEquals(List.of(Proc.nsLink(target.leafPid(), "net"), "exit 0", "fds as before",
                        "children as before"), netOnly.stdout().lines().toList(), "no launcher needed: " + netOnly);
            } finally {
                for (Path file : files) {
                    Commands.run(List.of("umount", file.toString()));
                }
            }
        }
    }

    private static List<String> probe(List<String> prefix, long pid, String types, String... command) {
        List<String> cmd = new ArrayList<>(prefix);
        List<String> args = new ArrayList<>(List.of(Long.toString(pid), types));
        args.addAll(List.of(command));
        cmd.addAll(Commands.javaCommand(List.of("--enable-native-access=ALL-UNNAMED"), LauncherProbeMain.class,
                args.toArray(String[]::new)));
        return cmd;
    }

    private static final String OPEN_FDS = "for f in 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do"
            + " if [ -e /proc/$$/fd/$f ]; then printf '%s ' $f; fi; done";

    /** fds 0-2 as asked, a closed one closed, and nothing of the JVM's: by the launcher and by posix_spawn. */
    @Test
    void onlyTheStandardStreamsReachTheCommandAndAClosedOneStaysClosed() throws Exception {
        try (Unshared target = Unshared.builder().types("user", "net").mapRootUser(true).start();
                Pidfd pidfd = Pidfd.open(target.leafPid());
                NamespaceSet launched = NamespaceSet.allOf(pidfd);
                NamespaceSet spawned = NamespaceSet.of(pidfd, NamespaceType.NET);
                FileInputStream leaky = new FileInputStream("/etc/hostname")) { // the JDK opens it without O_CLOEXEC
            assertTrue(Proc.fdFlags(fdOf(leaky)).isPresent());
            for (NamespaceSet set : List.of(launched, spawned)) {
                assertEquals("0 1 2 ", sh(set, OPEN_FDS), set.toString());
                assertEquals("1 2 ", sh(set, OPEN_FDS, new ProcessOptions().close(ProcessOptions.Stream.STDIN)),
                        set.toString());
                // (the test runs before the redirection, which would make an fd 1 of its own)
                Process p = set.start(new ProcessBuilder("sh", "-c", "if [ -e /proc/$$/fd/1 ]; then echo open >&2;"
                        + " else echo closed >&2; fi"), new ProcessOptions().close(ProcessOptions.Stream.STDOUT));
                assertEquals("closed\n", new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
                assertEquals(0, p.waitFor());
                p.getErrorStream().close();
                p.getOutputStream().close();
            }
        }
    }

    private static int fdOf(FileInputStream in) throws IOException {
        for (Map.Entry<Integer, String> e : Proc.fds().entrySet()) {
            if (e.getValue().equals("/etc/hostname")) {
                return e.getKey();
            }
        }
        throw new IOException("not open");
    }

    /**
     * A JVM started with its stdin closed has the JDK's {@code lib/modules} at fd 0; a command
     * that inherits the JVM's stdin gets it closed, never that file (the bug of issue 18): by
     * the launcher (user and net) and by posix_spawn (net).
     */
    @Test
    void aStreamClosedWhenTheJvmStartedReachesTheCommandClosed() throws Exception {
        try (Unshared target = Unshared.builder().types("user", "net").mapRootUser(true).start()) {
            for (String types : List.of("user,net", "net")) {
                List<String> cmd = new ArrayList<>(List.of("sh", "-c", "exec \"$@\" <&-", "sh"));
                cmd.addAll(probe(List.of(), target.leafPid(), types, "sh", "-c", OPEN_FDS + "; echo"));
                Commands.Result r = Commands.run(cmd);
                assertEquals("1 2 \nexit 0", String.join("\n", r.stdout().lines().toList().subList(0, 2)),
                        types + ": " + r);
            }
        }
    }

    @Test
    void commandNotFoundOrNotRunnableLeavesNothing(@TempDir Path dir) throws Exception {
        Path plain = Files.writeString(dir.resolve("plain"), "not a program\n");
        try (Unshared target = Unshared.builder().types("user", "net", "mnt").mapRootUser(true).start();
                Pidfd pidfd = Pidfd.open(target.leafPid());
                NamespaceSet set = NamespaceSet.allOf(pidfd)) {
            sh(set, "true"); // the launcher's memfd and the classes are there from now on
            Map<Integer, String> fds = Proc.fds();
            List<Long> children = Proc.children(ProcessHandle.current().pid());
            NoSuchFileException missing = assertThrows(NoSuchFileException.class,
                    () -> set.start(new ProcessBuilder("nsfs4j-no-such-command")));
            assertTrue(missing.getMessage().contains("mount namespace"), missing.getMessage());
            assertThrows(AccessDeniedException.class, () -> set.start(new ProcessBuilder(plain.toString())));
            NamespaceException uid = assertThrows(NamespaceException.class,
                    () -> set.start(new ProcessBuilder("true"), new ProcessOptions().uid(4242)));
            assertTrue(uid.getMessage().contains("setuid") && uid.getMessage().contains("uid 4242")
                    && uid.getMessage().contains("EINVAL"), "only uid 0 is mapped: " + uid.getMessage());
            NoSuchFileException noDir = assertThrows(NoSuchFileException.class,
                    () -> set.start(new ProcessBuilder("true").directory(new java.io.File("/nsfs4j-nonexistent"))));
            assertTrue(noDir.getMessage().contains("/nsfs4j-nonexistent"), noDir.getMessage());
            assertEquals(fds, Proc.fds(), "no fd left behind");
            assertEquals(children, Proc.children(ProcessHandle.current().pid()), "no process left behind");
        }
    }

    @Test
    void credentialsRootAndWorkingDirectory(@TempDir Path dir) throws Exception {
        Path tree = Files.createDirectories(dir.resolve("tree/bin"));
        Files.copy(io.github.nsfs4j.testing.Tools.busybox(), tree.resolve("busybox"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (Unshared target = Unshared.builder().types("net").start();
                Pidfd pidfd = Pidfd.open(target.leafPid());
                NamespaceSet set = NamespaceSet.of(pidfd, NamespaceType.NET)) {
            assertEquals("65534 65533 65533\n", sh(set, "echo $(id -u) $(id -g) $(id -G)", new ProcessOptions()
                    .uid(65534).gid(65533)), "setgroups, setgid, setuid: nsenter -S -G");
            assertEquals("/usr/lib\n", sh(set, "pwd", new ProcessOptions().workingDirectory(Path.of("/usr/lib"))));
            Process p = set.start(new ProcessBuilder("/bin/busybox", "sh", "-c", "pwd; ls /"), new ProcessOptions()
                    .root(tree.getParent()));
            assertEquals("/\nbin\n", new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            assertEquals(0, p.waitFor());
            p.getInputStream().close();
            p.getErrorStream().close();
            p.getOutputStream().close();
        }
    }

    /**
     * keepCapabilities, by a JVM of uid 65534 that owns a user namespace mapped to itself (so
     * it stays 65534 there with preserveCredentials): the command's four capability sets are
     * what util-linux 2.41's nsenter --keep-caps gives, its ambient set the effective one, and
     * nothing is left behind.
     */
    @Test
    void keepCapabilitiesAsNsenterKeepsThem() throws Exception {
        Unshared.requireCommand("setpriv");
        try (Unshared own = Unshared.builder().prefix(NOBODY.toArray(String[]::new)).types("user", "net")
                .mapRootUser(false).options("--map-current-user").start()) {
            String caps = "grep -E '^Cap(Inh|Prm|Eff|Amb)' /proc/self/status";
            List<String> nsenter = new ArrayList<>(NOBODY);
            nsenter.addAll(io.github.nsfs4j.testing.LsnsRelease.nsenter("-t", Long.toString(own.leafPid()), "-U", "-n",
                    "--preserve-credentials", "--keep-caps", "sh", "-c", caps));
            Commands.Result expected = Commands.run(nsenter);
            assertEquals(0, expected.exitCode(), expected.toString());
            Commands.Result r = Commands.run(probe(NOBODY, own.leafPid(), "user,net+preserve+keepcaps", "sh", "-c",
                    caps));
            List<String> lines = r.stdout().lines().toList();
            assertEquals(expected.stdout(), String.join("\n", lines.subList(0, 4)) + "\n", r.toString());
            assertTrue(lines.get(3).startsWith("CapAmb:") && !lines.get(3).endsWith("0000000000000000")
                    && lines.get(3).substring(7).equals(lines.get(2).substring(7)), "ambient = effective: " + r);
            assertEquals(List.of("exit 0", "fds as before", "children as before"), lines.subList(4, 7), r.toString());
        }
    }

    /**
     * joinCgroup of the target's cgroup (Pidfd.cgroup), into all of a container's namespaces,
     * a pid namespace among them: the command and its relay (Process.pid()) are in the
     * target's cgroup v2 cgroup, as their /proc/PID/cgroup shows.
     */
    @Test
    void joinCgroupPutsTheCommandAndItsRelayInTheTargetsCgroup() throws Exception {
        try (io.github.nsfs4j.testing.Cgroup2 cgroup = io.github.nsfs4j.testing.Cgroup2.create();
                Unshared target = Unshared.builder().types("mnt", "net", "pid").mountProc().start()) {
            cgroup.add(target.leafPid());
            try (Pidfd pidfd = Pidfd.open(target.leafPid()); NamespaceSet set = NamespaceSet.allOf(pidfd)) {
                assertEquals(java.util.Optional.of(cgroup.path()), pidfd.cgroup(), "Pidfd.cgroup: the kernel's record");
                Process p = set.start(new ProcessBuilder("sh", "-c", "grep ^0:: /proc/self/cgroup; read x || true"),
                        new ProcessOptions().joinCgroup(pidfd.cgroup().orElseThrow()));
                java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(
                        p.getInputStream(), StandardCharsets.UTF_8));
                String line = "0::" + cgroup.path();
                assertEquals(line, out.readLine(), "the command");
                assertEquals(line, io.github.nsfs4j.testing.Cgroup2.lineOf(p.pid()), "its relay");
                List<Long> children = Proc.children(p.pid());
                assertEquals(1, children.size(), "the relay has one child, the command: " + children);
                assertEquals(line, io.github.nsfs4j.testing.Cgroup2.lineOf(children.get(0)), "the command, seen outside");
                p.getOutputStream().close();
                assertEquals(0, p.waitFor());
                p.getInputStream().close();
                p.getErrorStream().close();
            }
        }
    }

    /** joinCgroup where uid 65534 may not open cgroup.procs: AccessDeniedException naming it, nothing left behind. */
    @Test
    void joinCgroupRefusedLeavesNothing() throws Exception {
        Unshared.requireCommand("setpriv");
        try (io.github.nsfs4j.testing.Cgroup2 cgroup = io.github.nsfs4j.testing.Cgroup2.create();
                Unshared own = Unshared.builder().prefix(NOBODY.toArray(String[]::new)).types("user", "net")
                        .mapRootUser(true).start()) {
            cgroup.add(own.leafPid());
            Commands.Result r = Commands.run(probe(NOBODY, own.leafPid(), "user,net+cgroup", "true"));
            assertEquals(List.of("AccessDeniedException: " + cgroup.dir().resolve("cgroup.procs") + ": cannot join the"
                    + " cgroup " + cgroup.path() + ": EACCES: Permission denied", "fds as before", "children as before"),
                    r.stdout().lines().toList(), r.toString());
        }
    }
}
