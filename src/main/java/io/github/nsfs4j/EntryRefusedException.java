package io.github.nsfs4j;

import java.util.Objects;

/**
 * nsfs4j refused to enter a namespace, before any {@code setns(2)}: the kernel would refuse
 * it for a multithreaded process such as the JVM, or for this caller, or the launcher that
 * starts processes in user and time namespaces cannot run here. Nothing was entered;
 * {@link #reason()} says why and the message says what to do instead.
 */
public final class EntryRefusedException extends NamespaceException {
    private static final long serialVersionUID = 1L;

    /** Why a namespace cannot be entered. */
    public enum Reason {
        /**
         * A task ({@code call}, an executor) in a user namespace: the kernel lets only a
         * single-threaded process join one (EINVAL for a thread of a multithreaded process).
         * {@link NamespaceSet#start} can start a process in it.
         */
        USER_NAMESPACE,
        /**
         * A task ({@code call}, an executor) in a time namespace: the kernel lets only a
         * single-threaded process join one (EUSERS). Its only effect is an offset of
         * {@code CLOCK_MONOTONIC} and {@code CLOCK_BOOTTIME}, which {@code /proc/PID/timens_offsets}
         * shows; {@link NamespaceSet#start} can start a process in it.
         */
        TIME_NAMESPACE,
        /**
         * A pid namespace that is neither the caller's own nor a descendant of it: the kernel
         * answers EINVAL. A process can only place children in its own pid namespace or
         * below it.
         */
        PID_NAMESPACE_NOT_DESCENDANT,
        /**
         * The caller lacks a capability the kernel requires: {@code CAP_SYS_ADMIN} in its own
         * user namespace and in the one owning the target ({@code CAP_SYS_CHROOT} too for a
         * mount namespace). The kernel would answer EPERM.
         */
        MISSING_CAPABILITY,
        /**
         * A process start that needs nsfs4j's launcher (a user or time namespace, credentials,
         * a root or working directory, or a cgroup of {@link ProcessOptions}), which cannot run here: nsfs4j
         * generates it for x86-64 and aarch64 only, and runs it from a memfd, which
         * {@code vm.memfd_noexec = 2} (or a security policy) forbids. The message says which.
         */
        LAUNCHER_UNAVAILABLE
    }

    /** Why the namespace cannot be entered. */
    private final Reason reason;

    /**
     * A refusal, before anything was entered.
     *
     * @param target the namespace that cannot be entered
     * @param reason why
     * @param detail what went wrong and what to do instead
     */
    public EntryRefusedException(String target, Reason reason, String detail) {
        super("setns", target, 0, "refused before entering anything: " + detail);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /**
     * Why the namespace cannot be entered.
     *
     * @return the reason
     */
    public Reason reason() {
        return reason;
    }
}
