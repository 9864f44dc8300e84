package io.github.nsfs4j;

import java.util.Objects;

/**
 * nsfs4j refused to enter a namespace, before any {@code setns(2)}: the kernel would refuse
 * it for a multithreaded process such as the JVM, or for this caller. Nothing was entered;
 * {@link #reason()} says why and the message says what to do instead.
 */
public final class EntryRefusedException extends NamespaceException {
    private static final long serialVersionUID = 1L;

    /** Why a namespace cannot be entered. */
    public enum Reason {
        /**
         * A user namespace: the kernel lets only a single-threaded process join one (EINVAL
         * for a thread of a multithreaded process). Run the work in a child process that
         * joins it, for example {@code nsenter --user --target PID COMMAND}.
         */
        USER_NAMESPACE,
        /**
         * A time namespace: the kernel lets only a single-threaded process join one (EUSERS).
         * Its only effect is an offset of {@code CLOCK_MONOTONIC} and {@code CLOCK_BOOTTIME},
         * which {@code /proc/PID/timens_offsets} shows; to run a program in it, start it with
         * {@code nsenter --time --target PID}.
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
        MISSING_CAPABILITY
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
