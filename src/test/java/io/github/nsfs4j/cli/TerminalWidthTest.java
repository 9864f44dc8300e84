package io.github.nsfs4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Unshared;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code nsfs ls} cuts its lines to the terminal's width only when its stdout is a terminal,
 * as lsns does: run on a real pseudo-terminal that util-linux's {@code script} makes, and
 * into a pipe, with the same environment.
 */
class TerminalWidthTest {

    @TempDir
    static Path dir;
    static Path jar;

    @BeforeAll
    static void jar() throws IOException {
        Unshared.requireCommand("script");
        jar = TestJar.build(dir);
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Runs {@code command} with {@code env} added; stdout (a pty's CR LF made LF) when it exits 0. */
    private static String run(Map<String, String> env, List<String> command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().remove("COLUMNS");
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).replace("\r\n", "\n");
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "did not end: " + command);
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    private static String ls() {
        return java() + " --enable-native-access=ALL-UNNAMED -cp " + jar + " io.github.nsfs4j.cli.Main ls";
    }

    /** The command on a fresh pseudo-terminal, through script(1). */
    private static String onTerminal(Map<String, String> env) throws Exception {
        return run(env, List.of("script", "-qec", ls(), "/dev/null"));
    }

    private static int longest(String out) {
        return out.lines().mapToInt(String::length).max().orElse(0);
    }

    @Test
    void onATerminalLinesAreCutToColumnsIntoAPipeNot() throws Exception {
        // A child whose command line is long enough to need cutting at 40 columns.
        try (Unshared child = Unshared.builder().types("uts").script("echo ready; exec sleep 1000000 " + "1".repeat(60)).start()) {
            String piped = run(Map.of("COLUMNS", "40"), List.of("sh", "-c", ls()));
            String inode = Long.toString(Proc.nsInode(child.leafPid(), "uts"));
            assertTrue(piped.contains(inode), piped);
            assertTrue(longest(piped) > 40, "into a pipe nothing is cut:\n" + piped);

            String terminal = onTerminal(Map.of("COLUMNS", "40"));
            assertTrue(terminal.contains(inode), terminal);
            assertTrue(longest(terminal) <= 40, "on a terminal of 40 columns:\n" + terminal);
        }
    }

    @Test
    void aTerminalThatKnowsNoWidthIsNotCut() throws Exception {
        // script's pseudo-terminal has no size (stty size says 0 0) when its own stdin is no terminal.
        assertEquals("0 0", run(Map.of(), List.of("script", "-qec", "stty size", "/dev/null")).strip());
        String terminal = onTerminal(Map.of());
        assertTrue(longest(terminal) > 20, "a width of 0 is no width to cut at (it used to cut at 20):\n" + terminal);
    }
}
