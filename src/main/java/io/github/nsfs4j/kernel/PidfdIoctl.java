package io.github.nsfs4j.kernel;

import io.github.nsfs4j.linux.Arch;
import io.github.nsfs4j.linux.IoctlCodes;

/**
 * The ioctl requests of a pidfd ({@code include/uapi/linux/pidfd.h}, magic
 * {@code PIDFS_IOCTL_MAGIC} = 0xFF) that open one of the process's namespaces, named as the
 * kernel names them: each answers a new fd (O_CLOEXEC) on the namespace, Linux 6.11. Pure
 * data, as {@link NsIoctl}; whether the running kernel has one: {@link KernelSupport#has}.
 *
 * <p>Most programs use {@code Pidfd} instead; this enum is the reference it is built on.
 */
public enum PidfdIoctl implements IoctlRequest {
    /** The process's cgroup namespace. */
    PIDFD_GET_CGROUP_NAMESPACE(1, NamespaceType.CGROUP),
    /** The process's ipc namespace. */
    PIDFD_GET_IPC_NAMESPACE(2, NamespaceType.IPC),
    /** The process's mount namespace. */
    PIDFD_GET_MNT_NAMESPACE(3, NamespaceType.MNT),
    /** The process's net namespace. */
    PIDFD_GET_NET_NAMESPACE(4, NamespaceType.NET),
    /** The process's own pid namespace. */
    PIDFD_GET_PID_NAMESPACE(5, NamespaceType.PID),
    /** The pid namespace the process's next children will be in. */
    PIDFD_GET_PID_FOR_CHILDREN_NAMESPACE(6, NamespaceType.PID),
    /** The process's time namespace. */
    PIDFD_GET_TIME_NAMESPACE(7, NamespaceType.TIME),
    /** The time namespace the process's next children will be in. */
    PIDFD_GET_TIME_FOR_CHILDREN_NAMESPACE(8, NamespaceType.TIME),
    /** The process's user namespace. */
    PIDFD_GET_USER_NAMESPACE(9, NamespaceType.USER),
    /** The process's uts namespace. */
    PIDFD_GET_UTS_NAMESPACE(10, NamespaceType.UTS);

    /** The ioctl type (magic) of pidfd requests, {@code PIDFS_IOCTL_MAGIC}. */
    static final int PIDFS_IOCTL_MAGIC = 0xFF;

    private static final KernelVersion SINCE = new KernelVersion(6, 11);

    private final int number;
    private final NamespaceType namespaceType;
    private final long request;

    PidfdIoctl(int number, NamespaceType namespaceType) {
        this.number = number;
        this.namespaceType = namespaceType;
        this.request = IoctlCodes._IO(PIDFS_IOCTL_MAGIC, number);
    }

    /**
     * The request that opens the process's own namespace of a type.
     *
     * @param type the namespace type
     * @return {@code PIDFD_GET_<TYPE>_NAMESPACE} (never a {@code _FOR_CHILDREN} one)
     */
    public static PidfdIoctl namespaceOf(NamespaceType type) {
        return switch (type) {
            case CGROUP -> PIDFD_GET_CGROUP_NAMESPACE;
            case IPC -> PIDFD_GET_IPC_NAMESPACE;
            case MNT -> PIDFD_GET_MNT_NAMESPACE;
            case NET -> PIDFD_GET_NET_NAMESPACE;
            case PID -> PIDFD_GET_PID_NAMESPACE;
            case TIME -> PIDFD_GET_TIME_NAMESPACE;
            case USER -> PIDFD_GET_USER_NAMESPACE;
            case UTS -> PIDFD_GET_UTS_NAMESPACE;
        };
    }

    /**
     * The type of namespace the request opens.
     *
     * @return the type
     */
    public NamespaceType namespaceType() {
        return namespaceType;
    }

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
        return SINCE;
    }
}
