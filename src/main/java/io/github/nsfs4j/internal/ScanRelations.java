package io.github.nsfs4j.internal;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import io.github.nsfs4j.linux.LibC;
import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.kernel.NsIoctl;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Map;
import java.util.Set;

/**
 * The second half of a {@link Scan}: each namespace found is opened once, for its id and the
 * inodes of its parent and owner, each read with an ioctl, a statx and a close (no handle is
 * built); ancestors that only those relations reveal are added. What cannot be opened any more
 * is dropped and counted as vanished.
 */
final class ScanRelations {
    private final Map<Long, FoundNamespace> found;
    private final Set<NamespaceType> typeSet;
    private final Set<Long> unknown;
    private final UserNames users;
    int namespacesVanished;

    ScanRelations(Map<Long, FoundNamespace> found, Set<NamespaceType> typeSet, Set<Long> unknown, UserNames users) {
        this.found = found;
        this.typeSet = typeSet;
        this.unknown = unknown;
        this.users = users;
    }

    /** Opens each namespace once: id, parent and owner; adds ancestors known only through those. */
    void resolve() {
        for (FoundNamespace f : new ArrayList<>(found.values())) {
            int fd = open(f);
            if (fd < 0) {
                if (!unknown.contains(f.inode)) {
                    namespacesVanished++;
                }
                found.remove(f.inode);
                continue;
            }
            try {
                relations(f, fd);
            } finally {
                LibC.close(fd);
            }
        }
    }

    /**
     * Opens {@code f} through its path, else its backup path: the fd, or -1 if neither still
     * names it. A link the scan made is opened directly and its inode checked; an fd or mount
     * path may name something else by now (an fd number reused for a device), so it goes
     * through {@link NamespaceFiles#openCheckedFd}, which opens nothing but that namespace.
     */
    private static int open(FoundNamespace f) {
        for (FoundNamespace.Holding p : new FoundNamespace.Holding[] {f.path, f.backup}) {
            if (p == null) {
                continue;
            }
            try {
                int fd = p.nsLink() ? openLink(p.bytes(), f.inode)
                        : NamespaceFiles.openCheckedFd(p.bytes(), new String(p.bytes(), StandardCharsets.UTF_8), f.inode);
                if (fd >= 0) {
                    f.path = p;
                    return fd;
                }
            } catch (Failure | IllegalArgumentException e) {
                // that holder is gone, or names something else now: try the other
            }
        }
        return -1;
    }

    /** A {@code /proc/.../ns/TYPE} link, opened if it still names the namespace {@code inode}; else -1. */
    private static int openLink(byte[] link, long inode) throws Failure {
        int fd = LibC.open(link, NamespaceFiles.OPEN_FLAGS);
        if (fd < 0) {
            return -1;
        }
        if (NamespaceFiles.inodeOf(fd, "") != inode) {
            LibC.close(fd); // the pid was reused: that link names another namespace now
            return -1;
        }
        return fd;
    }

    /**
     * Fills id, parent, owner (and, with no process in it, the user) of {@code f} from its
     * open {@code fd}; adds unseen ancestors. A relation that cannot be read stays 0.
     */
    private void relations(FoundNamespace f, int fd) {
        try {
            f.id = NamespaceFiles.readId(fd, f.type, "");
        } catch (Failure e) {
            // it answers nothing any more: keep what the links said
        }
        if (f.type.isHierarchical()) {
            int parent = LibC.ioctl(fd, NsIoctl.NS_GET_PARENT.request(), 0L);
            if (parent >= 0) {
                try {
                    f.parentInode = related(parent, f.type);
                } finally {
                    LibC.close(parent);
                }
            }
        }
        int owner = LibC.ioctl(fd, NsIoctl.NS_GET_USERNS.request(), 0L);
        if (owner >= 0) {
            try {
                f.ownerInode = related(owner, NamespaceType.USER);
                if (f.processCount == 0) {
                    // As lsns shows a namespace no process is in: the user that created it (a
                    // user namespace) or its owning user namespace.
                    long uid = ownerUid(f.type == NamespaceType.USER ? fd : owner);
                    if (uid >= 0) {
                        f.user = users.name((int) uid);
                    }
                }
            } finally {
                LibC.close(owner);
            }
        }
    }

    /** The inode of a related namespace's fd, adding it as an ancestor if it is new; 0 if unreadable. */
    private long related(int fd, NamespaceType type) {
        long inode;
        try {
            inode = NamespaceFiles.inodeOf(fd, "");
        } catch (Failure e) {
            return 0;
        }
        if (!found.containsKey(inode) && typeSet.contains(type)) {
            FoundNamespace ancestor = new FoundNamespace(type, inode);
            ancestor.heldBy = Scan.HELD_BY_DESCENDANT;
            found.put(inode, ancestor);
            relations(ancestor, fd);
        }
        return inode;
    }

    /** NS_GET_OWNER_UID of a user namespace fd: the uid, unsigned; -1 if the kernel refused. */
    private static long ownerUid(int userNsFd) {
        MemorySegment buf = LibC.scratch();
        int rc = LibC.ioctl(userNsFd, NsIoctl.NS_GET_OWNER_UID.request(), buf);
        return rc < 0 ? -1 : Integer.toUnsignedLong(buf.get(JAVA_INT, 0));
    }
}
