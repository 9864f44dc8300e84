package io.github.nsfs4j;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Spliterators;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A handle on a mount namespace. See {@link Namespace} for ownership, thread safety and identity.
 */
public final class MountNamespace extends NamespaceHandle {

    MountNamespace(int fd, long device, long inode, OptionalLong id) {
        super(fd, NamespaceType.MNT, device, inode, id);
    }

    /**
     * Opens a mount namespace file.
     *
     * @param path the namespace file, such as {@code /proc/<pid>/ns/mnt} or a bind mount of one
     * @return a new handle the caller owns
     * @throws WrongNamespaceTypeException if the file is a namespace of another type
     * @throws NamespaceException for any other failure, as {@link Namespace#open(Path)}
     */
    public static MountNamespace open(Path path) throws NamespaceException {
        Objects.requireNonNull(path, "path");
        return (MountNamespace) openPath(path, NamespaceType.MNT);
    }

    /**
     * Opens the mount namespace of a process ({@code /proc/<pid>/ns/mnt}).
     *
     * @param pid a process of the caller's pid namespace
     * @return a new handle the caller owns
     * @throws IllegalArgumentException if {@code pid} is not positive
     * @throws NoSuchNamespaceException if the process does not exist
     * @throws NamespaceException for any other failure, as {@link Namespace#ofProcess(int, NamespaceType)}
     */
    public static MountNamespace ofProcess(int pid) throws NamespaceException {
        return (MountNamespace) openAs(procPath(pid, NamespaceType.MNT), NamespaceType.MNT);
    }

    /**
     * Opens the calling thread's mount namespace ({@code /proc/thread-self/ns/mnt}; on a
     * virtual thread, its carrier's: see {@link Namespace}).
     *
     * @return a new handle the caller owns
     * @throws NamespaceException if it cannot be opened
     */
    public static MountNamespace current() throws NamespaceException {
        return (MountNamespace) openAs(threadSelfPath(NamespaceType.MNT), NamespaceType.MNT);
    }

    /**
     * The mount namespace id (NS_GET_MNTNS_ID, Linux 6.11); equal to {@link #id()} on 6.18+.
     *
     * @return the 64-bit id (unsigned)
     * @throws UnsupportedRequestException on a kernel before 6.11
     * @throws ClosedNamespaceException if the handle is closed
     * @throws NamespaceException for any other failure
     */
    public long mountNamespaceId() throws NamespaceException {
        return callWriting(NsIoctl.NS_GET_MNTNS_ID).get(JAVA_LONG, 0);
    }

    /**
     * The id and number of mounts (NS_MNT_GET_INFO, Linux 6.12).
     *
     * @return the namespace's id and number of mounts
     * @throws UnsupportedRequestException on a kernel before 6.12
     * @throws ClosedNamespaceException if the handle is closed
     * @throws NamespaceException for any other failure
     */
    public MountNamespaceInfo info() throws NamespaceException {
        return MountNamespace.readInfo(callWriting(NsIoctl.NS_MNT_GET_INFO), this);
    }

    /**
     * The mount namespace with the next higher id (NS_MNT_GET_NEXT, Linux 6.12), as a new
     * handle the caller owns; empty after the last one.
     *
     * @return a new handle the caller owns and closes, or empty after the last one
     * @throws NamespaceAccessDeniedException unless the caller is in the initial pid namespace
     *     with CAP_SYS_ADMIN in the initial user namespace (the kernel's rule for this walk)
     * @throws ClosedNamespaceException if the handle is closed
     * @throws NamespaceException for any other failure
     */
    public Optional<MountNamespace> next() throws NamespaceException {
        return step(NsIoctl.NS_MNT_GET_NEXT);
    }

    /**
     * The mount namespace with the next lower id (NS_MNT_GET_PREV, Linux 6.12); as {@link #next()}.
     *
     * @return a new handle the caller owns and closes, or empty before the first one
     * @throws NamespaceAccessDeniedException unless the caller may walk (see {@link #next()})
     * @throws ClosedNamespaceException if the handle is closed
     * @throws NamespaceException for any other failure
     */
    public Optional<MountNamespace> previous() throws NamespaceException {
        return step(NsIoctl.NS_MNT_GET_PREV);
    }

    /**
     * Every mount namespace, in id order, whichever this one is: rewinds with
     * NS_MNT_GET_PREV to the first, then walks NS_MNT_GET_NEXT to the last (Linux 6.12,
     * and the same privilege as {@link #next()}). Each element is a new handle that the
     * consumer owns and closes; the stream's own cursor fd is closed when the walk ends or
     * when the stream is closed, so close the stream (try-with-resources) if you may stop
     * early. This handle is not consumed and stays open.
     *
     * <p>A failure while rewinding (for example the kernel's EPERM for an unprivileged
     * caller) is thrown by this method; a failure later in the walk surfaces from the stream
     * as an {@link java.io.UncheckedIOException} whose cause is the {@link NamespaceException}.
     *
     * @throws NamespaceAccessDeniedException unless the caller may walk (see {@link #next()})
     */
    public Stream<MountNamespace> walkAll() throws NamespaceException {
        MountNamespace first = (MountNamespace) duplicateHandle();
        boolean success = false;
        try {
            for (Optional<MountNamespace> prev = first.previous(); prev.isPresent(); prev = first.previous()) {
                first.close();
                first = prev.get();
            }
            MountWalk walk = new MountWalk(first);
            success = true;
            return StreamSupport.stream(walk, false).onClose(walk::close);
        } finally {
            if (!success) {
                first.close();
            }
        }
    }

    /** The walk behind {@link #walkAll()}: holds a cursor, hands out duplicates of it. */
    private static final class MountWalk extends Spliterators.AbstractSpliterator<MountNamespace> {
        private MountNamespace cursor;
        private boolean started;

        MountWalk(MountNamespace first) {
            super(Long.MAX_VALUE, ORDERED | DISTINCT | NONNULL);
            this.cursor = first;
        }

        /**
         * Never splits: the inherited split opens a batch of handles ahead of the consumer, and
         * those a short-circuiting parallel stream never reaches would leak (stream close only
         * closes the cursor). A parallel stream walks sequentially.
         */
        @Override
        public java.util.Spliterator<MountNamespace> trySplit() {
            return null;
        }

        @Override
        public boolean tryAdvance(Consumer<? super MountNamespace> action) {
            if (cursor == null) {
                return false;
            }
            try {
                if (started) {
                    Optional<MountNamespace> next = cursor.next();
                    cursor.close();
                    cursor = next.orElse(null);
                    if (cursor == null) {
                        return false;
                    }
                }
                started = true;
                action.accept((MountNamespace) cursor.duplicateHandle());
                return true;
            } catch (NamespaceException e) {
                close();
                throw new UncheckedIOException(e);
            }
        }

        void close() {
            if (cursor != null) {
                cursor.close();
                cursor = null;
            }
        }
    }

    private Optional<MountNamespace> step(NsIoctl request) throws NamespaceException {
        MemorySegment buf = LibC.scratch().fill((byte) 0);
        int newFd = call(request, buf);
        if (newFd == -Errnos.ENOENT) {
            return Optional.empty();
        }
        if (newFd == -Errnos.EPERM) {
            throw new NamespaceAccessDeniedException(request.name(), toString(), Errnos.EPERM,
                    "walking mount namespaces needs CAP_SYS_ADMIN in the initial user namespace and a caller"
                            + " in the initial pid namespace");
        }
        if (newFd < 0) {
            throw failure(request, toString(), -newFd);
        }
        return Optional.of((MountNamespace) adoptOrClose(newFd, request.name() + " of " + this, NamespaceType.MNT));
    }

    static MountNamespaceInfo readInfo(MemorySegment buf, Object target) throws NamespaceException {
        int size = Structs.mntNsInfoSize(buf);
        if (size < Structs.MNT_NS_INFO.byteSize()) {
            throw new NamespaceException(NsIoctl.NS_MNT_GET_INFO.name(), String.valueOf(target), 0,
                    "the kernel filled only " + size + " bytes of struct mnt_ns_info, expected "
                            + Structs.MNT_NS_INFO.byteSize());
        }
        return new MountNamespaceInfo(Structs.mntNsInfoMntNsId(buf), Integer.toUnsignedLong(Structs.mntNsInfoNrMounts(buf)));
    }
}
