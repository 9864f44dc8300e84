package io.github.nsfs4j;

import static io.github.nsfs4j.IoctlCodes._IO;
import static io.github.nsfs4j.IoctlCodes._IOWR;

import java.util.Objects;
import java.util.Optional;

/**
 * Every ioctl request of a pidfd ({@code include/uapi/linux/pidfd.h}, magic
 * {@code PIDFS_IOCTL_MAGIC} = 0xFF), named as the kernel names it: ten that open one of the
 * process's namespaces, and {@code PIDFD_GET_INFO}. Pure data, as {@link NsIoctl}; whether
 * the running kernel has one: {@link KernelSupport#has}.
 *
 * <p>Most programs use {@link Pidfd} instead; this enum is the reference it is built on.
 */
public enum PidfdIoctl implements IoctlRequest {
    /** The process's cgroup namespace, as a new fd. Linux 6.11. */
    PIDFD_GET_CGROUP_NAMESPACE(1, NamespaceType.CGROUP),
    /** The process's ipc namespace, as a new fd. Linux 6.11. */
    PIDFD_GET_IPC_NAMESPACE(2, NamespaceType.IPC),
    /** The process's mount namespace, as a new fd. Linux 6.11. */
    PIDFD_GET_MNT_NAMESPACE(3, NamespaceType.MNT),
    /** The process's net namespace, as a new fd. Linux 6.11. */
    PIDFD_GET_NET_NAMESPACE(4, NamespaceType.NET),
    /** The process's own pid namespace, as a new fd. Linux 6.11. */
    PIDFD_GET_PID_NAMESPACE(5, NamespaceType.PID),
    /** The pid namespace the process's next children will be in, as a new fd. Linux 6.11. */
    PIDFD_GET_PID_FOR_CHILDREN_NAMESPACE(6, NamespaceType.PID),
    /** The process's time namespace, as a new fd. Linux 6.11. */
    PIDFD_GET_TIME_NAMESPACE(7, NamespaceType.TIME),
    /** The time namespace the process's next children will be in, as a new fd. Linux 6.11. */
    PIDFD_GET_TIME_FOR_CHILDREN_NAMESPACE(8, NamespaceType.TIME),
    /** The process's user namespace, as a new fd. Linux 6.11. */
    PIDFD_GET_USER_NAMESPACE(9, NamespaceType.USER),
    /** The process's uts namespace, as a new fd. Linux 6.11. */
    PIDFD_GET_UTS_NAMESPACE(10, NamespaceType.UTS),
    /**
     * The process's pids, credentials, cgroup id and, once it has exited, its exit code, in a
     * {@code struct pidfd_info} (64-byte first version). Linux 6.13.
     */
    PIDFD_GET_INFO(11, (int) Structs.PIDFD_INFO.byteSize(), Argument.PIDFD_INFO_POINTER, Result.WRITTEN, null, 6, 13);

    /** The ioctl type (magic) of pidfd requests, {@code PIDFS_IOCTL_MAGIC}. */
    public static final int PIDFS_IOCTL_MAGIC = 0xFF;

    private final int number;
    private final int encodedSize;
    private final Argument argument;
    private final Result result;
    private final NamespaceType namespaceType;
    private final KernelVersion since;
    private final long request;

    PidfdIoctl(int number, NamespaceType namespaceType) {
        this(number, 0, Argument.NONE, Result.NEW_FD, namespaceType, 6, 11);
    }

    PidfdIoctl(int number, int encodedSize, Argument argument, Result result, NamespaceType namespaceType,
            int sinceMajor, int sinceMinor) {
        this.number = number;
        this.encodedSize = encodedSize;
        this.argument = argument;
        this.result = result;
        this.namespaceType = namespaceType;
        this.since = new KernelVersion(sinceMajor, sinceMinor);
        // the namespace requests are _IO; PIDFD_GET_INFO is extensible: _IOWR with the struct size
        this.request = encodedSize == 0 ? _IO(PIDFS_IOCTL_MAGIC, number) : _IOWR(PIDFS_IOCTL_MAGIC, number, encodedSize);
    }

    /**
     * The request that opens the process's own namespace of a type.
     *
     * @param type the namespace type
     * @return {@code PIDFD_GET_<TYPE>_NAMESPACE} (never a {@code _FOR_CHILDREN} one)
     */
    public static PidfdIoctl namespaceOf(NamespaceType type) {
        return switch (Objects.requireNonNull(type, "type")) {
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
     * @return the type; empty for {@code PIDFD_GET_INFO}
     */
    public Optional<NamespaceType> namespaceType() {
        return Optional.ofNullable(namespaceType);
    }

    @Override
    public long request() {
        if (Arch.RUNNING == null) { // a constant: the JIT drops the test
            Arch.require();
        }
        return request;
    }

    @Override
    public int type() {
        return PIDFS_IOCTL_MAGIC;
    }

    @Override
    public int number() {
        return number;
    }

    @Override
    public int encodedSize() {
        return encodedSize;
    }

    @Override
    public Argument argument() {
        return argument;
    }

    @Override
    public Result result() {
        return result;
    }

    @Override
    public KernelVersion since() {
        return since;
    }
}
