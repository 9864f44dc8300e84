package io.github.nsfs4j;

import jnr.constants.platform.Errno;

/** errno numbers to names, texts and the matching {@link NamespaceException}, via jnr-constants. */
final class Errnos {
    private Errnos() {}

    static final int EPERM = Errno.EPERM.intValue();
    static final int EINTR = Errno.EINTR.intValue();
    static final int ECHILD = Errno.ECHILD.intValue();
    static final int ENOENT = Errno.ENOENT.intValue();
    static final int ESRCH = Errno.ESRCH.intValue();
    static final int EBADF = Errno.EBADF.intValue();
    static final int EACCES = Errno.EACCES.intValue();
    static final int EINVAL = Errno.EINVAL.intValue();
    static final int ENOTTY = Errno.ENOTTY.intValue();
    static final int ESTALE = Errno.ESTALE.intValue();
    static final int ENOSYS = Errno.ENOSYS.intValue();
    static final int EOPNOTSUPP = Errno.EOPNOTSUPP.intValue();
    static final int EOVERFLOW = Errno.EOVERFLOW.intValue();
    static final int ENXIO = Errno.ENXIO.intValue();

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
