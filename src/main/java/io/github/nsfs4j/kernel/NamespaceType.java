package io.github.nsfs4j.kernel;

import java.util.Locale;
import java.util.Optional;

/**
 * The eight kinds of Linux namespace, with the {@code CLONE_NEW*} flag that
 * {@code NS_GET_NSTYPE} reports and the name of its file under {@code /proc/<pid>/ns/}.
 */
public enum NamespaceType {
    /** Cgroup namespace, {@code CLONE_NEWCGROUP} (Linux 4.6). */
    CGROUP("cgroup", 0x02000000),
    /** IPC namespace, {@code CLONE_NEWIPC}. */
    IPC("ipc", 0x08000000),
    /** Mount namespace, {@code CLONE_NEWNS}. */
    MNT("mnt", 0x00020000),
    /** Network namespace, {@code CLONE_NEWNET}. */
    NET("net", 0x40000000),
    /** PID namespace, {@code CLONE_NEWPID}; hierarchical. */
    PID("pid", 0x20000000),
    /** Time namespace, {@code CLONE_NEWTIME} (Linux 5.6). */
    TIME("time", 0x00000080),
    /** User namespace, {@code CLONE_NEWUSER}; hierarchical, and owner of every other namespace. */
    USER("user", 0x10000000),
    /** UTS (host and domain name) namespace, {@code CLONE_NEWUTS}. */
    UTS("uts", 0x04000000);

    private static final NamespaceType[] VALUES = values();

    private final String procName;
    private final int cloneFlag;

    NamespaceType(String procName, int cloneFlag) {
        this.procName = procName;
        this.cloneFlag = cloneFlag;
    }

    /**
     * The file name under {@code /proc/<pid>/ns/} and in {@code readlink} output.
     *
     * @return {@code mnt}, {@code net}, ...
     */
    public String procName() {
        return procName;
    }

    /**
     * The {@code CLONE_NEW*} flag, as {@code NS_GET_NSTYPE} returns it.
     *
     * @return the flag
     */
    public int cloneFlag() {
        return cloneFlag;
    }

    /**
     * Whether namespaces of this type have parents ({@code NS_GET_PARENT}): pid and user only.
     *
     * @return true for pid and user
     */
    public boolean isHierarchical() {
        return this == PID || this == USER;
    }

    /**
     * The type with this {@code CLONE_NEW*} flag.
     *
     * @param flag a {@code CLONE_NEW*} flag
     * @return the type
     * @throws IllegalArgumentException if no namespace type has that flag
     */
    public static NamespaceType fromCloneFlag(int flag) {
        Optional<NamespaceType> type = ofCloneFlag(flag);
        if (type.isEmpty()) {
            throw new IllegalArgumentException("no namespace type has the clone flag 0x" + Integer.toHexString(flag));
        }
        return type.get();
    }

    /**
     * The type with this {@code CLONE_NEW*} flag, if nsfs4j knows one: for flags the kernel
     * answers (a newer kernel may know more types).
     *
     * @param flag a {@code CLONE_NEW*} flag
     * @return the type, or empty
     */
    public static Optional<NamespaceType> ofCloneFlag(int flag) {
        for (NamespaceType type : VALUES) {
            if (type.cloneFlag == flag) {
                return Optional.of(type);
            }
        }
        return Optional.empty();
    }

    /**
     * The type with this name, as under {@code /proc/<pid>/ns/} ({@code cgroup ipc mnt net pid time user uts});
     * case-insensitive.
     *
     * @param name the name
     * @return the type
     * @throws IllegalArgumentException if the name is unknown (the message lists the known ones)
     */
    public static NamespaceType fromName(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        for (NamespaceType type : values()) {
            if (type.procName.equals(lower)) {
                return type;
            }
        }
        throw new IllegalArgumentException("unknown namespace type '" + name
                + "': expected one of cgroup, ipc, mnt, net, pid, time, user, uts");
    }

    /** The {@code /proc/<pid>/ns/} name, for example {@code net}. */
    @Override
    public String toString() {
        return procName;
    }
}
