package io.github.nsfs4j;

import java.io.IOException;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A namespace operation failed. Every instance says what was attempted ({@link #operation()}:
 * an {@link NsIoctl} name or a system call), on what ({@link #target()}: a namespace such as
 * {@code pid:[4026531836]}, or a path), and, where the kernel refused, the errno with its
 * name and text. Subclasses tell the cases a caller may want to handle apart.
 */
public class NamespaceException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String operation;
    private final String target;
    private final int errno;

    /**
     * @param operation what was attempted, for example {@code NS_GET_PARENT} or {@code open}
     * @param target the namespace or path it was attempted on
     * @param errno the kernel's errno, or 0 when the failure did not come from the kernel
     * @param detail what went wrong and, where it helps, what to do
     */
    public NamespaceException(String operation, String target, int errno, String detail) {
        super(operation + " on " + target + ": " + detail + (errno == 0 ? "" : " (" + Errnos.describe(errno) + ")"));
        this.operation = operation;
        this.target = target;
        this.errno = errno;
    }

    /** What was attempted: an {@link NsIoctl} constant's name, or a system call such as {@code open}. */
    public String operation() {
        return operation;
    }

    /** The namespace ({@code net:[4026531840]}) or path the operation was attempted on. */
    public String target() {
        return target;
    }

    /** The kernel's errno, if the kernel refused. */
    public OptionalInt errno() {
        return errno == 0 ? OptionalInt.empty() : OptionalInt.of(errno);
    }

    /** The errno's symbolic name, such as {@code EPERM}, if the kernel refused. */
    public Optional<String> errnoName() {
        return errno == 0 ? Optional.empty() : Optional.of(Errnos.name(errno));
    }
}
