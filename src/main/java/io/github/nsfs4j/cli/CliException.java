package io.github.nsfs4j.cli;

/**
 * An expected failure of a subcommand: the one-line message for stderr (without the
 * {@code nsfs SUBCOMMAND:} prefix) and the exit status.
 */
final class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Exit status: something asked for was not found. */
    static final int NOT_FOUND = 1;
    /** Exit status: usage error or failure. */
    static final int FAILURE = 2;

    private final int exitCode;

    CliException(int exitCode, String message) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }

    /** A usage error (exit 2). */
    static CliException usage(String message) {
        return new CliException(FAILURE, message);
    }

    /** A failure (exit 2). */
    static CliException failure(String message) {
        return new CliException(FAILURE, message);
    }

    /** Something asked for was not found (exit 1). */
    static CliException notFound(String message) {
        return new CliException(NOT_FOUND, message);
    }

    int exitCode() {
        return exitCode;
    }
}
