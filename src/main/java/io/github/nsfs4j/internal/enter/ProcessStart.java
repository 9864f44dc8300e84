package io.github.nsfs4j.internal.enter;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import io.github.nsfs4j.internal.Errnos;
import io.github.nsfs4j.internal.NsFile;
import io.github.nsfs4j.linux.Constants;
import io.github.nsfs4j.linux.LibC;
import io.github.nsfs4j.linux.PosixSpawn;
import io.github.nsfs4j.kernel.NamespaceType;

import java.io.File;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A process start from an entered thread, in three steps: {@link #prepare} does, in the
 * JVM's own namespaces, everything that can be done there (pipes, redirect files, the
 * argument and environment bytes); the {@link #job} runs on the entered thread and only builds
 * the posix_spawn(3) structures and calls posix_spawnp, which clones the thread (with its
 * namespaces, its pid_for_children and, after a mount namespace, its root and working
 * directory) and execs the command; {@link #started} makes the {@link Process}. Closing it
 * closes every fd that was not handed over to the process.
 */
public final class ProcessStart implements AutoCloseable {
    private static final int STDIN = 0;
    private static final int STDOUT = 1;
    private static final int STDERR = 2;
    /** A child fd slot that gets stdout's (redirectErrorStream). */
    private static final int SAME_AS_STDOUT = -2;

    private final String program;
    private final byte[][] argv;
    private final byte[][] envp;
    private final byte[] directory;
    /** Every fd opened here, the JVM's pipe ends included until handed over. */
    private final List<Integer> opened = new ArrayList<>();
    private final int[] childFds = new int[3];
    private final int[] parentFds = {-1, -1, -1};
    private boolean handedOver;

    private ProcessStart(List<String> command, ProcessBuilder builder) {
        this.program = command.get(0);
        this.argv = bytes(command);
        this.envp = environment(builder.environment());
        this.directory = builder.directory() == null ? null : LibC.pathBytes(builder.directory().getPath());
    }

    /**
     * Opens what {@code builder} redirects to, in the JVM's namespaces.
     *
     * @throws IOException if a pipe or redirect file cannot be opened
     */
    public static ProcessStart prepare(ProcessBuilder builder) throws IOException {
        List<String> command = List.copyOf(builder.command());
        if (command.isEmpty()) {
            throw new IndexOutOfBoundsException("the command is empty");
        }
        ProcessStart start = new ProcessStart(command, builder);
        boolean success = false;
        try {
            start.childFds[STDIN] = start.open(builder.redirectInput(), STDIN);
            start.childFds[STDOUT] = start.open(builder.redirectOutput(), STDOUT);
            start.childFds[STDERR] = builder.redirectErrorStream() ? SAME_AS_STDOUT
                    : start.open(builder.redirectError(), STDERR);
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
     * The process the job started, with the JVM's pipe ends handed to it.
     *
     * @param pid what the job returned: the pid, or -errno
     * @param entries the namespaces it was started in, to say where a command was not found
     * @throws NoSuchFileException if the command was not found
     * @throws FileSystemException if it could not be run
     */
    public Process started(int pid, NsFile[] entries) throws IOException {
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
        switch (redirect.type()) {
            case INHERIT:
                return -1;
            case PIPE: {
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment fds = arena.allocate(JAVA_INT, 2);
                    int rc = LibC.pipe2(fds, Constants.O_CLOEXEC);
                    if (rc < 0) {
                        throw new IOException("pipe2: " + Errnos.describe(-rc));
                    }
                    int readEnd = fds.getAtIndex(JAVA_INT, 0);
                    int writeEnd = fds.getAtIndex(JAVA_INT, 1);
                    opened.add(readEnd);
                    opened.add(writeEnd);
                    int parentEnd = stdio == STDIN ? writeEnd : readEnd;
                    // the JVM's end only (O_NONBLOCK is per open file): see PipeStreams
                    int flags = LibC.fcntl(parentEnd, Constants.F_GETFL, 0);
                    rc = flags < 0 ? flags : LibC.fcntl(parentEnd, Constants.F_SETFL, flags | Constants.O_NONBLOCK);
                    if (rc < 0) {
                        throw new IOException("fcntl(F_SETFL, O_NONBLOCK) on a pipe: " + Errnos.describe(-rc));
                    }
                    parentFds[stdio] = parentEnd;
                    return stdio == STDIN ? readEnd : writeEnd;
                }
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
                opened.add(fd);
                return fd;
            }
        }
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
                    for (int stdio = 0; stdio < 3 && rc == 0; stdio++) {
                        int fd = childFds[stdio];
                        if (fd == SAME_AS_STDOUT) {
                            rc = PosixSpawn.posix_spawn_file_actions_adddup2(actions, STDOUT, STDERR);
                        } else if (fd >= 0) {
                            rc = PosixSpawn.posix_spawn_file_actions_adddup2(actions, fd, stdio);
                        }
                    }
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
                    rc = PosixSpawn.posix_spawnp(pid, cArgv.getAtIndex(ADDRESS, 0), actions, attr, cArgv,
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
