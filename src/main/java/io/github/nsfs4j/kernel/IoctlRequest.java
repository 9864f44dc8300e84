package io.github.nsfs4j.kernel;

/**
 * One ioctl request of the kernel's namespace interface, as data: its name, its number on
 * the running architecture, and the kernel that brought it. The two tables are
 * {@link NsIoctl} (requests on a namespace fd) and {@link PidfdIoctl} (requests on a pidfd).
 * Whether the running kernel has a request: {@link KernelSupport#has}.
 */
public sealed interface IoctlRequest permits NsIoctl, PidfdIoctl {

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
     * The request's ordinal number within its family (the {@code nr} of {@code _IO(type, nr)}).
     *
     * @return the number, 1 to 255
     */
    int number();

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
