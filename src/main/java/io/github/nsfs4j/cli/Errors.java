package io.github.nsfs4j.cli;

import io.github.nsfs4j.ClosedNamespaceException;
import io.github.nsfs4j.kernel.KernelVersion;
import io.github.nsfs4j.NamespaceAccessDeniedException;
import io.github.nsfs4j.NamespaceException;
import io.github.nsfs4j.NoSuchNamespaceException;
import io.github.nsfs4j.NotANamespaceException;
import io.github.nsfs4j.UnsupportedRequestException;
import io.github.nsfs4j.WrongNamespaceTypeException;

/** Turns the exceptions an expected failure can raise into a one-line message and an exit status. */
final class Errors {
    private Errors() {}

    /**
     * The message and exit status for {@code t}, or null when {@code t} is not an expected
     * failure (a bug, which Main reports as an internal error).
     */
    static CliException describe(Throwable t) {
        return switch (t) {
            case CliException e -> e;
            case UnsupportedRequestException e -> CliException.failure("this needs Linux " + e.since()
                    + " or newer (" + e.request().name() + "); the running kernel is " + KernelVersion.running());
            case NoSuchNamespaceException e -> CliException.notFound("the namespace or process is gone: "
                    + e.getMessage());
            case NamespaceAccessDeniedException e -> CliException.failure("permission refused: " + e.getMessage()
                    + "; run nsfs with the privileges the kernel asks for (root, or the process's own user)");
            case NotANamespaceException e -> CliException.failure(e.getMessage());
            case WrongNamespaceTypeException e -> CliException.failure(e.getMessage());
            case ClosedNamespaceException e -> CliException.failure(e.getMessage());
            case NamespaceException e -> CliException.failure(e.getMessage());
            case IllegalCallerException e -> CliException.failure(e.getMessage());
            case IllegalArgumentException e -> CliException.usage(e.getMessage());
            default -> null;
        };
    }
}
