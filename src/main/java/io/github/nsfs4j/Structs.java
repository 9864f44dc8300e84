package io.github.nsfs4j;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.MemoryLayout.paddingLayout;
import static java.lang.foreign.MemoryLayout.structLayout;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * The kernel structures nsfs4j reads or fills, each defined once, with the kernel's field
 * names; fields are reached at their offsets as the layouts give them (or through the
 * accessors below), never at offsets written by hand. Only the fields nsfs4j uses are named where a structure
 * has many; the rest is padding of the right size.
 */
final class Structs {
    private Structs() {}

    /**
     * The offset of a named field, read from the layout. Fields are read and written as
     * {@code segment.get(JAVA_INT, offset)}: the same code after JIT compilation as a
     * VarHandle of the field, but without making one per field when this class loads (each
     * costs method-handle adaptation at start-up, and most are never used by one command).
     */
    private static long field(MemoryLayout layout, String name) {
        return layout.byteOffset(groupElement(name));
    }

    // ---------------------------------------------------------------- struct statfs (statfs(2))

    /**
     * {@code struct statfs}: only {@code f_type} is read, a long on 64-bit Linux except s390x,
     * where it is an {@code unsigned int} (and the structure 88 bytes, not 120).
     */
    static final StructLayout STATFS = statfs(Arch.RUNNING == null ? Arch.X86_64 : Arch.RUNNING);
    private static final long STATFS_F_TYPE = field(STATFS, "f_type");
    private static final boolean STATFS_F_TYPE_IS_INT = STATFS.memberLayouts().getFirst().byteSize() == Integer.BYTES;

    /** {@code struct statfs} of {@code arch}. */
    static StructLayout statfs(Arch arch) {
        return arch.statfsTypeBytes() == Integer.BYTES
                ? structLayout(JAVA_INT.withName("f_type"), paddingLayout(84))
                : structLayout(JAVA_LONG.withName("f_type"), paddingLayout(112));
    }

    /** {@code f_type}, the filesystem magic, as an unsigned value. */
    static long statfsType(MemorySegment statfs) {
        return STATFS_F_TYPE_IS_INT
                ? Integer.toUnsignedLong(statfs.get(JAVA_INT, STATFS_F_TYPE))
                : statfs.get(JAVA_LONG, STATFS_F_TYPE);
    }

    // ---------------------------------------------------------------- struct statx (statx(2))

    private static final StructLayout STATX_TIMESTAMP = structLayout(
            JAVA_LONG.withName("tv_sec"), JAVA_INT.withName("tv_nsec"), JAVA_INT.withName("__reserved"));

    /** {@code struct statx}, 256 bytes, the same on every architecture. */
    static final StructLayout STATX = structLayout(
            JAVA_INT.withName("stx_mask"),
            JAVA_INT.withName("stx_blksize"),
            JAVA_LONG.withName("stx_attributes"),
            JAVA_INT.withName("stx_nlink"),
            JAVA_INT.withName("stx_uid"),
            JAVA_INT.withName("stx_gid"),
            JAVA_SHORT.withName("stx_mode"),
            paddingLayout(2),
            JAVA_LONG.withName("stx_ino"),
            JAVA_LONG.withName("stx_size"),
            JAVA_LONG.withName("stx_blocks"),
            JAVA_LONG.withName("stx_attributes_mask"),
            STATX_TIMESTAMP.withName("stx_atime"),
            STATX_TIMESTAMP.withName("stx_btime"),
            STATX_TIMESTAMP.withName("stx_ctime"),
            STATX_TIMESTAMP.withName("stx_mtime"),
            JAVA_INT.withName("stx_rdev_major"),
            JAVA_INT.withName("stx_rdev_minor"),
            JAVA_INT.withName("stx_dev_major"),
            JAVA_INT.withName("stx_dev_minor"),
            paddingLayout(256 - 144));
    private static final long STATX_MASK = field(STATX, "stx_mask");
    private static final long STATX_INO = field(STATX, "stx_ino");
    private static final long STATX_DEV_MAJOR = field(STATX, "stx_dev_major");
    private static final long STATX_DEV_MINOR = field(STATX, "stx_dev_minor");

    static int statxMask(MemorySegment statx) {
        return statx.get(JAVA_INT, STATX_MASK);
    }

    static long statxIno(MemorySegment statx) {
        return statx.get(JAVA_LONG, STATX_INO);
    }

    static int statxDevMajor(MemorySegment statx) {
        return statx.get(JAVA_INT, STATX_DEV_MAJOR);
    }

    static int statxDevMinor(MemorySegment statx) {
        return statx.get(JAVA_INT, STATX_DEV_MINOR);
    }

    // ---------------------------------------------------------------- struct mnt_ns_info (NS_MNT_GET_*)

    /** {@code struct mnt_ns_info}, version 0 ({@code MNT_NS_INFO_SIZE_VER0} = 16). */
    static final StructLayout MNT_NS_INFO = structLayout(
            JAVA_INT.withName("size"), JAVA_INT.withName("nr_mounts"), JAVA_LONG.withName("mnt_ns_id"));
    private static final long MNT_NS_INFO_SIZE = field(MNT_NS_INFO, "size");
    private static final long MNT_NS_INFO_NR_MOUNTS = field(MNT_NS_INFO, "nr_mounts");
    private static final long MNT_NS_INFO_MNT_NS_ID = field(MNT_NS_INFO, "mnt_ns_id");

    static int mntNsInfoSize(MemorySegment info) {
        return info.get(JAVA_INT, MNT_NS_INFO_SIZE);
    }

    static int mntNsInfoNrMounts(MemorySegment info) {
        return info.get(JAVA_INT, MNT_NS_INFO_NR_MOUNTS);
    }

    static long mntNsInfoMntNsId(MemorySegment info) {
        return info.get(JAVA_LONG, MNT_NS_INFO_MNT_NS_ID);
    }

    // ---------------------------------------------------------------- struct ns_id_req (listns(2))

    /** {@code struct ns_id_req}, version 0 (32 bytes). */
    static final StructLayout NS_ID_REQ = structLayout(
            JAVA_INT.withName("size"), JAVA_INT.withName("spare"), JAVA_LONG.withName("ns_id"),
            JAVA_INT.withName("ns_type"), JAVA_INT.withName("spare2"), JAVA_LONG.withName("user_ns_id"));
    private static final long NS_ID_REQ_SIZE = field(NS_ID_REQ, "size");
    private static final long NS_ID_REQ_NS_ID = field(NS_ID_REQ, "ns_id");
    private static final long NS_ID_REQ_NS_TYPE = field(NS_ID_REQ, "ns_type");
    private static final long NS_ID_REQ_USER_NS_ID = field(NS_ID_REQ, "user_ns_id");

    /**
     * Fills a {@code struct ns_id_req}: {@code cursor} is the last id already seen (0 to
     * start), {@code typeMask} an OR of CLONE_NEW* flags (0 for all), {@code userNsId} 0 for
     * any owner, {@link Constants#LISTNS_CURRENT_USER} for the caller's own user namespace.
     */
    static MemorySegment nsIdRequest(MemorySegment req, long cursor, int typeMask, long userNsId) {
        req.fill((byte) 0);
        req.set(JAVA_INT, NS_ID_REQ_SIZE, (int) NS_ID_REQ.byteSize());
        req.set(JAVA_LONG, NS_ID_REQ_NS_ID, cursor);
        req.set(JAVA_INT, NS_ID_REQ_NS_TYPE, typeMask);
        req.set(JAVA_LONG, NS_ID_REQ_USER_NS_ID, userNsId);
        return req;
    }

    // ---------------------------------------------------------------- struct file_handle, nsfs form

    /**
     * {@code struct file_handle {u32 handle_bytes; int handle_type; unsigned char f_handle[]}}
     * with the 16-byte nsfs {@code f_handle}: {@code {u64 ns_id; u32 ns_type; u32 ns_inum}}.
     */
    static final StructLayout NSFS_FILE_HANDLE = structLayout(
            JAVA_INT.withName("handle_bytes"), JAVA_INT.withName("handle_type"),
            JAVA_LONG.withName("ns_id"), JAVA_INT.withName("ns_type"), JAVA_INT.withName("ns_inum"));
    /** {@code sizeof(struct file_handle)} without {@code f_handle}. */
    static final long FILE_HANDLE_HEADER = NSFS_FILE_HANDLE.byteOffset(groupElement("ns_id"));
    /** The nsfs {@code f_handle} size, 16. */
    static final int NSFS_HANDLE_BYTES = (int) (NSFS_FILE_HANDLE.byteSize() - FILE_HANDLE_HEADER);
    static final long FILE_HANDLE_BYTES = field(NSFS_FILE_HANDLE, "handle_bytes");
    static final long FILE_HANDLE_TYPE = field(NSFS_FILE_HANDLE, "handle_type");
    static final long FILE_HANDLE_NS_ID = field(NSFS_FILE_HANDLE, "ns_id");
    static final long FILE_HANDLE_NS_TYPE = field(NSFS_FILE_HANDLE, "ns_type");
    static final long FILE_HANDLE_NS_INUM = field(NSFS_FILE_HANDLE, "ns_inum");

    // ---------------------------------------------------------------- struct pidfd_info (PIDFD_GET_INFO)

    /** {@code struct pidfd_info}, the 64-byte first version. */
    static final StructLayout PIDFD_INFO = structLayout(
            JAVA_LONG.withName("mask"), JAVA_LONG.withName("cgroupid"),
            JAVA_INT.withName("pid"), JAVA_INT.withName("tgid"), JAVA_INT.withName("ppid"),
            JAVA_INT.withName("ruid"), JAVA_INT.withName("rgid"), JAVA_INT.withName("euid"),
            JAVA_INT.withName("egid"), JAVA_INT.withName("suid"), JAVA_INT.withName("sgid"),
            JAVA_INT.withName("fsuid"), JAVA_INT.withName("fsgid"), JAVA_INT.withName("exit_code"));
    static final long PIDFD_INFO_MASK = field(PIDFD_INFO, "mask");
    static final long PIDFD_INFO_CGROUPID = field(PIDFD_INFO, "cgroupid");
    static final long PIDFD_INFO_PID = field(PIDFD_INFO, "pid");
    static final long PIDFD_INFO_TGID = field(PIDFD_INFO, "tgid");
    static final long PIDFD_INFO_PPID = field(PIDFD_INFO, "ppid");
    static final long PIDFD_INFO_RUID = field(PIDFD_INFO, "ruid");
    static final long PIDFD_INFO_EUID = field(PIDFD_INFO, "euid");
    static final long PIDFD_INFO_EXIT_CODE = field(PIDFD_INFO, "exit_code");

    // ---------------------------------------------------------------- struct pollfd (poll(2))

    /** {@code struct pollfd {int fd; short events; short revents}}. */
    static final StructLayout POLLFD = structLayout(
            JAVA_INT.withName("fd"), JAVA_SHORT.withName("events"), JAVA_SHORT.withName("revents"));
    static final long POLLFD_FD = field(POLLFD, "fd");
    static final long POLLFD_EVENTS = field(POLLFD, "events");
    static final long POLLFD_REVENTS = field(POLLFD, "revents");

    // ---------------------------------------------------------------- struct passwd (getpwuid_r(3))

    /** glibc's {@code struct passwd} on LP64: only {@code pw_name} is read. */
    static final StructLayout PASSWD = structLayout(
            ADDRESS.withName("pw_name"), ADDRESS.withName("pw_passwd"), JAVA_INT.withName("pw_uid"),
            JAVA_INT.withName("pw_gid"), ADDRESS.withName("pw_gecos"), ADDRESS.withName("pw_dir"),
            ADDRESS.withName("pw_shell"));
    static final long PASSWD_PW_NAME = field(PASSWD, "pw_name");
    static final long PASSWD_PW_UID = field(PASSWD, "pw_uid");
    // ---------------------------------------------------------------- siginfo_t (waitid(2))

    /**
     * {@code siginfo_t} of a SIGCHLD, 128 bytes: {@code si_signo, si_errno, si_code}, then the
     * union, 8-aligned: {@code si_pid, si_uid, si_status}. The same on every 64-bit architecture
     * of {@link Arch}.
     */
    static final StructLayout SIGINFO = structLayout(
            JAVA_INT.withName("si_signo"), JAVA_INT.withName("si_errno"), JAVA_INT.withName("si_code"),
            paddingLayout(4), JAVA_INT.withName("si_pid"), JAVA_INT.withName("si_uid"),
            JAVA_INT.withName("si_status"), paddingLayout(128 - 28));
    private static final long SIGINFO_SI_CODE = field(SIGINFO, "si_code");
    private static final long SIGINFO_SI_STATUS = field(SIGINFO, "si_status");

    /** A child's end as {@link Process#exitValue()} reports it: its exit status, or 128 + the signal. */
    static int exitStatus(MemorySegment siginfo) {
        int code = siginfo.get(JAVA_INT, SIGINFO_SI_CODE);
        int status = siginfo.get(JAVA_INT, SIGINFO_SI_STATUS);
        return code == Constants.CLD_EXITED ? status : 128 + status;
    }

    // ---------------------------------------------------------------- posix_spawn(3) types

    /**
     * Room for {@code posix_spawn_file_actions_t} and {@code posix_spawnattr_t}, which only
     * the C library reads or writes (glibc: 80 and 336 bytes on 64-bit); allocated larger,
     * 16-aligned, so that no C library's layout can overflow them.
     */
    static final long POSIX_SPAWN_FILE_ACTIONS_SIZE = 256;
    static final long POSIX_SPAWNATTR_SIZE = 1024;
    /** {@code sigset_t}: 1024 bits in glibc; all zero is the empty set sigemptyset(3) makes. */
    static final long SIGSET_SIZE = 128;
}
