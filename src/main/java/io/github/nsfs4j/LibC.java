package io.github.nsfs4j;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.ref.Reference;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The C library, as C sees it: int fds, raw request numbers, and results in the kernel's
 * own convention (a non-negative result, or {@code -errno}). Nothing here checks
 * arguments, owns an fd or throws for a failed call; the public classes do that.
 *
 * <p>System calls go through one function, syscall(2), so that they share one downcall
 * shape: a JVM links each distinct shape once, at a cost of milliseconds, and a command's
 * first answer would otherwise wait for five of them ({@link SyscallNumbers}). It also
 * frees them from the C library's version: statx, name_to_handle_at and pidfd_open work on
 * any glibc or musl. Only what is more than one system call (getpwuid_r, posix_spawn),
 * poll (not a system call on arm64) and the hot path's critical ioctl are linked as C
 * functions of their own.
 *
 * <p>Each shape is linked on its own first use, in its own holder class (a
 * {@code static final} handle, which the JIT treats as a constant), by {@link #link}, the
 * one place that makes restricted calls. A function the C library lacks gets a handle that
 * throws {@link UnsatisfiedLinkError} naming it, so every other function keeps working.
 * errno is captured per call into a buffer owned by the calling thread and read right after
 * the call, before anything else can overwrite it.
 */
final class LibC {
    private LibC() {}

    private static final MemoryLayout CALL_STATE = Linker.Option.captureStateLayout();
    /** errno's offset in the call state, read as an int (no VarHandle to make at start-up). */
    private static final long ERRNO = CALL_STATE.byteOffset(MemoryLayout.PathElement.groupElement("errno"));

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

    /**
     * Throws, naming the flag to add, when native access is not enabled for nsfs4j, or, with
     * the supported list, on an architecture whose ABI nsfs4j does not know.
     *
     * @throws IllegalCallerException without native access
     * @throws UnsupportedOperationException on another system or architecture
     */
    static void requireNativeAccess() {
        Arch.require();
        if (!NATIVE_ACCESS) {
            throw new IllegalCallerException(nativeAccessMissingMessage());
        }
    }

    /** What to do without native access: the flag for java, its jshell form, the manifest entry. */
    static String nativeAccessMissingMessage() {
        Module module = LibC.class.getModule();
        String target = module.isNamed() ? module.getName() : "ALL-UNNAMED";
        return "nsfs4j calls the C library through java.lang.foreign and needs native access: start java with"
                + " --enable-native-access=" + target + " (jshell: -R--enable-native-access=" + target
                + (module.isNamed() ? "" : "; a jar manifest: Enable-Native-Access: ALL-UNNAMED") + ")";
    }

    // ---------------------------------------------------------------- linking

    /**
     * Links one libc function with errno capture, or, if it cannot be linked (no such symbol,
     * an unknown architecture, native access refused), returns a handle of the same type that
     * throws the reason each time it is called. {@code firstVariadic} is the index of the
     * first variadic parameter, or -1 for a fixed-arity function; {@code availability} says,
     * for a missing symbol, which C libraries have it (null if every one does).
     */
    @SuppressWarnings("restricted") // the one place that links: native access is checked by requireNativeAccess
    static MethodHandle link(String name, FunctionDescriptor descriptor, int firstVariadic, String availability,
            Linker.Option... extra) {
        MethodType type = descriptor.toMethodType().insertParameterTypes(0, MemorySegment.class);
        if (Arch.RUNNING == null) {
            return throwing(type, Arch.unsupported(Arch.OS_ARCH).getMessage(), UnsupportedOperationException.class);
        }
        Linker linker = Linker.nativeLinker();
        Optional<MemorySegment> symbol = linker.defaultLookup().find(name);
        if (symbol.isEmpty()) {
            return throwing(type, "nsfs4j: the C library has no function " + name
                    + (availability == null ? "" : " (" + availability + ")"), UnsatisfiedLinkError.class);
        }
        Linker.Option[] options = new Linker.Option[extra.length + (firstVariadic < 0 ? 1 : 2)];
        options[0] = Linker.Option.captureCallState("errno");
        if (firstVariadic >= 0) {
            options[1] = Linker.Option.firstVariadicArg(firstVariadic);
        }
        System.arraycopy(extra, 0, options, options.length - extra.length, extra.length);
        try {
            return linker.downcallHandle(symbol.get(), descriptor, options);
        } catch (IllegalCallerException e) {
            return throwing(type, nativeAccessMissingMessage(), IllegalCallerException.class);
        }
    }

    /** A handle of {@code type} that throws a new {@code kind} with {@code message} on each call. */
    private static MethodHandle throwing(MethodType type, String message, Class<? extends Throwable> kind) {
        try {
            MethodHandle constructor = MethodHandles.publicLookup()
                    .findConstructor(kind, MethodType.methodType(void.class, String.class)).bindTo(message);
            MethodHandle thrower = MethodHandles.throwException(type.returnType(), kind);
            return MethodHandles.dropArguments(MethodHandles.collectArguments(thrower, 0, constructor), 0,
                    type.parameterList());
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    // One holder per shape, so each is linked on its own first use.

    /**
     * syscall(2): the one downcall shape of every system call that nsfs4j makes without a C
     * library function doing more than the call itself (see {@link SyscallNumbers} for why:
     * each distinct shape costs milliseconds to link, and a command needs its first answer
     * fast). Each argument travels as a {@code long}: an int sign-extended, as C promotes it, a
     * pointer as its address (kept reachable by the caller); the kernel reads each register at
     * its own width. Unused arguments are 0.
     */
    private static final class Syscall {
        static final MethodHandle HANDLE = link("syscall", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG,
                JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), 1, null);
    }

    /**
     * ioctl with a value argument, linked {@code critical(false)}: the JVM skips the thread
     * state transition around the call, which is most of a downcall's overhead. Only for
     * requests that neither block nor allocate in the kernel, nor touch user memory; from
     * fs/nsfs.c: NS_GET_NSTYPE returns a field of the namespace, and the four pid
     * translations look the task up under rcu_read_lock and return a number. Never for
     * requests that make an fd (NS_GET_USERNS, NS_GET_PARENT, NS_MNT_GET_*, pidfd requests:
     * they allocate a file) nor for open or close (they may sleep), because a critical call
     * holds off safepoints, so garbage collection, for as long as it runs. errno capture
     * works as with the other handles. Tried and measured (CPU time per call, one run,
     * 2026-12-01): the same handle without captureCallState, errno learnt by making the
     * request again through a capturing handle when it fails, costs the same (within 2%);
     * what is left above a C loop is the kernel's (docs/performance.md: a JVM always has
     * more than one thread, and fdget() then counts a reference on the file in every call).
     * A shape of its own (the option makes it one), linked only by the hot path's first call.
     */
    private static final class IoctlValueCritical {
        static final MethodHandle HANDLE = link("ioctl",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), 2, null, Linker.Option.critical(false));
    }

    // C library functions that are more than one system call (or, poll, not one on every
    // architecture: arm64 has only ppoll), each in a shape of its own.

    private static final class Poll {
        static final MethodHandle HANDLE = link("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT),
                -1, null);
    }

    private static final class Getpwuid {
        static final MethodHandle HANDLE = link("getpwuid_r",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS), -1, null);
    }

    // Starting processes (NamespaceSet.start): posix_spawn(3) and what goes with it.

    private static final class PosixSpawnp {
        static final MethodHandle HANDLE = link("posix_spawnp",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS), -1, null);
    }

    private static final class FileActionsInit {
        static final MethodHandle HANDLE = link("posix_spawn_file_actions_init",
                FunctionDescriptor.of(JAVA_INT, ADDRESS), -1, null);
    }

    private static final class FileActionsDestroy {
        static final MethodHandle HANDLE = link("posix_spawn_file_actions_destroy",
                FunctionDescriptor.of(JAVA_INT, ADDRESS), -1, null);
    }

    private static final class FileActionsAdddup2 {
        static final MethodHandle HANDLE = link("posix_spawn_file_actions_adddup2",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), -1, null);
    }

    private static final class FileActionsAddclosefrom {
        static final MethodHandle HANDLE = link("posix_spawn_file_actions_addclosefrom_np",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), -1, "glibc 2.34+ has it");
    }

    private static final class FileActionsAddchdir {
        static final MethodHandle HANDLE = link("posix_spawn_file_actions_addchdir_np",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS), -1, "glibc 2.29+ and musl 1.1.24+ have it");
    }

    private static final class SpawnattrInit {
        static final MethodHandle HANDLE = link("posix_spawnattr_init", FunctionDescriptor.of(JAVA_INT, ADDRESS), -1,
                null);
    }

    private static final class SpawnattrDestroy {
        static final MethodHandle HANDLE = link("posix_spawnattr_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS),
                -1, null);
    }

    private static final class SpawnattrSetflags {
        static final MethodHandle HANDLE = link("posix_spawnattr_setflags",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_SHORT), -1, null);
    }

    private static final class SpawnattrSetsigmask {
        static final MethodHandle HANDLE = link("posix_spawnattr_setsigmask",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS), -1, null);
    }

    private static int failed(MemorySegment state) {
        return -state.get(JAVA_INT, ERRNO);
    }

    // ---------------------------------------------------------------- paths

    /**
     * The charset of file names, as the JDK uses it ({@code sun.jnu.encoding}): a path that
     * came from the JDK as a String goes back to the same bytes.
     */
    static final Charset PATH_CHARSET = pathCharset();

    private static Charset pathCharset() {
        String name = System.getProperty("sun.jnu.encoding");
        try {
            return name == null ? StandardCharsets.UTF_8 : Charset.forName(name, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return StandardCharsets.UTF_8;
        }
    }

    /** The bytes of a file name in {@link #PATH_CHARSET}, without a terminating NUL. */
    static byte[] pathBytes(String path) {
        return path.getBytes(PATH_CHARSET);
    }

    // ---------------------------------------------------------------- functions

    /**
     * syscall(2) with up to five arguments: the result (non-negative for every call made
     * here), or -errno. {@code number} is one of {@link SyscallNumbers} or {@link Constants}.
     * See https://man7.org/linux/man-pages/man2/syscall.2.html
     */
    static long syscall(long number, long a, long b, long c, long d, long e) {
        try {
            MemorySegment state = CALL_STATE_BUFFER.get();
            long result = (long) Syscall.HANDLE.invokeExact(state, number, a, b, c, d, e);
            return result >= 0 ? result : failed(state);
        } catch (Throwable t) {
            throw linkageFailure("syscall", t);
        }
    }

    /**
     * The address of native memory, for a pointer argument of {@link #syscall} (0 for
     * {@code MemorySegment.NULL}). The caller keeps the segment reachable until the call
     * returns ({@link Reference#reachabilityFence}).
     */
    private static long address(MemorySegment segment) {
        if (!segment.isNative()) {
            throw new IllegalArgumentException("a system call needs native memory, not " + segment);
        }
        return segment.address();
    }

    /**
     * open(2) of a path given as a NUL-terminated C string: the fd, or -errno. Made as
     * openat(AT_FDCWD, ...), as the C library makes it (arm64 and riscv64 have no open).
     * See https://man7.org/linux/man-pages/man2/open.2.html
     */
    static int open(MemorySegment cPath, int flags) {
        return openat(Constants.AT_FDCWD, cPath, flags, 0);
    }

    /** openat(2): the fd, or -errno. {@code mode} counts only with {@code O_CREAT}. */
    static int openat(int dirFd, MemorySegment cPath, int flags, int mode) {
        try {
            return (int) syscall(SyscallNumbers.SYS_openat, dirFd, address(cPath), flags, mode, 0);
        } finally {
            Reference.reachabilityFence(cPath);
        }
    }

    /**
     * open(2) of a path given as its bytes (no NUL; the kernel sees exactly these, whatever
     * their encoding): the fd, or -errno. A NUL byte inside ends the path there, as in C.
     */
    static int open(byte[] path, int flags) {
        return open(path, flags, 0);
    }

    /** open(2) of a path given as a String, encoded as the JDK encodes file names: the fd, or -errno. */
    static int open(String path, int flags) {
        return open(pathBytes(path), flags, 0);
    }

    /** open(2) with a mode, for {@code O_CREAT}: the fd, or -errno. */
    static int open(String path, int flags, int mode) {
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
    static int ioctl(int fd, long request, long arg) {
        return (int) syscall(SyscallNumbers.SYS_ioctl, fd, request, arg, 0, 0);
    }

    /**
     * ioctl(2) with a value argument, for a request that returns at once without blocking or
     * allocating in the kernel (NS_GET_NSTYPE and the pid translations; see
     * {@code IoctlValueCritical} for why only those): the result, or -errno.
     * See https://man7.org/linux/man-pages/man2/ioctl_nsfs.2.html
     */
    static int ioctl_critical(int fd, long request, long arg) {
        try {
            MemorySegment state = CALL_STATE_BUFFER.get();
            int result = (int) IoctlValueCritical.HANDLE.invokeExact(state, fd, request, arg);
            return result >= 0 ? result : failed(state);
        } catch (Throwable t) {
            throw linkageFailure("ioctl", t);
        }
    }

    /**
     * ioctl(2) whose third argument points to memory the kernel reads or writes (native
     * memory, alive until this returns): the result, or -errno.
     * See https://man7.org/linux/man-pages/man2/ioctl.2.html
     */
    static int ioctl(int fd, long request, MemorySegment arg) {
        try {
            return ioctl(fd, request, address(arg));
        } finally {
            Reference.reachabilityFence(arg);
        }
    }

    /** close(2): 0, or -errno. See https://man7.org/linux/man-pages/man2/close.2.html */
    static int close(int fd) {
        return (int) syscall(SyscallNumbers.SYS_close, fd, 0, 0, 0, 0);
    }

    /**
     * fstatfs(2) into {@code buf} (a {@link Structs#STATFS}): 0, or -errno.
     * See https://man7.org/linux/man-pages/man2/fstatfs.2.html
     */
    static int fstatfs(int fd, MemorySegment buf) {
        try {
            return (int) syscall(SyscallNumbers.SYS_fstatfs, fd, address(buf), 0, 0, 0);
        } finally {
            Reference.reachabilityFence(buf);
        }
    }

    /**
     * statx(2) of an open fd ({@code AT_EMPTY_PATH}) into {@code buf} (a {@link Structs#STATX}):
     * 0, or -errno. See https://man7.org/linux/man-pages/man2/statx.2.html
     */
    static int fstatx(int fd, int mask, MemorySegment buf) {
        return statx(fd, EmptyString.SEGMENT, Constants.AT_EMPTY_PATH, mask, buf);
    }

    /**
     * statx(2) of a path relative to {@code dirFd} ({@link Constants#AT_FDCWD}: the working
     * directory), links followed, into {@code buf} (a {@link Structs#STATX}): 0, or -errno.
     * Opens nothing.
     */
    static int statx(int dirFd, MemorySegment cPath, int flags, int mask, MemorySegment buf) {
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
    static int fcntl(int fd, int command, int arg) {
        return (int) syscall(SyscallNumbers.SYS_fcntl, fd, command, arg, 0, 0);
    }

    /**
     * name_to_handle_at(2) of an open fd ({@code AT_EMPTY_PATH}): 0, or -errno. {@code handle}
     * is a {@code struct file_handle} with {@code handle_bytes} set; {@code mountId} an int.
     * See https://man7.org/linux/man-pages/man2/open_by_handle_at.2.html
     */
    static int name_to_handle_at(int fd, MemorySegment handle, MemorySegment mountId) {
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
    static int open_by_handle_at(int mountFd, MemorySegment handle, int flags) {
        try {
            return (int) syscall(SyscallNumbers.SYS_open_by_handle_at, mountFd, address(handle), flags, 0, 0);
        } finally {
            Reference.reachabilityFence(handle);
        }
    }

    /**
     * readlinkat(2) into {@code buf} (no NUL added): the length of the link, or -errno.
     * See https://man7.org/linux/man-pages/man2/readlink.2.html
     */
    static long readlinkat(int dirFd, MemorySegment cPath, MemorySegment buf, long size) {
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
    static int getpwuid_r(int uid, MemorySegment pwd, MemorySegment buf, MemorySegment result) {
        try {
            MemorySegment state = CALL_STATE_BUFFER.get();
            int rc = (int) Getpwuid.HANDLE.invokeExact(state, uid, pwd, buf, buf.byteSize(), result);
            return -rc; // it returns the errno value itself, 0 on success
        } catch (Throwable t) {
            throw linkageFailure("getpwuid_r", t);
        }
    }

    /**
     * poll(2) on {@code nfds} {@link Structs#POLLFD} entries: the number with events, 0 on
     * timeout, or -errno. See https://man7.org/linux/man-pages/man2/poll.2.html
     */
    static int poll(MemorySegment fds, long nfds, int timeoutMillis) {
        try {
            MemorySegment state = CALL_STATE_BUFFER.get();
            int result = (int) Poll.HANDLE.invokeExact(state, fds, nfds, timeoutMillis);
            return result >= 0 ? result : failed(state);
        } catch (Throwable t) {
            throw linkageFailure("poll", t);
        }
    }

    /**
     * poll(2) on one fd, in this thread's {@link #scratch()} memory: its {@code revents}
     * ({@code POLLIN} on a pidfd means the process has exited), 0 on timeout, or -errno.
     */
    static int pollOne(int fd, short events, int timeoutMillis) {
        MemorySegment pollfd = scratch().asSlice(0, Structs.POLLFD);
        pollfd.set(JAVA_INT, Structs.POLLFD_FD, fd);
        pollfd.set(JAVA_SHORT, Structs.POLLFD_EVENTS, events);
        pollfd.set(JAVA_SHORT, Structs.POLLFD_REVENTS, (short) 0);
        int rc = poll(pollfd, 1, timeoutMillis);
        return rc <= 0 ? rc : Short.toUnsignedInt(pollfd.get(JAVA_SHORT, Structs.POLLFD_REVENTS));
    }

    /**
     * setns(2): joins the namespace of {@code fd} (a namespace fd, or a pidfd with
     * {@code CLONE_NEW*} flags) for the calling thread: 0, or -errno.
     * See https://man7.org/linux/man-pages/man2/setns.2.html
     */
    static int setns(int fd, int nstype) {
        return (int) syscall(SyscallNumbers.SYS_setns, fd, nstype, 0, 0, 0);
    }

    /**
     * unshare(2): moves the calling thread into new namespaces of the {@code CLONE_NEW*}
     * {@code flags}: 0, or -errno. See https://man7.org/linux/man-pages/man2/unshare.2.html
     */
    static int unshare(int flags) {
        return (int) syscall(SyscallNumbers.SYS_unshare, flags, 0, 0, 0, 0);
    }

    /**
     * gettid(2): the calling (carrier) thread's id, which names it in {@code /proc/self/task}.
     * See https://man7.org/linux/man-pages/man2/gettid.2.html
     */
    static int gettid() {
        return (int) syscall(SyscallNumbers.SYS_gettid, 0, 0, 0, 0, 0);
    }

    /**
     * listns(2) (Linux 6.19): the number of ids written, or -errno (ENOSYS before 6.19).
     * {@code request} is a {@link Structs#NS_ID_REQ}, filled by {@link Structs#nsIdRequest}.
     */
    static int listns(MemorySegment request, MemorySegment ids, long capacity, int flags) {
        try {
            return (int) syscall(Constants.SYS_listns, address(request), address(ids), capacity, flags, 0);
        } finally {
            Reference.reachabilityFence(request);
            Reference.reachabilityFence(ids);
        }
    }

    /**
     * pidfd_open(2) (no C library function before glibc 2.36): the pidfd, or -errno.
     * See https://man7.org/linux/man-pages/man2/pidfd_open.2.html
     */
    static int pidfd_open(int pid, int flags) {
        return (int) syscall(Constants.SYS_pidfd_open, pid, flags, 0, 0, 0);
    }

    /**
     * pidfd_send_signal(2) with no siginfo: 0, or -errno. Signal 0 only checks that the
     * process still exists. See https://man7.org/linux/man-pages/man2/pidfd_send_signal.2.html
     */
    static int pidfd_send_signal(int pidfd, int signal, int flags) {
        return (int) syscall(Constants.SYS_pidfd_send_signal, pidfd, signal, 0, flags, 0);
    }

    /** pipe2(2) into {@code fds} (two ints: read end, write end): 0, or -errno. */
    static int pipe2(MemorySegment fds, int flags) {
        try {
            return (int) syscall(SyscallNumbers.SYS_pipe2, address(fds), flags, 0, 0, 0);
        } finally {
            Reference.reachabilityFence(fds);
        }
    }

    /** read(2): the number of bytes read (0 at end of file), or -errno. */
    static long read(int fd, MemorySegment buf, long count) {
        try {
            return syscall(SyscallNumbers.SYS_read, fd, address(buf), count, 0, 0);
        } finally {
            Reference.reachabilityFence(buf);
        }
    }

    /** write(2): the number of bytes written, or -errno. */
    static long write(int fd, MemorySegment buf, long count) {
        try {
            return syscall(SyscallNumbers.SYS_write, fd, address(buf), count, 0, 0);
        } finally {
            Reference.reachabilityFence(buf);
        }
    }

    /**
     * waitid(2) into {@code info} (a {@link Structs#SIGINFO}): 0, or -errno. The system call's
     * fifth argument, a {@code struct rusage *}, is NULL.
     * See https://man7.org/linux/man-pages/man2/waitid.2.html
     */
    static int waitid(int idtype, int id, MemorySegment info, int options) {
        try {
            return (int) syscall(SyscallNumbers.SYS_waitid, idtype, id, address(info), options, 0);
        } finally {
            Reference.reachabilityFence(info);
        }
    }

    /** kill(2): 0, or -errno. */
    static int kill(int pid, int signal) {
        return (int) syscall(SyscallNumbers.SYS_kill, pid, signal, 0, 0, 0);
    }


    /**
     * posix_spawnp(3): 0 with the child's pid in {@code pid}, or -errno (the function returns
     * its error, exec's included, instead of setting errno).
     * See https://man7.org/linux/man-pages/man3/posix_spawn.3.html
     */
    static int posix_spawnp(MemorySegment pid, MemorySegment file, MemorySegment fileActions, MemorySegment attr,
            MemorySegment argv, MemorySegment envp) {
        try {
            return -(int) PosixSpawnp.HANDLE.invokeExact(CALL_STATE_BUFFER.get(), pid, file, fileActions, attr, argv,
                    envp);
        } catch (Throwable t) {
            throw linkageFailure("posix_spawnp", t);
        }
    }

    /** posix_spawn_file_actions_init(3) on a {@link Structs#POSIX_SPAWN_FILE_ACTIONS_SIZE}-byte block: 0 or -errno. */
    static int posix_spawn_file_actions_init(MemorySegment fileActions) {
        try {
            return -(int) FileActionsInit.HANDLE.invokeExact(CALL_STATE_BUFFER.get(), fileActions);
        } catch (Throwable t) {
            throw linkageFailure("posix_spawn_file_actions_init", t);
        }
    }

    /** posix_spawn_file_actions_destroy(3): 0 or -errno. */
    static int posix_spawn_file_actions_destroy(MemorySegment fileActions) {
        try {
            return -(int) FileActionsDestroy.HANDLE.invokeExact(CALL_STATE_BUFFER.get(), fileActions);
        } catch (Throwable t) {
            throw linkageFailure("posix_spawn_file_actions_destroy", t);
        }
    }

    /** posix_spawn_file_actions_adddup2(3): in the child, dup2(fd, newFd) (which clears close-on-exec): 0 or -errno. */
    static int posix_spawn_file_actions_adddup2(MemorySegment fileActions, int fd, int newFd) {
        try {
            return -(int) FileActionsAdddup2.HANDLE.invokeExact(CALL_STATE_BUFFER.get(), fileActions, fd, newFd);
        } catch (Throwable t) {
            throw linkageFailure("posix_spawn_file_actions_adddup2", t);
        }
    }

    /** posix_spawn_file_actions_addclosefrom_np(3) (glibc 2.34): in the child, close every fd from {@code from} up. */
    static int posix_spawn_file_actions_addclosefrom_np(MemorySegment fileActions, int from) {
        try {
            return -(int) FileActionsAddclosefrom.HANDLE.invokeExact(CALL_STATE_BUFFER.get(), fileActions, from);
        } catch (Throwable t) {
            throw linkageFailure("posix_spawn_file_actions_addclosefrom_np", t);
        }
    }

    /** posix_spawn_file_actions_addchdir_np(3) (glibc 2.29): in the child, chdir(path): 0 or -errno. */
    static int posix_spawn_file_actions_addchdir_np(MemorySegment fileActions, MemorySegment cPath) {
        try {
            return -(int) FileActionsAddchdir.HANDLE.invokeExact(CALL_STATE_BUFFER.get(), fileActions, cPath);
        } catch (Throwable t) {
            throw linkageFailure("posix_spawn_file_actions_addchdir_np", t);
        }
    }

    /** posix_spawnattr_init(3) on a {@link Structs#POSIX_SPAWNATTR_SIZE}-byte block: 0 or -errno. */
    static int posix_spawnattr_init(MemorySegment attr) {
        try {
            return -(int) SpawnattrInit.HANDLE.invokeExact(CALL_STATE_BUFFER.get(), attr);
        } catch (Throwable t) {
            throw linkageFailure("posix_spawnattr_init", t);
        }
    }

    /** posix_spawnattr_destroy(3): 0 or -errno. */
    static int posix_spawnattr_destroy(MemorySegment attr) {
        try {
            return -(int) SpawnattrDestroy.HANDLE.invokeExact(CALL_STATE_BUFFER.get(), attr);
        } catch (Throwable t) {
            throw linkageFailure("posix_spawnattr_destroy", t);
        }
    }

    /** posix_spawnattr_setflags(3) ({@code POSIX_SPAWN_*}): 0 or -errno. */
    static int posix_spawnattr_setflags(MemorySegment attr, short flags) {
        try {
            return -(int) SpawnattrSetflags.HANDLE.invokeExact(CALL_STATE_BUFFER.get(), attr, flags);
        } catch (Throwable t) {
            throw linkageFailure("posix_spawnattr_setflags", t);
        }
    }

    /** posix_spawnattr_setsigmask(3): the child's signal mask ({@link Structs#SIGSET_SIZE} bytes): 0 or -errno. */
    static int posix_spawnattr_setsigmask(MemorySegment attr, MemorySegment sigset) {
        try {
            return -(int) SpawnattrSetsigmask.HANDLE.invokeExact(CALL_STATE_BUFFER.get(), attr, sigset);
        } catch (Throwable t) {
            throw linkageFailure("posix_spawnattr_setsigmask", t);
        }
    }

    /**
     * Links (and so loads the classes of) every function that a thread inside another mount
     * namespace may call, where the JVM's own class files may not be visible: the system
     * call numbers too.
     */
    static void linkProcessFunctions() {
        Object[] handles = {Syscall.HANDLE, SyscallNumbers.SYS_setns, PosixSpawnp.HANDLE, FileActionsInit.HANDLE, FileActionsDestroy.HANDLE,
            FileActionsAdddup2.HANDLE, FileActionsAddclosefrom.HANDLE, FileActionsAddchdir.HANDLE,
            SpawnattrInit.HANDLE, SpawnattrDestroy.HANDLE, SpawnattrSetflags.HANDLE, SpawnattrSetsigmask.HANDLE};
        if (handles.length == 0) {
            throw new AssertionError();
        }
    }

    /** Rethrows what a downcall threw: an error (such as a missing symbol) or unchecked exception as is. */
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
