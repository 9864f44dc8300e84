package io.github.nsfs4j;

import jnr.constants.platform.Errno;

/** errno numbers to names, texts and the matching {@link NamespaceException}, via jnr-constants. */
final class Errnos {
    private Errnos() {}

    static final int EPERM = Errno.EPERM.intValue();
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

    /** The exception for a failed call, chosen by errno. */
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
