package io.github.nsfs4j;

import io.github.nsfs4j.internal.Failure;

/**
 * The API's side of the one errno mapping: an internal {@link Failure} becomes the public
 * exception of its kind, here and nowhere else (the meaning of each errno per operation is
 * {@code io.github.nsfs4j.internal.Errnos}'s).
 */
final class Failures {
    private Failures() {}

    /** The public exception for {@code f}. */
    static NamespaceException of(Failure f) {
        return switch (f.kind()) {
            case GONE -> new NoSuchNamespaceException(f.operation(), f.target(), f.errno(), f.detail());
            case DENIED -> new NamespaceAccessDeniedException(f.operation(), f.target(), f.errno(), f.detail());
            case NOT_A_NAMESPACE -> new NotANamespaceException(f.operation(), f.target(), f.errno(), f.detail());
            case WRONG_TYPE -> new WrongNamespaceTypeException(f.operation(), f.target(), f.expected(), f.actual());
            case UNKNOWN_TYPE -> new UnknownNamespaceTypeException(f.operation(), f.target(), f.cloneFlag());
            case UNSUPPORTED -> new UnsupportedRequestException(f.request(), f.target());
            case CLOSED -> new ClosedNamespaceException(f.operation(), f.target());
            case FAILED -> new NamespaceException(f.operation(), f.target(), f.errno(), f.detail());
        };
    }
}
