package io.github.nsfs4j.internal;

import io.github.nsfs4j.kernel.NamespaceType;

import java.util.Arrays;

/** A namespace as a {@link Scan} is finding it: what the links showed, then what opening it told. */
final class FoundNamespace {
    final NamespaceType type;
    final long inode;
    int processCount;
    int lowestPid;
    /** The latest process seen in it besides the lowest: its link is tried when the lowest pid's no longer opens. */
    int lastPid;
    String user = "";
    byte[] command = {};
    /** {@link Scan#HELD_BY_PROCESS} and the other bits. */
    int heldBy;
    /** The first holder that is not a process: a thread's link, an fd, a mount or a socket. */
    Holding path;
    /** Another such holder, tried when {@link #path} no longer opens (that holder is gone). */
    Holding backup;
    /** What opened it (set by {@link ScanRelations}): a path's bytes, or a socket's {@code net:PID:FD}. */
    byte[] openedPath;
    String openedSocket;
    /** NS_GET_ID (or NS_GET_MNTNS_ID); 0 where the kernel gives none. */
    long id;
    long parentInode;
    long ownerInode;
    /** The uid of the lowest pid's process (the owner of /proc/PID), or with none the namespace's owner; -1 unknown. */
    long uid = -1;
    /** Where it is bind-mounted in the scanning process's own mount namespace (mount points as bytes). */
    java.util.List<byte[]> ownMounts;

    FoundNamespace(NamespaceType type, long inode) {
        this.type = type;
        this.inode = inode;
    }

    /** {@code net:[4026531833]}, for messages. */
    String describe() {
        return type.procName() + ":[" + Long.toUnsignedString(inode) + "]";
    }

    /** One more holder's path: the first one seen, else the backup. */
    void holder(Holding where) {
        if (path == null) {
            path = where;
        } else if (!Arrays.equals(where.bytes(), path.bytes())) {
            backup = where;
        }
    }

    /**
     * A path that names a namespace: a {@code /proc/.../ns/TYPE} link the scan made (opened
     * directly: it can only be a namespace file), or an fd or mount point (which may name
     * anything by now, opened with {@code O_PATH} first); or a socket, fd {@code socketFd} of
     * process {@code socketPid} (then {@code bytes} is {@code net:PID:FD}, no path), whose net
     * namespace is reached through pidfd_getfd and SIOCGSKNS.
     */
    record Holding(byte[] bytes, boolean nsLink, int socketPid, int socketFd) {
        Holding(byte[] bytes, boolean nsLink) {
            this(bytes, nsLink, 0, -1);
        }

        boolean isSocket() {
            return socketFd >= 0;
        }
    }
}
