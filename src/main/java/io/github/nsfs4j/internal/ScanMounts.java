package io.github.nsfs4j.internal;

import io.github.nsfs4j.kernel.NamespaceType;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The mount phase of a {@link Scan}: the namespaces bind-mounted somewhere ({@code nsfs}
 * entries of {@code mountinfo}), read once per mount namespace through a process whose root
 * is the namespace's own, else once per distinct root. Not thread-safe: one per scan.
 */
final class ScanMounts {
    private final Map<Long, FoundNamespace> found;
    private final Set<NamespaceType> typeSet;
    private final Set<Long> unknown;
    /**
     * Mount namespaces whose mountinfo was read through a process whose root is the
     * namespace's root: every mount of the namespace was in it.
     */
    private final Set<Long> mountNamespacesRead = new HashSet<>();
    /** Other mount namespaces: the roots (as readlink shows them) through which mountinfo was read. */
    private final Map<Long, Set<String>> mountRootsRead = new HashMap<>();
    /** The scanning process's own mount namespace: its bind mounts are the NSFS column's, as lsns shows them. */
    private final long ownMnt;

    ScanMounts(Path proc, Map<Long, FoundNamespace> found, Set<NamespaceType> typeSet, Set<Long> unknown) {
        this.found = found;
        this.typeSet = typeSet;
        this.unknown = unknown;
        this.ownMnt = Procfs.linkInode(proc.resolve("self/ns/mnt"), NamespaceType.MNT);
    }

    /**
     * The nsfs bind mounts of mount namespace {@code mnt}, through process {@code pid} (or its
     * thread {@code tid}, if positive), unless they were read already. mountinfo shows only the mounts under the
     * reader's root, so one process whose root is the namespace's own ({@code readlink
     * /proc/PID/root} is {@code /}) shows them all and settles the namespace; a chrooted one
     * (a daemon, a container's init, a pid 1 that kept an initramfs root) shows those under its
     * root, so each distinct root is read once until such a process comes. Cost: one readlink
     * per mount namespace (and per process of a namespace not settled yet), and one mountinfo
     * per distinct root: fewer calls than listmount(2) and statmount(2), which need one call
     * per mount and exist only from Linux 6.8 (6.11 for another mount namespace), so the same
     * answer on every kernel.
     */
    void of(ProcWalk walk, int pid, int tid, long mnt) {
        if (mountNamespacesRead.contains(mnt)) {
            return;
        }
        if (tid > 0) {
            walk.task(pid, tid);
        } else {
            walk.process(pid);
        }
        // unreadable: its mountinfo may still be, read once as one more root
        String root = walk.readlink("root") < 0 ? "" : walk.linkIsSlash() ? "/" : walk.linkText();
        boolean whole = root.equals("/");
        if (whole) {
            mountNamespacesRead.add(mnt);
            mountRootsRead.remove(mnt);
        } else if (!mountRootsRead.computeIfAbsent(mnt, k -> new HashSet<>()).add(root)) {
            return; // this root's mounts were read through another process
        }
        mounts(walk, whole && mnt == ownMnt);
    }

    /**
     * The nsfs mounts of the mountinfo of the walker's current process or thread (read relative
     * to its open {@code /proc/PID}); {@code own}: it is ours, its mount points are the NSFS
     * column's.
     */
    private void mounts(ProcWalk walk, boolean own) {
        byte[] text = walk.readToEnd("mountinfo");
        if (text == null) {
            return;
        }
        byte[] root = null;
        for (Mountinfo.Mount m : Mountinfo.nsfsMounts(text)) {
            NamespaceType type = Procfs.typeOfLink(m.root());
            if (type == null) {
                long inode = Procfs.anyInode(m.root()); // on nsfs: a namespace, of a type we do not know
                if (inode >= 0) {
                    unknown.add(inode);
                }
                continue;
            }
            if (!typeSet.contains(type)) {
                continue;
            }
            // The mount point's bytes as they are: /proc/PID/root/ then any bytes at all.
            if (root == null) {
                root = walk.pathBytes("root");
            }
            byte[] where = Arrays.copyOf(root, root.length + m.mountPoint().length);
            System.arraycopy(m.mountPoint(), 0, where, root.length, m.mountPoint().length);
            FoundNamespace f = found.computeIfAbsent(Procfs.nsInode(m.root(), type), i -> new FoundNamespace(type, i));
            f.holder(new FoundNamespace.Holding(where, false));
            f.heldBy |= Scan.HELD_BY_MOUNT;
            if (own) {
                if (f.ownMounts == null) {
                    f.ownMounts = new ArrayList<>(1);
                }
                f.ownMounts.add(m.mountPoint());
            }
        }
    }
}
