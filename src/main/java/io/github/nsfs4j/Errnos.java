package io.github.nsfs4j;

import jnr.constants.platform.Errno;

/**
 * errno numbers to names, texts and the matching {@link NamespaceException}. The numbers
 * nsfs4j tests for are written here (the same on every architecture of {@link Arch};
 * ConstantsTest checks each against jnr-constants' table for each), so that a command's
 * success path never loads jnr-constants; the names and texts of an error come from it.
 */
final class Errnos {
    private Errnos() {}

    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int ESRCH = 3;
    static final int EINTR = 4;
    static final int EAGAIN = 11;
    static final int ENXIO = 6;
    static final int EBADF = 9;
    static final int ECHILD = 10;
    static final int EACCES = 13;
    static final int EINVAL = 22;
    static final int ENOTTY = 25;
    static final int ERANGE = 34;
    static final int ENOSYS = 38;
    static final int EOVERFLOW = 75;
    static final int EOPNOTSUPP = 95;
    static final int ESTALE = 116;

    /** The symbolic name, such as {@code EPERM}, or {@code errno 1234} for a number jnr-constants lacks. */
    static String name(int errno) {
        Errno e = Errno.valueOf(errno);
        return e.defined() && e != Errno.__UNKNOWN_CONSTANT__ ? e.name() : "errno " + errno;
    }

    /** {@code EPERM: Operation not permitted}. */
    static String describe(int errno) {
        Errno e = Errno.valueOf(errno);
        return e.defined() && e != Errno.__UNKNOWN_CONSTANT__ ? e.name() + ": " + e.description() : "errno " + errno;
    }

    /**
     * The exception for a failed nsfs request on {@code target}: {@link UnsupportedRequestException}
     * for ENOTTY from a request the kernel lacks (probed once), {@link NotANamespaceException}
     * for ENOTTY from NS_GET_NSTYPE, else as {@link #failure(String, String, int, String)}.
     */
    static NamespaceException failure(NsIoctl request, String target, int errno) {
        if (errno == ENOTTY && !KernelSupport.has(request)) {
            return new UnsupportedRequestException(request, target);
        }
        if (errno == ENOTTY && request == NsIoctl.NS_GET_NSTYPE) {
            return new NotANamespaceException(request.name(), target, errno, "not a namespace file");
        }
        return failure(request.name(), target, errno, "the kernel refused the request");
    }

    /**
     * Whether a pid translation's {@code -errno} result means "no such pid, or not visible
     * there" (an ordinary empty answer): ESRCH, or ENOTTY from a request the kernel has,
     * which is how some 6.11 to 6.17 kernels say ESRCH.
     */
    static boolean unresolvedPid(NsIoctl request, int result) {
        return result == -ESRCH || (result == -ENOTTY && KernelSupport.has(request));
    }

    /** The exception for a failed call, chosen by errno: ENOENT/ESRCH, EACCES/EPERM, or any other. */
    static NamespaceException failure(String operation, String target, int errno, String detail) {
        if (errno == ENOENT || errno == ESRCH) {
            return new NoSuchNamespaceException(operation, target, errno, detail);
        }
        if (errno == EACCES || errno == EPERM) {
            return new NamespaceAccessDeniedException(operation, target, errno, detail);
        }
        return new NamespaceException(operation, target, errno, detail);
    }
}
