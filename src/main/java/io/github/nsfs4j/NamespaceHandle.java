package io.github.nsfs4j;

import io.github.nsfs4j.internal.Failure;
import io.github.nsfs4j.internal.FileHandles;
import io.github.nsfs4j.internal.FileNames;
import io.github.nsfs4j.internal.InitialNamespaces;
import io.github.nsfs4j.internal.NamespaceFiles;
import io.github.nsfs4j.internal.NsFile;
import io.github.nsfs4j.kernel.KernelSupport;
import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.kernel.NsIoctl;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The implementation of every {@link Namespace}: a typed view of one open namespace file
 * ({@link NsFile}, which holds the fd and the identity recorded at open). Package-private:
 * the public types are the {@link Namespace} interface and the final classes below it. The
 * one place where a file becomes the handle class of its type.
 */
abstract sealed class NamespaceHandle implements Namespace
        permits PidNamespace, UserNamespace, MountNamespace, PlainNamespace {

    final NsFile file;

    NamespaceHandle(NsFile file) {
        this.file = file;
    }

    /** The handle class for the file's type, owning it. */
    static NamespaceHandle of(NsFile file) {
        return switch (file.type()) {
            case PID -> new PidNamespace(file);
            case USER -> new UserNamespace(file);
            case MNT -> new MountNamespace(file);
            case CGROUP, IPC, NET, TIME, UTS -> new PlainNamespace(file);
        };
    }

    /** The file of a handle: {@link Namespace} permits this class alone, so every namespace has one. */
    static NsFile fileOf(Namespace ns) {
        return switch (Objects.requireNonNull(ns, "namespace")) {
            case NamespaceHandle handle -> handle.file;
        };
    }

    // ---------------------------------------------------------------- opening

    /** Opens a path a caller named, which may name anything ({@link NamespaceFiles#openChecked}). */
    static NamespaceHandle openPath(Path path, NamespaceType expected) throws NamespaceException {
        Objects.requireNonNull(path, "path");
        String text = path.toString();
        try {
            return of(NamespaceFiles.openChecked(FileNames.bytes(text), text, expected, -1));
        } catch (Failure f) {
            throw Failures.of(f);
        }
    }

    /**
     * Opens the namespace of {@code type} with the 64-bit {@code id}: an nsfs file handle of the
     * id alone where the kernel takes one (6.19); where it wants the inode too (6.18) the inode is
     * found by a scan of the namespaces this caller can see, and the full handle opens it.
     */
    static NamespaceHandle openId(NamespaceType type, long id) throws NamespaceException {
        Objects.requireNonNull(type, "type");
        String origin = type.procName() + " namespace id " + Long.toUnsignedString(id);
        if (!KernelSupport.has(NsIoctl.NS_GET_ID)) {
            throw new UnsupportedRequestException(NsIoctl.NS_GET_ID, origin); // no ids before it: names 6.18
        }
        try {
            return of(FileHandles.open(type, id, 0, origin));
        } catch (Failure idOnly) {
            if (idOnly.kind() == Failure.Kind.WRONG_TYPE) {
                throw Failures.of(Failure.of(Failure.Kind.GONE, "open_by_handle_at", origin, 0, "no such namespace:"
                        + " id " + Long.toUnsignedString(id) + " is a " + idOnly.actual().procName() + " namespace"));
            }
            if (idOnly.kind() != Failure.Kind.GONE) {
                throw Failures.of(idOnly);
            }
            // ESTALE: gone, not the caller's to open, or a kernel that wants the inode as well
            NamespaceSnapshot seen = NamespaceDiscovery.scan(EnumSet.of(type));
            for (DiscoveredNamespace ns : seen.namespaces()) {
                if (ns.type() == type && ns.id().isPresent() && ns.id().getAsLong() == id) {
                    return (NamespaceHandle) new NamespaceReference(type, id, ns.inode()).open();
                }
            }
            throw Failures.of(Failure.of(Failure.Kind.GONE, "open_by_handle_at", origin, idOnly.errno(),
                    "no such namespace: the kernel did not open it by its id, and no process, fd, bind mount"
                            + " or socket this caller can see holds it" + (seen.isPartial()
                                    ? " (" + seen.processesDenied() + (seen.processesDenied() == 1 ? " process" : " processes")
                                    + " could not be inspected)" : "")));
        }
    }

    /** Opens {@code /proc/PID/ns/TYPE}. */
    static NamespaceHandle openProcess(int pid, NamespaceType type) throws NamespaceException {
        Objects.requireNonNull(type, "type");
        return openLink(NamespaceFiles.procPath(pid, type), type);
    }

    /** Opens the calling thread's own namespace of {@code type}. */
    static NamespaceHandle openThreadSelf(NamespaceType type) throws NamespaceException {
        Objects.requireNonNull(type, "type");
        return openLink(NamespaceFiles.threadSelfPath(type), type);
    }

    private static NamespaceHandle openLink(String path, NamespaceType type) throws NamespaceException {
        try {
            return of(NamespaceFiles.open(path, type));
        } catch (Failure f) {
            throw Failures.of(f);
        }
    }

    // ---------------------------------------------------------------- identity

    // The identity was recorded at open and needs no fd: it answers after close too.

    @Override
    public final NamespaceType type() {
        return file.type();
    }

    @Override
    public final long inode() {
        return file.inode();
    }

    @Override
    public final long device() {
        return file.device();
    }

    @Override
    public final OptionalLong id() {
        return file.id();
    }

    @Override
    public final boolean isInitial() throws NamespaceException {
        try {
            return InitialNamespaces.isInitial(file.type(), file.inode(), this);
        } catch (Failure f) {
            throw Failures.of(f);
        }
    }

    @Override
    public final NamespaceReference reference() throws NamespaceException {
        try {
            return FileHandles.encode(file, NamespaceReference::new);
        } catch (Failure f) {
            throw Failures.of(f);
        }
    }

    // ---------------------------------------------------------------- relations

    @Override
    public final Optional<UserNamespace> owner() throws NamespaceException {
        return related(NsIoctl.NS_GET_USERNS, NamespaceType.USER).map(UserNamespace.class::cast);
    }

    /** NS_GET_USERNS or NS_GET_PARENT: a new handle, or empty where the kernel says it is out of view. */
    final Optional<NamespaceHandle> related(NsIoctl request, NamespaceType expected) throws NamespaceException {
        try {
            NsFile related = file.related(request, expected);
            return related == null ? Optional.empty() : Optional.of(of(related));
        } catch (Failure f) {
            throw Failures.of(f);
        }
    }

    /** A request that writes into this thread's scratch memory: read it before the next call. */
    final MemorySegment written(NsIoctl request) throws NamespaceException {
        try {
            return file.written(request);
        } catch (Failure f) {
            throw Failures.of(f);
        }
    }

    // ---------------------------------------------------------------- life cycle and identity

    @Override
    public final boolean isOpen() {
        return file.isOpen();
    }

    @Override
    public final void close() {
        file.close();
    }

    @Override
    public final boolean equals(Object o) {
        return this == o || o instanceof NamespaceHandle other && file.sameNamespace(other.file);
    }

    @Override
    public final int hashCode() {
        return file.identityHash();
    }

    @Override
    public final String toString() {
        return file.toString();
    }
}
