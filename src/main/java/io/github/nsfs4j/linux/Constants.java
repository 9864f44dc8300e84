package io.github.nsfs4j.linux;

/**
 * The C constants nsfs4j passes to the kernel, in one place. Every value here is the same on
 * every architecture of {@link Arch}. Those jnr-constants also has are written as numbers
 * here too, not read from it, because resolving its platform tables costs start-up time
 * (docs/design.md, "Start-up"); ConstantsTest checks each number against jnr-constants' own
 * table for each architecture of {@link Arch}.
 */
public final class Constants {
    private Constants() {}

    // <fcntl.h>, also in jnr-constants (ConstantsTest)
    public static final int O_RDONLY = 0;
    public static final int O_CLOEXEC = 0x80000;
    public static final int O_NOCTTY = 0x100;
    public static final int O_NONBLOCK = 0x800;
    public static final int F_SETFD = 2;
    public static final int F_GETFL = 3;
    public static final int F_SETFL = 4;

    // <fcntl.h>, not in jnr-constants
    /** {@code O_PATH}, asm-generic {@code 010000000}. */
    public static final int O_PATH = 0x200000;
    /** {@code F_DUPFD_CLOEXEC} = {@code F_LINUX_SPECIFIC_BASE + 6}. */
    public static final int F_DUPFD_CLOEXEC = 1030;
    public static final int FD_CLOEXEC = 1;
    public static final int AT_EMPTY_PATH = 0x1000;
    /** {@code PIDFD_THREAD} = {@code O_EXCL} ({@code 0200}, Linux 6.9): pidfd_open of a thread, not a process. */
    public static final int PIDFD_THREAD = 0x80;

    // <sys/stat.h>
    public static final int STATX_NLINK = 0x4;
    public static final int STATX_UID = 0x8;
    public static final int STATX_INO = 0x100;

    // <sched.h>
    /** {@code CLONE_FS}: unshare(2) of the thread's root, working directory and umask. */
    public static final int CLONE_FS = 0x200;

    // <linux/capability.h>: bit numbers in /proc/PID/status CapEff
    public static final int CAP_SYS_CHROOT = 18;
    public static final int CAP_SYS_ADMIN = 21;

    // <linux/sockios.h> (the same on every architecture)
    /** ioctl on a socket: a new O_CLOEXEC fd of the socket's net namespace (Linux 4.9). */
    public static final int SIOCGSKNS = 0x894c;

    // <sys/socket.h>, <linux/netlink.h>, <linux/rtnetlink.h>, <linux/net_namespace.h>
    public static final int AF_NETLINK = 16;
    public static final int SOCK_RAW = 3;
    public static final int SOCK_CLOEXEC = 0x80000;
    public static final int NETLINK_ROUTE = 0;
    public static final int NLM_F_REQUEST = 1;
    public static final int NLMSG_ERROR = 2;
    public static final int RTM_NEWNSID = 88;
    public static final int RTM_GETNSID = 90;
    public static final int NETNSA_NSID = 1;
    public static final int NETNSA_PID = 2;

    // <linux/magic.h>
    public static final long NSFS_MAGIC = 0x6e736673L;

    // <poll.h>
    public static final short POLLIN = 0x1;
    public static final short POLLOUT = 0x4;

    // The unified syscall numbers (the same on every architecture of Arch; mips and alpha differ).
    public static final int SYS_pidfd_send_signal = 424;
    public static final int SYS_pidfd_open = 434;
    public static final int SYS_pidfd_getfd = 438;
    public static final int SYS_listns = 470;
    public static final int SYS_close_range = 436;

    // <linux/nsfs.h>, <linux/exportfs.h>
    /** The "mount fd" that open_by_handle_at takes for nsfs handles (Linux 6.18). */
    public static final int FD_NSFS_ROOT = -10003;
    /** The handle type of namespace file handles. */
    public static final int FILEID_NSFS = 0xf1;
    /** {@code ns_id_req.user_ns_id} value meaning "owned by the caller's own user namespace". */
    public static final long LISTNS_CURRENT_USER = -1L;

    // <fcntl.h>, for redirect files of started processes; also in jnr-constants (ConstantsTest)
    public static final int O_WRONLY = 1;
    public static final int O_CREAT = 0x40;
    public static final int O_TRUNC = 0x200;
    public static final int O_APPEND = 0x400;
    /** {@code AT_FDCWD}: a path relative to the working directory. */
    public static final int AT_FDCWD = -100;

    // <sys/wait.h>, <signal.h>, <spawn.h>
    public static final int WEXITED = 4;
    public static final int WNOWAIT = 0x01000000;
    /** {@code si_code} values of a SIGCHLD siginfo. */
    public static final int CLD_EXITED = 1;
    /** waitid's {@code idtype} for one pid. */
    public static final int P_PID = 1;
    public static final int SIGKILL = 9;
    public static final int SIGTERM = 15;

    // <sys/mman.h> memfd_create(2), <fcntl.h> seals, <linux/close_range.h>: the launcher's memfd
    public static final int MFD_CLOEXEC = 0x1;
    public static final int MFD_ALLOW_SEALING = 0x2;
    /** {@code MFD_EXEC} (Linux 6.3): executable even where {@code vm.memfd_noexec} = 1 makes memfds noexec by default. */
    public static final int MFD_EXEC = 0x10;
    /** {@code F_ADD_SEALS} = {@code F_LINUX_SPECIFIC_BASE + 9}. */
    public static final int F_ADD_SEALS = 1033;
    public static final int F_SEAL_SEAL = 0x1;
    public static final int F_SEAL_SHRINK = 0x2;
    public static final int F_SEAL_GROW = 0x4;
    public static final int F_SEAL_WRITE = 0x8;
    /** {@code CLOSE_RANGE_CLOEXEC} (Linux 5.11): mark the range close-on-exec instead of closing it. */
    public static final int CLOSE_RANGE_CLOEXEC = 0x4;
}
