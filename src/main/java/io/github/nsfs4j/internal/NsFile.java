package io.github.nsfs4j.internal;

import io.github.nsfs4j.linux.LibC;
import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.kernel.NsIoctl;

import java.lang.foreign.MemorySegment;
import java.util.OptionalLong;
import java.util.function.IntUnaryOperator;

/**
 * An open namespace file: its fd, in an {@link FdGuard}, and the identity read when it was
 * opened (type, device, inode, id), which needs no fd and so answers after close too. Every
 * call holds the fd open for its duration, so none acts on a number that was released.
 * Thread-safe. The public handles wrap one each; the layers below use it directly.
 */
public final class NsFile implements AutoCloseable {
    private final FdGuard fd;
    private final NamespaceType type;
    private final long device;
    private final long inode;
    private final long id;
    private final boolean hasId;

    /**
     * Takes ownership of {@code fd}, a checked namespace file of {@code type}; a shared
     * Cleaner closes it if this object becomes unreachable unclosed.
     */
    public NsFile(int fd, NamespaceType type, long device, long inode, OptionalLong id) {
        this.fd = new FdGuard(fd, this);
        this.type = type;
        this.device = device;
        this.inode = inode;
        this.hasId = id.isPresent();
        this.id = id.orElse(0);
    }

    public NamespaceType type() {
        return type;
    }

    public long device() {
        return device;
    }

    public long inode() {
        return inode;
    }

    public OptionalLong id() {
        return hasId ? OptionalLong.of(id) : OptionalLong.empty();
    }

    public boolean isOpen() {
        return fd.isOpen();
    }

    /** Idempotent; the fd is closed now, or when the last call in flight ends. */
    @Override
    public void close() {
        fd.close();
    }

    /** Same namespace: equal ids where both have one, else the same type, device and inode. */
    public boolean sameNamespace(NsFile other) {
        if (other.type != type) {
            return false;
        }
        return hasId && other.hasId ? id == other.id : device == other.device && inode == other.inode;
    }

    /** Consistent with {@link #sameNamespace}. */
    public int identityHash() {
        return Long.hashCode(inode) * 31 + Long.hashCode(device);
    }

    // ---------------------------------------------------------------- calls on the fd

    private int acquire(String operation) throws Failure {
        int raw = fd.acquire();
        if (raw < 0) {
            throw Failure.closed(operation, toString());
        }
        return raw;
    }

    /** One ioctl with a value argument (0 where the request takes none): the result, or -errno. */
    public int ioctl(NsIoctl request, long arg) throws Failure {
        int raw = acquire(request.name());
        try {
            return LibC.ioctl(raw, request.request(), arg);
        } finally {
            fd.release();
        }
    }

    /**
     * A pid translation: the result, or -errno. Through the critical ioctl (no thread-state
     * transition; only for requests that neither block nor allocate, see {@link LibC}), and
     * allocating nothing unless the handle is closed.
     */
    public int translate(NsIoctl request, int pid) throws Failure {
        int raw = acquire(request.name());
        try {
            return LibC.ioctl_critical(raw, request.request(), pid);
        } finally {
            fd.release();
        }
    }

    /** One ioctl whose argument points to {@code arg}: the result, or -errno. */
    public int ioctl(NsIoctl request, MemorySegment arg) throws Failure {
        int raw = acquire(request.name());
        try {
            return LibC.ioctl(raw, request.request(), arg);
        } finally {
            fd.release();
        }
    }

    /** Any call on the fd, held open for it: its result, or -errno. */
    public int apply(IntUnaryOperator call, String operation) throws Failure {
        int raw = acquire(operation);
        try {
            return call.applyAsInt(raw);
        } finally {
            fd.release();
        }
    }

    /** A request that writes a {@code __u64}, a {@code uid_t} or a struct: this thread's scratch memory, filled. */
    public MemorySegment written(NsIoctl request) throws Failure {
        MemorySegment buf = LibC.scratch().fill((byte) 0);
        int rc = ioctl(request, buf);
        if (rc < 0) {
            throw Failure.request(request, toString(), -rc);
        }
        return buf;
    }

    /**
     * NS_GET_USERNS or NS_GET_PARENT: the related namespace, opened, or null where the kernel
     * says it lies outside the caller's view.
     */
    public NsFile related(NsIoctl request, NamespaceType expected) throws Failure {
        int newFd = ioctl(request, 0L);
        if (newFd < 0) {
            if (Errnos.meaning(request.name(), -newFd, null) == Errnos.Meaning.NOT_VISIBLE) {
                return null;
            }
            throw Failure.request(request, toString(), -newFd);
        }
        return NamespaceFiles.adoptOrClose(newFd, request.name() + " of " + this, expected);
    }

    /**
     * A second file on this namespace, on an F_DUPFD_CLOEXEC copy of the fd: the same open
     * file, so the identity carries over without asking the kernel again.
     */
    public NsFile duplicate() throws Failure {
        int copy = apply(NamespaceFiles::dupCloexec, "fcntl(F_DUPFD_CLOEXEC)");
        if (copy < 0) {
            throw Failure.errno("fcntl(F_DUPFD_CLOEXEC)", toString(), -copy, "cannot duplicate the fd");
        }
        return new NsFile(copy, type, device, inode, id());
    }

    /**
     * As {@code readlink} shows it: {@code pid:[4026531836]}, then the id where known
     * ({@code id=6}) and {@code (closed)} once closed.
     */
    @Override
    public String toString() {
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
