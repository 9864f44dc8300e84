package io.github.nsfs4j.internal.enter;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import io.github.nsfs4j.internal.Cgroups;
import io.github.nsfs4j.internal.Errnos;
import io.github.nsfs4j.internal.Failure;
import io.github.nsfs4j.internal.NsFile;
import io.github.nsfs4j.linux.Constants;
import io.github.nsfs4j.linux.LibC;
import io.github.nsfs4j.linux.PosixSpawn;
import io.github.nsfs4j.linux.ProcessCalls;
import io.github.nsfs4j.kernel.NamespaceType;

import java.io.File;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a process start shares, whichever way it goes: {@link #prepare} does, in the JVM's own
 * namespaces, everything that can be done there (pipes, redirect files, the directories of
 * {@link Options}, the argument and environment bytes); a job does the start itself, from a
 * thread that entered the namespaces ({@link SpawnStart}) or through nsfs4j's launcher
 * ({@link LauncherStart}); {@link #handOver} makes the {@link Process}. Closing it closes every
 * fd that was not handed over to the process. Also shared: the file actions for fds 0 to 2, the
 * C strings, and the exceptions of a command or file that failed.
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
    static final int STDERR = 2;
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
     * @param keepCapabilities after entering a user namespace, the effective capabilities made ambient
     * @param cgroup a cgroup v2 path (as the JVM's cgroup namespace names it) to join first, or null
     */
    public record Options(long uid, long gid, boolean preserveCredentials, Path root, Path workingDirectory,
            int closedStreams, String argv0, boolean keepCapabilities, String cgroup) {
        /** Nothing beyond the builder. */
        public static final Options NONE = new Options(-1, -1, false, null, null, 0, null, false, null);
    }

    final String program;
    final byte[][] argv;
    final byte[][] envp;
    final byte[] directory;
    final Options options;
    /** Every fd opened here, the JVM's pipe ends included until handed over. */
    private final List<Integer> opened = new ArrayList<>();
    private final int[] childFds = new int[3];
    private final int[] parentFds = {-1, -1, -1};
    int rootFd = -1;
    int wdFd = -1;
    /** The {@code cgroup.procs} file of {@link Options#cgroup}, open for writing, or -1. */
    int cgroupFd = -1;
    /** Its path, for messages. */
    String cgroupProcs;
    private boolean handedOver;

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
            if (options.cgroup() != null) {
                start.openCgroup(options.cgroup());
            }
            success = true;
            return start;
        } finally {
            if (!success) {
                start.close();
            }
        }
    }

    /** The process started with {@code pid}, with the JVM's pipe ends handed over to it. */
    Process handOver(int pid) {
        Process process = new SpawnedProcess(pid, parentFds[STDIN], parentFds[STDOUT], parentFds[STDERR]);
        handedOver = true;
        return process;
    }

    /** Closes one of {@link #opened} before the rest. */
    void closeNow(int fd) {
        opened.remove(Integer.valueOf(fd));
        LibC.close(fd);
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

    static boolean hasMnt(NsFile[] entries) {
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

    /**
     * Opens the {@code cgroup.procs} file of cgroup v2 {@code path} for writing, here, with the
     * JVM's credentials: since Linux 5.16 the kernel checks a write to it against the opener's
     * credentials and cgroup namespace, and the launcher writes it before entering anything.
     */
    private void openCgroup(String path) throws IOException {
        try {
            cgroupProcs = Cgroups.procsFile(path);
        } catch (Failure f) {
            throw new IOException(f.getMessage(), f);
        }
        int fd = LibC.open(cgroupProcs, Constants.O_WRONLY | Constants.O_CLOEXEC);
        if (fd < 0) {
            throw fileFailure(cgroupProcs, -fd, "cannot join the cgroup " + path);
        }
        cgroupFd = keep(fd);
    }

    /** A close-on-exec pipe, both ends above 2 and kept in {@link #opened}: {read, write}. */
    int[] pipe() throws IOException {
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
    int keep(int fd) throws IOException {
        int moved = aboveStdio(fd);
        if (moved < 0) {
            throw new IOException("fcntl(F_DUPFD_CLOEXEC): " + Errnos.describe(-moved));
        }
        opened.add(moved);
        return moved;
    }

    /** Sets an empty signal mask in {@code attr} (a JVM thread blocks some signals): 0 or -errno. */
    static int emptySignalMask(MemorySegment attr, Arena arena) {
        int rc = PosixSpawn.posix_spawnattr_setflags(attr, PosixSpawn.SETSIGMASK);
        // zeroed: the empty set
        return rc < 0 ? rc : PosixSpawn.posix_spawnattr_setsigmask(attr, arena.allocate(PosixSpawn.SIGSET_SIZE));
    }

    /** The file actions for fds 0 to 2: dup2 of a pipe end or file, close, or nothing (the JVM's own). */
    int stdioActions(MemorySegment actions) {
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

    /** {@code fd} if above 2, else a close-on-exec duplicate above 2 ({@code fd} closed); -errno on failure. */
    static int aboveStdio(int fd) {
        if (fd > STDERR) {
            return fd;
        }
        int moved = LibC.fcntl(fd, Constants.F_DUPFD_CLOEXEC, STDERR + 1);
        LibC.close(fd);
        return moved;
    }

    static MemorySegment cString(Arena arena, byte[] bytes) {
        MemorySegment s = arena.allocate(bytes.length + 1L); // zeroed: NUL-terminated
        MemorySegment.copy(bytes, 0, s, JAVA_BYTE, 0, bytes.length);
        return s;
    }

    /** A NULL-terminated {@code char *[]}. */
    static MemorySegment cStrings(Arena arena, byte[][] strings) {
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

    static IOException fileFailure(String path, int errno, String what) {
        String reason = what + ": " + Errnos.describe(errno);
        return switch (Errnos.usual(errno)) {
            case GONE -> new NoSuchFileException(path, null, reason);
            case DENIED -> new AccessDeniedException(path, null, reason);
            default -> new FileSystemException(path, null, reason);
        };
    }
}
