package io.github.nsfs4j;

import io.github.nsfs4j.kernel.NamespaceType;

/**
 * What {@code NS_MNT_GET_INFO} tells of a mount namespace ({@code struct mnt_ns_info}), with
 * the namespace's inode: a value that holds no fd, from {@link MountNamespace#info()} or
 * {@link MountNamespace#listAll()}, and that can be opened again with {@link #open()}.
 *
 * @param id the mount namespace's 64-bit id (unsigned), as statmount(2) and listmount(2) use it;
 *     0 where the kernel gives none (a {@link Source#PROC} entry before Linux 6.11)
 * @param inode the namespace's inode, as {@code readlink /proc/<pid>/ns/mnt} shows it
 * @param mountCount the number of mounts in it, as listmount(2) counts them (unsigned 32-bit);
 *     for a {@link Source#PROC} entry the lines of a member's mountinfo, -1 if it exited meanwhile
 * @param source where the values come from: the kernel's NS_MNT_GET_INFO, or, on a kernel
 *     without it, /proc
 */
public record MountNamespaceInfo(long id, long inode, long mountCount, Source source) {

    /** Where the values of a {@link MountNamespaceInfo} come from. */
    public enum Source {
        /** NS_MNT_GET_INFO (Linux 6.12): the kernel's own id and count of mounts. */
        KERNEL,
        /**
         * A kernel without NS_MNT_GET_INFO and the walk (before 6.12): found through /proc,
         * as {@code nsfs mntns} lists it there. Only mount namespaces a process is in are
         * listed (one that only an fd or a bind mount keeps alive is missing); the id is
         * NS_GET_MNTNS_ID's (6.11) or NS_GET_ID's, else 0; the count is the number of lines of
         * the lowest-pid member's mountinfo (mounts under its root).
         */
        PROC
    }

    /**
     * Values the kernel gave ({@link Source#KERNEL}).
     *
     * @param id the mount namespace's id
     * @param inode its inode
     * @param mountCount its number of mounts
     */
    public MountNamespaceInfo(long id, long inode, long mountCount) {
        this(id, inode, mountCount, Source.KERNEL);
    }

    /** Checks that {@code source} is given. */
    public MountNamespaceInfo {
        java.util.Objects.requireNonNull(source, "source");
    }

    /**
     * The persistent reference of this namespace, for {@link NamespaceReference#open()} (nsfs
     * file handles, Linux 6.18).
     *
     * @return the reference
     * @throws IllegalArgumentException if {@code inode} does not fit 32 bits unsigned
     */
    public NamespaceReference reference() {
        return new NamespaceReference(NamespaceType.MNT, id, inode);
    }

    /**
     * Opens this mount namespace again, as a new handle the caller owns: through its nsfs file
     * handle ({@link #reference()}) where the kernel has those (6.18+); on older kernels by
     * walking from the caller's own mount namespace to this id (NS_MNT_GET_NEXT/PREV, 6.12+,
     * with their privilege). The id is never reused within a boot, so the handle is this very
     * namespace, or none.
     *
     * @return a new handle on the namespace
     * @throws NoSuchNamespaceException if the namespace is gone (or, through a file handle, not
     *     reachable by the caller)
     * @throws NamespaceAccessDeniedException if the caller may not walk to it
     * @throws NamespaceException for any other failure
     */
    public MountNamespace open() throws NamespaceException {
        try {
            return (MountNamespace) reference().open();
        } catch (NoSuchNamespaceException e) {
            throw e;
        } catch (NamespaceException e) {
            // no nsfs file handles on this kernel: walk to the id instead
        }
        return openByWalk();
    }

    /** The walk behind {@link #open()} on kernels without nsfs file handles: to the namespace with this id. */
    MountNamespace openByWalk() throws NamespaceException {
        MountNamespace[] found = new MountNamespace[1];
        try (MountNamespace own = MountNamespace.current()) {
            own.walkAll(ns -> {
                if (ns.info().id() != id) {
                    return true;
                }
                found[0] = ns.duplicate();
                return false;
            });
        }
        if (found[0] == null) {
            throw new NoSuchNamespaceException("open", toString(), 0, "no mount namespace has this id any more");
        }
        return found[0];
    }

    /**
     * {@code MountNamespaceInfo[id=.., inode=.., mountCount=..]}, the id unsigned, with
     * {@code , from /proc} for a {@link Source#PROC} entry.
     *
     * @return the description
     */
    @Override
    public String toString() {
        return "MountNamespaceInfo[id=" + Long.toUnsignedString(id) + ", inode=" + inode + ", mountCount="
                + mountCount + (source == Source.PROC ? ", from /proc]" : "]");
    }
}
