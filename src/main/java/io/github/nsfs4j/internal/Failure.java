package io.github.nsfs4j.internal;

import io.github.nsfs4j.kernel.IoctlRequest;
import io.github.nsfs4j.kernel.KernelSupport;
import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.kernel.NsIoctl;

/**
 * A failed operation inside nsfs4j, as the layers below the API report it: what was
 * attempted, on what, the errno (0 if the kernel did not refuse), what it means
 * ({@link Errnos.Meaning} or one of the checks of its own), and the detail for the message.
 * The API turns it into the public exception of its {@link #kind()}, at the boundary, in one
 * place ({@code io.github.nsfs4j.Failures}), as the JDK turns a {@code UnixException} into
 * an {@code IOException}. Carries no stack trace: the public exception has its own.
 */
public final class Failure extends Exception {
    private static final long serialVersionUID = 1L;

    /** What failed, in the terms of the public exception it becomes. */
    public enum Kind {
        /** The file, process or namespace is gone. */
        GONE,
        /** The caller may not. */
        DENIED,
        /** Not a namespace file (or an O_PATH fd). */
        NOT_A_NAMESPACE,
        /** A namespace of another type than asked for: {@link #expected()}, {@link #actual()}. */
        WRONG_TYPE,
        /** A namespace of a type nsfs4j does not know: {@link #cloneFlag()}. */
        UNKNOWN_TYPE,
        /** The running kernel lacks {@link #request()}. */
        UNSUPPORTED,
        /** The handle is closed. */
        CLOSED,
        /** Anything else. */
        FAILED
    }

    private final Kind kind;
    private final String operation;
    private final String target;
    private final int errno;
    private final String detail;
    private final transient IoctlRequest request;
    private final NamespaceType expected;
    private final NamespaceType actual;
    private final int cloneFlag;

    private Failure(Kind kind, String operation, String target, int errno, String detail, IoctlRequest request,
            NamespaceType expected, NamespaceType actual, int cloneFlag) {
        super(operation + " on " + target + ": " + detail, null, false, false);
        this.kind = kind;
        this.operation = operation;
        this.target = target;
        this.errno = errno;
        this.detail = detail;
        this.request = request;
        this.expected = expected;
        this.actual = actual;
        this.cloneFlag = cloneFlag;
    }

    /** A failure of one kind, with no request, type or flag attached. */
    public static Failure of(Kind kind, String operation, String target, int errno, String detail) {
        return new Failure(kind, operation, target, errno, detail, null, null, null, 0);
    }

    /**
     * A refused system call, its kind from the errno's meaning for {@code operation}
     * ({@link Errnos}); {@code detail} unless a rule there says more.
     */
    public static Failure errno(String operation, String target, int errno, String detail) {
        return of(kindOf(Errnos.meaning(operation, errno, null)), operation, target, errno,
                Errnos.detail(operation, errno, detail));
    }

    /**
     * A refused nsfs request on a namespace file: ENOTTY means the kernel lacks it (naming the
     * version that has it), unless the request is already known to exist.
     */
    public static Failure request(NsIoctl request, String target, int errno) {
        Errnos.Meaning meaning = Errnos.meaning(request.name(), errno, KernelSupport.known(request));
        if (meaning == Errnos.Meaning.MISSING) {
            return unsupported(request, target);
        }
        return of(kindOf(meaning), request.name(), target, errno,
                Errnos.detail(request.name(), errno, "the kernel refused the request"));
    }

    /** The running kernel lacks {@code request}. */
    public static Failure unsupported(IoctlRequest request, String target) {
        return new Failure(Kind.UNSUPPORTED, request.name(), target, 0, "the running kernel lacks " + request.name(),
                request, null, null, 0);
    }

    /** A namespace of {@code actual} type where {@code expected} was asked for. */
    public static Failure wrongType(String operation, String target, NamespaceType expected, NamespaceType actual) {
        return new Failure(Kind.WRONG_TYPE, operation, target, 0, "expected a " + expected + " namespace but this is a "
                + actual + " namespace", null, expected, actual, 0);
    }

    /** A namespace whose {@code CLONE_NEW*} flag names no type nsfs4j knows. */
    public static Failure unknownType(String operation, String target, int cloneFlag) {
        return new Failure(Kind.UNKNOWN_TYPE, operation, target, 0, "a namespace of a type nsfs4j does not know",
                null, null, null, cloneFlag);
    }

    /** The handle or pidfd is closed. */
    public static Failure closed(String operation, String target) {
        return of(Kind.CLOSED, operation, target, 0, "the handle is closed");
    }

    private static Kind kindOf(Errnos.Meaning meaning) {
        return switch (meaning) {
            case GONE -> Kind.GONE;
            case DENIED -> Kind.DENIED;
            case NOT_A_NAMESPACE -> Kind.NOT_A_NAMESPACE;
            case MISSING, NOT_VISIBLE, END, NO_SUCH_PID, FAILED -> Kind.FAILED;
        };
    }

    public Kind kind() {
        return kind;
    }

    public String operation() {
        return operation;
    }

    public String target() {
        return target;
    }

    /** The kernel's errno, or 0. */
    public int errno() {
        return errno;
    }

    public String detail() {
        return detail;
    }

    /** For {@link Kind#UNSUPPORTED}: the request the kernel lacks. */
    public IoctlRequest request() {
        return request;
    }

    /** For {@link Kind#WRONG_TYPE}. */
    public NamespaceType expected() {
        return expected;
    }

    /** For {@link Kind#WRONG_TYPE}. */
    public NamespaceType actual() {
        return actual;
    }

    /** For {@link Kind#UNKNOWN_TYPE}. */
    public int cloneFlag() {
        return cloneFlag;
    }
}
