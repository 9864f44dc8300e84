package io.github.nsfs4j;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

import jnr.constants.platform.OpenFlags;

/**
 * An open handle on one Linux namespace: an O_CLOEXEC file descriptor on a namespace file
 * ({@code /proc/<pid>/ns/<type>}, a bind mount of one, or an fd the kernel handed out).
 *
 * <p>Open one with {@link #open(Path)}, {@link #ofProcess(long, NamespaceType)},
 * {@link #current(NamespaceType)}, {@link #adopt(int)} or {@link #duplicate(int)}. Each returns
 * the subclass for the namespace's type, so pattern matching works: pid namespaces are
 * {@link PidNamespace}, user namespaces {@link UserNamespace}, mount namespaces
 * {@link MountNamespace}, and the other five types plain {@code Namespace}. Operations that
 * only make sense for one type exist only on that type's class.
 *
 * <p><b>Kernel:</b> Linux 4.11 for opening (NS_GET_NSTYPE); each operation names its own.
 *
 * <p><b>Ownership:</b> the handle owns its fd and closes it on {@link #close()}. Handles
 * returned by {@link #owner()} and the {@code parent()} methods are new handles, owned by
 * the caller.
 *
 * <p><b>Thread safety:</b> a handle may be used by any number of threads at once. A
 * {@code close()} while other threads are inside a call on it does not release the fd
 * under them: the fd is closed when the last of them leaves, and calls that start after
 * {@code close()} throw {@link ClosedNamespaceException}. No call ever acts on an fd number
 * that was released and reused. {@code close()} is idempotent.
 *
 * <p><b>After close</b>, every operation throws: those that use the fd a
 * {@link ClosedNamespaceException}, the accessors of the identity recorded at open
 * ({@link #type()}, {@link #inode()}, {@link #device()}, {@link #id()}, {@link #isInitial()})
 * an {@link IllegalStateException}. {@code toString}, {@code equals} and {@code hashCode}
 * keep working.
 *
 * <p><b>Identity:</b> {@link #equals} means "the same namespace": equal ids where the kernel
 * gives ids (Linux 6.18+, never reused within a boot), otherwise equal device and inode,
 * which is reliable while both handles are open (inodes are reused once a namespace dies).
 */
public sealed class Namespace implements AutoCloseable permits PidNamespace, UserNamespace, MountNamespace {

    /** Every open by the library: read-only, close-on-exec, and harmless on a FIFO or tty. */
    static final int OPEN_FLAGS = OpenFlags.O_RDONLY.intValue() | OpenFlags.O_CLOEXEC.intValue()
            | OpenFlags.O_NOCTTY.intValue() | OpenFlags.O_NONBLOCK.intValue();
    private static final int F_SETFD = 2;
    private static final int FD_CLOEXEC = 1;

    private final FdGuard fd;
    private final NamespaceType type;
    private final long device;
    private final long inode;
    private final long id;
    private final boolean hasId;

    Namespace(int fd, NamespaceType type, long device, long inode, OptionalLong id) {
        this.fd = new FdGuard(fd);
        this.type = type;
        this.device = device;
        this.inode = inode;
        this.hasId = id.isPresent();
        this.id = id.orElse(0);
    }

    // ---------------------------------------------------------------- opening

    /**
     * Opens a namespace file: {@code /proc/<pid>/ns/<type>}, {@code /proc/thread-self/ns/<type>},
     * a bind mount such as {@code /run/netns/blue}. A magic link is followed.
     *
     * @throws NotANamespaceException if the path is not a namespace file
     * @throws NoSuchNamespaceException if the path does not exist (or the process is gone)
     * @throws NamespaceAccessDeniedException if the caller may not open it
     * @throws NamespaceException for any other failure
     * @throws IllegalCallerException if native access is not enabled for nsfs4j (the message names the flag)
     */
    public static Namespace open(Path path) throws NamespaceException {
        Objects.requireNonNull(path, "path");
        return openAs(path.toString(), null);
    }

    /**
     * Opens {@code /proc/<pid>/ns/<type>}: the namespace of that type that process is in.
     *
     * @throws IllegalArgumentException if {@code pid} is not positive
     * @throws NoSuchNamespaceException if the process does not exist (or the type is not configured)
     * @throws NamespaceAccessDeniedException if the caller may not inspect the process
     */
    public static Namespace ofProcess(long pid, NamespaceType type) throws NamespaceException {
        return openAs(procPath(pid, type), type);
    }

    /**
     * Opens a namespace of the process a {@link ProcessHandle} names, race-free: through a
     * pidfd ({@link Pidfd#of}), so a pid reused by another process is detected, not opened.
     *
     * @throws NoSuchNamespaceException if the process has exited
     */
    public static Namespace ofProcess(ProcessHandle process, NamespaceType type) throws NamespaceException {
        try (Pidfd pidfd = Pidfd.of(process)) {
            return pidfd.namespace(type);
        }
    }

    /** Opens the calling thread's own namespace of a type ({@code /proc/thread-self/ns/<type>}). */
    public static Namespace current(NamespaceType type) throws NamespaceException {
        return openAs(threadSelfPath(type), type);
    }

    /**
     * Takes ownership of an fd on a namespace file; the handle closes it. The fd is checked
     * first; if that fails, it stays the caller's, open. FD_CLOEXEC is set on it.
     *
     * @throws IllegalArgumentException if {@code fd} is negative
     * @throws NotANamespaceException if the fd is not on a namespace file, or is an O_PATH fd
     */
    public static Namespace adopt(int fd) throws NamespaceException {
        checkFd(fd);
        LibC.requireNativeAccess();
        Namespace ns = inspect(fd, "fd " + fd, null);
        LibC.fcntl(fd, F_SETFD, FD_CLOEXEC);
        return ns;
    }

    /**
     * Opens a new handle on a duplicate (F_DUPFD_CLOEXEC) of an fd on a namespace file. The
     * caller's fd is not touched and stays the caller's.
     *
     * @throws IllegalArgumentException if {@code fd} is negative
     * @throws NotANamespaceException if the fd is not on a namespace file, or is an O_PATH fd
     */
    public static Namespace duplicate(int fd) throws NamespaceException {
        checkFd(fd);
        LibC.requireNativeAccess();
        int copy = LibC.fcntl(fd, LibC.F_DUPFD_CLOEXEC, 0);
        if (copy < 0) {
            throw Errnos.failure("fcntl(F_DUPFD_CLOEXEC)", "fd " + fd, -copy, "cannot duplicate the fd");
        }
        return adoptOrClose(copy, "fd " + fd, null);
    }

    static String procPath(long pid, NamespaceType type) {
        if (pid <= 0) {
            throw new IllegalArgumentException("pid must be positive, got " + pid);
        }
        Objects.requireNonNull(type, "type");
        return "/proc/" + pid + "/ns/" + type.procName();
    }

    static String threadSelfPath(NamespaceType type) {
        Objects.requireNonNull(type, "type");
        return "/proc/thread-self/ns/" + type.procName();
    }

    private static void checkFd(int fd) {
        if (fd < 0) {
            throw new IllegalArgumentException("fd must not be negative, got " + fd);
        }
    }

    /** Opens a path and checks that it is a namespace file of {@code expected} (any type if null). */
    static Namespace openAs(String path, NamespaceType expected) throws NamespaceException {
        LibC.requireNativeAccess();
        if (path.isEmpty() || path.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("not a usable path: '" + path.replace("\0", "\\0") + "'");
        }
        int fd = LibC.open(path, OPEN_FLAGS);
        if (fd < 0 && -fd == Errnos.ENXIO) {
            throw new NotANamespaceException("open", path, -fd, "not a namespace file (a socket or a device without"
                    + " a driver); use /proc/<pid>/ns/<type> or a bind mount of one");
        }
        if (fd < 0) {
            int errno = -fd;
            throw Errnos.failure("open", path, errno, errno == Errnos.ENOENT
                    ? "no such file (the process may have exited, or the namespace type is not configured)"
                    : "cannot open the namespace file");
        }
        return adoptOrClose(fd, path, expected);
    }

    /** Wraps an fd the library opened (or the kernel returned); closes it if it is not what was expected. */
    static Namespace adoptOrClose(int fd, String origin, NamespaceType expected) throws NamespaceException {
        boolean success = false;
        try {
            Namespace ns = inspect(fd, origin, expected);
            success = true;
            return ns;
        } finally {
            if (!success) {
                LibC.close(fd);
            }
        }
    }

    /** Checks that {@code fd} is on nsfs and of the expected type, and reads its identity. Never closes it. */
    private static Namespace inspect(int fd, String origin, NamespaceType expected) throws NamespaceException {
        MemorySegment buf = LibC.scratch();
        int rc = LibC.fstatfs(fd, buf);
        if (rc < 0) {
            throw Errnos.failure("fstatfs", origin, -rc, "cannot inspect the file");
        }
        long magic = buf.get(JAVA_LONG, 0) & 0xffffffffL;
        if (magic != LibC.NSFS_MAGIC) {
            throw new NotANamespaceException("open", origin, 0, "not a namespace file (filesystem magic 0x"
                    + Long.toHexString(magic) + ", nsfs is 0x" + Long.toHexString(LibC.NSFS_MAGIC)
                    + "); use /proc/<pid>/ns/<type> or a bind mount of one");
        }
        int flag = LibC.ioctl(fd, NsIoctl.NS_GET_NSTYPE.request(), 0L);
        if (flag == -Errnos.EBADF) {
            // fstatfs took the fd, the ioctl did not: an O_PATH fd (only adopt and duplicate see one)
            throw new NotANamespaceException("open", origin, Errnos.EBADF,
                    "an O_PATH fd cannot carry namespace ioctls; open the file read-only");
        }
        if (flag < 0) {
            throw failure(NsIoctl.NS_GET_NSTYPE, origin, -flag);
        }
        NamespaceType type = NamespaceType.fromCloneFlag(flag);
        if (expected != null && type != expected) {
            throw new WrongNamespaceTypeException("open", origin, expected, type);
        }
        rc = LibC.fstatx(fd, LibC.STATX_INO, buf);
        if (rc < 0) {
            throw Errnos.failure("statx", origin, -rc, "cannot read the namespace's inode");
        }
        long inode = buf.get(JAVA_LONG, LibC.STATX_INO_OFFSET);
        long device = makedev(buf.get(JAVA_INT, LibC.STATX_DEV_MAJOR_OFFSET), buf.get(JAVA_INT, LibC.STATX_DEV_MINOR_OFFSET));
        return create(fd, type, device, inode, readId(fd, type, origin));
    }

    /** The handle class for the type, owning {@code fd}. */
    private static Namespace create(int fd, NamespaceType type, long device, long inode, OptionalLong id) {
        return switch (type) {
            case PID -> new PidNamespace(fd, device, inode, id);
            case USER -> new UserNamespace(fd, device, inode, id);
            case MNT -> new MountNamespace(fd, device, inode, id);
            default -> new Namespace(fd, type, device, inode, id);
        };
    }

    /**
     * A second handle on this namespace, on an F_DUPFD_CLOEXEC copy of the fd: the same open
     * file, so the identity recorded at open carries over without asking the kernel again.
     */
    final Namespace duplicateHandle() throws NamespaceException {
        int copy = callOnFd(raw -> LibC.fcntl(raw, LibC.F_DUPFD_CLOEXEC, 0), "fcntl(F_DUPFD_CLOEXEC)");
        if (copy < 0) {
            throw Errnos.failure("fcntl(F_DUPFD_CLOEXEC)", toString(), -copy, "cannot duplicate the fd");
        }
        return create(copy, type, device, inode, hasId ? OptionalLong.of(id) : OptionalLong.empty());
    }

    private static OptionalLong readId(int fd, NamespaceType type, String origin) throws NamespaceException {
        NsIoctl request = NsIoctl.NS_GET_ID.isSupported() ? NsIoctl.NS_GET_ID
                : type == NamespaceType.MNT && NsIoctl.NS_GET_MNTNS_ID.isSupported() ? NsIoctl.NS_GET_MNTNS_ID
                : null;
        if (request == null) {
            return OptionalLong.empty();
        }
        MemorySegment buf = LibC.scratch();
        int rc = LibC.ioctl(fd, request.request(), buf);
        if (rc < 0) {
            throw failure(request, origin, -rc);
        }
        return OptionalLong.of(buf.get(JAVA_LONG, 0));
    }

    /** glibc's {@code makedev}: the {@code st_dev} value that stat(2) reports and {@code stat -c %d} prints. */
    static long makedev(int major, int minor) {
        long ma = Integer.toUnsignedLong(major);
        long mi = Integer.toUnsignedLong(minor);
        return ((ma & 0xfffff000L) << 32) | ((ma & 0xfffL) << 8) | ((mi & 0xffffff00L) << 12) | (mi & 0xffL);
    }

    // ---------------------------------------------------------------- identity

    /** The namespace's type. */
    public final NamespaceType type() {
        requireOpen("type()");
        return type;
    }

    /**
     * The namespace's inode number, as {@code readlink /proc/<pid>/ns/<type>} shows it in
     * {@code type:[inode]}. Unique among living namespaces; reused after one dies.
     */
    public final long inode() {
        requireOpen("inode()");
        return inode;
    }

    /** The device of the namespace filesystem, as {@code st_dev} (glibc encoding). */
    public final long device() {
        requireOpen("device()");
        return device;
    }

    /**
     * The namespace's 64-bit id (unsigned), never reused within a boot: NS_GET_ID on Linux
     * 6.18+; for mount namespaces on 6.11 to 6.17, NS_GET_MNTNS_ID. Empty where the running
     * kernel has neither: the library never invents an id.
     */
    public final OptionalLong id() {
        requireOpen("id()");
        return hasId ? OptionalLong.of(id) : OptionalLong.empty();
    }

    /**
     * Whether this is the machine's initial namespace of its type, recognised by the fixed
     * inode the kernel gives those ({@code enum init_ns_ino}).
     */
    public final boolean isInitial() {
        requireOpen("isInitial()");
        return inode == initialInode(type);
    }

    /**
     * The inode recorded at open, also after close: for a long operation (the {@code /proc}
     * pid translation) that a concurrent {@link #close()} must not break half-way with an
     * IllegalStateException.
     */
    final long recordedInode() {
        return inode;
    }

    /**
     * The accessors of identity recorded at open throw once the handle is closed, like every
     * other operation; unchecked, since they make no system call. {@link #toString()},
     * {@link #equals} and {@link #hashCode} keep working, so a closed handle can still be
     * logged and found in a collection.
     */
    private void requireOpen(String operation) {
        if (!fd.isOpen()) {
            throw new IllegalStateException(operation + " on " + this + ": the handle is closed");
        }
    }

    /** The fixed inode of the initial namespace of a type ({@code include/uapi/linux/nsfs.h}). */
    static long initialInode(NamespaceType type) {
        return switch (type) {
            case IPC -> 0xEFFFFFFFL;
            case UTS -> 0xEFFFFFFEL;
            case USER -> 0xEFFFFFFDL;
            case PID -> 0xEFFFFFFCL;
            case CGROUP -> 0xEFFFFFFBL;
            case TIME -> 0xEFFFFFFAL;
            case NET -> 0xEFFFFFF9L;
            case MNT -> 0xEFFFFFF8L;
        };
    }

    /**
     * A persistent reference to this namespace, to store and reopen later without holding an
     * fd (nsfs file handles, Linux 6.18).
     */
    public final NamespaceReference reference() throws NamespaceException {
        return NamespaceReference.of(this);
    }

    // ---------------------------------------------------------------- relations

    /**
     * The user namespace that owns this namespace (NS_GET_USERNS, Linux 4.9); for a user
     * namespace, the one it was created in. Empty when that namespace lies outside the
     * caller's view (the kernel's EPERM: it is not the caller's own user namespace nor one of
     * its descendants): for the initial user namespace, which has no owner, and, for a caller
     * inside a child user namespace, for anything its ancestors own (a caller in the initial
     * user namespace does get the initial user namespace as the owner of the host's namespaces).
     * The returned handle is new and the caller's to close.
     */
    public final Optional<UserNamespace> owner() throws NamespaceException {
        return related(NsIoctl.NS_GET_USERNS, NamespaceType.USER).map(UserNamespace.class::cast);
    }

    /** NS_GET_USERNS or NS_GET_PARENT: a new handle, or empty where the kernel says EPERM (out of view). */
    final Optional<Namespace> related(NsIoctl request, NamespaceType expected) throws NamespaceException {
        int newFd = call(request, 0L);
        if (newFd == -Errnos.EPERM) {
            return Optional.empty();
        }
        if (newFd < 0) {
            throw failure(request, toString(), -newFd);
        }
        return Optional.of(adoptOrClose(newFd, request.name() + " of " + this, expected));
    }

    // ---------------------------------------------------------------- calls on the fd

    /**
     * Makes one ioctl with a value argument on this handle's fd, held open for the call.
     * Returns the result or -errno; throws only if the handle is closed.
     */
    final int call(NsIoctl request, long arg) throws ClosedNamespaceException {
        int raw = fd.acquire(request.name(), this);
        try {
            return LibC.ioctl(raw, request.request(), arg);
        } finally {
            fd.release();
        }
    }

    /** As {@link #call(NsIoctl, long)}, with a pointer argument. */
    final int call(NsIoctl request, MemorySegment arg) throws ClosedNamespaceException {
        int raw = fd.acquire(request.name(), this);
        try {
            return LibC.ioctl(raw, request.request(), arg);
        } finally {
            fd.release();
        }
    }

    /** Runs a C-layer call on this handle's fd, held open for the call: its result, or -errno. */
    final int callOnFd(java.util.function.IntUnaryOperator syscall, String operation) throws ClosedNamespaceException {
        int raw = fd.acquire(operation, this);
        try {
            return syscall.applyAsInt(raw);
        } finally {
            fd.release();
        }
    }

    /** Makes a pointer-argument request that writes a {@code __u64} or {@code uid_t} into scratch memory. */
    final MemorySegment callWriting(NsIoctl request) throws NamespaceException {
        MemorySegment buf = LibC.scratch();
        int rc = call(request, buf);
        if (rc < 0) {
            throw failure(request, toString(), -rc);
        }
        return buf;
    }

    /** The exception for a failed request on this handle or an fd being opened. */
    static NamespaceException failure(NsIoctl request, String target, int errno) {
        if (errno == Errnos.ENOTTY && !request.isSupported()) {
            return new UnsupportedRequestException(request, target);
        }
        if (errno == Errnos.ENOTTY && request == NsIoctl.NS_GET_NSTYPE) {
            return new NotANamespaceException(request.name(), target, errno, "not a namespace file");
        }
        return Errnos.failure(request.name(), target, errno, "the kernel refused the request");
    }

    /** Whether the handle is still open (no {@link #close()} yet). */
    public final boolean isOpen() {
        return fd.isOpen();
    }

    /**
     * Closes the handle. Idempotent. If other threads are inside a call on this handle, the
     * fd is closed when the last of them returns; no new call starts.
     */
    @Override
    public final void close() {
        fd.close();
    }

    /**
     * Same namespace: equal ids where both handles have one, otherwise same device and
     * inode and type.
     */
    @Override
    public final boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Namespace other) || other.type != type) {
            return false;
        }
        if (hasId && other.hasId) {
            return id == other.id;
        }
        return device == other.device && inode == other.inode;
    }

    @Override
    public final int hashCode() {
        return Long.hashCode(inode) * 31 + Long.hashCode(device);
    }

    /** Reads like {@code readlink}: {@code pid:[4026531836]}, then the id where known and a mark when closed. */
    @Override
    public final String toString() {
        StringBuilder sb = new StringBuilder(48).append(type.procName()).append(":[")
                .append(Long.toUnsignedString(inode)).append(']');
        if (hasId) {
            sb.append(" id=").append(Long.toUnsignedString(id));
        }
        if (!isOpen()) {
            sb.append(" (closed)");
        }
        return sb.toString();
    }
}
