package io.github.nsfs4j.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.ref.Reference;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * The system calls nsfs4j makes on files, namespaces, sockets and directories, as C sees
 * them: int fds, raw request numbers, and results in the kernel's own convention (a
 * non-negative result, or {@code -errno}). Nothing here checks arguments, owns an fd or
 * throws for a failed call. Those of processes (pidfds, waitid, pipe2, memfd_create, ...) are
 * {@link ProcessCalls}'; posix_spawn is {@link PosixSpawn}'s.
 *
 * <p>Every system call goes through one function, {@link #syscall} (syscall(2), numbers in
 * {@link SyscallNumbers}), so that all share one downcall shape: a JVM links each distinct
 * shape once, at a cost of milliseconds of a command's start-up (docs/design.md). It also
 * frees them from the C library's version. Linked as C functions of their own: getpwuid_r
 * (NSS, more than a system call), the hot path's critical ioctl, and {@link ProcessCalls}'
 * poll. Each shape is linked on its first use, in a holder class of its own, by
 * {@link Downcalls#link}.
 */
public final class LibC {
    private LibC() {}

    /** Per-thread scratch memory for out-parameters of at most {@link #SCRATCH_SIZE} bytes. */
    public static final long SCRATCH_SIZE = 256;
    private static final ThreadLocal<MemorySegment> SCRATCH =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(SCRATCH_SIZE, 8));

    /**
     * This thread's scratch buffer, for the out-parameter of the next call. Read it before
     * the thread makes another call through this class.
     */
    public static MemorySegment scratch() {
        return SCRATCH.get();
    }

    // One holder per shape, so each is linked on its own first use.

    /**
     * syscall(2): the one downcall shape of every system call here. Each argument travels as
     * a {@code long}: an int sign-extended, as C promotes it, a pointer as its address (kept
     * reachable by the caller); the kernel reads each register at its own width. Unused
     * arguments are 0.
     */
    private static final class Syscall {
        static final MethodHandle HANDLE = Downcalls.link("syscall", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG,
                JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), 1, null);
    }

    /**
     * ioctl with a value argument, linked {@code critical(false)}: the JVM skips the thread
     * state transition around the call, most of a downcall's overhead. Only for requests that
     * neither block nor allocate in the kernel, nor touch user memory: from fs/nsfs.c, the
     * four pid translations look the task up under rcu_read_lock and return a number. Never
     * for requests that make an fd, nor for open or close (they may sleep): a critical call
     * holds off safepoints, so garbage collection, for as long as it runs. A shape of its own,
     * linked only by the hot path's first call.
     */
    private static final class IoctlValueCritical {
        static final MethodHandle HANDLE = Downcalls.link("ioctl",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), 2, null, Linker.Option.critical(false));
    }

    private static final class Getpwuid {
        static final MethodHandle HANDLE = Downcalls.link("getpwuid_r",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS), -1, null);
    }

    /**
     * The charset of file names, as the JDK uses it ({@code sun.jnu.encoding}): a path that
     * came from the JDK as a String goes back to the same bytes.
     */
    public static final Charset PATH_CHARSET = pathCharset();

    private static Charset pathCharset() {
        String name = System.getProperty("sun.jnu.encoding");
        try {
            return name == null ? StandardCharsets.UTF_8 : Charset.forName(name, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return StandardCharsets.UTF_8;
        }
    }

    /** The bytes of a file name in {@link #PATH_CHARSET}, without a terminating NUL. */
    public static byte[] pathBytes(String path) {
        return path.getBytes(PATH_CHARSET);
    }

    /**
     * syscall(2) with up to five arguments: the result (non-negative for every call made
     * here), or -errno. {@code number} is one of {@link SyscallNumbers} or {@link Constants}.
     * See https://man7.org/linux/man-pages/man2/syscall.2.html
     */
    public static long syscall(long number, long a, long b, long c, long d, long e) {
        try {
            MemorySegment state = Downcalls.callState();
            long result = (long) Syscall.HANDLE.invokeExact(state, number, a, b, c, d, e);
            return result >= 0 ? result : Downcalls.failed(state);
        } catch (Throwable t) {
            throw Downcalls.linkageFailure("syscall", t);
        }
    }

    /**
     * The address of native memory, for a pointer argument of {@link #syscall} (0 for
     * {@code MemorySegment.NULL}). The caller keeps the segment reachable until the call
     * returns ({@link Reference#reachabilityFence}).
     */
    static long address(MemorySegment segment) {
        if (!segment.isNative()) {
            throw new IllegalArgumentException("a system call needs native memory, not " + segment);
        }
        return segment.address();
    }

    /**
     * A system call of an fd and a pointer to {@code memory} (then {@code c} and {@code d}),
     * {@code memory} kept reachable until it returns: the result, or -errno.
     */
    private static long fdAndMemory(long number, int fd, MemorySegment memory, long c, long d) {
        try {
            return syscall(number, fd, address(memory), c, d, 0);
        } finally {
            Reference.reachabilityFence(memory);
        }
    }

    /**
     * openat(2): the fd, or -errno. {@code mode} counts only with {@code O_CREAT}. The
     * {@code open} methods below make openat(AT_FDCWD, ...), as the C library makes open
     * (arm64 and riscv64 have no open system call).
     * See https://man7.org/linux/man-pages/man2/open.2.html
     */
    public static int openat(int dirFd, MemorySegment cPath, int flags, int mode) {
        return (int) fdAndMemory(SyscallNumbers.SYS_openat, dirFd, cPath, flags, mode);
    }

    /**
     * open(2) of a path given as its bytes (no NUL; the kernel sees exactly these, whatever
     * their encoding): the fd, or -errno. A NUL byte inside ends the path there, as in C.
     */
    public static int open(byte[] path, int flags) {
        return open(path, flags, 0);
    }

    /** open(2) of a path given as a String, encoded as the JDK encodes file names: the fd, or -errno. */
    public static int open(String path, int flags) {
        return open(pathBytes(path), flags, 0);
    }

    /** open(2) with a mode, for {@code O_CREAT}: the fd, or -errno. */
    public static int open(String path, int flags, int mode) {
        return open(pathBytes(path), flags, mode);
    }

    private static int open(byte[] path, int flags, int mode) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cPath = arena.allocate(path.length + 1L); // zeroed: the last byte is the NUL
            for (int i = 0; i < path.length; i++) { // not MemorySegment.copy: its first use spins a type switch
                cPath.set(JAVA_BYTE, i, path[i]);
            }
            return openat(Constants.AT_FDCWD, cPath, flags, mode);
        }
    }

    /**
     * ioctl(2) whose third argument is a value (0 for requests without one, a pid for the
     * translations): the result, or -errno.
     * See https://man7.org/linux/man-pages/man2/ioctl_nsfs.2.html
     */
    public static int ioctl(int fd, long request, long arg) {
        return (int) syscall(SyscallNumbers.SYS_ioctl, fd, request, arg, 0, 0);
    }

    /**
     * ioctl(2) with a value argument, for a request that returns at once without blocking or
     * allocating in the kernel (NS_GET_NSTYPE and the pid translations; see
     * {@code IoctlValueCritical} for why only those): the result, or -errno.
     * See https://man7.org/linux/man-pages/man2/ioctl_nsfs.2.html
     */
    public static int ioctl_critical(int fd, long request, long arg) {
        try {
            MemorySegment state = Downcalls.callState();
            int result = (int) IoctlValueCritical.HANDLE.invokeExact(state, fd, request, arg);
            return result >= 0 ? result : Downcalls.failed(state);
        } catch (Throwable t) {
            throw Downcalls.linkageFailure("ioctl", t);
        }
    }

    /**
     * ioctl(2) whose third argument points to memory the kernel reads or writes (native
     * memory, alive until this returns): the result, or -errno.
     * See https://man7.org/linux/man-pages/man2/ioctl.2.html
     */
    public static int ioctl(int fd, long request, MemorySegment arg) {
        try {
            return ioctl(fd, request, address(arg));
        } finally {
            Reference.reachabilityFence(arg);
        }
    }

    /** close(2): 0, or -errno. See https://man7.org/linux/man-pages/man2/close.2.html */
    public static int close(int fd) {
        return (int) syscall(SyscallNumbers.SYS_close, fd, 0, 0, 0, 0);
    }

    /**
     * fstatfs(2) into {@code buf} (a {@link Structs#STATFS}): 0, or -errno.
     * See https://man7.org/linux/man-pages/man2/fstatfs.2.html
     */
    public static int fstatfs(int fd, MemorySegment buf) {
        return (int) fdAndMemory(SyscallNumbers.SYS_fstatfs, fd, buf, 0, 0);
    }

    /**
     * statx(2) of an open fd ({@code AT_EMPTY_PATH}) into {@code buf} (a {@link Structs#STATX}):
     * 0, or -errno. See https://man7.org/linux/man-pages/man2/statx.2.html
     */
    public static int fstatx(int fd, int mask, MemorySegment buf) {
        return statx(fd, EmptyString.SEGMENT, Constants.AT_EMPTY_PATH, mask, buf);
    }

    /**
     * statx(2) of a path relative to {@code dirFd} ({@link Constants#AT_FDCWD}: the working
     * directory), links followed, into {@code buf} (a {@link Structs#STATX}): 0, or -errno.
     * Opens nothing.
     */
    public static int statx(int dirFd, MemorySegment cPath, int flags, int mask, MemorySegment buf) {
        try {
            return (int) syscall(SyscallNumbers.SYS_statx, dirFd, address(cPath), flags, mask, address(buf));
        } finally {
            Reference.reachabilityFence(cPath);
            Reference.reachabilityFence(buf);
        }
    }

    /** The C string "", for the {@code AT_EMPTY_PATH} calls; made on first use. */
    private static final class EmptyString {
        static final MemorySegment SEGMENT = Arena.global().allocate(1);
    }

    /** fcntl(2) with an int argument: the result, or -errno. See https://man7.org/linux/man-pages/man2/fcntl.2.html */
    public static int fcntl(int fd, int command, int arg) {
        return (int) syscall(SyscallNumbers.SYS_fcntl, fd, command, arg, 0, 0);
    }

    /**
     * name_to_handle_at(2) of an open fd ({@code AT_EMPTY_PATH}): 0, or -errno. {@code handle}
     * is a {@code struct file_handle} with {@code handle_bytes} set; {@code mountId} an int.
     * See https://man7.org/linux/man-pages/man2/open_by_handle_at.2.html
     */
    public static int name_to_handle_at(int fd, MemorySegment handle, MemorySegment mountId) {
        try {
            return (int) syscall(SyscallNumbers.SYS_name_to_handle_at, fd, address(EmptyString.SEGMENT),
                    address(handle), address(mountId), Constants.AT_EMPTY_PATH);
        } finally {
            Reference.reachabilityFence(handle);
            Reference.reachabilityFence(mountId);
        }
    }

    /**
     * open_by_handle_at(2): the new fd, or -errno.
     * See https://man7.org/linux/man-pages/man2/open_by_handle_at.2.html
     */
    public static int open_by_handle_at(int mountFd, MemorySegment handle, int flags) {
        return (int) fdAndMemory(SyscallNumbers.SYS_open_by_handle_at, mountFd, handle, flags, 0);
    }

    /**
     * readlinkat(2) into {@code buf} (no NUL added): the length of the link, or -errno.
     * See https://man7.org/linux/man-pages/man2/readlink.2.html
     */
    public static long readlinkat(int dirFd, MemorySegment cPath, MemorySegment buf, long size) {
        try {
            return syscall(SyscallNumbers.SYS_readlinkat, dirFd, address(cPath), address(buf), size, 0);
        } finally {
            Reference.reachabilityFence(cPath);
            Reference.reachabilityFence(buf);
        }
    }

    /**
     * getpwuid_r(3), through NSS as every other program on the machine resolves users: 0
     * (with {@code *result} set to {@code pwd}, a {@link Structs#PASSWD}, or NULL when no user
     * has that uid), or -errno ({@code -ERANGE}: {@code buf} is too small).
     * See https://man7.org/linux/man-pages/man3/getpwuid_r.3.html
     */
    public static int getpwuid_r(int uid, MemorySegment pwd, MemorySegment buf, MemorySegment result) {
        try {
            MemorySegment state = Downcalls.callState();
            int rc = (int) Getpwuid.HANDLE.invokeExact(state, uid, pwd, buf, buf.byteSize(), result);
            return -rc; // it returns the errno value itself, 0 on success
        } catch (Throwable t) {
            throw Downcalls.linkageFailure("getpwuid_r", t);
        }
    }

    /**
     * setns(2): joins the namespace of {@code fd} (a namespace fd, or a pidfd with
     * {@code CLONE_NEW*} flags) for the calling thread: 0, or -errno.
     * See https://man7.org/linux/man-pages/man2/setns.2.html
     */
    public static int setns(int fd, int nstype) {
        return (int) syscall(SyscallNumbers.SYS_setns, fd, nstype, 0, 0, 0);
    }

    /**
     * unshare(2): moves the calling thread into new namespaces of the {@code CLONE_NEW*}
     * {@code flags}: 0, or -errno. See https://man7.org/linux/man-pages/man2/unshare.2.html
     */
    public static int unshare(int flags) {
        return (int) syscall(SyscallNumbers.SYS_unshare, flags, 0, 0, 0, 0);
    }

    /**
     * listns(2) (Linux 6.19): the number of ids written, or -errno (ENOSYS before 6.19).
     * {@code request} is a {@link Structs#NS_ID_REQ}, filled by {@link Structs#nsIdRequest}.
     */
    public static int listns(MemorySegment request, MemorySegment ids, long capacity, int flags) {
        try {
            return (int) syscall(Constants.SYS_listns, address(request), address(ids), capacity, flags, 0);
        } finally {
            Reference.reachabilityFence(request);
            Reference.reachabilityFence(ids);
        }
    }

    /** read(2): the number of bytes read (0 at end of file), or -errno. */
    public static long read(int fd, MemorySegment buf, long count) {
        return fdAndMemory(SyscallNumbers.SYS_read, fd, buf, count, 0);
    }

    /** write(2): the number of bytes written, or -errno. */
    public static long write(int fd, MemorySegment buf, long count) {
        return fdAndMemory(SyscallNumbers.SYS_write, fd, buf, count, 0);
    }

    /**
     * getdents64(2) of an open directory into {@code buf} ({@code struct linux_dirent64}
     * records): the number of bytes written, 0 at the end, or -errno.
     * See https://man7.org/linux/man-pages/man2/getdents.2.html
     */
    public static long getdents64(int fd, MemorySegment buf, long size) {
        return fdAndMemory(SyscallNumbers.SYS_getdents64, fd, buf, size, 0);
    }

    /** socket(2): the fd, or -errno. See https://man7.org/linux/man-pages/man2/socket.2.html */
    public static int socket(int domain, int type, int protocol) {
        return (int) syscall(SyscallNumbers.SYS_socket, domain, type, protocol, 0, 0);
    }

    /**
     * send(2) of {@code count} bytes of {@code buf} on a connected (or netlink) socket: the
     * number sent, or -errno. sendto(2) with no address.
     */
    public static long send(int fd, MemorySegment buf, long count, int flags) {
        return fdAndMemory(SyscallNumbers.SYS_sendto, fd, buf, count, flags);
    }

    /** recv(2) into {@code buf}: the number of bytes received, or -errno. recvfrom(2) with no address. */
    public static long recv(int fd, MemorySegment buf, long count, int flags) {
        return fdAndMemory(SyscallNumbers.SYS_recvfrom, fd, buf, count, flags);
    }}
