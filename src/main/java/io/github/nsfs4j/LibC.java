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
 * <p>Each function is linked on its own first use, in its own holder class (a
 * {@code static final} handle, which the JIT treats as a constant), by {@link #link}, the
 * one place that makes restricted calls. A function the C library lacks (statx before glibc
 * 2.28) gets a handle that throws {@link UnsatisfiedLinkError} naming it, so every other
 * function keeps working. errno is captured per call into a buffer owned by the calling
 * thread and read right after the call, before anything else can overwrite it.
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

    // One holder per function and form, so each is linked on its own first use.
    private static final class Open {
        static final MethodHandle HANDLE = link("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
                2, null);
    }

    private static final class IoctlValue {
        static final MethodHandle HANDLE = link("ioctl",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), 2, null);
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
     */
    private static final class IoctlValueCritical {
        static final MethodHandle HANDLE = link("ioctl",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), 2, null, Linker.Option.critical(false));
    }

    private static final class Close {
        static final MethodHandle HANDLE = link("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT), -1, null);
    }

    private static final class Fstatfs {
        static final MethodHandle HANDLE = link("fstatfs", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS), -1,
                null);
    }

    private static final class Statx {
        static final MethodHandle HANDLE = link("statx",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS), -1,
                "glibc 2.28+ and musl 1.2.5+ have it");
    }

    private static final class Fcntl {
        static final MethodHandle HANDLE = link("fcntl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT),
                2, null);
    }

    private static final class NameToHandleAt {
        static final MethodHandle HANDLE = link("name_to_handle_at",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT), -1,
                "glibc 2.14+ and musl 1.2.3+ have it");
    }

    private static final class OpenByHandleAt {
        static final MethodHandle HANDLE = link("open_by_handle_at",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), -1,
                "glibc 2.14+ and musl 1.2.3+ have it");
    }

    private static final class Poll {
        static final MethodHandle HANDLE = link("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT),
                -1, null);
    }

    private static final class Setns {
        static final MethodHandle HANDLE = link("setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), -1,
                "glibc 2.14+ and musl have it");
    }

    private static final class Unshare {
        static final MethodHandle HANDLE = link("unshare", FunctionDescriptor.of(JAVA_INT, JAVA_INT), -1, null);
    }

    private static final class Gettid {
        static final MethodHandle HANDLE = link("gettid", FunctionDescriptor.of(JAVA_INT), -1,
                "glibc 2.30+ and musl 1.2.2+ have it");
    }

    private static final class Getpwuid {
        static final MethodHandle HANDLE = link("getpwuid_r",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS), -1, null);
    }

    /** syscall(2) for listns: {@code (long nr, const struct ns_id_req *, u64 *, size_t, unsigned)}. */
    private static final class SyscallListns {
        static final MethodHandle HANDLE = link("syscall",
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT), 1, null);
    }

    /** syscall(2) with two int arguments (pidfd_open). */
    private static final class SyscallIntInt {
        static final MethodHandle HANDLE = link("syscall",
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT), 1, null);
    }

    /** syscall(2) with int, int, pointer, int (pidfd_send_signal). */
    private static final class SyscallIntIntPointerInt {
        static final MethodHandle HANDLE = link("syscall",
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), 1, null);
    }

    // Starting processes (NamespaceSet.start): posix_spawn(3) and what goes with it.


    private static final class Pipe2 {
        static final MethodHandle HANDLE = link("pipe2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), -1, null);
    }

    private static final class Read {
        static final MethodHandle HANDLE = link("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG),
                -1, null);
    }

    private static final class Write {
        static final MethodHandle HANDLE = link("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG),
                -1, null);
    }

    private static final class Waitid {
        static final MethodHandle HANDLE = link("waitid",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), -1, null);
    }

    private static final class Kill {
        static final MethodHandle HANDLE = link("kill", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), -1, null);
    }

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

    private static final class Readlinkat {
        static final MethodHandle HANDLE = link("readlinkat",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG), -1, null);
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
     * open(2) of a path given as a NUL-terminated C string: the fd, or -errno.
     * See https://man7.org/linux/man-pages/man2/open.2.html
     */
    static int open(MemorySegment cPath, int flags) {
        try {
            MemorySegment state = CALL_STATE_BUFFER.get();
            int fd = (int) Open.HANDLE.invokeExact(state, cPath, flags, 0);
            return fd >= 0 ? fd : failed(state);
        } catch (Throwable t) {
            throw linkageFailure("open", t);
        }
    }

    /**
     * open(2) of a path given as its bytes (no NUL; the kernel sees exactly these, whatever
     * their encoding): the fd, or -errno. A NUL byte inside ends the path there, as in C.
     */
    static int open(byte[] path, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cPath = arena.allocate(path.length + 1L); // zeroed: the last byte is the NUL
            MemorySegment.copy(path, 0, cPath, JAVA_BYTE, 0, path.length);
            return open(cPath, flags);
        }
    }

    /** open(2) of a path given as a String, encoded as the JDK encodes file names: the fd, or -errno. */
    static int open(String path, int flags) {
        return open(pathBytes(path), flags);
    }

    /**
     * ioctl(2) whose third argument is a value (0 for requests without one, a pid for the
     * translations): the result, or -errno.
     * See https://man7.org/linux/man-pages/man2/ioctl_nsfs.2.html
     */
    static int ioctl(int fd, long request, long arg) {
        try {
            MemorySegment state = CALL_STATE_BUFFER.get();
            int result = (int) IoctlValue.HANDLE.invokeExact(state, fd, request, arg);
            return result >= 0 ? result : failed(state);
        } catch (Throwable t) {
            throw linkageFailure("ioctl", t);
        }
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
     *
     * <p>The address goes through the value binding as a {@code long}: ioctl's third argument
     * is variadic, and a pointer and a long travel alike on every 64-bit ABI of {@link Arch}.
     * One binding less to link (each distinct downcall shape costs milliseconds of a
     * command's start-up); the segment is kept reachable across the call.
     */
    static int ioctl(int fd, long request, MemorySegment arg) {
        if (!arg.isNative()) {
            throw new IllegalArgumentException("ioctl needs native memory, not " + arg);
        }
        try {
            return ioctl(fd, request, arg.address());
        } finally {
            Reference.reachabilityFence(arg);
        }
    }

    /** close(2): 0, or -errno. See https://man7.org/linux/man-pages/man2/close.2.html */
    static int close(int fd) {
        try {
            MemorySegment state = CALL_STATE_BUFFER.get();
            int result = (int) Close.HANDLE.invokeExact(state, fd);
            return result >= 0 ? result : failed(state);
        } catch (Throwable t) {
            throw linkageFailure("close", t);
        }
    }

    /**
     * fstatfs(2) into {@code buf} (a {@link Structs#STATFS}): 0, or -errno.
     * See https://man7.org/linux/man-pages/man2/fstatfs.2.html
     */
    static int fstatfs(int fd, MemorySegment buf) {
        try {
            MemorySegment state = CALL_STATE_BUFFER.get();
            int result = (int) Fstatfs.HANDLE.invokeExact(state, fd, buf);
            return result >= 0 ? result : failed(state);
        } catch (Throwable t) {
            throw linkageFailure("fstatfs", t);
        }
    }

    /**
     * statx(2) of an open fd ({@code AT_EMPTY_PATH}) into {@code buf} (a {@link Structs#STATX}):
     * 0, or -errno. See https://man7.org/linux/man-pages/man2/statx.2.html
     */
    static int fstatx(int fd, int mask, MemorySegment buf) {
        try {
            MemorySegment state = CALL_STATE_BUFFER.get();
            int result = (int) Statx.HANDLE.invokeExact(state, fd, EmptyString.SEGMENT, Constants.AT_EMPTY_PATH,
                    mask, buf);
            return result >= 0 ? result : failed(state);
        } catch (Throwable t) {
            throw linkageFailure("statx", t);
        }
    }

    /** The C string "", for the {@code AT_EMPTY_PATH} calls; made on first use. */
    private static final class EmptyString {
        static final MemorySegment SEGMENT = Arena.global().allocate(1);
    }

    /** fcntl(2) with an int argument: the result, or -errno. See https://man7.org/linux/man-pages/man2/fcntl.2.html */
    static int fcntl(int fd, int command, int arg) {
        try {
            MemorySegment state = CALL_STATE_BUFFER.get();
            int result = (int) Fcntl.HANDLE.invokeExact(state, fd, command, arg);
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
            int result = (int) NameToHandleAt.HANDLE.invokeExact(state, fd, EmptyString.SEGMENT, handle, mountId,
                    Constants.AT_EMPTY_PATH);
            return result >= 0 ? result : failed(state);
        } catch (Throwable t) {
            throw linkageFailure("name_to_handle_at", t);
        }
    }

    /**
     * open_by_handle_at(2): the new fd, or -errno.
     * See https://man7.org/linux/man-pages/man2/open_by_handle_at.2.html
     */
    static int open_by_handle_at(int mountFd, MemorySegment handle, int flags) {
        try {
            MemorySegment state = CALL_STATE_BUFFER.get();
            int result = (int) OpenByHandleAt.HANDLE.invokeExact(state, mountFd, handle, flags);
            return result >= 0 ? result : failed(state);
        } catch (Throwable t) {
            throw linkageFailure("open_by_handle_at", t);
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
        try {
            MemorySegment state = CALL_STATE_BUFFER.get();
            int result = (int) Setns.HANDLE.invokeExact(state, fd, nstype);
            return result >= 0 ? result : failed(state);
        } catch (Throwable t) {
            throw linkageFailure("setns", t);
        }
    }

    /**
     * unshare(2): moves the calling thread into new namespaces of the {@code CLONE_NEW*}
     * {@code flags}: 0, or -errno. See https://man7.org/linux/man-pages/man2/unshare.2.html
     */
    static int unshare(int flags) {
        try {
            MemorySegment state = CALL_STATE_BUFFER.get();
            int result = (int) Unshare.HANDLE.invokeExact(state, flags);
            return result >= 0 ? result : failed(state);
        } catch (Throwable t) {
            throw linkageFailure("unshare", t);
        }
    }

    /**
     * gettid(2): the calling (carrier) thread's id, which names it in {@code /proc/self/task}.
     * See https://man7.org/linux/man-pages/man2/gettid.2.html
     */
    static int gettid() {
        try {
            return (int) Gettid.HANDLE.invokeExact(CALL_STATE_BUFFER.get());
        } catch (Throwable t) {
            throw linkageFailure("gettid", t);
        }
    }

    /**
     * listns(2) (Linux 6.19), through syscall(2): the number of ids written, or -errno
     * (ENOSYS before 6.19). {@code request} is a {@link Structs#NS_ID_REQ}, filled by
     * {@link Structs#nsIdRequest}. See https://man7.org/linux/man-pages/man2/syscall.2.html
     */
    static int listns(MemorySegment request, MemorySegment ids, long capacity, int flags) {
        try {
            MemorySegment state = CALL_STATE_BUFFER.get();
            long result = (long) SyscallListns.HANDLE.invokeExact(state, (long) Constants.SYS_listns, request, ids,
                    capacity, flags);
            return result >= 0 ? (int) result : failed(state);
        } catch (Throwable t) {
            throw linkageFailure("listns", t);
        }
    }

    /**
     * pidfd_open(2), through syscall(2) so that glibc older than 2.36 works: the pidfd, or -errno.
     * See https://man7.org/linux/man-pages/man2/pidfd_open.2.html
     */
    static int pidfd_open(int pid, int flags) {
        try {
            MemorySegment state = CALL_STATE_BUFFER.get();
            long result = (long) SyscallIntInt.HANDLE.invokeExact(state, (long) Constants.SYS_pidfd_open, pid, flags);
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
            long result = (long) SyscallIntIntPointerInt.HANDLE.invokeExact(state,
                    (long) Constants.SYS_pidfd_send_signal, pidfd, signal, MemorySegment.NULL, flags);
            return result >= 0 ? (int) result : failed(state);
        } catch (Throwable t) {
            throw linkageFailure("pidfd_send_signal", t);
        }
    }


    /**
     * statx(2) of a path relative to {@code dirFd} ({@link Constants#AT_FDCWD}: the working
     * directory), links followed, into {@code buf} (a {@link Structs#STATX}): 0, or -errno.
     * Opens nothing.
     */
    static int statx(int dirFd, MemorySegment cPath, int flags, int mask, MemorySegment buf) {
        try {
            MemorySegment state = CALL_STATE_BUFFER.get();
            int result = (int) Statx.HANDLE.invokeExact(state, dirFd, cPath, flags, mask, buf);
            return result >= 0 ? result : failed(state);
        } catch (Throwable t) {
            throw linkageFailure("statx", t);
        }
    }

    /**
     * readlinkat(2) into {@code buf} (no NUL added): the length of the link, or -errno.
     * See https://man7.org/linux/man-pages/man2/readlink.2.html
     */
    static long readlinkat(int dirFd, MemorySegment cPath, MemorySegment buf, long size) {
        try {
            MemorySegment state = CALL_STATE_BUFFER.get();
            long result = (long) Readlinkat.HANDLE.invokeExact(state, dirFd, cPath, buf, size);
            return result >= 0 ? result : failed(state);
        } catch (Throwable t) {
            throw linkageFailure("readlinkat", t);
        }
    }

    /** open(2) with a mode, for {@code O_CREAT}: the fd, or -errno. */
    static int open(String path, int flags, int mode) {
        byte[] bytes = pathBytes(path);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cPath = arena.allocate(bytes.length + 1L);
            MemorySegment.copy(bytes, 0, cPath, JAVA_BYTE, 0, bytes.length);
            MemorySegment state = CALL_STATE_BUFFER.get();
            int fd = (int) Open.HANDLE.invokeExact(state, cPath, flags, mode);
            return fd >= 0 ? fd : failed(state);
        } catch (Throwable t) {
            throw linkageFailure("open", t);
        }
    }

    /** pipe2(2) into {@code fds} (two ints: read end, write end): 0, or -errno. */
    static int pipe2(MemorySegment fds, int flags) {
        try {
            MemorySegment state = CALL_STATE_BUFFER.get();
            int result = (int) Pipe2.HANDLE.invokeExact(state, fds, flags);
            return result >= 0 ? result : failed(state);
        } catch (Throwable t) {
            throw linkageFailure("pipe2", t);
        }
    }

    /** read(2): the number of bytes read (0 at end of file), or -errno. */
    static long read(int fd, MemorySegment buf, long count) {
        try {
            MemorySegment state = CALL_STATE_BUFFER.get();
            long result = (long) Read.HANDLE.invokeExact(state, fd, buf, count);
            return result >= 0 ? result : failed(state);
        } catch (Throwable t) {
            throw linkageFailure("read", t);
        }
    }

    /** write(2): the number of bytes written, or -errno. */
    static long write(int fd, MemorySegment buf, long count) {
        try {
            MemorySegment state = CALL_STATE_BUFFER.get();
            long result = (long) Write.HANDLE.invokeExact(state, fd, buf, count);
            return result >= 0 ? result : failed(state);
        } catch (Throwable t) {
            throw linkageFailure("write", t);
        }
    }

    /**
     * waitid(2) into {@code info} (a {@link Structs#SIGINFO}): 0, or -errno.
     * See https://man7.org/linux/man-pages/man2/waitid.2.html
     */
    static int waitid(int idtype, int id, MemorySegment info, int options) {
        try {
            MemorySegment state = CALL_STATE_BUFFER.get();
            int result = (int) Waitid.HANDLE.invokeExact(state, idtype, id, info, options);
            return result >= 0 ? result : failed(state);
        } catch (Throwable t) {
            throw linkageFailure("waitid", t);
        }
    }

    /** kill(2): 0, or -errno. */
    static int kill(int pid, int signal) {
        try {
            MemorySegment state = CALL_STATE_BUFFER.get();
            int result = (int) Kill.HANDLE.invokeExact(state, pid, signal);
            return result >= 0 ? result : failed(state);
        } catch (Throwable t) {
            throw linkageFailure("kill", t);
        }
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
     * namespace may call, where the JVM's own class files may not be visible.
     */
    static void linkProcessFunctions() {
        Object[] handles = {Setns.HANDLE, Unshare.HANDLE, Readlinkat.HANDLE, Close.HANDLE, Pipe2.HANDLE, Read.HANDLE,
            Write.HANDLE, Waitid.HANDLE, Kill.HANDLE, PosixSpawnp.HANDLE, FileActionsInit.HANDLE,
            FileActionsDestroy.HANDLE, FileActionsAdddup2.HANDLE, FileActionsAddclosefrom.HANDLE,
            FileActionsAddchdir.HANDLE, SpawnattrInit.HANDLE, SpawnattrDestroy.HANDLE, SpawnattrSetflags.HANDLE,
            SpawnattrSetsigmask.HANDLE};
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
