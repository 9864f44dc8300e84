package io.github.nsfs4j;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.IntUnaryOperator;


/**
 * The implementation of every {@link Namespace}: the fd (in an {@link FdGuard}), the identity
 * recorded at open, the opening and checking of fds, and the calls on the fd. Package-private:
 * the public types are the {@link Namespace} interface and the final classes below it.
 */
abstract sealed class NamespaceHandle implements Namespace
        permits PidNamespace, UserNamespace, MountNamespace, PlainNamespace {

    /** Every open by the library: read-only, close-on-exec, and harmless on a FIFO or tty. */
    static final int OPEN_FLAGS = Constants.O_RDONLY | Constants.O_CLOEXEC | Constants.O_NOCTTY | Constants.O_NONBLOCK;

    private final FdGuard fd;
    private final NamespaceType type;
    private final long device;
    private final long inode;
    private final long id;
    private final boolean hasId;

    NamespaceHandle(int fd, NamespaceType type, long device, long inode, OptionalLong id) {
        this.fd = new FdGuard(fd, this);
        this.type = type;
        this.device = device;
        this.inode = inode;
        this.hasId = id.isPresent();
        this.id = id.orElse(0);
    }

    // ---------------------------------------------------------------- opening

    /** The cast every internal caller needs: {@link Namespace} permits only this class. */
    static NamespaceHandle of(Namespace ns) {
        return (NamespaceHandle) ns;
    }

    /** {@link Namespace#adopt(int)}. */
    static NamespaceHandle adopt(int fd) throws NamespaceException {
        return adopt(fd, NamespaceHandle::nsType);
    }

    /** As {@link #adopt(int)}, with the NS_GET_NSTYPE call given (tests fake it). */
    static NamespaceHandle adopt(int fd, IntUnaryOperator nsType) throws NamespaceException {
        checkFd(fd);
        LibC.requireNativeAccess();
        NamespaceHandle ns = inspect(fd, "fd " + fd, null, nsType);
        LibC.fcntl(fd, Constants.F_SETFD, Constants.FD_CLOEXEC);
        return ns;
    }

    /** {@link Namespace#duplicate(int)}. */
    static NamespaceHandle duplicate(int fd) throws NamespaceException {
        checkFd(fd);
        LibC.requireNativeAccess();
        int copy = LibC.fcntl(fd, Constants.F_DUPFD_CLOEXEC, 0);
        if (copy < 0) {
            throw Errnos.failure("fcntl(F_DUPFD_CLOEXEC)", "fd " + fd, -copy, "cannot duplicate the fd");
        }
        return adoptOrClose(copy, "fd " + fd, null);
    }

    static String procPath(int pid, NamespaceType type) {
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
    static NamespaceHandle openAs(String path, NamespaceType expected) throws NamespaceException {
        LibC.requireNativeAccess();
        if (path.isEmpty() || path.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("not a usable path: '" + path.replace("\0", "\\0") + "'");
        }
        int fd = LibC.open(path, OPEN_FLAGS);
        if (fd < 0) {
            throw openFailure(path, -fd);
        }
        return adoptOrClose(fd, path, expected);
    }

    /**
     * Opens a path a caller named, which may name anything: {@link #openChecked}, with the
     * path's bytes as the JDK encodes file names.
     */
    static NamespaceHandle openPath(Path path, NamespaceType expected) throws NamespaceException {
        String text = path.toString();
        return openChecked(LibC.pathBytes(text), text, expected, -1);
    }

    /**
     * Opens a path that may name anything (a bind mount, a file a user named, another
     * process's {@code /proc/PID/fd/N}, whose number that process may have reused for a
     * device) without ever opening anything but a namespace file for real: first with
     * {@code O_PATH}, which runs no driver's open and neither blocks on nor counts as a reader
     * of a FIFO; that file must be on nsfs and, where {@code expectedInode >= 0}, have that
     * inode; only then is the same file opened read-only, through {@code /proc/self/fd/N}.
     *
     * @param path the path's bytes, exactly as the kernel is to see them
     * @param origin the path as text, for messages
     * @param expected the type it must have, or null for any
     * @param expectedInode the inode it must have, or -1 for any
     * @throws NotANamespaceException if it is not a namespace file (nothing was opened for real)
     * @throws NoSuchNamespaceException if it is gone, or names another namespace than {@code expectedInode}
     */
    static NamespaceHandle openChecked(byte[] path, String origin, NamespaceType expected, long expectedInode)
            throws NamespaceException {
        LibC.requireNativeAccess();
        for (byte b : path) {
            if (b == 0) {
                throw new IllegalArgumentException("not a usable path: '" + origin.replace("\0", "\\0") + "'");
            }
        }
        if (path.length == 0) {
            throw new IllegalArgumentException("not a usable path: ''");
        }
        int pathFd = LibC.open(path, Constants.O_PATH | Constants.O_CLOEXEC);
        if (pathFd < 0) {
            throw openFailure(origin, -pathFd);
        }
        try {
            MemorySegment buf = LibC.scratch();
            requireNsfs(pathFd, origin, buf);
            if (expectedInode >= 0) {
                int rc = LibC.fstatx(pathFd, Constants.STATX_INO, buf);
                if (rc < 0) {
                    throw Errnos.failure("statx", origin, -rc, "cannot read the file's inode");
                }
                long inode = Structs.statxIno(buf);
                if (inode != expectedInode) {
                    throw new NoSuchNamespaceException("open", origin, 0, "it names another namespace now (inode "
                            + Long.toUnsignedString(inode) + ", not " + Long.toUnsignedString(expectedInode) + ")");
                }
            }
            int fd = LibC.open("/proc/self/fd/" + pathFd, OPEN_FLAGS);
            if (fd < 0) {
                throw openFailure(origin, -fd);
            }
            return adoptOrClose(fd, origin, expected);
        } finally {
            LibC.close(pathFd);
        }
    }

    private static NamespaceException openFailure(String origin, int errno) {
        if (errno == Errnos.ENXIO) {
            return new NotANamespaceException("open", origin, errno, "not a namespace file (a socket or a device"
                    + " without a driver); use /proc/<pid>/ns/<type> or a bind mount of one");
        }
        return Errnos.failure("open", origin, errno, errno == Errnos.ENOENT
                ? "no such file (the process may have exited, or the namespace type is not configured)"
                : "cannot open the namespace file");
    }

    /** Checks that {@code fd} (an O_PATH fd too) is on nsfs. */
    private static void requireNsfs(int fd, String origin, MemorySegment buf) throws NamespaceException {
        int rc = LibC.fstatfs(fd, buf);
        if (rc < 0) {
            throw Errnos.failure("fstatfs", origin, -rc, "cannot inspect the file");
        }
        long magic = Structs.statfsType(buf);
        if (magic != Constants.NSFS_MAGIC) {
            throw new NotANamespaceException("open", origin, 0, "not a namespace file (filesystem magic 0x"
                    + Long.toHexString(magic) + ", nsfs is 0x" + Long.toHexString(Constants.NSFS_MAGIC)
                    + "); use /proc/<pid>/ns/<type> or a bind mount of one");
        }
    }

    /** Wraps an fd the library opened (or the kernel returned); closes it if it is not what was expected. */
    static NamespaceHandle adoptOrClose(int fd, String origin, NamespaceType expected) throws NamespaceException {
        return adoptOrClose(fd, origin, expected, NamespaceHandle::nsType);
    }

    /** {@code NS_GET_NSTYPE} on an fd: the CLONE_NEW* flag, or -errno. */
    private static int nsType(int fd) {
        return LibC.ioctl(fd, NsIoctl.NS_GET_NSTYPE.request(), 0L);
    }

    /** As {@link #adoptOrClose(int, String, NamespaceType)}, with the NS_GET_NSTYPE call given (tests fake it). */
    static NamespaceHandle adoptOrClose(int fd, String origin, NamespaceType expected, IntUnaryOperator nsType)
            throws NamespaceException {
        boolean success = false;
        try {
            NamespaceHandle ns = inspect(fd, origin, expected, nsType);
            success = true;
            return ns;
        } finally {
            if (!success) {
                LibC.close(fd);
            }
        }
    }

    /** Checks that {@code fd} is on nsfs and of the expected type, and reads its identity. Never closes it. */
    private static NamespaceHandle inspect(int fd, String origin, NamespaceType expected, IntUnaryOperator nsType)
            throws NamespaceException {
        MemorySegment buf = LibC.scratch();
        requireNsfs(fd, origin, buf);
        int rc;
        int flag = nsType.applyAsInt(fd);
        if (flag == -Errnos.EBADF) {
            // fstatfs took the fd, the ioctl did not: an O_PATH fd (only adopt and duplicate see one)
            throw new NotANamespaceException("open", origin, Errnos.EBADF,
                    "an O_PATH fd cannot carry namespace ioctls; open the file read-only");
        }
        if (flag < 0) {
            throw failure(NsIoctl.NS_GET_NSTYPE, origin, -flag);
        }
        NamespaceType type = NamespaceType.ofCloneFlag(flag);
        if (type == null) {
            throw new UnknownNamespaceTypeException("open", origin, flag);
        }
        if (expected != null && type != expected) {
            throw new WrongNamespaceTypeException("open", origin, expected, type);
        }
        rc = LibC.fstatx(fd, Constants.STATX_INO, buf);
        if (rc < 0) {
            throw Errnos.failure("statx", origin, -rc, "cannot read the namespace's inode");
        }
        long inode = Structs.statxIno(buf);
        long device = makedev(Structs.statxDevMajor(buf), Structs.statxDevMinor(buf));
        return create(fd, type, device, inode, readId(fd, type, origin));
    }

    /** The handle class for the type, owning {@code fd}. */
    private static NamespaceHandle create(int fd, NamespaceType type, long device, long inode, OptionalLong id) {
        return switch (type) {
            case PID -> new PidNamespace(fd, device, inode, id);
            case USER -> new UserNamespace(fd, device, inode, id);
            case MNT -> new MountNamespace(fd, device, inode, id);
            default -> new PlainNamespace(fd, type, device, inode, id);
        };
    }

    /**
     * A second handle on this namespace, on an F_DUPFD_CLOEXEC copy of the fd: the same open
     * file, so the identity recorded at open carries over without asking the kernel again.
     */
    final NamespaceHandle duplicateHandle() throws NamespaceException {
        int copy = callOnFd(raw -> LibC.fcntl(raw, Constants.F_DUPFD_CLOEXEC, 0), "fcntl(F_DUPFD_CLOEXEC)");
        if (copy < 0) {
            throw Errnos.failure("fcntl(F_DUPFD_CLOEXEC)", toString(), -copy, "cannot duplicate the fd");
        }
        return create(copy, type, device, inode, hasId ? OptionalLong.of(id) : OptionalLong.empty());
    }

    private static OptionalLong readId(int fd, NamespaceType type, String origin) throws NamespaceException {
        NsIoctl request = KernelSupport.has(NsIoctl.NS_GET_ID) ? NsIoctl.NS_GET_ID
                : type == NamespaceType.MNT && KernelSupport.has(NsIoctl.NS_GET_MNTNS_ID) ? NsIoctl.NS_GET_MNTNS_ID
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

    // The identity was recorded at open and needs no fd: it answers after close too.

    @Override
    public final NamespaceType type() {
        return type;
    }

    @Override
    public final long inode() {
        return inode;
    }

    @Override
    public final long device() {
        return device;
    }

    @Override
    public final OptionalLong id() {
        return hasId ? OptionalLong.of(id) : OptionalLong.empty();
    }

    @Override
    public final boolean isInitial() throws NamespaceException {
        return InitialNamespaces.isInitial(type, inode, this);
    }

    @Override
    public final NamespaceReference reference() throws NamespaceException {
        return NamespaceReference.of(this);
    }

    // ---------------------------------------------------------------- relations

    @Override
    public final Optional<UserNamespace> owner() throws NamespaceException {
        return related(NsIoctl.NS_GET_USERNS, NamespaceType.USER).map(UserNamespace.class::cast);
    }

    /** NS_GET_USERNS or NS_GET_PARENT: a new handle, or empty where the kernel says EPERM (out of view). */
    final Optional<NamespaceHandle> related(NsIoctl request, NamespaceType expected) throws NamespaceException {
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
            // the requests answering in the return value (NS_GET_NSTYPE, the pid translations)
            // neither block nor allocate in the kernel: LibC.ioctl_critical says why that matters
            return request.result() == IoctlRequest.Result.RETURN_VALUE
                    ? LibC.ioctl_critical(raw, request.request(), arg)
                    : LibC.ioctl(raw, request.request(), arg);
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
        return fd.apply(syscall, operation, this);
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
        return Errnos.failure(request, target, errno);
    }


    @Override
    public final boolean isOpen() {
        return fd.isOpen();
    }

    @Override
    public final void close() {
        fd.close();
    }

    @Override
    public final boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof NamespaceHandle other) || other.type != type) {
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
