package io.github.nsfs4j.cli;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * The training run of the JDK AOT cache that {@code bin/nsfs} makes beside the jar (JDK 25+,
 * {@code -XX:AOTCacheOutput}): runs every subcommand once in this JVM, on the caller's own
 * namespaces, with the output thrown away, so that the cache holds the classes (and the
 * linked call sites) that any one command needs. Failures are part of the training (the
 * error path is a command too); nothing here can fail the build.
 */
final class AotTraining {
    private AotTraining() {}

    /**
     * Runs the training commands.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        String self = String.valueOf(ProcessHandle.current().pid());
        String[][] commands = {
            {"--version"}, {"--help"}, {"info", "--help"},
            {"info", "net:" + self}, {"info", "--json", "pid:" + self}, {"info", "user:" + self},
            {"info", "--json", "mnt:" + self}, {"info", "/proc/" + self + "/ns/uts"},
            {"pid", "--from", self, "1"}, {"pid", "--json", "--tgid", "--in", self, self},
            {"init-pid", self}, {"init-pid", "--json", self},
            {"ls"}, {"ls", "--json"}, {"ls", "-t", "net"},
            {"tree"}, {"tree", "--json", "--by", "parent"},
            {"mntns"}, {"mntns", "--json"},
            // The error paths: not a namespace, a usage error.
            {"info", "/"}, {"info", "--no-such-option"}, {"no-such-subcommand"},
        };
        // Main wraps stdout as main() does (UTF-8, buffered, write errors kept); here it writes nowhere.
        PrintStream err = new PrintStream(OutputStream.nullOutputStream(), false, StandardCharsets.UTF_8);
        for (String[] command : commands) {
            try {
                Main.run(command, OutputStream.nullOutputStream(), err);
            } catch (RuntimeException | LinkageError e) {
                // Main reports its own failures; anything else only shortens the training.
            }
        }
    }
}
