package io.github.nsfs4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.github.nsfs4j.testing.Commands;

import sun.misc.Signal;

/**
 * What becomes of a signal that comes while {@code nsfs exec} starts COMMAND, in a JVM of its own
 * ({@link Main}): when the start fails, nsfs ends by that signal (128 + N), as nsenter, killed
 * during its set-up, would; when COMMAND ran, COMMAND's status is what counts, even if it ended
 * before the signal could be sent on.
 */
class SignalForwardingTest {

    /** Takes TERM as exec does, gets one, then either fails the start (arg "failed") or starts a COMMAND that is gone. */
    public static final class Main {
        public static void main(String[] args) throws Exception {
            SignalForwarding forwarding = SignalForwarding.install();
            Signal.raise(new Signal("TERM"));
            Thread.sleep(500); // the handler runs on the JVM's signal thread
            if (args[0].equals("started")) {
                Process quick = new ProcessBuilder("true").start();
                quick.waitFor();
                forwarding.to(quick);
            }
            forwarding.close();
            Thread.sleep(5_000);
            System.exit(args[0].equals("started") ? 0 : 99);
        }
    }

    @Test
    void aSignalDuringAFailedStartEndsNsfsByIt() {
        Commands.Result r = Commands.run(Commands.javaCommand(List.of("--enable-native-access=ALL-UNNAMED"), Main.class, "failed"));
        assertEquals(128 + 15, r.exitCode(), "ended by TERM, raised again after the failed start: " + r);
    }

    @Test
    void aCommandThatRanDecidesTheStatus() {
        Commands.Result r = Commands.run(Commands.javaCommand(List.of("--enable-native-access=ALL-UNNAMED"), Main.class, "started"));
        assertEquals(0, r.exitCode(), "COMMAND ran and ended: its status, not the signal's: " + r);
    }
}
