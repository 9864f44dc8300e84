package io.github.nsfs4j;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.github.nsfs4j.internal.Failure;
import io.github.nsfs4j.internal.MountWalk;
import io.github.nsfs4j.internal.NsFile;
import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.kernel.NsIoctl;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A handle on a mount namespace. See {@link Namespace} for ownership, thread safety and identity.
 */
public final class MountNamespace extends NamespaceHandle {

    MountNamespace(NsFile file) {
        super(file);
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
        return (MountNamespace) openProcess(pid, NamespaceType.MNT);
    }

    /**
     * Opens the calling thread's mount namespace ({@code /proc/thread-self/ns/mnt}; on a
     * virtual thread, its carrier's: see {@link Namespace}).
     *
     * @return a new handle the caller owns
     * @throws NamespaceException if it cannot be opened
     */
    public static MountNamespace current() throws NamespaceException {
        return (MountNamespace) openThreadSelf(NamespaceType.MNT);
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
        return written(NsIoctl.NS_GET_MNTNS_ID).get(JAVA_LONG, 0);
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
        try {
            return MountWalk.info(file, MountNamespaceInfo::new);
        } catch (Failure f) {
            throw Failures.of(f);
        }
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

    /** What {@link #walkAll(Visitor)} does with each mount namespace. */
    @FunctionalInterface
    public interface Visitor {
        /**
         * Visits one mount namespace. The handle is open for the call only: the walk closes it
         * when this method returns or throws (to keep one, reopen it from
         * {@link MountNamespace#info()}: {@link MountNamespaceInfo#open()}).
         *
         * @param ns an open handle on the namespace, closed after the call
         * @return true to go on with the next one, false to stop the walk
         * @throws NamespaceException to stop the walk with this exception
         */
        boolean visit(MountNamespace ns) throws NamespaceException;
    }

    /**
     * Every mount namespace of the machine, in id order, whichever this one is, as values:
     * their id, inode and number of mounts (NS_MNT_GET_PREV back to the first, then
     * NS_MNT_GET_NEXT to the last, and NS_MNT_GET_INFO on each; Linux 6.12, and the privilege
     * of {@link #next()}). On a kernel without the walk (before 6.12) it falls back as
     * {@code nsfs mntns} does: every mount namespace a process is in, found through /proc
     * ({@link NamespaceDiscovery}), each marked {@link MountNamespaceInfo.Source#PROC} (see
     * there what such an entry lacks), in id order where the kernel gives ids, else in inode
     * order. No fd outlives the call; open one of them with {@link MountNamespaceInfo#open()}
     * (a walked one). This handle stays open.
     *
     * @return the namespaces' values, ascending by id
     * @throws NamespaceAccessDeniedException unless the caller may walk (see {@link #next()})
     * @throws ClosedNamespaceException if the handle is closed
     * @throws NamespaceException for any other failure
     */
    public List<MountNamespaceInfo> listAll() throws NamespaceException {
        List<MountNamespaceInfo> all = new ArrayList<>();
        try {
            walkAll(ns -> all.add(ns.info()));
        } catch (UnsupportedRequestException e) {
            return listFromProc();
        }
        return List.copyOf(all);
    }

    /** The fallback of {@link #listAll()}: the mount namespaces processes are in, from /proc. */
    private List<MountNamespaceInfo> listFromProc() throws NamespaceException {
        List<MountNamespaceInfo> found = new ArrayList<>();
        for (DiscoveredNamespace ns : NamespaceDiscovery.scan(java.util.EnumSet.of(NamespaceType.MNT)).namespaces()) {
            if (ns.processCount() > 0 && ns.lowestPid().isPresent()) {
                found.add(new MountNamespaceInfo(ns.id().orElse(0), ns.inode(), ns.mountCount().orElse(-1),
                        MountNamespaceInfo.Source.PROC));
            }
        }
        found.sort(java.util.Comparator.comparing(MountNamespaceInfo::id, Long::compareUnsigned)
                .thenComparing(MountNamespaceInfo::inode, Long::compareUnsigned));
        return List.copyOf(found);
    }

    /**
     * Walks every mount namespace of the machine, in id order, whichever this one is, handing
     * each to {@code visitor} as an open handle that the walk closes after the visit (returned
     * or thrown), until the last one or until the visitor returns false (Linux 6.12, and the
     * privilege of {@link #next()}). Every fd the walk opens is closed when this method
     * returns or throws; this handle stays open.
     *
     * @param visitor called with each namespace
     * @throws NamespaceAccessDeniedException unless the caller may walk (see {@link #next()})
     * @throws UnsupportedRequestException on a kernel before 6.12
     * @throws ClosedNamespaceException if the handle is closed
     * @throws NamespaceException for any other failure, or as thrown by the visitor
     */
    public void walkAll(Visitor visitor) throws NamespaceException {
        Objects.requireNonNull(visitor, "visitor");
        try {
            NsFile cursor = file.duplicate();
            try {
                for (NsFile prev = MountWalk.step(cursor, NsIoctl.NS_MNT_GET_PREV); prev != null;
                        prev = MountWalk.step(cursor, NsIoctl.NS_MNT_GET_PREV)) {
                    cursor.close();
                    cursor = prev;
                }
                for (;;) {
                    boolean more;
                    try (MountNamespace visited = new MountNamespace(cursor.duplicate())) {
                        more = visitor.visit(visited);
                    }
                    NsFile next = more ? MountWalk.step(cursor, NsIoctl.NS_MNT_GET_NEXT) : null;
                    cursor.close();
                    if (next == null) {
                        return;
                    }
                    cursor = next;
                }
            } finally {
                cursor.close();
            }
        } catch (Failure f) {
            throw Failures.of(f);
        }
    }

    /** A second handle on this namespace, on a duplicate of its fd. */
    MountNamespace duplicate() throws NamespaceException {
        try {
            return new MountNamespace(file.duplicate());
        } catch (Failure f) {
            throw Failures.of(f);
        }
    }

    private Optional<MountNamespace> step(NsIoctl request) throws NamespaceException {
        try {
            NsFile neighbour = MountWalk.step(file, request);
            return neighbour == null ? Optional.empty() : Optional.of(new MountNamespace(neighbour));
        } catch (Failure f) {
            throw Failures.of(f);
        }
    }
}
