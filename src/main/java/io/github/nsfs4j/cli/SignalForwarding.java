package io.github.nsfs4j.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.github.nsfs4j.NamespaceException;
import io.github.nsfs4j.Pidfd;

import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * While {@code nsfs exec} waits for COMMAND, the usual termination signals sent to nsfs (HUP,
 * INT, QUIT, TERM) go to COMMAND instead of ending the JVM, so that {@code kill} of nsfs
 * reaches COMMAND as it reaches a command that nsenter exec'd in place, and nsfs then exits
 * with COMMAND's status. A signal the JVM keeps for itself is left to it: QUIT, its thread
 * dump (JDK 25 refuses a handler for it, with {@code -Xrs} too). Through a pidfd: never to
 * another process that reused COMMAND's pid. Closing puts the JVM's own handlers back.
 */
final class SignalForwarding implements SignalHandler, AutoCloseable {
    /** QUIT too, should a JVM ever let it go. */
    private static final List<String> SIGNALS = List.of("HUP", "INT", "QUIT", "TERM");

    private final Pidfd command;
    private final Map<Signal, SignalHandler> previous = new LinkedHashMap<>();

    private SignalForwarding(Pidfd command) {
        this.command = command;
    }

    /**
     * Forwards to {@code process} from now until {@link #close()}; null if it has already
     * ended (a quick COMMAND may be gone, even reaped, before nsfs gets here).
     */
    static SignalForwarding to(Process process) {
        Pidfd command;
        try {
            command = Pidfd.of(process.toHandle());
        } catch (IllegalStateException | NamespaceException e) { // reaped, or exited: nothing to forward to
            return null;
        }
        SignalForwarding forwarding = new SignalForwarding(command);
        for (String name : SIGNALS) {
            Signal signal = new Signal(name);
            try {
                forwarding.previous.put(signal, Signal.handle(signal, forwarding));
            } catch (IllegalArgumentException e) {
                // the JVM uses it (QUIT): it stays the JVM's
            }
        }
        return forwarding;
    }

    @Override
    public void handle(Signal signal) {
        try {
            command.sendSignal(signal.getNumber());
        } catch (NamespaceException e) {
            // COMMAND has ended: its status is what nsfs reports
        }
    }

    @Override
    public void close() {
        previous.forEach(Signal::handle);
        command.close();
    }
}
