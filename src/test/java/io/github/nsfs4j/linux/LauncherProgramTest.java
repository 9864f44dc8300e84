package io.github.nsfs4j.linux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.nsfs4j.testing.Cgroup2;
import io.github.nsfs4j.testing.Commands;
import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Tools;
import io.github.nsfs4j.testing.Unshared;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The launcher as a program of its own, run from a shell that hands it its fds: natively on
 * x86-64, and the aarch64 code under qemu-user (qemu-aarch64-static, installed when missing;
 * the commands it execs are this machine's). Every step but the nsfs ones: the PATH search and
 * its errors, the directories, the credentials, the fds, the relay and its signals, the report
 * of a failure; setns of a net and a user namespace (qemu passes setns through). The library's
 * own tests (NamespaceSetLauncherTest) start it as nsfs4j does.
 */
class LauncherProgramTest {
    private static final int REPORT_FD = 3;

    /** What a run of the launcher gave: its exit status, its stdout, and the report (empty if none). */
    private record Run(int exit, String out, String err, int[] report) {
        @Override
        public String toString() {
            return "exit " + exit + ", stdout [" + out + "], stderr [" + err + "], report " + java.util.Arrays.toString(
                    report);
        }
    }

    /** Control words: the flags, uid, gid, root fd, wd fd, then (fd, type) entries. */
    private static String control(int flags, int uid, int gid, int rootFd, int wdFd, int... entries) {
        return controlWith(flags, -1, 0, uid, gid, rootFd, wdFd, entries);
    }

    /** As above, with a cgroup.procs fd and the last capability number. */
    private static String controlWith(int flags, int cgroupFd, int capLast, int uid, int gid, int rootFd, int wdFd,
            int... entries) {
        int[] words = new int[Launcher.W_ENTRIES + entries.length];
        words[Launcher.W_FLAGS] = flags;
        words[Launcher.W_REPORT_FD] = REPORT_FD;
        words[Launcher.W_UID] = uid;
        words[Launcher.W_GID] = gid;
        words[Launcher.W_ROOT_FD] = rootFd;
        words[Launcher.W_WD_FD] = wdFd;
        words[Launcher.W_MAX_FD] = 64; // where close_range cannot mark them, the loop closes 3..64
        words[Launcher.W_CGROUP_FD] = cgroupFd;
        words[Launcher.W_CAP_LAST] = capLast;
        words[Launcher.W_COUNT] = entries.length / 2;
        System.arraycopy(entries, 0, words, Launcher.W_ENTRIES, entries.length);
        return Launcher.control(words);
    }

    private static String plain() {
        return control(0, 0, 0, -1, -1);
    }

    /**
     * Runs the launcher of {@code arch} from {@code sh}, whose {@code redirections} (such as
     * {@code 4</proc/1/ns/net}) give it its fds; fd 3 is the report file.
     */
    private static Run run(Arch arch, Path dir, String redirections, String control, String directory,
            List<String> candidates, String... command) throws IOException {
        Path elf = dir.resolve("launcher-" + arch.name());
        if (!Files.exists(elf)) {
            Files.write(elf, Launcher.elf(arch));
            Files.setPosixFilePermissions(elf, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Path report = dir.resolve("report");
        Files.deleteIfExists(report);
        List<String> cmd = new ArrayList<>(List.of("sh", "-c", "exec 3>\"$0\" " + redirections + "; exec \"$@\"",
                report.toString()));
        if (arch != Arch.RUNNING) {
            cmd.add(Tools.qemuUser("aarch64"));
        }
        cmd.add(elf.toString());
        cmd.add(control);
        cmd.add(directory);
        cmd.addAll(candidates);
        cmd.add("");
        cmd.addAll(List.of(command));
        Commands.Result r = Commands.run(cmd);
        byte[] bytes = Files.readAllBytes(report);
        int[] words = new int[bytes.length / 4];
        ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder()).asIntBuffer().get(words);
        return new Run(r.exitCode(), r.stdout(), r.stderr(), words);
    }

    private static void requireRunnable(Arch arch) {
        Unshared.require(Arch.RUNNING == Arch.X86_64, "the launcher tests run x86-64 code natively and aarch64 code"
                + " under qemu-user on an x86-64 machine");
    }

    @ParameterizedTest
    @EnumSource(value = Arch.class, names = {"X86_64", "AARCH64"})
    void looksUpTheCommandAsExecvpDoes(Arch arch, @TempDir Path dir) throws Exception {
        requireRunnable(arch);
        Path garbage = Files.write(dir.resolve("garbage"), new byte[] {0, 1, 2, 3});
        Files.setPosixFilePermissions(garbage, PosixFilePermissions.fromString("rwxr-xr-x"));
        Run ok = run(arch, dir, "", plain(), "", List.of("/nonexistent/echo", "/etc/passwd", "/bin/echo"), "echo",
                "hello", "world");
        assertEquals(new Run(0, "hello world\n", "", new int[0]).toString(), ok.toString());
        // not found anywhere, but one was there and not executable: EACCES, as execvp says it
        Run denied = run(arch, dir, "", plain(), "", List.of("/nonexistent/echo", "/etc/passwd"), "echo");
        assertEquals(127, denied.exit(), denied::toString);
        assertArrayEquals(new int[] {Launcher.STEP_EXEC, 13, 2}, denied.report(), denied::toString);
        Run missing = run(arch, dir, "", plain(), "", List.of("/nonexistent/a", "/nonexistent/b"), "x");
        assertArrayEquals(new int[] {Launcher.STEP_EXEC, 2, 2}, missing.report(), missing::toString);
        Run none = run(arch, dir, "", plain(), "", List.of(), "x");
        assertArrayEquals(new int[] {Launcher.STEP_EXEC, 2, 0}, none.report(), none::toString);
        // a file that is no program: final at once (index 0), no search further
        Run format = run(arch, dir, "", plain(), "", List.of(garbage.toString(), "/bin/echo"), "x");
        assertArrayEquals(new int[] {Launcher.STEP_EXEC, 8, 0}, format.report(), format::toString);
    }

    @ParameterizedTest
    @EnumSource(value = Arch.class, names = {"X86_64", "AARCH64"})
    void directoriesRootAndWorkingDirectory(Arch arch, @TempDir Path dir) throws Exception {
        requireRunnable(arch);
        Run cd = run(arch, dir, "", plain(), "/usr", List.of("/bin/pwd"), "pwd");
        assertEquals(new Run(0, "/usr\n", "", new int[0]).toString(), cd.toString());
        Run noDir = run(arch, dir, "", plain(), "/nonexistent", List.of("/bin/pwd"), "pwd");
        assertArrayEquals(new int[] {Launcher.STEP_CHDIR, 2, 1}, noDir.report(), noDir::toString);
        // a working directory fd (fd 5), then a directory relative to it
        Run wd = run(arch, dir, "5</usr", control(0, 0, 0, -1, 5), "lib", List.of("/bin/pwd"), "pwd");
        assertEquals(new Run(0, "/usr/lib\n", "", new int[0]).toString(), wd.toString());
        // a root fd (fd 6): a tree with nothing but busybox
        Path tree = Files.createDirectories(dir.resolve("tree/bin"));
        Files.copy(Tools.busybox(), tree.resolve("busybox"));
        Run chroot = run(arch, dir, "6<" + tree.getParent(), control(0, 0, 0, 6, -1), "",
                List.of("/bin/busybox"), "busybox", "sh", "-c", "pwd; ls /");
        assertEquals(new Run(0, "/\nbin\n", "", new int[0]).toString(), chroot.toString());
    }

    @ParameterizedTest
    @EnumSource(value = Arch.class, names = {"X86_64", "AARCH64"})
    void credentials(Arch arch, @TempDir Path dir) throws Exception {
        requireRunnable(arch);
        Unshared.require(Proc.euid() == 0, "setuid to another user needs root");
        int all = Launcher.F_SETGROUPS | Launcher.F_SETGID | Launcher.F_SETUID;
        Run nobody = run(arch, dir, "", control(all, 65534, 65533, -1, -1), "", List.of("/bin/sh"), "sh", "-c",
                "echo $(id -u) $(id -g) $(id -G)");
        assertEquals(new Run(0, "65534 65533 65533\n", "", new int[0]).toString(), nobody.toString());
        Run gidOnly = run(arch, dir, "", control(Launcher.F_SETGROUPS | Launcher.F_SETGID, 0, 65533, -1, -1), "",
                List.of("/bin/sh"), "sh", "-c", "echo $(id -u) $(id -g) $(id -G)");
        assertEquals("0 65533 65533\n", gidOnly.out(), gidOnly::toString);
    }

    /**
     * --keep-caps as root: the command's inheritable set is its permitted one and its ambient
     * set its effective one, up to the last capability given (so 31 and 35 stop in the first and
     * in the second word), as the kernel shows them in /proc/self/status; without the flag both
     * stay empty.
     */
    @ParameterizedTest
    @EnumSource(value = Arch.class, names = {"X86_64", "AARCH64"})
    void keepCapsMakesTheEffectiveCapabilitiesAmbient(Arch arch, @TempDir Path dir) throws Exception {
        requireRunnable(arch);
        Unshared.require(Proc.euid() == 0, "the full capability sets are root's");
        int last = Integer.parseInt(Files.readString(Path.of("/proc/sys/kernel/cap_last_cap")).trim());
        String show = "grep -E '^Cap(Inh|Prm|Eff|Amb)' /proc/self/status";
        Run none = run(arch, dir, "", controlWith(0, -1, last, 0, 0, -1, -1), "", List.of("/bin/sh"), "sh", "-c", show);
        long eff = Proc.capabilities(none.out(), "CapEff");
        assertTrue(eff != 0 && Proc.capabilities(none.out(), "CapPrm") == eff, none::toString);
        assertEquals(0, Proc.capabilities(none.out(), "CapInh") | Proc.capabilities(none.out(), "CapAmb"),
                none::toString);
        for (int upTo : new int[] {last, 35, 31}) {
            Run kept = run(arch, dir, "", controlWith(Launcher.F_KEEP_CAPS, -1, upTo, 0, 0, -1, -1), "",
                    List.of("/bin/sh"), "sh", "-c", show);
            assertEquals(0, kept.exit(), kept::toString);
            assertEquals(eff, Proc.capabilities(kept.out(), "CapInh"), "inheritable := permitted: " + kept);
            assertEquals(eff & (upTo == 63 ? -1L : (1L << (upTo + 1)) - 1), Proc.capabilities(kept.out(), "CapAmb"),
                    "every effective capability up to " + upTo + " ambient: " + kept);
        }
    }

    /**
     * The cgroup fd: the launcher writes "0" to a cgroup.procs (fd 7) before anything else, so
     * the command is in that cgroup (its /proc/self/cgroup); a write the kernel refuses (an fd
     * open for reading) is reported as the cgroup step with its errno, EBADF.
     */
    @ParameterizedTest
    @EnumSource(value = Arch.class, names = {"X86_64", "AARCH64"})
    void joinsTheCgroupFirst(Arch arch, @TempDir Path dir) throws Exception {
        requireRunnable(arch);
        try (Cgroup2 cgroup = Cgroup2.create()) {
            Run joined = run(arch, dir, "7>" + cgroup.dir().resolve("cgroup.procs"), controlWith(0, 7, 0, 0, 0, -1, -1),
                    "", List.of("/bin/grep"), "grep", "^0::", "/proc/self/cgroup");
            assertEquals(new Run(0, "0::" + cgroup.path() + "\n", "", new int[0]).toString(), joined.toString());
            Run refused = run(arch, dir, "7<" + cgroup.dir().resolve("cgroup.procs"), controlWith(0, 7, 0, 0, 0, -1, -1),
                    "", List.of("/bin/true"), "true");
            assertArrayEquals(new int[] {Launcher.STEP_CGROUP, 9, 0}, refused.report(), refused::toString);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Arch.class, names = {"X86_64", "AARCH64"})
    void onlyTheStandardStreamsReachTheCommand(Arch arch, @TempDir Path dir) throws Exception {
        requireRunnable(arch);
        // fds 7 and 9 without close-on-exec, fd 3 the report: the command's shell has 0, 1 and 2 only
        // (test -e is the shell's own: it opens nothing that would show)
        Run r = run(arch, dir, "7</etc/hostname 9</etc/passwd", plain(), "", List.of("/bin/sh"), "sh", "-c",
                "for f in 0 1 2 3 4 5 6 7 8 9; do if [ -e /proc/$$/fd/$f ]; then printf '%s ' $f; fi; done");
        assertEquals(new Run(0, "0 1 2 ", "", new int[0]).toString(), r.toString());
    }

    @ParameterizedTest
    @EnumSource(value = Arch.class, names = {"X86_64", "AARCH64"})
    void theRelayEndsAsItsChildEndsAndForwardsSignals(Arch arch, @TempDir Path dir) throws Exception {
        requireRunnable(arch);
        String relay = control(Launcher.F_RELAY, 0, 0, -1, -1);
        Run exit = run(arch, dir, "", relay, "", List.of("/bin/sh"), "sh", "-c", "echo $PPID; exit 7");
        assertEquals(7, exit.exit(), exit::toString);
        assertEquals(0, exit.report().length, exit::toString);
        Run killed = run(arch, dir, "", relay, "", List.of("/bin/sh"), "sh", "-c", "kill -TERM $$");
        assertEquals(128 + 15, killed.exit(), "the relay dies of the same signal: " + killed);
        // TERM to the relay reaches the command: the command reports it, then dies of it; the relay too
        Run forwarded = run(arch, dir, "", relay, "", List.of("/bin/sh"), "sh", "-c",
                "trap 'echo got TERM; trap - TERM; kill -TERM $$' TERM; kill -TERM $PPID; sleep 20 & wait");
        assertEquals(new Run(128 + 15, "got TERM\n", "", new int[0]).toString(), forwarded.toString());
        Run failed = run(arch, dir, "", relay, "", List.of("/nonexistent/x"), "x");
        assertEquals(127, failed.exit(), failed::toString);
        assertArrayEquals(new int[] {Launcher.STEP_EXEC, 2, 1}, failed.report(), "the child reports: " + failed);
    }

    /**
     * Natively, user first: pass 0 enters net and uts with root's own capabilities, pass 1 the
     * user namespace. qemu-user runs a thread of its own beside the emulated one, so there the
     * kernel refuses the user namespace (EINVAL, multithreaded) and only net and uts are entered.
     */
    @ParameterizedTest
    @EnumSource(value = Arch.class, names = {"X86_64", "AARCH64"})
    void entersNamespacesUserInItsOwnPass(Arch arch, @TempDir Path dir) throws Exception {
        requireRunnable(arch);
        try (Unshared target = Unshared.builder().types("user", "net", "uts").mapRootUser(true).start()) {
            long pid = target.leafPid();
            String ns = "/proc/" + pid + "/ns/";
            boolean user = arch == Arch.RUNNING;
            int flags = Launcher.F_SETGROUPS | Launcher.F_SETGROUPS_DENIED_OK | Launcher.F_SETGID | Launcher.F_SETUID;
            Run r = run(arch, dir, "4<" + ns + "user 5<" + ns + "net 6<" + ns + "uts", user
                    ? control(flags, 0, 0, -1, -1, 4, 0x10000000, 5, 0x40000000, 6, 0x04000000)
                    : control(0, 0, 0, -1, -1, 5, 0x40000000, 6, 0x04000000), "",
                    List.of("/bin/sh"), "sh", "-c", "readlink /proc/self/ns/user /proc/self/ns/net /proc/self/ns/uts;"
                            + " id -u");
            assertEquals(new Run(0, Proc.nsLink(user ? pid : ProcessHandle.current().pid(), "user") + "\n"
                    + Proc.nsLink(pid, "net") + "\n" + Proc.nsLink(pid, "uts") + "\n0\n", "", new int[0]).toString(),
                    r.toString());
            // a namespace fd that is not one: EINVAL in pass 1, reported with its index
            Run bad = run(arch, dir, "4<" + ns + "uts 5</etc/hostname", control(0, 0, 0, -1, -1, 4, 0x04000000, 5,
                    0x40000000), "", List.of("/bin/true"), "true");
            assertArrayEquals(new int[] {Launcher.STEP_SETNS, 22, 1}, bad.report(), bad::toString);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Arch.class, names = {"X86_64", "AARCH64"})
    void malformedArgumentsAreRefusedWithoutAReport(Arch arch, @TempDir Path dir) throws Exception {
        requireRunnable(arch);
        Run r = run(arch, dir, "", "abc", "", List.of("/bin/true"), "true");
        assertEquals(127, r.exit(), r::toString);
        assertEquals(0, r.report().length, "no report fd was decoded, so none is written: " + r);
        int[] words = new int[Launcher.W_ENTRIES];
        words[Launcher.W_REPORT_FD] = REPORT_FD;
        words[Launcher.W_COUNT] = 9;
        Run tooMany = run(arch, dir, "", Launcher.control(words), "", List.of("/bin/true"), "true");
        assertArrayEquals(new int[] {Launcher.STEP_ARGUMENTS, 22, 0}, tooMany.report(), "9 entries: " + tooMany);
    }
}
