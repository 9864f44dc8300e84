package io.github.nsfs4j;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

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
 * Process start from an entered thread: everything that can be done in the JVM's own
 * namespaces (pipes, redirect files, the argument and environment bytes) is done by the
 * caller first; the entered thread only builds the posix_spawn(3) structures and calls
 * posix_spawnp, which clones the thread (with its namespaces, its pid_for_children, and,
 * after a mount namespace, its root and working directory) and execs the command.
 */
final class Spawn {
    private Spawn() {}

    /** How a job is run: on a one-shot pool thread, or on an executor's thread. */
    interface Runner {
        NamespaceThread.Job<Integer> run(NamespaceThread.Job<Integer> job) throws NamespaceException;
    }

    private static final int STDIN = 0;
    private static final int STDOUT = 1;
    private static final int STDERR = 2;

    /** Links the posix_spawn functions (and loads their classes) while the thread still sees the JVM's files. */
    static void preload() {
        LibC.linkProcessFunctions();
        SpawnedProcess.preload();
    }

    /**
     * Starts {@code builder}'s command through {@code runner}, inside {@code entries}.
     *
     * @throws NoSuchFileException if the command is not found
     * @throws FileSystemException if it cannot be run
     * @throws NamespaceException if entering failed
     * @throws IOException if a pipe or redirect file cannot be opened
     */
    static Process start(ProcessBuilder builder, Runner runner, NamespaceHandle[] entries, String target)
            throws IOException {
        List<String> command = List.copyOf(builder.command());
        if (command.isEmpty()) {
            throw new IndexOutOfBoundsException("the command is empty");
        }
        byte[][] argv = bytes(command);
        byte[][] envp = environment(builder.environment());
        byte[] directory = builder.directory() == null ? null : LibC.pathBytes(builder.directory().getPath());
        List<Integer> toClose = new ArrayList<>(); // every fd opened here, parent ends included until handed over
        int[] childFds = new int[3];
        int[] parentFds = {-1, -1, -1};
        boolean success = false;
        try {
            childFds[STDIN] = open(builder.redirectInput(), STDIN, parentFds, toClose);
            childFds[STDOUT] = open(builder.redirectOutput(), STDOUT, parentFds, toClose);
            childFds[STDERR] = builder.redirectErrorStream() ? -2
                    : open(builder.redirectError(), STDERR, parentFds, toClose);
            NamespaceThread.Job<Integer> job = runner.run(new NamespaceThread.Job<>(entries, target) {
                @Override
                Integer work() {
                    return spawn(argv, envp, directory, childFds);
                }
            });
            int pid = NamespaceSet.<Integer, RuntimeException>outcome(job);
            if (pid < 0) {
                throw execFailure(command.get(0), -pid, entries.length > 0 && hasMnt(entries));
            }
            SpawnedProcess process = new SpawnedProcess(pid, parentFds[STDIN], parentFds[STDOUT], parentFds[STDERR]);
            success = true;
            return process;
        } finally {
            for (int fd : toClose) {
                boolean handedOver = success && (fd == parentFds[0] || fd == parentFds[1] || fd == parentFds[2]);
                if (!handedOver) {
                    LibC.close(fd);
                }
            }
        }
    }

    private static boolean hasMnt(NamespaceHandle[] entries) {
        for (NamespaceHandle ns : entries) {
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
    private static int open(ProcessBuilder.Redirect redirect, int stdio, int[] parentFds, List<Integer> toClose)
            throws IOException {
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
                    toClose.add(readEnd);
                    toClose.add(writeEnd);
                    int parentEnd = stdio == STDIN ? writeEnd : readEnd;
                    // the JVM's end only (O_NONBLOCK is per open file): see SpawnedProcess.awaitReady
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
                toClose.add(fd);
                return fd;
            }
        }
    }

    /**
     * On the entered thread: posix_spawnp with 0-2 set up, every other fd closed in the child,
     * an empty signal mask (a JVM thread blocks some signals) and the working directory.
     * Returns the pid (in the JVM's pid namespace), or -errno.
     */
    static int spawn(byte[][] argv, byte[][] envp, byte[] directory, int[] childFds) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment actions = arena.allocate(Structs.POSIX_SPAWN_FILE_ACTIONS_SIZE, 16);
            MemorySegment attr = arena.allocate(Structs.POSIX_SPAWNATTR_SIZE, 16);
            int rc = LibC.posix_spawn_file_actions_init(actions);
            if (rc < 0) {
                return rc;
            }
            try {
                rc = LibC.posix_spawnattr_init(attr);
                if (rc < 0) {
                    return rc;
                }
                try {
                    for (int stdio = 0; stdio < 3 && rc == 0; stdio++) {
                        int fd = childFds[stdio];
                        if (fd == -2) {
                            rc = LibC.posix_spawn_file_actions_adddup2(actions, STDOUT, STDERR);
                        } else if (fd >= 0) {
                            rc = LibC.posix_spawn_file_actions_adddup2(actions, fd, stdio);
                        }
                    }
                    if (rc == 0) {
                        rc = LibC.posix_spawn_file_actions_addclosefrom_np(actions, 3);
                    }
                    if (rc == 0 && directory != null) {
                        rc = LibC.posix_spawn_file_actions_addchdir_np(actions, cString(arena, directory));
                    }
                    if (rc == 0) {
                        rc = LibC.posix_spawnattr_setflags(attr, Constants.POSIX_SPAWN_SETSIGMASK);
                    }
                    if (rc == 0) {
                        rc = LibC.posix_spawnattr_setsigmask(attr, arena.allocate(Structs.SIGSET_SIZE)); // zeroed: empty
                    }
                    if (rc < 0) {
                        return rc;
                    }
                    MemorySegment pid = arena.allocate(JAVA_INT);
                    MemorySegment cArgv = cStrings(arena, argv);
                    rc = LibC.posix_spawnp(pid, cArgv.getAtIndex(ADDRESS, 0), actions, attr, cArgv,
                            cStrings(arena, envp));
                    return rc < 0 ? rc : pid.get(JAVA_INT, 0);
                } finally {
                    LibC.posix_spawnattr_destroy(attr);
                }
            } finally {
                LibC.posix_spawn_file_actions_destroy(actions);
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
        if (errno == Errnos.ENOENT) {
            return new NoSuchFileException(path, null, reason);
        }
        if (errno == Errnos.EACCES || errno == Errnos.EPERM) {
            return new AccessDeniedException(path, null, reason);
        }
        return new FileSystemException(path, null, reason);
    }
}
