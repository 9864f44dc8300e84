package io.github.nsfs4j.internal;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import io.github.nsfs4j.linux.Errno;
import io.github.nsfs4j.linux.LibC;
import io.github.nsfs4j.linux.ProcessCalls;
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
 * (ENOENT, ESRCH, a path that names something else now) is dropped and counted as vanished;
 * what the kernel or a sandbox refuses (an open refused with EACCES, a relation request
 * answered ENOTTY or ENOSYS by a seccomp filter or qemu-user) is dropped and counted as
 * refused, never as vanished: the scan could not look, and says so.
 */
final class ScanRelations {
    private final Map<Long, FoundNamespace> found;
    private final Set<NamespaceType> typeSet;
    private final Set<Long> unknown;
    private final UserNames users;
    int namespacesVanished;
    int namespacesRefused;
    int namespacesOpened;
    /** The first refusal, as the kernel gave it; null if none. */
    Failure firstRefusal;

    /** {@code /proc/} as bytes: the links of processes are built from it. */
    private final byte[] procPrefix;

    ScanRelations(java.nio.file.Path proc, Map<Long, FoundNamespace> found, Set<NamespaceType> typeSet,
            Set<Long> unknown, UserNames users) {
        this.procPrefix = (proc.toString() + "/").getBytes(StandardCharsets.ISO_8859_1);
        this.found = found;
        this.typeSet = typeSet;
        this.unknown = unknown;
        this.users = users;
    }

    /** Opens each namespace once: id, parent and owner; adds ancestors known only through those. */
    void resolve() {
        for (FoundNamespace f : new ArrayList<>(found.values())) {
            int fd;
            try {
                fd = open(f);
            } catch (Failure refused) {
                refused(f, refused);
                continue;
            }
            if (fd < 0) {
                if (!unknown.contains(f.inode)) {
                    namespacesVanished++;
                }
                found.remove(f.inode);
                continue;
            }
            try {
                relations(f, fd);
                namespacesOpened++;
            } catch (Failure refused) {
                refused(f, refused);
            } finally {
                LibC.close(fd);
            }
        }
    }

    private void refused(FoundNamespace f, Failure why) {
        namespacesRefused++;
        if (firstRefusal == null) {
            firstRefusal = why;
        }
        found.remove(f.inode);
    }

    /**
     * Opens {@code f} through its path, else its backup path: the fd, or -1 if neither still
     * names it. A link the scan made is opened directly and its inode checked; an fd or mount
     * path may name something else by now (an fd number reused for a device), so it goes
     * through {@link NamespaceFiles#openCheckedFd}, which opens nothing but that namespace.
     *
     * @throws Failure if a holder was refused (not gone) and no other one opened
     */
    private int open(FoundNamespace f) throws Failure {
        Failure refused = null;
        for (int pid : new int[] {f.lowestPid, f.lastPid}) {
            if (pid <= 0) {
                continue;
            }
            byte[] link = link(pid, f.type);
            try {
                int fd = openLink(link, f.inode);
                if (fd >= 0) {
                    f.openedPath = link;
                    return fd;
                }
            } catch (Failure e) {
                refused = e; // the process is there, but the kernel (or a sandbox) will not open its link
            }
        }
        for (FoundNamespace.Holding p : new FoundNamespace.Holding[] {f.path, f.backup}) {
            if (p == null) {
                continue;
            }
            try {
                int fd = p.isSocket() ? openSocket(p, f.inode) : p.nsLink() ? openLink(p.bytes(), f.inode)
                        : NamespaceFiles.openCheckedFd(p.bytes(), new String(p.bytes(), StandardCharsets.UTF_8), f.inode);
                if (fd >= 0) {
                    if (p.isSocket()) {
                        f.openedSocket = new String(p.bytes(), StandardCharsets.ISO_8859_1);
                    } else {
                        f.openedPath = p.bytes();
                    }
                    return fd;
                }
            } catch (Failure e) {
                if (e.kind() != Failure.Kind.GONE && e.kind() != Failure.Kind.NOT_A_NAMESPACE) {
                    refused = e; // the holder is there, but the kernel (or a sandbox) will not open it
                }
            } catch (IllegalArgumentException e) {
                // a path with a NUL: names nothing openable
            }
        }
        if (refused != null) {
            throw refused;
        }
        return -1;
    }

    /** {@code /proc/PID/ns/TYPE} as bytes. */
    private byte[] link(int pid, NamespaceType type) {
        String rest = pid + "/ns/" + type.procName();
        byte[] out = java.util.Arrays.copyOf(procPrefix, procPrefix.length + rest.length());
        for (int i = 0; i < rest.length(); i++) {
            out[procPrefix.length + i] = (byte) rest.charAt(i);
        }
        return out;
    }

    /** The net namespace of a socket holder, if it is still namespace {@code inode}; else -1. */
    private static int openSocket(FoundNamespace.Holding socket, long inode) throws Failure {
        int pidfd = ProcessCalls.pidfd_open(socket.socketPid(), 0);
        if (pidfd < 0) {
            return -1; // the process exited
        }
        int fd;
        try {
            fd = SocketNamespaces.netNamespaceOf(pidfd, socket.socketFd(), -1);
        } finally {
            LibC.close(pidfd);
        }
        if (fd < 0) {
            Failure f = SocketNamespaces.failure(new String(socket.bytes(), StandardCharsets.ISO_8859_1),
                    socket.socketPid(), socket.socketFd(), -fd);
            if (f.kind() == Failure.Kind.GONE || f.kind() == Failure.Kind.NOT_A_NAMESPACE || -fd == Errno.ESRCH) {
                return -1; // closed, or its number now names another file
            }
            throw f;
        }
        boolean same = false;
        try {
            same = NamespaceFiles.inodeOf(fd, "") == inode;
        } finally {
            if (!same) {
                LibC.close(fd); // the fd number names another socket now (or statx failed)
            }
        }
        return same ? fd : -1;
    }

    /**
     * A {@code /proc/.../ns/TYPE} link, opened if it still names the namespace {@code inode}; else -1.
     *
     * @throws Failure if the open is refused for another reason than the process being gone
     */
    private static int openLink(byte[] link, long inode) throws Failure {
        int fd = LibC.open(link, NamespaceFiles.OPEN_FLAGS);
        if (fd < 0) {
            Failure f = Failure.errno("open", new String(link, StandardCharsets.ISO_8859_1), -fd,
                    "cannot open the namespace file");
            if (f.kind() == Failure.Kind.GONE) {
                return -1;
            }
            throw f;
        }
        if (NamespaceFiles.inodeOf(fd, "") != inode) {
            LibC.close(fd); // the pid was reused: that link names another namespace now
            return -1;
        }
        return fd;
    }

    /**
     * Fills id, parent, owner (and, with no process in it, the user) of {@code f} from its
     * open {@code fd}; adds unseen ancestors. A parent or owner outside the caller's view
     * (EPERM, the kernel's ordinary answer there) stays 0.
     *
     * @throws Failure if the kernel (or a sandbox) refuses a request that every kernel nsfs4j
     *     supports answers on a namespace file: then nothing read from it would be a fact
     */
    private void relations(FoundNamespace f, int fd) throws Failure {
        try {
            f.id = NamespaceFiles.readId(fd, f.type, f.describe());
        } catch (Failure e) {
            throw e.errno() == 0 ? e : refusal(e.operation(), f, e.errno());
        }
        if (f.type.isHierarchical()) {
            int parent = LibC.ioctl(fd, NsIoctl.NS_GET_PARENT.request(), 0L);
            if (parent >= 0) {
                try {
                    f.parentInode = related(parent, f.type);
                } finally {
                    LibC.close(parent);
                }
            } else if (parent != -Errno.EPERM) {
                throw refusal(NsIoctl.NS_GET_PARENT.name(), f, -parent);
            }
        }
        int owner = LibC.ioctl(fd, NsIoctl.NS_GET_USERNS.request(), 0L);
        if (owner < 0) {
            if (owner != -Errno.EPERM) {
                throw refusal(NsIoctl.NS_GET_USERNS.name(), f, -owner);
            }
            return;
        }
        try {
            f.ownerInode = related(owner, NamespaceType.USER);
            if (f.processCount == 0) {
                // As lsns shows a namespace no process is in: the user that created it (a
                // user namespace) or its owning user namespace.
                int userNs = f.type == NamespaceType.USER ? fd : owner;
                MemorySegment buf = LibC.scratch();
                int rc = LibC.ioctl(userNs, NsIoctl.NS_GET_OWNER_UID.request(), buf);
                if (rc < 0) {
                    throw refusal(NsIoctl.NS_GET_OWNER_UID.name(), f, -rc);
                }
                int uid = buf.get(JAVA_INT, 0);
                f.user = users.name(uid);
                f.uid = Integer.toUnsignedLong(uid);
            }
        } finally {
            LibC.close(owner);
        }
    }

    /**
     * A refused request. NS_GET_PARENT, NS_GET_USERNS and NS_GET_OWNER_UID are on every kernel
     * nsfs4j runs on (4.11+), and NS_GET_ID is asked only where the probe found it, so ENOTTY or
     * ENOSYS from one is a filter between the program and the kernel (a seccomp profile,
     * qemu-user's "Unsupported ioctl"), not a missing request: said as such.
     */
    private static Failure refusal(String request, FoundNamespace f, int errno) {
        if (errno == Errno.ENOTTY || errno == Errno.ENOSYS) {
            return Failure.of(Failure.Kind.FAILED, request, f.describe(), errno, "refused ("
                    + Errnos.describe(errno) + "), although the kernel has it: a sandbox (a seccomp filter,"
                    + " qemu-user) filters the nsfs ioctls");
        }
        return Failure.errno(request, f.describe(), errno, "the kernel refused the request");
    }

    /** The inode of a related namespace's fd, adding it as an ancestor if it is new. */
    private long related(int fd, NamespaceType type) throws Failure {
        long inode = NamespaceFiles.inodeOf(fd, "a related namespace");
        if (!found.containsKey(inode) && typeSet.contains(type)) {
            FoundNamespace ancestor = new FoundNamespace(type, inode);
            ancestor.heldBy = Scan.HELD_BY_DESCENDANT;
            found.put(inode, ancestor);
            boolean done = false;
            try {
                relations(ancestor, fd);
                done = true;
            } finally {
                if (!done) {
                    found.remove(inode);
                }
            }
        }
        return inode;
    }
}
