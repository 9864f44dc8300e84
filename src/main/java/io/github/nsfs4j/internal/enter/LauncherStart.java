package io.github.nsfs4j.internal.enter;

import static io.github.nsfs4j.internal.enter.ProcessStart.cStrings;
import static io.github.nsfs4j.internal.enter.ProcessStart.emptySignalMask;
import static io.github.nsfs4j.internal.enter.ProcessStart.execFailure;
import static io.github.nsfs4j.internal.enter.ProcessStart.fileFailure;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import io.github.nsfs4j.internal.Errnos;
import io.github.nsfs4j.internal.Failure;
import io.github.nsfs4j.internal.NsFile;
import io.github.nsfs4j.internal.Procfs;
import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.linux.Constants;
import io.github.nsfs4j.linux.Errno;
import io.github.nsfs4j.linux.Launcher;
import io.github.nsfs4j.linux.LibC;
import io.github.nsfs4j.linux.PosixSpawn;
import io.github.nsfs4j.linux.ProcessCalls;
import io.github.nsfs4j.linux.Structs;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A start through nsfs4j's launcher ({@link Launcher}): the job runs on a thread in the JVM's
 * own namespaces and starts the launcher from its memfd ({@link LauncherFile}) with
 * posix_spawn; the launcher enters the namespaces itself (user and time too), sets the
 * credentials and directories, and execs the command. Its arguments: the control words (flags,
 * the report fd, uid, gid, root and working directory fds, a {@code cgroup.procs} fd, the
 * highest capability number, then (fd, {@code CLONE_NEW*}) pairs),
 * the directory, the command's candidate paths and its argv. It reports a failed step through
 * a pipe, read here until its end (the exec closes it). What it needs beyond that is prepared,
 * in the JVM's own namespaces, by {@link ProcessStart}.
 */
public final class LauncherStart {
    private final ProcessStart start;
    /** The launcher's namespaces, in the order it gets them, to name one in a message. */
    private final NsFile[] launched;
    private final String target;
    /** The step of a failure to posix_spawn the launcher itself, beside its own {@code Launcher.STEP_*}. */
    private static final int STEP_SPAWN = 100;

    /**
     * @param start what was prepared
     * @param entries the namespaces, in nsenter's order: user, cgroup, ipc, uts, net, pid, mnt, time
     * @param target what they are, for messages
     */
    public LauncherStart(ProcessStart start, NsFile[] entries, String target) {
        this.start = start;
        this.launched = entries;
        this.target = target;
    }

    /**
     * The work for a thread in the JVM's own namespaces: starts the launcher, which enters the
     * namespaces (in nsenter's order, user first), and waits until it has exec'd the command or
     * failed. Returns the pid (the launcher's, now the command; with a pid namespace, the
     * relay's); throws what a failed step means: a {@link Failure} if it could not enter a
     * namespace or set the credentials, a {@link java.nio.file.NoSuchFileException} or
     * {@link java.nio.file.FileSystemException} if the command or a directory was not found or
     * could not be run or entered.
     */
    public Job<Integer> job() {
        return new Job<>(new NsFile[0], target) {
            @Override
            protected Integer work() throws Exception {
                return launch();
            }
        };
    }

    /** The process the job started (its pid), with the JVM's pipe ends handed to it. */
    public Process started(int pid) {
        return start.handOver(pid);
    }

    /** The launcher's start: see {@link #job}. */
    private int launch() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            int[] words = new int[Launcher.W_ENTRIES + 2 * launched.length];
            // the launcher's own fds, handed over at their numbers (dup2 of an fd onto itself clears close-on-exec)
            List<Integer> inherited = new ArrayList<>();
            boolean user = false;
            boolean pid = false;
            for (int i = 0; i < launched.length; i++) {
                NsFile ns = launched[i];
                // a duplicate above 2 of its own: the set may be closed meanwhile, and 0-2 are the command's
                int fd = ns.apply(raw -> LibC.fcntl(raw, Constants.F_DUPFD_CLOEXEC, ProcessStart.STDERR + 1),
                        "fcntl(F_DUPFD_CLOEXEC)");
                if (fd < 0) {
                    throw Failure.errno("fcntl(F_DUPFD_CLOEXEC)", ns + " of " + target, -fd,
                            "cannot hand the namespace to the launcher");
                }
                inherited.add(start.keep(fd)); // closed with the start
                words[Launcher.W_ENTRIES + 2 * i] = fd;
                words[Launcher.W_ENTRIES + 2 * i + 1] = ns.type().cloneFlag();
                user |= ns.type() == NamespaceType.USER;
                pid |= ns.type() == NamespaceType.PID;
            }
            int[] report = start.pipe(); // {read, write}, as the standard streams' pipes
            inherited.add(report[1]);
            if (start.rootFd >= 0) {
                inherited.add(start.rootFd);
            }
            if (start.wdFd >= 0) {
                inherited.add(start.wdFd);
            }
            if (start.cgroupFd >= 0) {
                inherited.add(start.cgroupFd);
            }
            // --keep-caps has an effect only where a user namespace is entered, as in nsenter
            boolean keepCaps = user && start.options.keepCapabilities();
            words[Launcher.W_FLAGS] = credentialFlags(user) | (pid ? Launcher.F_RELAY : 0)
                    | (keepCaps ? Launcher.F_KEEP_CAPS : 0);
            words[Launcher.W_REPORT_FD] = report[1];
            words[Launcher.W_UID] = (int) (start.options.uid() >= 0 ? start.options.uid() : 0);
            words[Launcher.W_GID] = (int) (start.options.gid() >= 0 ? start.options.gid() : 0);
            words[Launcher.W_ROOT_FD] = start.rootFd;
            words[Launcher.W_WD_FD] = start.wdFd;
            words[Launcher.W_MAX_FD] = CloseRange.cloexec() ? 0 : CloseRange.highestOpenFd();
            words[Launcher.W_CGROUP_FD] = start.cgroupFd;
            // the effective set has 64 bits: no capability above 63 can be in it
            words[Launcher.W_CAP_LAST] = keepCaps ? Math.min(capLastCap(), 63) : 0;
            words[Launcher.W_COUNT] = launched.length;

            List<byte[]> args = new ArrayList<>();
            args.add(LibC.pathBytes(Launcher.NAME));
            args.add(LibC.pathBytes(Launcher.control(words)));
            args.add(start.directory == null ? new byte[0] : start.directory);
            args.addAll(candidates());
            args.add(new byte[0]);
            args.addAll(List.of(start.argv));

            MemorySegment actions = arena.allocate(PosixSpawn.FILE_ACTIONS_SIZE, 16);
            MemorySegment attr = arena.allocate(PosixSpawn.ATTR_SIZE, 16);
            MemorySegment pidOut = arena.allocate(JAVA_INT);
            int rc = PosixSpawn.posix_spawn_file_actions_init(actions);
            if (rc < 0) {
                throw Failure.errno("posix_spawn_file_actions_init", target, -rc, "cannot start the launcher");
            }
            try {
                rc = PosixSpawn.posix_spawnattr_init(attr);
                if (rc < 0) {
                    throw Failure.errno("posix_spawnattr_init", target, -rc, "cannot start the launcher");
                }
                try {
                    rc = start.stdioActions(actions);
                    for (int fd : inherited) {
                        if (rc == 0) {
                            rc = PosixSpawn.posix_spawn_file_actions_adddup2(actions, fd, fd);
                        }
                    }
                    if (rc == 0) {
                        rc = emptySignalMask(attr, arena);
                    }
                    if (rc == 0) {
                        MemorySegment cArgv = cStrings(arena, args.toArray(byte[][]::new));
                        rc = PosixSpawn.posix_spawn(pidOut, arena.allocateFrom(LauncherFile.path()), actions, attr,
                                cArgv, cStrings(arena, start.envp));
                    }
                } finally {
                    PosixSpawn.posix_spawnattr_destroy(attr);
                }
            } finally {
                PosixSpawn.posix_spawn_file_actions_destroy(actions);
            }
            start.closeNow(report[1]); // the launcher (and the command, until its exec) hold the only writers now
            if (rc < 0) {
                throw launchFailure(STEP_SPAWN, -rc, 0);
            }
            int child = pidOut.get(JAVA_INT, 0);
            int[] failed = readReport(report[0], arena);
            if (failed != null) {
                reap(child, arena);
                throw launchFailure(failed[0], failed[1], failed[2]);
            }
            return child;
        }
    }

    /** The kernel's highest capability number ({@code /proc/sys/kernel/cap_last_cap}, Linux 3.2). */
    private static int capLastCap() throws Failure {
        String path = "/proc/sys/kernel/cap_last_cap";
        String text = new String(Procfs.readAll(path, "cannot read the kernel's highest capability for"
                + " --keep-caps"), StandardCharsets.US_ASCII).trim();
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw Failure.of(Failure.Kind.FAILED, "read", path, 0, "not a capability number: '" + text + "'");
        }
    }

    /** The credential step's flags: nsenter's (uid and gid 0 after entering a user namespace) unless told otherwise. */
    private int credentialFlags(boolean user) {
        boolean defaults = user && !start.options.preserveCredentials();
        int flags = 0;
        if (defaults || start.options.gid() >= 0) {
            flags |= Launcher.F_SETGROUPS | Launcher.F_SETGID;
        }
        if (defaults || start.options.uid() >= 0) {
            flags |= Launcher.F_SETUID;
        }
        if (user) {
            // a user namespace whose setgroups file says "deny" (unshare --map-root-user) refuses setgroups
            // with EPERM; the process then keeps its groups, as nsenter leaves them
            flags |= Launcher.F_SETGROUPS_DENIED_OK;
        }
        return flags;
    }

    /**
     * Where the launcher looks for the command, as execvp(3) and posix_spawnp(3) do: the name
     * itself if it has a slash, else in each directory of the JVM's {@code PATH} (default
     * {@code /bin:/usr/bin}); an empty entry is the working directory.
     */
    private List<byte[]> candidates() {
        if (start.program.indexOf('/') >= 0) {
            return List.of(LibC.pathBytes(start.program));
        }
        List<byte[]> out = new ArrayList<>();
        if (start.program.isEmpty()) {
            return out;
        }
        String path = System.getenv("PATH");
        for (String dir : (path == null ? "/bin:/usr/bin" : path).split(":", -1)) {
            out.add(LibC.pathBytes((dir.isEmpty() ? "." : dir) + "/" + start.program));
        }
        return out;
    }

    /** Reads the launcher's report until its end: its step, errno and detail if it reported a failure, else null. */
    private static int[] readReport(int fd, Arena arena) {
        MemorySegment buf = arena.allocate(Launcher.REPORT_SIZE);
        long got = 0;
        for (;;) {
            long n = LibC.read(fd, buf.asSlice(got), Launcher.REPORT_SIZE - got);
            if (n == -Errno.EINTR) {
                continue;
            }
            if (n <= 0) {
                break; // end: exec'd (close-on-exec), or gone
            }
            got += n;
            if (got == Launcher.REPORT_SIZE) {
                break;
            }
        }
        if (got < Launcher.REPORT_SIZE) {
            return null;
        }
        return new int[] {buf.getAtIndex(JAVA_INT, 0), buf.getAtIndex(JAVA_INT, 1), buf.getAtIndex(JAVA_INT, 2)};
    }

    /** Waits for the launcher that failed (it exits at once), so that no zombie is left. */
    private static void reap(int pid, Arena arena) {
        MemorySegment info = arena.allocate(Structs.SIGINFO);
        int rc;
        do {
            rc = ProcessCalls.waitid(Constants.P_PID, pid, info, Constants.WEXITED);
        } while (rc == -Errno.EINTR);
    }

    /** What the launcher's report (step, errno, detail) means, as the exception of its kind. */
    private Exception launchFailure(int step, int errno, int detail) {
        boolean inTarget = ProcessStart.hasMnt(launched);
        return switch (step) {
            case Launcher.STEP_SETNS -> Failure.errno("setns", (detail >= 0 && detail < launched.length
                    ? launched[detail] + " of " : "") + target, errno, "the launcher could not enter it (after the user"
                    + " namespace, if any, as nsenter does); nothing was started");
            case Launcher.STEP_SETGROUPS -> Failure.errno("setgroups", target, errno,
                    "cannot drop the supplementary groups after entering; nothing was started");
            case Launcher.STEP_SETGID -> Failure.errno("setgid", target, errno, "cannot become gid "
                    + gidShown() + " after entering (in a user namespace it must be in its gid_map); nothing was"
                    + " started");
            case Launcher.STEP_SETUID -> Failure.errno("setuid", target, errno, "cannot become uid "
                    + uidShown() + " after entering (in a user namespace it must be in its uid_map); nothing was"
                    + " started");
            case Launcher.STEP_CHROOT -> fileFailure(String.valueOf(start.options.root()), errno,
                    "cannot make it the root directory after entering");
            case Launcher.STEP_CHDIR -> detail == 0
                    ? fileFailure(String.valueOf(start.options.workingDirectory()), errno,
                            "cannot make it the working directory after entering")
                    : fileFailure(new String(start.directory, LibC.PATH_CHARSET), errno,
                            "cannot change to the directory" + (inTarget ? " in the target's mount namespace" : ""));
            case Launcher.STEP_CAPABILITIES -> Failure.errno(detail == 0 ? "capget" : "capset", target, errno,
                    "cannot make the permitted capabilities inheritable after entering, for --keep-caps; nothing was"
                    + " started");
            case Launcher.STEP_AMBIENT -> Failure.errno("prctl(PR_CAP_AMBIENT_RAISE)", target, errno,
                    "cannot make capability " + detail + " ambient after entering, for --keep-caps; nothing was"
                    + " started");
            case Launcher.STEP_CGROUP -> fileFailure(start.cgroupProcs, errno, "cannot join the cgroup "
                    + start.options.cgroup() + " (the launcher's write of its pid to it was refused); nothing was"
                    + " started");
            case Launcher.STEP_FORK -> new IOException("fork, for the process to be in the pid namespace: "
                    + Errnos.describe(errno));
            case Launcher.STEP_EXEC -> execFailure(start.program, errno, inTarget);
            case STEP_SPAWN -> Failure.of(Failure.Kind.FAILED, "posix_spawn", LauncherFile.path(), errno,
                    "cannot start nsfs4j's launcher (" + Errnos.describe(errno) + ")" + (errno == Errno.EACCES
                            || errno == Errno.EPERM ? ": the kernel or a security policy forbids executing a memfd"
                            + " (vm.memfd_noexec = " + LauncherFile.sysctl() + ")" : ""));
            default -> new IllegalStateException("nsfs4j's launcher refused its arguments (step " + step + ", "
                    + Errnos.describe(errno) + "): a bug in nsfs4j");
        };
    }

    private String uidShown() {
        return Long.toString(start.options.uid() >= 0 ? start.options.uid() : 0);
    }

    private String gidShown() {
        return Long.toString(start.options.gid() >= 0 ? start.options.gid() : 0);
    }
}
