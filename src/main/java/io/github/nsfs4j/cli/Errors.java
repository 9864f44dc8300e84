package io.github.nsfs4j.cli;

import java.net.URISyntaxException;
import java.nio.file.Path;

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
            default -> missingClass(t);
        };
    }

    /**
     * Words for a class the JVM could not load ({@code t} or its cause a
     * NoClassDefFoundError), or null: a jar run without its {@code lib/} (jnr-constants), or
     * an incomplete jar. Such a class is met only where it is first needed, often on the way
     * to reporting some other failure, so the message says what is missing and how to put it
     * right; the failure it hid is lost.
     */
    private static CliException missingClass(Throwable t) {
        while (t != null && !(t instanceof NoClassDefFoundError)) {
            t = t.getCause();
        }
        if (t == null) {
            return null;
        }
        String name = String.valueOf(t.getMessage()).replace('.', '/');
        String jar = where();
        return CliException.failure(name.startsWith("jnr/")
                ? "jnr-constants is missing (no class " + name + "): run " + jar + " with the lib/ directory"
                        + " Maven puts beside it (target/lib/jnr-constants-*.jar), or with that jar on the class path"
                : "class " + name + " is missing from " + jar + ": the jar is incomplete; build it again"
                        + " (mvn package)");
    }

    /** The jar (or directory) the command's classes come from, or "the nsfs4j jar". */
    private static String where() {
        try {
            return Path.of(Errors.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (RuntimeException | URISyntaxException e) {
            return "the nsfs4j jar";
        }
    }
}
