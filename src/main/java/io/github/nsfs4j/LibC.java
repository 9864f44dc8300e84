package io.github.nsfs4j;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The C library, as C sees it: int fds, raw request numbers, and results in the kernel's
 * own convention (a non-negative result, or {@code -errno}). Nothing here checks
 * arguments, owns an fd or throws for a failed call; the public classes do that.
 *
 * <p>Each function is linked once, on first use of this class, by {@link #link}, the one
 * place that makes restricted calls. errno is captured per call into a buffer owned by the
 * calling thread and read right after the call, before anything else can overwrite it.
 */
final class LibC {
    private LibC() {}

    // Flags and constants not in jnr-constants (Linux generic ABI: same on x86-64 and arm64).
    static final int F_DUPFD_CLOEXEC = 1030;
    static final int AT_EMPTY_PATH = 0x1000;
    static final int STATX_INO = 0x100;
    static final int SYS_pidfd_open = 434;
    static final int SYS_pidfd_send_signal = 424;
    static final int SYS_listns = 470;
    static final long NSFS_MAGIC = 0x6e736673L;

    /** {@code struct statfs}: only {@code f_type} (a long at offset 0) is read. */
    static final long STATFS_SIZE = 120;
    /** {@code struct statx} is 256 bytes; the offsets below are the same on every arch. */
    static final long STATX_SIZE = 256;
    static final long STATX_INO_OFFSET = 32;
    static final long STATX_DEV_MAJOR_OFFSET = 136;
    static final long STATX_DEV_MINOR_OFFSET = 140;

    private static final MemoryLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    /** Per-thread errno capture buffer: reused, so a successful call allocates nothing. */
    private static final ThreadLocal<MemorySegment> CALL_STATE_BUFFER =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CALL_STATE));

    /** Per-thread scratch memory for out-parameters of at most {@link #SCRATCH_SIZE} bytes. */
    static final long SCRATCH_SIZE = 256;
    private static final ThreadLocal<MemorySegment> SCRATCH =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(SCRATCH_SIZE, 8));

    /**
     * This thread's scratch buffer, for the out-parameter of the next call. Read it before
     * the thread makes another call through this class.
     */
    static MemorySegment scratch() {
        return SCRATCH.get();
    }

    /** Whether the module holding this class may make restricted (native) calls. */
    static final boolean NATIVE_ACCESS = LibC.class.getModule().isNativeAccessEnabled();

    /** Throws, naming the flag to add, when native access is not enabled for nsfs4j. */
    static void requireNativeAccess() {
        if (!NATIVE_ACCESS) {
            Module module = LibC.class.getModule();
            String target = module.isNamed() ? module.getName() : "ALL-UNNAMED";
            throw new IllegalCallerException("nsfs4j calls the C library through java.lang.foreign and needs"
                    + " native access: start java with --enable-native-access=" + target
                    + (module.isNamed() ? "" : " (or, in a jar manifest, Enable-Native-Access: ALL-UNNAMED)"));
        }
    }

    /** The downcall handles, linked when first needed. */
    private static final class Handles {
        static final MethodHandle open = link("open",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), 2);
        static final MethodHandle ioctlValue = link("ioctl",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), 2);
        static final MethodHandle ioctlPointer = link("ioctl",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), 2);
        static final MethodHandle close = link("close",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT), -1);
        static final MethodHandle fstatfs = link("fstatfs",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS), -1);
        static final MethodHandle statx = link("statx",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS), -1);
        static final MethodHandle fcntl = link("fcntl",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), 2);
        static final MethodHandle name_to_handle_at = link("name_to_handle_at",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT), -1);
        static final MethodHandle open_by_handle_at = link("open_by_handle_at",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), -1);
        static final MethodHandle syscallListns = link("syscall",
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT), 1);
        static final MethodHandle syscall3 = link("syscall",
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT), 1);
        static final MethodHandle syscall5 = link("syscall",
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), 1);

        /**
         * Links one libc function, capturing errno. {@code firstVariadic} is the index of
         * the first variadic parameter, or -1 for a fixed-arity function.
         */
        @SuppressWarnings("restricted") // the one place that links: native access is checked by requireNativeAccess
        private static MethodHandle link(String name, FunctionDescriptor descriptor, int firstVariadic) {
            Linker linker = Linker.nativeLinker();
            SymbolLookup libc = linker.defaultLookup();
            MemorySegment symbol = libc.find(name).orElseThrow(
                    () -> new UnsatisfiedLinkError("nsfs4j: the C library has no function " + name));
            Linker.Option errno = Linker.Option.captureCallState("errno");
            return firstVariadic < 0
                    ? linker.downcallHandle(symbol, descriptor, errno)
                    : linker.downcallHandle(symbol, descriptor, errno, Linker.Option.firstVariadicArg(firstVariadic));
        }
    }

    private static int failed(MemorySegment state) {
        return -(int) ERRNO.get(state, 0L);
    }

    /** open(2): the fd, or -errno. See https://man7.org/linux/man-pages/man2/open.2.html */
    static int open(String path, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = CALL_STATE_BUFFER.get();
            int fd = (int) Handles.open.invokeExact(state, arena.allocateFrom(path), flags, 0);
            return fd >= 0 ? fd : failed(state);
        } catch (Throwable t) {
            throw linkageFailure("open", t);
        }
    }

    /**
     * ioctl(2) whose third argument is a value (0 for requests without one, a pid for the
     * translations): the result, or -errno.
     * See https://man7.org/linux/man-pages/man2/ioctl_nsfs.2.html
     */
    static int ioctl(int fd, long request, long arg) {
        try {
            MemorySegment state = CALL_STATE_BUFFER.get();
            int result = (int) Handles.ioctlValue.invokeExact(state, fd, request, arg);
            return result >= 0 ? result : failed(state);
        } catch (Throwable t) {
            throw linkageFailure("ioctl", t);
        }
    }

    /** ioctl(2) whose third argument points to memory the kernel reads or writes: the result, or -errno. */
    static int ioctl(int fd, long request, MemorySegment arg) {
        try {
            MemorySegment state = CALL_STATE_BUFFER.get();
            int result = (int) Handles.ioctlPointer.invokeExact(state, fd, request, arg);
            return result >= 0 ? result : failed(state);
        } catch (Throwable t) {
            throw linkageFailure("ioctl", t);
        }
    }

    /** close(2): 0, or -errno. See https://man7.org/linux/man-pages/man2/close.2.html */
    static int close(int fd) {
        try {
            MemorySegment state = CALL_STATE_BUFFER.get();
            int result = (int) Handles.close.invokeExact(state, fd);
            return result >= 0 ? result : failed(state);
        } catch (Throwable t) {
            throw linkageFailure("close", t);
        }
    }

    /** fstatfs(2) into {@code buf} ({@link #STATFS_SIZE} bytes): 0, or -errno. */
    static int fstatfs(int fd, MemorySegment buf) {
        try {
            MemorySegment state = CALL_STATE_BUFFER.get();
            int result = (int) Handles.fstatfs.invokeExact(state, fd, buf);
            return result >= 0 ? result : failed(state);
        } catch (Throwable t) {
            throw linkageFailure("fstatfs", t);
        }
    }

    /** statx(2) of an open fd ({@code AT_EMPTY_PATH}) into {@code buf} ({@link #STATX_SIZE} bytes): 0, or -errno. */
    static int fstatx(int fd, int mask, MemorySegment buf) {
        try {
            MemorySegment state = CALL_STATE_BUFFER.get();
            int result = (int) Handles.statx.invokeExact(state, fd, EMPTY_STRING, AT_EMPTY_PATH, mask, buf);
            return result >= 0 ? result : failed(state);
        } catch (Throwable t) {
            throw linkageFailure("statx", t);
        }
    }

    private static final MemorySegment EMPTY_STRING = Arena.global().allocateFrom("");

    /** fcntl(2) with an int argument: the result, or -errno. */
    static int fcntl(int fd, int command, int arg) {
        try {
            MemorySegment state = CALL_STATE_BUFFER.get();
            int result = (int) Handles.fcntl.invokeExact(state, fd, command, arg);
            return result >= 0 ? result : failed(state);
        } catch (Throwable t) {
            throw linkageFailure("fcntl", t);
        }
    }

    /**
     * name_to_handle_at(2) of an open fd ({@code AT_EMPTY_PATH}): 0, or -errno. {@code handle}
     * is a {@code struct file_handle} with {@code handle_bytes} set; {@code mountId} an int.
     * See https://man7.org/linux/man-pages/man2/open_by_handle_at.2.html
     */
    static int name_to_handle_at(int fd, MemorySegment handle, MemorySegment mountId) {
        try {
            MemorySegment state = CALL_STATE_BUFFER.get();
            int result = (int) Handles.name_to_handle_at.invokeExact(state, fd, EMPTY_STRING, handle, mountId,
                    AT_EMPTY_PATH);
            return result >= 0 ? result : failed(state);
        } catch (Throwable t) {
            throw linkageFailure("name_to_handle_at", t);
        }
    }

    /** open_by_handle_at(2): the new fd, or -errno. */
    static int open_by_handle_at(int mountFd, MemorySegment handle, int flags) {
        try {
            MemorySegment state = CALL_STATE_BUFFER.get();
            int result = (int) Handles.open_by_handle_at.invokeExact(state, mountFd, handle, flags);
            return result >= 0 ? result : failed(state);
        } catch (Throwable t) {
            throw linkageFailure("open_by_handle_at", t);
        }
    }

    /**
     * listns(2) (Linux 6.19), through syscall(2): the number of ids written, or -errno
     * (ENOSYS before 6.19). {@code request} is a {@code struct ns_id_req}; see {@link #nsIdRequest}.
     */
    static int listns(MemorySegment request, MemorySegment ids, long capacity, int flags) {
        try {
            MemorySegment state = CALL_STATE_BUFFER.get();
            long result = (long) Handles.syscallListns.invokeExact(state, (long) SYS_listns, request, ids, capacity,
                    flags);
            return result >= 0 ? (int) result : failed(state);
        } catch (Throwable t) {
            throw linkageFailure("listns", t);
        }
    }

    /** {@code sizeof(struct ns_id_req)}, version 0. */
    static final int NS_ID_REQ_SIZE = 32;
    /** {@code user_ns_id} value meaning "owned by the caller's own user namespace". */
    static final long LISTNS_CURRENT_USER = -1L;

    /**
     * Fills a {@code struct ns_id_req {u32 size; u32 spare; u64 ns_id; u32 ns_type; u32 spare2;
     * u64 user_ns_id}}: {@code cursor} is the last id already seen (0 to start), {@code typeMask}
     * an OR of CLONE_NEW* flags (0 for all), {@code userNsId} 0 for any owner.
     */
    static MemorySegment nsIdRequest(MemorySegment req, long cursor, int typeMask, long userNsId) {
        req.fill((byte) 0);
        req.set(JAVA_INT, 0, NS_ID_REQ_SIZE);
        req.set(JAVA_LONG, 8, cursor);
        req.set(JAVA_INT, 16, typeMask);
        req.set(JAVA_LONG, 24, userNsId);
        return req;
    }

    /** {@code FD_NSFS_ROOT}: the "mount fd" that open_by_handle_at takes for nsfs handles (Linux 6.18). */
    static final int FD_NSFS_ROOT = -10003;
    /** {@code FILEID_NSFS}: the handle type of namespace file handles. */
    static final int FILEID_NSFS = 0xf1;
    /** {@code struct file_handle}: {@code u32 handle_bytes; int handle_type; unsigned char f_handle[]}. */
    static final long FILE_HANDLE_HEADER = 8;

    /** pidfd_open(2), through syscall(2) so that glibc older than 2.36 works: the pidfd, or -errno. */
    static int pidfd_open(int pid, int flags) {
        try {
            MemorySegment state = CALL_STATE_BUFFER.get();
            long result = (long) Handles.syscall3.invokeExact(state, (long) SYS_pidfd_open, pid, flags);
            return result >= 0 ? (int) result : failed(state);
        } catch (Throwable t) {
            throw linkageFailure("pidfd_open", t);
        }
    }

    /**
     * pidfd_send_signal(2) with no siginfo, through syscall(2): 0, or -errno. Signal 0 only
     * checks that the process still exists. See https://man7.org/linux/man-pages/man2/pidfd_send_signal.2.html
     */
    static int pidfd_send_signal(int pidfd, int signal, int flags) {
        try {
            MemorySegment state = CALL_STATE_BUFFER.get();
            long result = (long) Handles.syscall5.invokeExact(state, (long) SYS_pidfd_send_signal, pidfd, signal,
                    MemorySegment.NULL, flags);
            return result >= 0 ? (int) result : failed(state);
        } catch (Throwable t) {
            throw linkageFailure("pidfd_send_signal", t);
        }
    }

    /** {@code PIDFD_GET_<TYPE>_NAMESPACE}: {@code _IO(0xFF, n)}, Linux 6.11. */
    static long PIDFD_GET_NAMESPACE(NamespaceType type) {
        int nr = switch (type) {
            case CGROUP -> 1;
            case IPC -> 2;
            case MNT -> 3;
            case NET -> 4;
            case PID -> 5;
            case TIME -> 7;
            case USER -> 9;
            case UTS -> 10;
        };
        return IoctlCodes._IO(PIDFS_IOCTL_MAGIC, nr);
    }

    static final int PIDFS_IOCTL_MAGIC = 0xFF;

    private static Error linkageFailure(String function, Throwable t) {
        if (t instanceof Error e) {
            throw e;
        }
        if (t instanceof RuntimeException e) {
            throw e;
        }
        return new AssertionError("nsfs4j: unexpected exception from the downcall to " + function, t);
    }
}
