package io.github.nsfs4j.kernel;

import io.github.nsfs4j.linux.Arch;
import io.github.nsfs4j.linux.IoctlCodes;
import io.github.nsfs4j.linux.Structs;

/**
 * Every ioctl request of the namespace filesystem ({@code include/uapi/linux/nsfs.h}, magic
 * {@code NSIO} = 0xb7), named as the kernel names it. Each constant knows its request number,
 * computed from the {@code _IO}/{@code _IOR} encoding of the running architecture, and the
 * kernel version that brought it.
 *
 * <p>Most programs use the typed methods of {@code Namespace} and its subclasses instead;
 * this enum is the reference they are built on. It is pure data: whether the running kernel
 * has a request is {@link KernelSupport#has}'s question.
 */
public enum NsIoctl implements IoctlRequest {
    /** The owning user namespace, as a new fd (on a user namespace: its parent). Linux 4.9. */
    NS_GET_USERNS(1, 0, Argument.NONE, Result.NEW_FD, null, 4, 9),
    /** The parent namespace, as a new fd; pid and user namespaces only. Linux 4.9. */
    NS_GET_PARENT(2, 0, Argument.NONE, Result.NEW_FD, null, 4, 9),
    /** The namespace's {@code CLONE_NEW*} flag, as the return value. Linux 4.11. */
    NS_GET_NSTYPE(3, 0, Argument.NONE, Result.RETURN_VALUE, null, 4, 11),
    /** A user namespace's owner uid, written through a {@code uid_t *}. Linux 4.11. */
    NS_GET_OWNER_UID(4, 0, Argument.POINTER, Result.WRITTEN, NamespaceType.USER, 4, 11),
    /** A mount namespace's 64-bit id, written through a {@code __u64 *}. Linux 6.11. */
    NS_GET_MNTNS_ID(5, Long.BYTES, Argument.POINTER, Result.WRITTEN, NamespaceType.MNT, 6, 11),
    /** A pid of the target pid namespace, as seen in the caller's: the return value. Linux 6.11. */
    NS_GET_PID_FROM_PIDNS(6, Integer.BYTES, Argument.PID_VALUE, Result.RETURN_VALUE, NamespaceType.PID, 6, 11),
    /** The thread-group leader of a pid of the target namespace, as seen in the caller's. Linux 6.11. */
    NS_GET_TGID_FROM_PIDNS(7, Integer.BYTES, Argument.PID_VALUE, Result.RETURN_VALUE, NamespaceType.PID, 6, 11),
    /** A pid of the caller's pid namespace, as seen in the target namespace. Linux 6.11. */
    NS_GET_PID_IN_PIDNS(8, Integer.BYTES, Argument.PID_VALUE, Result.RETURN_VALUE, NamespaceType.PID, 6, 11),
    /** The thread-group leader of a caller-namespace pid, as seen in the target namespace. Linux 6.11. */
    NS_GET_TGID_IN_PIDNS(9, Integer.BYTES, Argument.PID_VALUE, Result.RETURN_VALUE, NamespaceType.PID, 6, 11),
    /** A mount namespace's id and mount count, written to a {@code struct mnt_ns_info}. Linux 6.12. */
    NS_MNT_GET_INFO(10, (int) Structs.MNT_NS_INFO.byteSize(), Argument.POINTER, Result.WRITTEN, NamespaceType.MNT,
            6, 12),
    /** The next mount namespace by id, as a new fd, with its {@code struct mnt_ns_info}. Linux 6.12. */
    NS_MNT_GET_NEXT(11, (int) Structs.MNT_NS_INFO.byteSize(), Argument.POINTER, Result.NEW_FD, NamespaceType.MNT,
            6, 12),
    /** The previous mount namespace by id, as a new fd, with its {@code struct mnt_ns_info}. Linux 6.12. */
    NS_MNT_GET_PREV(12, (int) Structs.MNT_NS_INFO.byteSize(), Argument.POINTER, Result.NEW_FD, NamespaceType.MNT,
            6, 12),
    /** Any namespace's 64-bit id, never reused within a boot, written through a {@code __u64 *}. Linux 6.18. */
    NS_GET_ID(13, Long.BYTES, Argument.POINTER, Result.WRITTEN, null, 6, 18);

    /** The ioctl type (magic) of the namespace filesystem, {@code NSIO}. */
    static final int NSIO = 0xb7;

    /** What a request takes as the third argument of {@code ioctl(2)}. */
    enum Argument {
        /** Nothing: 0 is passed. */
        NONE,
        /** A pid, passed by value (not through a pointer, despite the {@code _IOR} encoding). */
        PID_VALUE,
        /** A pointer to memory the kernel writes: a {@code uid_t}, a {@code __u64}, a struct. */
        POINTER
    }

    /** How a request answers. */
    enum Result {
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
    private final NamespaceType only;
    private final KernelVersion since;
    private final long request;

    NsIoctl(int number, int encodedSize, Argument argument, Result result, NamespaceType only, int sinceMajor,
            int sinceMinor) {
        this.number = number;
        this.encodedSize = encodedSize;
        this.argument = argument;
        this.result = result;
        this.only = only;
        this.since = new KernelVersion(sinceMajor, sinceMinor);
        // The four oldest requests are _IO even where they take a pointer (NS_GET_OWNER_UID).
        this.request = encodedSize == 0 ? IoctlCodes._IO(NSIO, number) : IoctlCodes._IOR(NSIO, number, encodedSize);
    }

    /**
     * {@inheritDoc} Such as {@code 0x8004b706} on x86-64, arm64, riscv64 and s390x; powerpc
     * encodes the direction differently.
     */
    @Override
    public long request() {
        return Arch.checked(request);
    }

    @Override
    public int number() {
        return number;
    }

    @Override
    public KernelVersion since() {
        return since;
    }

    /** The argument size encoded in the request number; 0 for {@code _IO} requests. */
    int encodedSize() {
        return encodedSize;
    }

    Argument argument() {
        return argument;
    }

    Result result() {
        return result;
    }

    /** The one namespace type the request works on, or null where it works on every type. */
    NamespaceType only() {
        return only;
    }
}
