package io.github.nsfs4j.internal;

import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.linux.Constants;
import io.github.nsfs4j.linux.Downcalls;
import io.github.nsfs4j.linux.Errno;
import io.github.nsfs4j.linux.LibC;
import io.github.nsfs4j.linux.ProcessCalls;

/**
 * The net namespace of a socket held by another process: a copy of the socket's fd through
 * pidfd_getfd(2) (Linux 5.6; ptrace attach access to the process: root, or the owner where
 * Yama allows it), closed at once after SIOCGSKNS (Linux 4.9; CAP_NET_ADMIN over that net
 * namespace's owning user namespace) gave the namespace's own fd. A net namespace that a
 * process created a socket in, and left, lives on through the socket alone: this is the only
 * way to reach it ({@code nsenter -N} does the same).
 */
public final class SocketNamespaces {
    private SocketNamespaces() {}

    /** {@code net:PID:FD}, as nsfs names such a namespace. */
    public static String describe(int pid, int fd) {
        return "net:" + pid + ":" + fd;
    }

    /**
     * The net namespace of socket {@code fd} of the process of {@code pidfd}: an fd the caller
     * owns, or -errno ({@code -ENOTTY}: not a socket). With {@code socketInode} &gt;= 0 the copied
     * fd must be that socket (the fd number may have been reused): else {@code -EBADF}. The
     * copy of the socket is closed before this returns, on every path.
     */
    public static int netNamespaceOf(int pidfd, int fd, long socketInode) {
        int socket = ProcessCalls.pidfd_getfd(pidfd, fd, 0);
        if (socket < 0) {
            return socket;
        }
        try {
            if (socketInode >= 0) {
                long inode;
                try {
                    inode = NamespaceFiles.inodeOf(socket, "a socket");
                } catch (Failure e) {
                    return -Errno.EBADF;
                }
                if (inode != socketInode) {
                    return -Errno.EBADF;
                }
            }
            return LibC.ioctl(socket, Constants.SIOCGSKNS, 0L);
        } finally {
            LibC.close(socket);
        }
    }

    /**
     * Opens the net namespace of socket {@code fd} of process {@code pid}, checked as every
     * namespace file is.
     *
     * @throws Failure naming what refused: no such process, no such fd, not a socket, the
     *     kernel (pidfd_getfd is Linux 5.6), or the permission (ptrace attach, CAP_NET_ADMIN)
     */
    public static NsFile open(int pid, int fd) throws Failure {
        Downcalls.requireNativeAccess();
        if (pid <= 0 || fd < 0) {
            throw new IllegalArgumentException("a positive pid and a non-negative fd, got " + pid + " and " + fd);
        }
        String what = describe(pid, fd);
        int pidfd = ProcessCalls.pidfd_open(pid, 0);
        if (pidfd < 0) {
            throw Failure.errno("pidfd_open", what, -pidfd, "cannot open a pidfd of process " + pid);
        }
        int ns;
        try {
            ns = netNamespaceOf(pidfd, fd, -1);
        } finally {
            LibC.close(pidfd);
        }
        if (ns < 0) {
            throw failure(what, pid, fd, -ns);
        }
        return NamespaceFiles.adoptOrClose(ns, what, NamespaceType.NET);
    }

    /** What an errno of {@link #netNamespaceOf} means, as a failure. */
    static Failure failure(String what, int pid, int fd, int errno) {
        if (errno == Errno.ENOTTY) {
            return Failure.of(Failure.Kind.NOT_A_NAMESPACE, "SIOCGSKNS", what, errno, "fd " + fd + " of process "
                    + pid + " is not a socket; name a socket fd (ls -l /proc/" + pid + "/fd shows socket:[...])");
        }
        if (errno == Errno.EBADF) {
            return Failure.of(Failure.Kind.GONE, "pidfd_getfd", what, errno, "process " + pid + " has no fd " + fd);
        }
        if (errno == Errno.ENOSYS) {
            return Failure.of(Failure.Kind.FAILED, "pidfd_getfd", what, errno,
                    "this kernel has no pidfd_getfd (Linux 5.6 has it)");
        }
        if (errno == Errno.EPERM || errno == Errno.EACCES) {
            return Failure.of(Failure.Kind.DENIED, "pidfd_getfd/SIOCGSKNS", what, errno, "refused ("
                    + Errnos.describe(errno) + "): copying another process's fd needs ptrace attach access to it,"
                    + " and asking a socket for its net namespace CAP_NET_ADMIN over that namespace; run as root");
        }
        return Failure.errno("pidfd_getfd", what, errno, "cannot reach the socket's net namespace");
    }
}
