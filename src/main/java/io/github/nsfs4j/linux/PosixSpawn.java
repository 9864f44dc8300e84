package io.github.nsfs4j.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * posix_spawn(3) and what goes with it, as C sees them. Each function returns its error
 * instead of setting errno; here it comes back as {@code -errno}, 0 on success. Each is a
 * shape of its own, linked together by {@link #link()} before a thread enters a mount
 * namespace (where the JVM's files may not be visible).
 */
public final class PosixSpawn {
    private PosixSpawn() {}

    /**
     * Room for {@code posix_spawn_file_actions_t} and {@code posix_spawnattr_t}, which only the
     * C library reads or writes (glibc: 80 and 336 bytes on 64-bit), allocated larger,
     * 16-aligned, so that no C library's layout can overflow them.
     */
    public static final long FILE_ACTIONS_SIZE = 256;
    public static final long ATTR_SIZE = 1024;
    /** {@code sigset_t}: 1024 bits in glibc; all zero is the empty set sigemptyset(3) makes. */
    public static final long SIGSET_SIZE = 128;
    /** {@code POSIX_SPAWN_SETSIGMASK}. */
    public static final short SETSIGMASK = 0x08;

    private static final class Handles {
        static final MethodHandle SPAWNP = Downcalls.link("posix_spawnp",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS), -1, null);
        static final MethodHandle ACTIONS_INIT = one("posix_spawn_file_actions_init", null);
        static final MethodHandle ACTIONS_DESTROY = one("posix_spawn_file_actions_destroy", null);
        static final MethodHandle SPAWN = Downcalls.link("posix_spawn",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS), -1, null);
        static final MethodHandle ACTIONS_ADDCLOSE = Downcalls.link("posix_spawn_file_actions_addclose",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), -1, null);
        static final MethodHandle ACTIONS_ADDDUP2 = Downcalls.link("posix_spawn_file_actions_adddup2",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), -1, null);
        static final MethodHandle ACTIONS_ADDCLOSEFROM = Downcalls.link("posix_spawn_file_actions_addclosefrom_np",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), -1, "glibc 2.34+ has it");
        static final MethodHandle ACTIONS_ADDCHDIR = Downcalls.link("posix_spawn_file_actions_addchdir_np",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS), -1, "glibc 2.29+ and musl 1.1.24+ have it");
        static final MethodHandle ATTR_INIT = one("posix_spawnattr_init", null);
        static final MethodHandle ATTR_DESTROY = one("posix_spawnattr_destroy", null);
        static final MethodHandle ATTR_SETFLAGS = Downcalls.link("posix_spawnattr_setflags",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_SHORT), -1, null);
        static final MethodHandle ATTR_SETSIGMASK = Downcalls.link("posix_spawnattr_setsigmask",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS), -1, null);

        private static MethodHandle one(String name, String availability) {
            return Downcalls.link(name, FunctionDescriptor.of(JAVA_INT, ADDRESS), -1, availability);
        }
    }

    /** Links every function here (and loads its classes) while the JVM's files are visible. */
    public static void link() {
        if (Handles.SPAWNP == null) {
            throw new AssertionError();
        }
    }

    /**
     * posix_spawnp(3): 0 with the child's pid in {@code pid}, or -errno (exec's included).
     * See https://man7.org/linux/man-pages/man3/posix_spawn.3.html
     */
    public static int posix_spawnp(MemorySegment pid, MemorySegment file, MemorySegment fileActions,
            MemorySegment attr, MemorySegment argv, MemorySegment envp) {
        try {
            return -(int) Handles.SPAWNP.invokeExact(Downcalls.callState(), pid, file, fileActions, attr, argv, envp);
        } catch (Throwable t) {
            throw Downcalls.linkageFailure("posix_spawnp", t);
        }
    }

    /**
     * posix_spawn(3): as {@link #posix_spawnp}, but {@code path} is used as it is, not looked
     * up on the PATH.
     */
    public static int posix_spawn(MemorySegment pid, MemorySegment path, MemorySegment fileActions,
            MemorySegment attr, MemorySegment argv, MemorySegment envp) {
        try {
            return -(int) Handles.SPAWN.invokeExact(Downcalls.callState(), pid, path, fileActions, attr, argv, envp);
        } catch (Throwable t) {
            throw Downcalls.linkageFailure("posix_spawn", t);
        }
    }

    /** posix_spawn_file_actions_addclose(3): in the child, close(fd). */
    public static int posix_spawn_file_actions_addclose(MemorySegment fileActions, int fd) {
        try {
            return -(int) Handles.ACTIONS_ADDCLOSE.invokeExact(Downcalls.callState(), fileActions, fd);
        } catch (Throwable t) {
            throw Downcalls.linkageFailure("posix_spawn_file_actions_addclose", t);
        }
    }

    /** posix_spawn_file_actions_init(3) on a {@link #FILE_ACTIONS_SIZE}-byte block. */
    public static int posix_spawn_file_actions_init(MemorySegment fileActions) {
        return onePointer(Handles.ACTIONS_INIT, fileActions, "posix_spawn_file_actions_init");
    }

    /** posix_spawn_file_actions_destroy(3). */
    public static int posix_spawn_file_actions_destroy(MemorySegment fileActions) {
        return onePointer(Handles.ACTIONS_DESTROY, fileActions, "posix_spawn_file_actions_destroy");
    }

    /**
     * posix_spawn_file_actions_adddup2(3): in the child, dup2(fd, newFd), which clears
     * close-on-exec; with {@code fd == newFd} (glibc 2.29+, musl, as POSIX.1-2024 says) it only
     * clears close-on-exec, so that the child inherits that fd at its number.
     */
    public static int posix_spawn_file_actions_adddup2(MemorySegment fileActions, int fd, int newFd) {
        try {
            return -(int) Handles.ACTIONS_ADDDUP2.invokeExact(Downcalls.callState(), fileActions, fd, newFd);
        } catch (Throwable t) {
            throw Downcalls.linkageFailure("posix_spawn_file_actions_adddup2", t);
        }
    }

    /** posix_spawn_file_actions_addclosefrom_np(3) (glibc 2.34): in the child, close every fd from {@code from} up. */
    public static int posix_spawn_file_actions_addclosefrom_np(MemorySegment fileActions, int from) {
        try {
            return -(int) Handles.ACTIONS_ADDCLOSEFROM.invokeExact(Downcalls.callState(), fileActions, from);
        } catch (Throwable t) {
            throw Downcalls.linkageFailure("posix_spawn_file_actions_addclosefrom_np", t);
        }
    }

    /** posix_spawn_file_actions_addchdir_np(3) (glibc 2.29): in the child, chdir(path). */
    public static int posix_spawn_file_actions_addchdir_np(MemorySegment fileActions, MemorySegment cPath) {
        try {
            return -(int) Handles.ACTIONS_ADDCHDIR.invokeExact(Downcalls.callState(), fileActions, cPath);
        } catch (Throwable t) {
            throw Downcalls.linkageFailure("posix_spawn_file_actions_addchdir_np", t);
        }
    }

    /** posix_spawnattr_init(3) on an {@link #ATTR_SIZE}-byte block. */
    public static int posix_spawnattr_init(MemorySegment attr) {
        return onePointer(Handles.ATTR_INIT, attr, "posix_spawnattr_init");
    }

    /** posix_spawnattr_destroy(3). */
    public static int posix_spawnattr_destroy(MemorySegment attr) {
        return onePointer(Handles.ATTR_DESTROY, attr, "posix_spawnattr_destroy");
    }

    /** posix_spawnattr_setflags(3) ({@code POSIX_SPAWN_*}). */
    public static int posix_spawnattr_setflags(MemorySegment attr, short flags) {
        try {
            return -(int) Handles.ATTR_SETFLAGS.invokeExact(Downcalls.callState(), attr, flags);
        } catch (Throwable t) {
            throw Downcalls.linkageFailure("posix_spawnattr_setflags", t);
        }
    }

    /** posix_spawnattr_setsigmask(3): the child's signal mask ({@link #SIGSET_SIZE} bytes). */
    public static int posix_spawnattr_setsigmask(MemorySegment attr, MemorySegment sigset) {
        try {
            return -(int) Handles.ATTR_SETSIGMASK.invokeExact(Downcalls.callState(), attr, sigset);
        } catch (Throwable t) {
            throw Downcalls.linkageFailure("posix_spawnattr_setsigmask", t);
        }
    }

    private static int onePointer(MethodHandle handle, MemorySegment block, String name) {
        try {
            return -(int) handle.invokeExact(Downcalls.callState(), block);
        } catch (Throwable t) {
            throw Downcalls.linkageFailure(name, t);
        }
    }
}
