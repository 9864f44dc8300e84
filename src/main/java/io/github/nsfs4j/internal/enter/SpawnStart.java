package io.github.nsfs4j.internal.enter;

import static io.github.nsfs4j.internal.enter.ProcessStart.cString;
import static io.github.nsfs4j.internal.enter.ProcessStart.cStrings;
import static io.github.nsfs4j.internal.enter.ProcessStart.emptySignalMask;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import io.github.nsfs4j.internal.NsFile;
import io.github.nsfs4j.linux.LibC;
import io.github.nsfs4j.linux.PosixSpawn;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A start by posix_spawn(3) from a thread that entered the namespaces: the job runs on that
 * thread and only builds the posix_spawn structures and calls posix_spawnp, which clones the
 * thread (with its namespaces, its pid_for_children and, after a mount namespace, its root and
 * working directory) and execs the command. What it needs is prepared, in the JVM's own
 * namespaces, by {@link ProcessStart}.
 */
public final class SpawnStart {
    private final ProcessStart start;
    private final NsFile[] entries;
    private final String target;

    /**
     * @param start what was prepared
     * @param entries the namespaces, in the kernel's order
     * @param target what they are, for messages
     */
    public SpawnStart(ProcessStart start, NsFile[] entries, String target) {
        this.start = start;
        this.entries = entries;
        this.target = target;
    }

    /** The work for the entered thread: the child's pid (in the JVM's pid namespace), or -errno. */
    public Job<Integer> job() {
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
     * @throws java.nio.file.NoSuchFileException if the command was not found
     * @throws java.nio.file.FileSystemException if it could not be run, or the directory not entered
     */
    public Process started(int pid) throws IOException {
        if (pid < 0) {
            throw ProcessStart.execFailure(start.program, -pid, ProcessStart.hasMnt(entries));
        }
        return start.handOver(pid);
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
                    rc = start.stdioActions(actions);
                    if (rc == 0) {
                        rc = PosixSpawn.posix_spawn_file_actions_addclosefrom_np(actions, 3);
                    }
                    if (rc == 0 && start.directory != null) {
                        rc = PosixSpawn.posix_spawn_file_actions_addchdir_np(actions, cString(arena, start.directory));
                    }
                    if (rc == 0) {
                        rc = emptySignalMask(attr, arena);
                    }
                    if (rc < 0) {
                        return rc;
                    }
                    MemorySegment pid = arena.allocate(JAVA_INT);
                    MemorySegment cArgv = cStrings(arena, start.argv);
                    rc = PosixSpawn.posix_spawnp(pid, cString(arena, LibC.pathBytes(start.program)), actions, attr,
                            cArgv, cStrings(arena, start.envp));
                    return rc < 0 ? rc : pid.get(JAVA_INT, 0);
                } finally {
                    PosixSpawn.posix_spawnattr_destroy(attr);
                }
            } finally {
                PosixSpawn.posix_spawn_file_actions_destroy(actions);
            }
        }
    }
}
