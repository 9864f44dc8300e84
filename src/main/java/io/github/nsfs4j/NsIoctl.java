package io.github.nsfs4j;

import static io.github.nsfs4j.IoctlCodes._IO;
import static io.github.nsfs4j.IoctlCodes._IOR;

/**
 * Every ioctl request of the namespace filesystem ({@code include/uapi/linux/nsfs.h}, magic
 * {@code NSIO} = 0xb7), named as the kernel names it. Each constant knows its request number,
 * computed from the {@code _IO}/{@code _IOR} encoding, what its third argument is, how it
 * answers, and the kernel version that brought it.
 *
 * <p>Most programs use the typed methods of {@link Namespace} and its subclasses instead;
 * this enum is the reference they are built on, and {@link #isSupported()} tells whether the
 * running kernel has a request.
 */
public enum NsIoctl {
    /** The owning user namespace, as a new fd (on a user namespace: its parent). Linux 4.9. */
    NS_GET_USERNS(1, 0, Argument.NONE, Result.NEW_FD, 4, 9),
    /** The parent namespace, as a new fd; pid and user namespaces only. Linux 4.9. */
    NS_GET_PARENT(2, 0, Argument.NONE, Result.NEW_FD, 4, 9),
    /** The namespace's {@code CLONE_NEW*} flag, as the return value. Linux 4.11. */
    NS_GET_NSTYPE(3, 0, Argument.NONE, Result.RETURN_VALUE, 4, 11),
    /** A user namespace's owner uid, written through a {@code uid_t *}. Linux 4.11. */
    NS_GET_OWNER_UID(4, 0, Argument.UID_POINTER, Result.WRITTEN, 4, 11),
    /** A mount namespace's 64-bit id, written through a {@code __u64 *}. Linux 6.11. */
    NS_GET_MNTNS_ID(5, Long.BYTES, Argument.U64_POINTER, Result.WRITTEN, 6, 11),
    /** A pid of the target pid namespace, as seen in the caller's: the return value. Linux 6.11. */
    NS_GET_PID_FROM_PIDNS(6, Integer.BYTES, Argument.PID_VALUE, Result.RETURN_VALUE, 6, 11),
    /** The thread-group leader of a pid of the target namespace, as seen in the caller's. Linux 6.11. */
    NS_GET_TGID_FROM_PIDNS(7, Integer.BYTES, Argument.PID_VALUE, Result.RETURN_VALUE, 6, 11),
    /** A pid of the caller's pid namespace, as seen in the target namespace. Linux 6.11. */
    NS_GET_PID_IN_PIDNS(8, Integer.BYTES, Argument.PID_VALUE, Result.RETURN_VALUE, 6, 11),
    /** The thread-group leader of a caller-namespace pid, as seen in the target namespace. Linux 6.11. */
    NS_GET_TGID_IN_PIDNS(9, Integer.BYTES, Argument.PID_VALUE, Result.RETURN_VALUE, 6, 11),
    /** A mount namespace's id and mount count, written to a {@code struct mnt_ns_info}. Linux 6.12. */
    NS_MNT_GET_INFO(10, (int) Structs.MNT_NS_INFO.byteSize(), Argument.MNT_NS_INFO_POINTER, Result.WRITTEN, 6, 12),
    /** The next mount namespace by id, as a new fd, with its {@code struct mnt_ns_info}. Linux 6.12. */
    NS_MNT_GET_NEXT(11, (int) Structs.MNT_NS_INFO.byteSize(), Argument.MNT_NS_INFO_POINTER, Result.NEW_FD, 6, 12),
    /** The previous mount namespace by id, as a new fd, with its {@code struct mnt_ns_info}. Linux 6.12. */
    NS_MNT_GET_PREV(12, (int) Structs.MNT_NS_INFO.byteSize(), Argument.MNT_NS_INFO_POINTER, Result.NEW_FD, 6, 12),
    /** Any namespace's 64-bit id, never reused within a boot, written through a {@code __u64 *}. Linux 6.18. */
    NS_GET_ID(13, Long.BYTES, Argument.U64_POINTER, Result.WRITTEN, 6, 18);

    /** The ioctl type (magic) of the namespace filesystem, {@code NSIO}. */
    public static final int NSIO = 0xb7;

    /** What the request takes as the third argument of {@code ioctl(2)}. */
    public enum Argument {
        /** Nothing: 0 is passed. */
        NONE,
        /** A pid, passed by value (not through a pointer, despite the {@code _IOR} encoding). */
        PID_VALUE,
        /** A pointer to a {@code uid_t} that the kernel writes. */
        UID_POINTER,
        /** A pointer to a {@code __u64} that the kernel writes. */
        U64_POINTER,
        /** A pointer to a {@code struct mnt_ns_info} that the kernel fills. */
        MNT_NS_INFO_POINTER
    }

    /** How the request answers. */
    public enum Result {
        /** The return value is a new file descriptor (O_CLOEXEC) that the caller owns. */
        NEW_FD,
        /** The return value is the answer. */
        RETURN_VALUE,
        /** The answer is written through the pointer argument; the return value is 0. */
        WRITTEN
    }

    private final int number;
    private final int encodedSize;
    private final Argument argument;
    private final Result result;
    private final KernelVersion since;
    private final long request;

    NsIoctl(int number, int encodedSize, Argument argument, Result result, int sinceMajor, int sinceMinor) {
        this.number = number;
        this.encodedSize = encodedSize;
        this.argument = argument;
        this.result = result;
        this.since = new KernelVersion(sinceMajor, sinceMinor);
        // The four oldest requests are _IO even where they take a pointer (NS_GET_OWNER_UID).
        this.request = encodedSize == 0 ? _IO(NSIO, number) : _IOR(NSIO, number, encodedSize);
    }

    /**
     * The request number passed to {@code ioctl(2)} on the running architecture, such as
     * {@code 0x8004b706} (x86-64, arm64, riscv64, s390x; powerpc encodes the direction differently).
     *
     * @return the request number, an unsigned 32-bit value
     * @throws UnsupportedOperationException on an architecture whose ioctl encoding nsfs4j does not know
     */
    public long request() {
        if (Arch.RUNNING == null) { // a constant: the JIT drops the test
            Arch.require();
        }
        return request;
    }

    /** The request's ordinal number within {@code NSIO} (the {@code nr} of {@code _IO(0xb7, nr)}). */
    public int number() {
        return number;
    }

    /** The argument size encoded in the request number: 0 for {@code _IO} requests. */
    public int encodedSize() {
        return encodedSize;
    }

    /** What the request takes as its third argument. */
    public Argument argument() {
        return argument;
    }

    /** How the request answers. */
    public Result result() {
        return result;
    }

    /** The first kernel version that has the request. */
    public KernelVersion since() {
        return since;
    }

    /**
     * Whether the running kernel has this request. Found once per request by a probe on the
     * caller's own namespaces that must succeed where the request exists, so that the
     * {@code ENOTTY}-for-{@code ESRCH} quirk of some 6.11 to 6.17 kernels cannot pass for a
     * missing request. Where the probe cannot run (no {@code /proc}), the kernel version decides.
     *
     * @throws IllegalCallerException if native access is not enabled for nsfs4j
     */
    public boolean isSupported() {
        return Support.isSupported(this);
    }

    /** The request's name and number, such as {@code NS_GET_PID_FROM_PIDNS (0x8004b706)}. */
    public String describe() {
        return name() + " (0x" + Long.toHexString(request) + ")";
    }
}
