package io.github.nsfs4j.internal;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.github.nsfs4j.linux.Constants;
import io.github.nsfs4j.linux.Downcalls;
import io.github.nsfs4j.linux.Errno;
import io.github.nsfs4j.linux.LibC;
import io.github.nsfs4j.linux.Structs;
import io.github.nsfs4j.kernel.KernelSupport;
import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.kernel.NsIoctl;

import java.lang.foreign.MemorySegment;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.IntUnaryOperator;

/**
 * Opening namespace files and checking them before they become an {@link NsFile}: on nsfs,
 * not {@code O_PATH}, of the expected type; then device, inode and id are read. An fd that
 * fails a check is closed on every path (an fd the caller adopts stays the caller's).
 */
public final class NamespaceFiles {
    private NamespaceFiles() {}

    /** Every open by the library: read-only, close-on-exec, and harmless on a FIFO or tty. */
    public static final int OPEN_FLAGS = Constants.O_RDONLY | Constants.O_CLOEXEC | Constants.O_NOCTTY
            | Constants.O_NONBLOCK;

    /** {@code /proc/PID/ns/TYPE}, for a positive pid. */
    public static String procPath(int pid, NamespaceType type) {
        if (pid <= 0) {
            throw new IllegalArgumentException("pid must be positive, got " + pid);
        }
        return "/proc/" + pid + "/ns/" + type.procName();
    }

    /** {@code /proc/thread-self/ns/TYPE}: the calling thread's own. */
    public static String threadSelfPath(NamespaceType type) {
        return "/proc/thread-self/ns/" + type.procName();
    }

    /** Takes an fd the caller owns, once it passes the checks (FD_CLOEXEC is set then). */
    public static NsFile adopt(int fd) throws Failure {
        return adopt(fd, NamespaceFiles::nsType);
    }

    /** As {@link #adopt(int)}, with the NS_GET_NSTYPE call given (tests fake it). */
    public static NsFile adopt(int fd, IntUnaryOperator nsType) throws Failure {
        checkFd(fd);
        Downcalls.requireNativeAccess();
        NsFile file = inspect(fd, "fd " + fd, null, nsType);
        LibC.fcntl(fd, Constants.F_SETFD, Constants.FD_CLOEXEC);
        return file;
    }

    /** A file on an F_DUPFD_CLOEXEC copy of the caller's fd, which stays the caller's. */
    public static NsFile duplicate(int fd) throws Failure {
        checkFd(fd);
        Downcalls.requireNativeAccess();
        int copy = dupCloexec(fd);
        if (copy < 0) {
            throw Failure.errno("fcntl(F_DUPFD_CLOEXEC)", "fd " + fd, -copy, "cannot duplicate the fd");
        }
        return adoptOrClose(copy, "fd " + fd, null);
    }

    static int dupCloexec(int fd) {
        return LibC.fcntl(fd, Constants.F_DUPFD_CLOEXEC, 0);
    }

    private static void checkFd(int fd) {
        if (fd < 0) {
            throw new IllegalArgumentException("fd must not be negative, got " + fd);
        }
    }

    /**
     * Opens a path the library made itself ({@code /proc/PID/ns/TYPE},
     * {@code /proc/thread-self/ns/TYPE}), which can only be a namespace file, and checks it.
     */
    public static NsFile open(String path, NamespaceType expected) throws Failure {
        Downcalls.requireNativeAccess();
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
     */
    public static NsFile openChecked(byte[] path, String origin, NamespaceType expected, long expectedInode)
            throws Failure {
        int fd = openCheckedFd(path, origin, expectedInode);
        return adoptOrClose(fd, origin, expected);
    }

    /** {@link #openChecked}, up to the fd: on nsfs, with the inode asked for; the caller owns it. */
    public static int openCheckedFd(byte[] path, String origin, long expectedInode) throws Failure {
        Downcalls.requireNativeAccess();
        if (path.length == 0) {
            throw new IllegalArgumentException("not a usable path: ''");
        }
        for (byte b : path) {
            if (b == 0) {
                throw new IllegalArgumentException("not a usable path: '" + origin.replace("\0", "\\0") + "'");
            }
        }
        int pathFd = LibC.open(path, Constants.O_PATH | Constants.O_CLOEXEC);
        if (pathFd < 0) {
            throw openFailure(origin, -pathFd);
        }
        try {
            MemorySegment buf = LibC.scratch();
            requireNsfs(pathFd, origin, buf);
            if (expectedInode >= 0) {
                long inode = inodeOf(pathFd, origin);
                if (inode != expectedInode) {
                    throw Failure.of(Failure.Kind.GONE, "open", origin, 0, "it names another namespace now (inode "
                            + Long.toUnsignedString(inode) + ", not " + Long.toUnsignedString(expectedInode) + ")");
                }
            }
            int fd = LibC.open("/proc/self/fd/" + pathFd, OPEN_FLAGS);
            if (fd < 0) {
                throw openFailure(origin, -fd);
            }
            return fd;
        } finally {
            LibC.close(pathFd);
        }
    }

    private static Failure openFailure(String origin, int errno) {
        return Failure.errno("open", origin, errno, "cannot open the namespace file");
    }

    /** Checks that {@code fd} (an O_PATH fd too) is on nsfs. */
    private static void requireNsfs(int fd, String origin, MemorySegment buf) throws Failure {
        int rc = LibC.fstatfs(fd, buf);
        if (rc < 0) {
            throw Failure.errno("fstatfs", origin, -rc, "cannot inspect the file");
        }
        long magic = Structs.statfsType(buf);
        if (magic != Constants.NSFS_MAGIC) {
            throw Failure.of(Failure.Kind.NOT_A_NAMESPACE, "open", origin, 0, "not a namespace file (filesystem magic"
                    + " 0x" + Long.toHexString(magic) + ", nsfs is 0x" + Long.toHexString(Constants.NSFS_MAGIC)
                    + "); use /proc/<pid>/ns/<type> or a bind mount of one");
        }
    }

    /** The inode of an open fd (statx); the fd stays open. */
    public static long inodeOf(int fd, String origin) throws Failure {
        MemorySegment buf = LibC.scratch();
        int rc = LibC.fstatx(fd, Constants.STATX_INO, buf);
        if (rc < 0) {
            throw Failure.errno("statx", origin, -rc, "cannot read the namespace's inode");
        }
        return Structs.statxIno(buf);
    }

    /** Wraps an fd the library opened (or the kernel returned); closes it if it is not what was expected. */
    public static NsFile adoptOrClose(int fd, String origin, NamespaceType expected) throws Failure {
        return adoptOrClose(fd, origin, expected, NamespaceFiles::nsType);
    }

    /** As {@link #adoptOrClose(int, String, NamespaceType)}, with the NS_GET_NSTYPE call given (tests fake it). */
    public static NsFile adoptOrClose(int fd, String origin, NamespaceType expected, IntUnaryOperator nsType)
            throws Failure {
        boolean success = false;
        try {
            NsFile file = inspect(fd, origin, expected, nsType);
            success = true;
            return file;
        } finally {
            if (!success) {
                LibC.close(fd);
            }
        }
    }

    /** {@code NS_GET_NSTYPE} on an fd: the CLONE_NEW* flag, or -errno. */
    private static int nsType(int fd) {
        return LibC.ioctl(fd, NsIoctl.NS_GET_NSTYPE.request(), 0L);
    }

    /** Checks that {@code fd} is on nsfs and of the expected type, and reads its identity. Never closes it. */
    private static NsFile inspect(int fd, String origin, NamespaceType expected, IntUnaryOperator nsType)
            throws Failure {
        MemorySegment buf = LibC.scratch();
        requireNsfs(fd, origin, buf);
        int flag = nsType.applyAsInt(fd);
        if (flag == -Errno.EBADF) {
            // fstatfs took the fd, the ioctl did not: an O_PATH fd (only adopt and duplicate see one)
            throw Failure.of(Failure.Kind.NOT_A_NAMESPACE, "open", origin, Errno.EBADF,
                    "an O_PATH fd cannot carry namespace ioctls; open the file read-only");
        }
        if (flag < 0) {
            throw Failure.request(NsIoctl.NS_GET_NSTYPE, origin, -flag);
        }
        Optional<NamespaceType> known = NamespaceType.ofCloneFlag(flag);
        if (known.isEmpty()) {
            throw Failure.unknownType("open", origin, flag);
        }
        NamespaceType type = known.get();
        if (expected != null && type != expected) {
            throw Failure.wrongType("open", origin, expected, type);
        }
        int rc = LibC.fstatx(fd, Constants.STATX_INO, buf);
        if (rc < 0) {
            throw Failure.errno("statx", origin, -rc, "cannot read the namespace's inode");
        }
        long inode = Structs.statxIno(buf);
        long device = Structs.makedev(Structs.statxDevMajor(buf), Structs.statxDevMinor(buf));
        long id = readId(fd, type, origin);
        return new NsFile(fd, type, device, inode, id == 0 ? OptionalLong.empty() : OptionalLong.of(id));
    }

    /**
     * The 64-bit id of the namespace of {@code fd} (NS_GET_ID; for a mount namespace before
     * Linux 6.18, NS_GET_MNTNS_ID), or 0, which no namespace has, where the kernel gives none.
     */
    public static long readId(int fd, NamespaceType type, String origin) throws Failure {
        NsIoctl request = KernelSupport.has(NsIoctl.NS_GET_ID) ? NsIoctl.NS_GET_ID
                : type == NamespaceType.MNT && KernelSupport.has(NsIoctl.NS_GET_MNTNS_ID) ? NsIoctl.NS_GET_MNTNS_ID
                : null;
        if (request == null) {
            return 0;
        }
        MemorySegment buf = LibC.scratch();
        int rc = LibC.ioctl(fd, request.request(), buf);
        if (rc < 0) {
            throw Failure.request(request, origin, -rc);
        }
        return buf.get(JAVA_LONG, 0);
    }
}
