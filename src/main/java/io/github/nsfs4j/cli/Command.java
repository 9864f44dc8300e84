package io.github.nsfs4j.cli;

import java.io.PrintStream;

/** One subcommand of {@code nsfs}. */
interface Command {

    /** The name typed after {@code nsfs}, such as {@code info}. */
    String name();

    /** One line for the command list of {@code nsfs --help}. */
    String summary();

    /** The full text of {@code nsfs NAME --help}. */
    String help();

    /** The options it accepts. */
    Args.Spec spec();

    /**
     * Runs it. Output goes to {@code out} only when the command has succeeded far enough to
     * print it; notes and per-item errors go to {@code err}.
     *
     * @return the exit status (0, or 1 when something asked for was not found)
     * @throws CliException for an expected failure
     * @throws io.github.nsfs4j.NamespaceException for a failure Main turns into a message
     */
    int run(Args args, PrintStream out, PrintStream err) throws Exception;

    /** The {@code nsfs NAME} prefix of its messages. */
    default String prefix() {
        return "nsfs " + name();
    }
}
