package io.github.nsfs4j.linux;

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
public final class Structs {
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
    public static final StructLayout STATFS = statfs(Arch.RUNNING == null ? Arch.X86_64 : Arch.RUNNING);
    private static final long STATFS_F_TYPE = field(STATFS, "f_type");
    private static final boolean STATFS_F_TYPE_IS_INT = STATFS.memberLayouts().getFirst().byteSize() == Integer.BYTES;

    /** {@code struct statfs} of {@code arch}. */
    public static StructLayout statfs(Arch arch) {
        return arch.statfsTypeBytes() == Integer.BYTES
                ? structLayout(JAVA_INT.withName("f_type"), paddingLayout(84))
                : structLayout(JAVA_LONG.withName("f_type"), paddingLayout(112));
    }

    /** {@code f_type}, the filesystem magic, as an unsigned value. */
    public static long statfsType(MemorySegment statfs) {
        return STATFS_F_TYPE_IS_INT
                ? Integer.toUnsignedLong(statfs.get(JAVA_INT, STATFS_F_TYPE))
                : statfs.get(JAVA_LONG, STATFS_F_TYPE);
    }

    // ---------------------------------------------------------------- struct statx (statx(2))

    private static final StructLayout STATX_TIMESTAMP = structLayout(
            JAVA_LONG.withName("tv_sec"), JAVA_INT.withName("tv_nsec"), JAVA_INT.withName("__reserved"));

    /** {@code struct statx}, 256 bytes, the same on every architecture. */
    public static final StructLayout STATX = structLayout(
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
    private static final long STATX_INO = field(STATX, "stx_ino");
    private static final long STATX_NLINK = field(STATX, "stx_nlink");
    private static final long STATX_UID = field(STATX, "stx_uid");
    private static final long STATX_DEV_MAJOR = field(STATX, "stx_dev_major");
    private static final long STATX_DEV_MINOR = field(STATX, "stx_dev_minor");

    public static long statxIno(MemorySegment statx) {
        return statx.get(JAVA_LONG, STATX_INO);
    }

    /** {@code stx_nlink}, unsigned in an int. */
    public static int statxNlink(MemorySegment statx) {
        return statx.get(JAVA_INT, STATX_NLINK);
    }

    /** {@code stx_uid}, unsigned in an int. */
    public static int statxUid(MemorySegment statx) {
        return statx.get(JAVA_INT, STATX_UID);
    }

    public static int statxDevMajor(MemorySegment statx) {
        return statx.get(JAVA_INT, STATX_DEV_MAJOR);
    }

    public static int statxDevMinor(MemorySegment statx) {
        return statx.get(JAVA_INT, STATX_DEV_MINOR);
    }

    /** glibc's {@code makedev}: the {@code st_dev} value that stat(2) reports and {@code stat -c %d} prints. */
    public static long makedev(int major, int minor) {
        long ma = Integer.toUnsignedLong(major);
        long mi = Integer.toUnsignedLong(minor);
        return ((ma & 0xfffff000L) << 32) | ((ma & 0xfffL) << 8) | ((mi & 0xffffff00L) << 12) | (mi & 0xffL);
    }

    // ---------------------------------------------------------------- struct mnt_ns_info (NS_MNT_GET_*)

    /** {@code struct mnt_ns_info}, version 0 ({@code MNT_NS_INFO_SIZE_VER0} = 16). */
    public static final StructLayout MNT_NS_INFO = structLayout(
            JAVA_INT.withName("size"), JAVA_INT.withName("nr_mounts"), JAVA_LONG.withName("mnt_ns_id"));
    private static final long MNT_NS_INFO_SIZE = field(MNT_NS_INFO, "size");
    private static final long MNT_NS_INFO_NR_MOUNTS = field(MNT_NS_INFO, "nr_mounts");
    private static final long MNT_NS_INFO_MNT_NS_ID = field(MNT_NS_INFO, "mnt_ns_id");

    public static int mntNsInfoSize(MemorySegment info) {
        return info.get(JAVA_INT, MNT_NS_INFO_SIZE);
    }

    public static int mntNsInfoNrMounts(MemorySegment info) {
        return info.get(JAVA_INT, MNT_NS_INFO_NR_MOUNTS);
    }

    public static long mntNsInfoMntNsId(MemorySegment info) {
        return info.get(JAVA_LONG, MNT_NS_INFO_MNT_NS_ID);
    }

    // ---------------------------------------------------------------- struct ns_id_req (listns(2))

    /** {@code struct ns_id_req}, version 0 (32 bytes). */
    public static final StructLayout NS_ID_REQ = structLayout(
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
    public static MemorySegment nsIdRequest(MemorySegment req, long cursor, int typeMask, long userNsId) {
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
    public static final StructLayout NSFS_FILE_HANDLE = structLayout(
            JAVA_INT.withName("handle_bytes"), JAVA_INT.withName("handle_type"),
            JAVA_LONG.withName("ns_id"), JAVA_INT.withName("ns_type"), JAVA_INT.withName("ns_inum"));
    /** {@code sizeof(struct file_handle)} without {@code f_handle}. */
    public static final long FILE_HANDLE_HEADER = NSFS_FILE_HANDLE.byteOffset(groupElement("ns_id"));
    /** The nsfs {@code f_handle} size, 16. */
    public static final int NSFS_HANDLE_BYTES = (int) (NSFS_FILE_HANDLE.byteSize() - FILE_HANDLE_HEADER);
    public static final long FILE_HANDLE_BYTES = field(NSFS_FILE_HANDLE, "handle_bytes");
    public static final long FILE_HANDLE_TYPE = field(NSFS_FILE_HANDLE, "handle_type");
    public static final long FILE_HANDLE_NS_ID = field(NSFS_FILE_HANDLE, "ns_id");
    public static final long FILE_HANDLE_NS_TYPE = field(NSFS_FILE_HANDLE, "ns_type");
    public static final long FILE_HANDLE_NS_INUM = field(NSFS_FILE_HANDLE, "ns_inum");

    // ---------------------------------------------------------------- struct pollfd (poll(2))

    /** {@code struct pollfd {int fd; short events; short revents}}. */
    public static final StructLayout POLLFD = structLayout(
            JAVA_INT.withName("fd"), JAVA_SHORT.withName("events"), JAVA_SHORT.withName("revents"));
    public static final long POLLFD_FD = field(POLLFD, "fd");
    public static final long POLLFD_EVENTS = field(POLLFD, "events");
    public static final long POLLFD_REVENTS = field(POLLFD, "revents");

    // ---------------------------------------------------------------- struct passwd (getpwuid_r(3))

    /** glibc's {@code struct passwd} on LP64: only {@code pw_name} is read. */
    public static final StructLayout PASSWD = structLayout(
            ADDRESS.withName("pw_name"), ADDRESS.withName("pw_passwd"), JAVA_INT.withName("pw_uid"),
            JAVA_INT.withName("pw_gid"), ADDRESS.withName("pw_gecos"), ADDRESS.withName("pw_dir"),
            ADDRESS.withName("pw_shell"));
    public static final long PASSWD_PW_NAME = field(PASSWD, "pw_name");

    // ---------------------------------------------------------------- siginfo_t (waitid(2))

    /**
     * {@code siginfo_t} of a SIGCHLD, 128 bytes: {@code si_signo, si_errno, si_code}, then the
     * union, 8-aligned: {@code si_pid, si_uid, si_status}. The same on every 64-bit architecture
     * of {@link Arch}.
     */
    public static final StructLayout SIGINFO = structLayout(
            JAVA_INT.withName("si_signo"), JAVA_INT.withName("si_errno"), JAVA_INT.withName("si_code"),
            paddingLayout(4), JAVA_INT.withName("si_pid"), JAVA_INT.withName("si_uid"),
            JAVA_INT.withName("si_status"), paddingLayout(128 - 28));
    private static final long SIGINFO_SI_CODE = field(SIGINFO, "si_code");
    private static final long SIGINFO_SI_STATUS = field(SIGINFO, "si_status");

    /** A child's end as {@link Process#exitValue()} reports it: its exit status, or 128 + the signal. */
    public static int exitStatus(MemorySegment siginfo) {
        int code = siginfo.get(JAVA_INT, SIGINFO_SI_CODE);
        int status = siginfo.get(JAVA_INT, SIGINFO_SI_STATUS);
        return code == Constants.CLD_EXITED ? status : 128 + status;
    }
}
