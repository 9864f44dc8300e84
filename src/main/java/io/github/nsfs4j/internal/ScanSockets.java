package io.github.nsfs4j.internal;

import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.linux.Errno;
import io.github.nsfs4j.linux.LibC;
import io.github.nsfs4j.linux.ProcessCalls;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The socket part of a {@link Scan}'s process phase: the net namespaces of the sockets a
 * process holds, each socket asked once ({@link SocketNamespaces}). A net namespace only a
 * socket keeps alive is found this way alone. Not thread-safe: one per scan.
 */
final class ScanSockets {
    private final Map<Long, FoundNamespace> found;
    /** The socket fds of the process being read: fd numbers and socket inodes, {@link #socketCount} of them. */
    private int[] socketFds = new int[16];
    private long[] socketInodes = new long[16];
    private int socketCount;
    /** Socket inode to the inode of its net namespace (0: could not be asked), so that a shared socket is asked once. */
    private final Map<Long, Long> socketNetns = new HashMap<>();
    int socketsRefused;
    Failure socketRefusal;
    /** pidfd_open or pidfd_getfd is missing (ENOSYS): no socket is asked any more. */
    private boolean socketsUnreachable;

    ScanSockets(Map<Long, FoundNamespace> found) {
        this.found = found;
    }

    /** Notes a socket fd of the process being read, for {@link #ask}. */
    void socket(int number, long inode) {
        if (socketCount == socketFds.length) {
            socketFds = Arrays.copyOf(socketFds, socketCount * 2);
            socketInodes = Arrays.copyOf(socketInodes, socketCount * 2);
        }
        socketFds[socketCount] = number;
        socketInodes[socketCount++] = inode;
    }

    /**
     * The net namespaces of the sockets of process {@code pid} that no process read before
     * shared ({@link SocketNamespaces}): a copy of each socket's fd, SIOCGSKNS, a statx, two
     * closes; the process's pidfd opened once. What the kernel or the permissions refuse is
     * counted, with the first reason; a kernel without pidfd_getfd (before 5.6) is asked once.
     */
    void ask(int pid) {
        int n = socketCount;
        socketCount = 0;
        int pidfd = -1;
        try {
            for (int i = 0; i < n; i++) {
                long socket = socketInodes[i];
                Long known = socketNetns.get(socket);
                if (known != null) {
                    if (known != 0) {
                        socketHolder(known, pid, socketFds[i]);
                    }
                    continue;
                }
                if (socketsUnreachable) {
                    socketsRefused++;
                    continue;
                }
                if (pidfd < 0) {
                    pidfd = ProcessCalls.pidfd_open(pid, 0);
                    if (pidfd < 0) {
                        if (-pidfd == Errno.ENOSYS) {
                            socketRefused(pid, socketFds[i], -pidfd);
                            socketsUnreachable = true;
                            continue;
                        }
                        return; // it exited: its sockets went with it, or to others still read
                    }
                }
                int ns = SocketNamespaces.netNamespaceOf(pidfd, socketFds[i], socket);
                if (ns < 0) {
                    if (-ns == Errno.EBADF || -ns == Errno.ESRCH) {
                        continue; // closed (or its number reused) meanwhile, or the process exited
                    }
                    socketNetns.put(socket, 0L);
                    socketRefused(pid, socketFds[i], -ns);
                    socketsUnreachable |= -ns == Errno.ENOSYS;
                    continue;
                }
                try {
                    long inode = NamespaceFiles.inodeOf(ns, "a socket's net namespace");
                    socketNetns.put(socket, inode);
                    socketHolder(inode, pid, socketFds[i]);
                } catch (Failure e) {
                    // an nsfs fd the kernel just made always has an inode: nothing to count
                } finally {
                    LibC.close(ns);
                }
            }
        } finally {
            if (pidfd >= 0) {
                LibC.close(pidfd);
            }
        }
    }

    private void socketRefused(int pid, int fd, int errno) {
        socketsRefused++;
        if (socketRefusal == null) {
            socketRefusal = SocketNamespaces.failure(SocketNamespaces.describe(pid, fd), pid, fd, errno);
        }
    }

    private void socketHolder(long inode, int pid, int fd) {
        FoundNamespace f = found.computeIfAbsent(inode, i -> new FoundNamespace(NamespaceType.NET, i));
        if (f.path == null) {
            f.path = new FoundNamespace.Holding(SocketNamespaces.describe(pid, fd).getBytes(StandardCharsets.ISO_8859_1),
                    false, pid, fd);
        }
        f.heldBy |= Scan.HELD_BY_SOCKET;
    }
}
