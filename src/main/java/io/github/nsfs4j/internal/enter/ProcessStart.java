package io.github.nsfs4j.internal.enter;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import io.github.nsfs4j.internal.Errnos;
import io.github.nsfs4j.internal.Failure;
import io.github.nsfs4j.internal.NsFile;
import io.github.nsfs4j.linux.Constants;
import io.github.nsfs4j.linux.Errno;
import io.github.nsfs4j.linux.Launcher;
import io.github.nsfs4j.linux.LibC;
import io.github.nsfs4j.linux.PosixSpawn;
import io.github.nsfs4j.linux.ProcessCalls;
import io.github.nsfs4j.linux.Structs;
import io.github.nsfs4j.kernel.NamespaceType;

import java.io.File;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A process start, in three steps: {@link #prepare} does, in the JVM's own namespaces,
 * everything that can be done there (pipes, redirect files, the directories of
 * {@link Options}, the argument and environment bytes); a job does the start itself;
 * {@link #started} makes the {@link Process}. Closing it closes every fd that was not handed
 * over to the process.
 *
 * <p>Two jobs: {@link #job} runs on the entered thread and only builds the posix_spawn(3)
 * structures and calls posix_spawnp, which clones the thread (with its namespaces, its
 * pid_for_children and, after a mount namespace, its root and working directory) and execs the
 * command. {@link #launchJob} runs on a thread in the JVM's own namespaces and starts nsfs4j's
 * launcher ({@link Launcher}) with posix_spawn, which enters the namespaces itself (user and
 * time too), sets the credentials and directories, and execs the command; it reports a failed
 * step through a pipe, read here until its end (the exec closes it).
 *
 * <p>Standard streams: a redirect to a pipe or file gives the command that; INHERIT gives it the
 * JVM's fd 0, 1 or 2, unless the JVM has none there, or has there a file of its own (the JDK
 * opens {@code java.home/lib/modules} without close-on-exec as its first file, so a stream
 * closed when the JVM started is that file): then, as with {@link Options#closedStreams}, the
 * command gets it closed, as nsenter would leave it.
 */
public final class ProcessStart implements AutoCloseable {
    private static final int STDIN = 0;
    private static final int STDOUT = 1;
    private static final int STDERR = 2;
    /** A child fd slot that gets stdout's (redirectErrorStream). */
    private static final int SAME_AS_STDOUT = -2;
    /** A child fd slot that stays closed. */
    private static final int CLOSED = -3;

    /**
     * What a start asks beyond its {@code ProcessBuilder} (the API's {@code ProcessOptions}).
     *
     * @param uid the uid to set after entering (setuid), or -1
     * @param gid the gid to set (setgroups to none, setgid), or -1
     * @param preserveCredentials no credential step after entering a user namespace (else uid and gid 0)
     * @param root a directory of the JVM's file tree to chroot to after entering, or null
     * @param workingDirectory a directory of the JVM's file tree to make the working directory, or null
     * @param closedStreams bits 0 to 2: standard streams the command gets closed
     * @param argv0 the command's argv[0] in place of the program's name (still the file run), or null
     */
    public record Options(long uid, long gid, boolean preserveCredentials, Path root, Path workingDirectory,
            int closedStreams, String argv0) {
        /** Nothing beyond the builder. */
        public static final Options NONE = new Options(-1, -1, false, null, null, 0, null);

        /** Whether only the launcher can do it (posix_spawn has no setuid, chroot or fchdir). */
        public boolean needsLauncher() {
            return uid >= 0 || gid >= 0 || root != null || workingDirectory != null;
        }
    }

    private final String program;
    private final byte[][] argv;
    private final byte[][] envp;
    private final byte[] directory;
    private final Options options;
    /** Every fd opened here, the JVM's pipe ends included until handed over. */
    private final List<Integer> opened = new ArrayList<>();
    private final int[] childFds = new int[3];
    private final int[] parentFds = {-1, -1, -1};
    private int rootFd = -1;
    private int wdFd = -1;
    private boolean handedOver;
    /** What the launcher reported: its step ({@code Launcher.STEP_*} or {@link #STEP_SPAWN}), errno, detail; step 0 if none. */
    private final int[] report = new int[3];
    /** The launcher's namespaces, in the order it got them, to name one in a message. */
    private NsFile[] launched;
    private String target;
    /** posix_spawn of the launcher itself failed. */
    private static final int STEP_SPAWN = 100;

    private ProcessStart(List<String> command, ProcessBuilder builder, Options options) {
        this.program = command.get(0);
        this.argv = bytes(command);
        if (options.argv0() != null) {
            this.argv[0] = LibC.pathBytes(options.argv0()); // the file run is still program
        }
        this.envp = environment(builder.environment());
        this.directory = builder.directory() == null ? null : LibC.pathBytes(builder.directory().getPath());
        this.options = options;
    }

    /** As {@link #prepare(ProcessBuilder, Options)} with nothing beyond the builder. */
    public static ProcessStart prepare(ProcessBuilder builder) throws IOException {
        return prepare(builder, Options.NONE);
    }

    /**
     * Opens what {@code builder} redirects to and the directories of {@code options}, in the
     * JVM's namespaces.
     *
     * @throws IOException if a pipe, redirect file or directory cannot be opened
     */
    public static ProcessStart prepare(ProcessBuilder builder, Options options) throws IOException {
        List<String> command = List.copyOf(builder.command());
        if (command.isEmpty()) {
            throw new IndexOutOfBoundsException("the command is empty");
        }
        ProcessStart start = new ProcessStart(command, builder, options);
        boolean success = false;
        try {
            start.childFds[STDIN] = start.open(builder.redirectInput(), STDIN);
            start.childFds[STDOUT] = start.open(builder.redirectOutput(), STDOUT);
            start.childFds[STDERR] = builder.redirectErrorStream()
                    ? (start.childFds[STDOUT] == CLOSED ? CLOSED : SAME_AS_STDOUT)
                    : start.open(builder.redirectError(), STDERR);
            if (options.root() != null) {
                start.rootFd = start.openDirectory(options.root(), "the root directory");
            }
            if (options.workingDirectory() != null) {
                start.wdFd = start.openDirectory(options.workingDirectory(), "the working directory");
            }
            success = true;
            return start;
        } finally {
            if (!success) {
                start.close();
            }
        }
    }

    /** The work for the entered thread: the child's pid (in the JVM's pid namespace), or -errno. */
    public Job<Integer> job(NsFile[] entries, String target) {
        return new Job<>(entries, target) {
            @Override
            protected Integer work() {
                return spawn();
            }
        };
    }

    /**
     * The work for a thread in the JVM's own namespaces: starts the launcher, which enters
     * {@code entries} (in nsenter's order, user first), and waits until it has exec'd the
     * command or failed. Returns the pid (the launcher's, now the command; with a pid namespace,
     * the relay's), or -1 when it failed ({@link #started} says how).
     *
     * @param entries the namespaces, in nsenter's order: user, cgroup, ipc, uts, net, pid, mnt, time
     * @param target what they are, for messages
     */
    public Job<Integer> launchJob(NsFile[] entries, String target) {
        this.launched = entries;
        this.target = target;
        return new Job<>(new NsFile[0], target) {
            @Override
            protected Integer work() throws Failure {
                return launch();
            }
        };
    }

    /**
     * The process the job started, with the JVM's pipe ends handed to it.
     *
     * @param pid what the job returned: the pid, or -errno
     * @param entries the namespaces it was started in, to say where a command was not found
     * @throws NoSuchFileException if the command was not found
     * @throws FileSystemException if it could not be run, or a directory could not be entered
     * @throws Failure if the launcher could not enter a namespace or set the credentials
     */
    public Process started(int pid, NsFile[] entries) throws IOException, Failure {
        if (report[0] != 0) {
            Exception e = launchFailure(hasMnt(entries));
            if (e instanceof Failure f) {
                throw f;
            }
            if (e instanceof IOException io) {
                throw io;
            }
            throw (RuntimeException) e;
        }
        if (pid < 0) {
            throw execFailure(program, -pid, hasMnt(entries));
        }
        Process process = new SpawnedProcess(pid, parentFds[STDIN], parentFds[STDOUT], parentFds[STDERR]);
        handedOver = true;
        return process;
    }

    @Override
    public void close() {
        for (int fd : opened) {
            boolean kept = handedOver && (fd == parentFds[0] || fd == parentFds[1] || fd == parentFds[2]);
            if (!kept) {
                LibC.close(fd);
            }
        }
        opened.clear();
    }

    private static boolean hasMnt(NsFile[] entries) {
        for (NsFile ns : entries) {
            if (ns.type() == NamespaceType.MNT) {
                return true;
            }
        }
        return false;
    }

    /**
     * The child's fd for one of 0, 1, 2 as the redirect says: -1 to inherit the JVM's, else an
     * fd opened here (a pipe end, whose other end goes to {@code parentFds}, or a file).
     */
    private int open(ProcessBuilder.Redirect redirect, int stdio) throws IOException {
        if ((options.closedStreams() & (1 << stdio)) != 0) {
            return CLOSED;
        }
        switch (redirect.type()) {
            case INHERIT:
                return StandardStreams.isCallers(stdio) ? -1 : CLOSED;
            case PIPE: {
                int[] ends = pipe();
                int readEnd = ends[0];
                int writeEnd = ends[1];
                int parentEnd = stdio == STDIN ? writeEnd : readEnd;
                // the JVM's end only (O_NONBLOCK is per open file): see PipeStreams
                int flags = LibC.fcntl(parentEnd, Constants.F_GETFL, 0);
                int rc = flags < 0 ? flags : LibC.fcntl(parentEnd, Constants.F_SETFL, flags | Constants.O_NONBLOCK);
                if (rc < 0) {
                    throw new IOException("fcntl(F_SETFL, O_NONBLOCK) on a pipe: " + Errnos.describe(-rc));
                }
                parentFds[stdio] = parentEnd;
                return stdio == STDIN ? readEnd : writeEnd;
            }
            default: {
                File file = redirect.file();
                String path = file == null ? "/dev/null" : file.getPath(); // DISCARD has a file too on Linux
                int flags = switch (redirect.type()) {
                    case READ -> Constants.O_RDONLY;
                    case APPEND -> Constants.O_WRONLY | Constants.O_CREAT | Constants.O_APPEND;
                    default -> Constants.O_WRONLY | Constants.O_CREAT | Constants.O_TRUNC;
                };
                int fd = LibC.open(path, flags | Constants.O_CLOEXEC, 0666);
                if (fd < 0) {
                    throw fileFailure(path, -fd, "cannot open the redirect file");
                }
                return keep(fd);
            }
        }
    }

    /** A directory of the JVM's file tree, opened O_PATH (it is only fchdir'd to), above 2. */
    private int openDirectory(Path dir, String what) throws IOException {
        int fd = LibC.open(dir.toString(), Constants.O_PATH | Constants.O_CLOEXEC);
        if (fd < 0) {
            throw fileFailure(dir.toString(), -fd, "cannot open " + what);
        }
        return keep(fd);
    }

    /** A close-on-exec pipe, both ends above 2 and kept in {@link #opened}: {read, write}. */
    private int[] pipe() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(JAVA_INT, 2);
            int rc = ProcessCalls.pipe2(fds, Constants.O_CLOEXEC);
            if (rc < 0) {
                throw new IOException("pipe2: " + Errnos.describe(-rc));
            }
            int readEnd = fds.getAtIndex(JAVA_INT, 0);
            int writeEnd = fds.getAtIndex(JAVA_INT, 1);
            readEnd = keepOrClose(readEnd, writeEnd);
            return new int[] {readEnd, keep(writeEnd)};
        }
    }

    private int keepOrClose(int fd, int other) throws IOException {
        try {
            return keep(fd);
        } catch (IOException e) {
            LibC.close(other);
            throw e;
        }
    }

    /**
     * Records {@code fd} in {@link #opened}, first moved above 2 if it is one of 0, 1, 2 (the
     * JVM had that standard stream closed): posix_spawn's dup2 onto 0-2 must never overwrite
     * another fd it still has to read, and the launcher's fds must not be a command's stdio.
     */
    private int keep(int fd) throws IOException {
        int moved = aboveStdio(fd);
        if (moved < 0) {
            throw new IOException("fcntl(F_DUPFD_CLOEXEC): " + Errnos.describe(-moved));
        }
        opened.add(moved);
        return moved;
    }

    /**
     * On the entered thread: posix_spawnp with 0-2 set up, every other fd closed in the child,
     * an empty signal mask (a JVM thread blocks some signals) and the working directory.
     * Returns the pid (in the JVM's pid namespace), or -errno.
     */
    private int spawn() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment actions = arena.allocate(PosixSpawn.FILE_ACTIONS_SIZE, 16);
            MemorySegment attr = arena.allocate(PosixSpawn.ATTR_SIZE, 16);
            int rc = PosixSpawn.posix_spawn_file_actions_init(actions);
            if (rc < 0) {
                return rc;
            }
            try {
                rc = PosixSpawn.posix_spawnattr_init(attr);
                if (rc < 0) {
                    return rc;
                }
                try {
                    rc = stdioActions(actions);
                    if (rc == 0) {
                        rc = PosixSpawn.posix_spawn_file_actions_addclosefrom_np(actions, 3);
                    }
                    if (rc == 0 && directory != null) {
                        rc = PosixSpawn.posix_spawn_file_actions_addchdir_np(actions, cString(arena, directory));
                    }
                    if (rc == 0) {
                        rc = PosixSpawn.posix_spawnattr_setflags(attr, PosixSpawn.SETSIGMASK);
                    }
                    if (rc == 0) { // zeroed: the empty set
                        rc = PosixSpawn.posix_spawnattr_setsigmask(attr, arena.allocate(PosixSpawn.SIGSET_SIZE));
                    }
                    if (rc < 0) {
                        return rc;
                    }
                    MemorySegment pid = arena.allocate(JAVA_INT);
                    MemorySegment cArgv = cStrings(arena, argv);
                    rc = PosixSpawn.posix_spawnp(pid, cString(arena, LibC.pathBytes(program)), actions, attr, cArgv,
                            cStrings(arena, envp));
                    return rc < 0 ? rc : pid.get(JAVA_INT, 0);
                } finally {
                    PosixSpawn.posix_spawnattr_destroy(attr);
                }
            } finally {
                PosixSpawn.posix_spawn_file_actions_destroy(actions);
            }
        }
    }

    /** The file actions for fds 0 to 2: dup2 of a pipe end or file, close, or nothing (the JVM's own). */
    private int stdioActions(MemorySegment actions) {
        int rc = 0;
        for (int stdio = 0; stdio < 3 && rc == 0; stdio++) {
            int fd = childFds[stdio];
            if (fd == SAME_AS_STDOUT) {
                rc = PosixSpawn.posix_spawn_file_actions_adddup2(actions, STDOUT, STDERR);
            } else if (fd == CLOSED) {
                rc = PosixSpawn.posix_spawn_file_actions_addclose(actions, stdio);
            } else if (fd >= 0) {
                rc = PosixSpawn.posix_spawn_file_actions_adddup2(actions, fd, stdio);
            }
        }
        return rc;
    }

    /** The launcher's start: see {@link #launchJob}. */
    private int launch() throws Failure {
        List<Integer> handed = new ArrayList<>(); // duplicates of the namespace fds, for the launcher
        int reportRead = -1;
        int reportWrite = -1;
        try (Arena arena = Arena.ofConfined()) {
            int[] words = new int[Launcher.W_ENTRIES + 2 * launched.length];
            boolean user = false;
            boolean pid = false;
            for (int i = 0; i < launched.length; i++) {
                NsFile ns = launched[i];
                // a duplicate above 2 of its own: the set may be closed meanwhile, and 0-2 are the command's
                int fd = ns.apply(raw -> LibC.fcntl(raw, Constants.F_DUPFD_CLOEXEC, STDERR + 1),
                        "fcntl(F_DUPFD_CLOEXEC)");
                if (fd < 0) {
                    throw Failure.errno("fcntl(F_DUPFD_CLOEXEC)", ns + " of " + target, -fd,
                            "cannot hand the namespace to the launcher");
                }
                handed.add(fd);
                words[Launcher.W_ENTRIES + 2 * i] = fd;
                words[Launcher.W_ENTRIES + 2 * i + 1] = ns.type().cloneFlag();
                user |= ns.type() == NamespaceType.USER;
                pid |= ns.type() == NamespaceType.PID;
            }
            MemorySegment ends = arena.allocate(JAVA_INT, 2);
            int rc = ProcessCalls.pipe2(ends, Constants.O_CLOEXEC);
            if (rc < 0) {
                throw Failure.errno("pipe2", target, -rc, "cannot make the launcher's report pipe");
            }
            reportRead = aboveStdio(ends.getAtIndex(JAVA_INT, 0));
            reportWrite = aboveStdio(ends.getAtIndex(JAVA_INT, 1));
            if (reportRead < 0 || reportWrite < 0) {
                throw Failure.errno("fcntl(F_DUPFD_CLOEXEC)", target, -Math.min(reportRead, reportWrite),
                        "cannot move the launcher's report pipe above the standard streams");
            }
            words[Launcher.W_FLAGS] = credentialFlags(user) | (pid ? Launcher.F_RELAY : 0);
            words[Launcher.W_REPORT_FD] = reportWrite;
            words[Launcher.W_UID] = (int) (options.uid() >= 0 ? options.uid() : 0);
            words[Launcher.W_GID] = (int) (options.gid() >= 0 ? options.gid() : 0);
            words[Launcher.W_ROOT_FD] = rootFd;
            words[Launcher.W_WD_FD] = wdFd;
            words[Launcher.W_MAX_FD] = CloseRange.cloexec() ? 0 : CloseRange.highestOpenFd();
            words[Launcher.W_COUNT] = launched.length;

            List<byte[]> args = new ArrayList<>();
            args.add(LibC.pathBytes(Launcher.NAME));
            args.add(LibC.pathBytes(Launcher.control(words)));
            args.add(directory == null ? new byte[0] : directory);
            args.addAll(candidates());
            args.add(new byte[0]);
            args.addAll(List.of(argv));

            MemorySegment actions = arena.allocate(PosixSpawn.FILE_ACTIONS_SIZE, 16);
            MemorySegment attr = arena.allocate(PosixSpawn.ATTR_SIZE, 16);
            MemorySegment pidOut = arena.allocate(JAVA_INT);
            rc = PosixSpawn.posix_spawn_file_actions_init(actions);
            if (rc < 0) {
                throw Failure.errno("posix_spawn_file_actions_init", target, -rc, "cannot start the launcher");
            }
            try {
                rc = PosixSpawn.posix_spawnattr_init(attr);
                if (rc < 0) {
                    throw Failure.errno("posix_spawnattr_init", target, -rc, "cannot start the launcher");
                }
                try {
                    rc = stdioActions(actions);
                    // the launcher's own fds, at their numbers (dup2 of an fd onto itself clears close-on-exec)
                    List<Integer> inherited = new ArrayList<>(handed);
                    inherited.add(reportWrite);
                    if (rootFd >= 0) {
                        inherited.add(rootFd);
                    }
                    if (wdFd >= 0) {
                        inherited.add(wdFd);
                    }
                    for (int fd : inherited) {
                        if (rc == 0) {
                            rc = PosixSpawn.posix_spawn_file_actions_adddup2(actions, fd, fd);
                        }
                    }
                    if (rc == 0) {
                        rc = PosixSpawn.posix_spawnattr_setflags(attr, PosixSpawn.SETSIGMASK);
                    }
                    if (rc == 0) { // zeroed: the empty set
                        rc = PosixSpawn.posix_spawnattr_setsigmask(attr, arena.allocate(PosixSpawn.SIGSET_SIZE));
                    }
                    if (rc == 0) {
                        MemorySegment cArgv = cStrings(arena, args.toArray(byte[][]::new));
                        rc = PosixSpawn.posix_spawn(pidOut, arena.allocateFrom(LauncherFile.path()), actions, attr,
                                cArgv, cStrings(arena, envp));
                    }
                } finally {
                    PosixSpawn.posix_spawnattr_destroy(attr);
                }
            } finally {
                PosixSpawn.posix_spawn_file_actions_destroy(actions);
            }
            LibC.close(reportWrite); // the launcher (and the command, until its exec) hold the only writers now
            reportWrite = -1;
            if (rc < 0) {
                report[0] = STEP_SPAWN;
                report[1] = -rc;
                return -1;
            }
            int child = pidOut.get(JAVA_INT, 0);
            if (readReport(reportRead, arena)) {
                reap(child, arena);
                return -1;
            }
            return child;
        } finally {
            for (int fd : handed) {
                LibC.close(fd);
            }
            if (reportRead >= 0) {
                LibC.close(reportRead);
            }
            if (reportWrite >= 0) {
                LibC.close(reportWrite);
            }
        }
    }

    /** The credential step's flags: nsenter's (uid and gid 0 after entering a user namespace) unless told otherwise. */
    private int credentialFlags(boolean user) {
        boolean defaults = user && !options.preserveCredentials();
        int flags = 0;
        if (defaults || options.gid() >= 0) {
            flags |= Launcher.F_SETGROUPS | Launcher.F_SETGID;
        }
        if (defaults || options.uid() >= 0) {
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
        if (program.indexOf('/') >= 0) {
            return List.of(LibC.pathBytes(program));
        }
        List<byte[]> out = new ArrayList<>();
        if (program.isEmpty()) {
            return out;
        }
        String path = System.getenv("PATH");
        for (String dir : (path == null ? "/bin:/usr/bin" : path).split(":", -1)) {
            out.add(LibC.pathBytes((dir.isEmpty() ? "." : dir) + "/" + program));
        }
        return out;
    }

    /** Reads the launcher's report until its end: true if it reported a failure (kept in {@link #report}). */
    private boolean readReport(int fd, Arena arena) {
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
            return false;
        }
        for (int i = 0; i < 3; i++) {
            report[i] = buf.getAtIndex(JAVA_INT, i);
        }
        return true;
    }

    /** Waits for the launcher that failed (it exits at once), so that no zombie is left. */
    private static void reap(int pid, Arena arena) {
        MemorySegment info = arena.allocate(Structs.SIGINFO);
        int rc;
        do {
            rc = ProcessCalls.waitid(Constants.P_PID, pid, info, Constants.WEXITED);
        } while (rc == -Errno.EINTR);
    }

    /** What the launcher's report means, as the exception of its kind. */
    private Exception launchFailure(boolean inTarget) {
        int step = report[0];
        int errno = report[1];
        int detail = report[2];
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
            case Launcher.STEP_CHROOT -> fileFailure(String.valueOf(options.root()), errno,
                    "cannot make it the root directory after entering");
            case Launcher.STEP_CHDIR -> detail == 0
                    ? fileFailure(String.valueOf(options.workingDirectory()), errno,
                            "cannot make it the working directory after entering")
                    : fileFailure(new String(directory, LibC.PATH_CHARSET), errno,
                            "cannot change to the directory" + (inTarget ? " in the target's mount namespace" : ""));
            case Launcher.STEP_FORK -> new IOException("fork, for the process to be in the pid namespace: "
                    + Errnos.describe(errno));
            case Launcher.STEP_EXEC -> execFailure(program, errno, inTarget);
            case STEP_SPAWN -> Failure.of(Failure.Kind.FAILED, "posix_spawn", LauncherFile.path(), errno,
                    "cannot start nsfs4j's launcher (" + Errnos.describe(errno) + ")" + (errno == Errno.EACCES
                            || errno == Errno.EPERM ? ": the kernel or a security policy forbids executing a memfd"
                            + " (vm.memfd_noexec = " + LauncherFile.sysctl() + ")" : ""));
            default -> new IllegalStateException("nsfs4j's launcher refused its arguments (step " + step + ", "
                    + Errnos.describe(errno) + "): a bug in nsfs4j");
        };
    }

    private String uidShown() {
        return Long.toString(options.uid() >= 0 ? options.uid() : 0);
    }

    private String gidShown() {
        return Long.toString(options.gid() >= 0 ? options.gid() : 0);
    }

    /** {@code fd} if above 2, else a close-on-exec duplicate above 2 ({@code fd} closed); -errno on failure. */
    private static int aboveStdio(int fd) {
        if (fd > STDERR) {
            return fd;
        }
        int moved = LibC.fcntl(fd, Constants.F_DUPFD_CLOEXEC, STDERR + 1);
        LibC.close(fd);
        return moved;
    }

    private static MemorySegment cString(Arena arena, byte[] bytes) {
        MemorySegment s = arena.allocate(bytes.length + 1L); // zeroed: NUL-terminated
        MemorySegment.copy(bytes, 0, s, JAVA_BYTE, 0, bytes.length);
        return s;
    }

    /** A NULL-terminated {@code char *[]}. */
    private static MemorySegment cStrings(Arena arena, byte[][] strings) {
        MemorySegment array = arena.allocate(ADDRESS, strings.length + 1L);
        for (int i = 0; i < strings.length; i++) {
            array.setAtIndex(ADDRESS, i, cString(arena, strings[i]));
        }
        array.setAtIndex(ADDRESS, strings.length, MemorySegment.NULL);
        return array;
    }

    private static byte[][] bytes(List<String> strings) {
        byte[][] result = new byte[strings.size()][];
        for (int i = 0; i < result.length; i++) {
            String s = strings.get(i);
            if (s.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("a command argument contains a NUL character");
            }
            result[i] = LibC.pathBytes(s);
        }
        return result;
    }

    private static byte[][] environment(Map<String, String> env) {
        List<String> entries = new ArrayList<>(env.size());
        env.forEach((k, v) -> entries.add(k + "=" + v));
        return bytes(entries);
    }

    /** As the JDK says it, with the errno's own exception: not found, no permission, or otherwise not runnable. */
    static IOException execFailure(String program, int errno, boolean inTarget) {
        String where = inTarget ? " in the target's mount namespace" : "";
        return fileFailure(program, errno, "cannot run the program" + where);
    }

    private static IOException fileFailure(String path, int errno, String what) {
        String reason = what + ": " + Errnos.describe(errno);
        return switch (Errnos.usual(errno)) {
            case GONE -> new NoSuchFileException(path, null, reason);
            case DENIED -> new AccessDeniedException(path, null, reason);
            default -> new FileSystemException(path, null, reason);
        };
    }
}
