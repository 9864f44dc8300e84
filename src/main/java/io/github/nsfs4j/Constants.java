package io.github.nsfs4j;

/**
 * The C constants nsfs4j passes to the kernel, in one place. Every value here is the same on
 * every architecture of {@link Arch}. Those jnr-constants also has are written as numbers
 * too, not read from it: resolving jnr-constants' platform tables takes tens of
 * milliseconds of a command's start-up (its first class loads and reflection), before the
 * first system call; ConstantsTest checks each number against jnr-constants' own table for
 * each architecture of {@link Arch}.
 */
final class Constants {
    private Constants() {}

    // <fcntl.h>, also in jnr-constants (ConstantsTest)
    static final int O_RDONLY = 0;
    static final int O_CLOEXEC = 0x80000;
    static final int O_NOCTTY = 0x100;
    static final int O_NONBLOCK = 0x800;
    static final int F_GETFD = 1;
    static final int F_SETFD = 2;
    static final int F_GETFL = 3;
    static final int F_SETFL = 4;

    // <fcntl.h>, not in jnr-constants
    /** {@code O_PATH}, asm-generic {@code 010000000}. */
    static final int O_PATH = 0x200000;
    /** {@code F_DUPFD_CLOEXEC} = {@code F_LINUX_SPECIFIC_BASE + 6}. */
    static final int F_DUPFD_CLOEXEC = 1030;
    static final int FD_CLOEXEC = 1;
    static final int AT_EMPTY_PATH = 0x1000;

    // <sys/stat.h>
    static final int STATX_INO = 0x100;

    // <linux/magic.h>
    static final long NSFS_MAGIC = 0x6e736673L;

    // <poll.h>
    static final short POLLIN = 0x1;
    static final short POLLOUT = 0x4;
    static final short POLLERR = 0x8;
    static final short POLLHUP = 0x10;
    static final short POLLNVAL = 0x20;

    // The unified syscall numbers (the same on every architecture of Arch; mips and alpha differ).
    static final int SYS_pidfd_send_signal = 424;
    static final int SYS_pidfd_open = 434;
    static final int SYS_listns = 470;

    // <linux/nsfs.h>, <linux/exportfs.h>
    /** The "mount fd" that open_by_handle_at takes for nsfs handles (Linux 6.18). */
    static final int FD_NSFS_ROOT = -10003;
    /** The handle type of namespace file handles. */
    static final int FILEID_NSFS = 0xf1;
    /** {@code ns_id_req.user_ns_id} value meaning "owned by the caller's own user namespace". */
    static final long LISTNS_CURRENT_USER = -1L;

    // <linux/pidfd.h>
    static final long PIDFD_INFO_PID = 1;
    static final long PIDFD_INFO_CREDS = 2;
    static final long PIDFD_INFO_CGROUPID = 4;
    static final long PIDFD_INFO_EXIT = 8;

    // <fcntl.h>, for redirect files of started processes; also in jnr-constants (ConstantsTest)
    static final int O_WRONLY = 1;
    static final int O_CREAT = 0x40;
    static final int O_TRUNC = 0x200;
    static final int O_APPEND = 0x400;
    /** {@code AT_FDCWD}: a path relative to the working directory. */
    static final int AT_FDCWD = -100;

    // <sys/wait.h>, <signal.h>, <spawn.h>
    static final int WEXITED = 4;
    static final int WNOWAIT = 0x01000000;
    /** {@code si_code} values of a SIGCHLD siginfo. */
    static final int CLD_EXITED = 1;
    static final int CLD_KILLED = 2;
    static final int CLD_DUMPED = 3;
    static final int SIGKILL = 9;
    static final int SIGTERM = 15;
    static final short POSIX_SPAWN_SETSIGMASK = 0x08;
}
