package io.github.nsfs4j;

/**
 * One ioctl request of the kernel's namespace interface, as data: its number on the running
 * architecture, what it takes, how it answers, and the kernel that brought it. The two
 * tables are {@link NsIoctl} (requests on a namespace fd) and {@link PidfdIoctl} (requests
 * on a pidfd). Whether the running kernel has a request: {@link KernelSupport#has}.
 */
public sealed interface IoctlRequest permits NsIoctl, PidfdIoctl {

    /** What a request takes as the third argument of {@code ioctl(2)}. */
    enum Argument {
        /** Nothing: 0 is passed (the pidfd requests demand 0). */
        NONE,
        /** A pid, passed by value (not through a pointer, despite the {@code _IOR} encoding). */
        PID_VALUE,
        /** A pointer to a {@code uid_t} that the kernel writes. */
        UID_POINTER,
        /** A pointer to a {@code __u64} that the kernel writes. */
        U64_POINTER,
        /** A pointer to a {@code struct mnt_ns_info} that the kernel fills. */
        MNT_NS_INFO_POINTER,
        /** A pointer to a {@code struct pidfd_info} whose request mask the kernel reads and whose fields it fills. */
        PIDFD_INFO_POINTER
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

    /**
     * The request's name, as the kernel's headers spell it.
     *
     * @return the name, such as {@code NS_GET_PID_FROM_PIDNS}
     */
    String name();

    /**
     * The request number passed to {@code ioctl(2)} on the running architecture.
     *
     * @return the request number, an unsigned 32-bit value such as {@code 0x8004b706}
     * @throws UnsupportedOperationException on an architecture whose ioctl encoding nsfs4j does not know
     */
    long request();

    /**
     * The ioctl type (magic) of the request.
     *
     * @return {@code 0xb7} ({@code NSIO}) for nsfs requests, {@code 0xff} for pidfd requests
     */
    int type();

    /**
     * The request's ordinal number within its type (the {@code nr} of {@code _IO(type, nr)}).
     *
     * @return the number, 1 to 255
     */
    int number();

    /**
     * The argument size encoded in the request number.
     *
     * @return the size in bytes; 0 for {@code _IO} requests
     */
    int encodedSize();

    /**
     * What the request takes as its third argument.
     *
     * @return the kind of argument
     */
    Argument argument();

    /**
     * How the request answers.
     *
     * @return the kind of answer
     */
    Result result();

    /**
     * The first kernel version that has the request (distribution kernels may have it earlier).
     *
     * @return the upstream version, such as 6.11
     */
    KernelVersion since();

    /**
     * The request's name and number.
     *
     * @return for example {@code NS_GET_PID_FROM_PIDNS (0x8004b706)}
     */
    default String describe() {
        return name() + " (0x" + Long.toHexString(request()) + ")";
    }
}
