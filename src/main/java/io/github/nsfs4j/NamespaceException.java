package io.github.nsfs4j;

import io.github.nsfs4j.internal.Errnos;

import java.io.IOException;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A namespace operation failed. Every instance says what was attempted ({@link #operation()}:
 * an {@link io.github.nsfs4j.kernel.NsIoctl} name or a system call), on what ({@link #target()}: a namespace such as
 * {@code pid:[4026531836]}, or a path), and, where the kernel refused, the errno with its
 * name and text. Subclasses tell the cases a caller may want to handle apart.
 */
public class NamespaceException extends IOException {
    private static final long serialVersionUID = 1L;

    /** What was attempted. */
    private final String operation;
    /** The namespace or path it was attempted on. */
    private final String target;
    /** The kernel's errno, or 0. */
    private final int errno;

    /**
     * Creates the exception; the message names the operation, the target, the detail and the
     * errno with its name and text.
     *
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

    /**
     * What was attempted.
     *
     * @return an {@link io.github.nsfs4j.kernel.NsIoctl} constant's name, or a system call such as {@code open}
     */
    public String operation() {
        return operation;
    }

    /**
     * The namespace or path the operation was attempted on.
     *
     * @return a namespace ({@code net:[4026531840]}) or a path
     */
    public String target() {
        return target;
    }

    /**
     * The kernel's errno, if the kernel refused.
     *
     * @return the errno, or empty
     */
    public OptionalInt errno() {
        return errno == 0 ? OptionalInt.empty() : OptionalInt.of(errno);
    }

    /**
     * The errno's symbolic name, if the kernel refused.
     *
     * @return a name such as {@code EPERM}, or empty
     */
    public Optional<String> errnoName() {
        return errno == 0 ? Optional.empty() : Optional.of(Errnos.name(errno));
    }
}
