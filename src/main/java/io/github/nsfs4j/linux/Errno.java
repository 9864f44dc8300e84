package io.github.nsfs4j.linux;

/**
 * The errno numbers nsfs4j tests for, the same on every architecture of {@link Arch}
 * (ConstantsTest checks each against jnr-constants' table for each). Written here, not read
 * from jnr-constants, so that a command's success path never loads it; names and texts of
 * an error come from {@code io.github.nsfs4j.internal.Errnos}.
 */
public final class Errno {
    private Errno() {}

    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int ESRCH = 3;
    public static final int EINTR = 4;
    public static final int ENXIO = 6;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    public static final int EACCES = 13;
    public static final int EINVAL = 22;
    public static final int ENOTTY = 25;
    public static final int ERANGE = 34;
    public static final int ENOSYS = 38;
    public static final int EOVERFLOW = 75;
    public static final int EOPNOTSUPP = 95;
    public static final int ESTALE = 116;
}
