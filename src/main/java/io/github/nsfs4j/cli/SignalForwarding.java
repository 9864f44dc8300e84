package io.github.nsfs4j.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.github.nsfs4j.NamespaceException;
import io.github.nsfs4j.Pidfd;

import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * While {@code nsfs exec} runs COMMAND, the usual termination signals sent to nsfs (HUP, INT,
 * QUIT, TERM) go to COMMAND instead of ending the JVM, so that {@code kill} of nsfs reaches
 * COMMAND as it reaches a command that nsenter exec'd in place, and nsfs then exits with
 * COMMAND's status. They are taken before COMMAND starts (one that comes while it starts is
 * sent once it runs), and given back at {@link #close()}; one that came while a start failed
 * is raised again then, so nsfs ends by it as nsenter would have (after its one line saying
 * why nothing ran). A signal the JVM keeps for itself
 * is left to it: QUIT, its thread dump (JDK 25 refuses a handler for it, with {@code -Xrs}
 * too). Through a pidfd: never to another process that reused COMMAND's pid.
 */
final class SignalForwarding implements SignalHandler, AutoCloseable {
    /** QUIT too, should a JVM ever let it go. */
    private static final List<String> SIGNALS = List.of("HUP", "INT", "QUIT", "TERM");

    private final Map<Signal, SignalHandler> previous = new LinkedHashMap<>();
    /** COMMAND, once started; guarded by this. */
    private Pidfd command;
    /** The last signal that came before COMMAND started, or null; guarded by this. */
    private Signal pending;

    private SignalForwarding() {}

    /** Takes the signals from the JVM until {@link #close()}; they wait for {@link #to}. */
    static SignalForwarding install() {
        SignalForwarding forwarding = new SignalForwarding();
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

    /**
     * From now on the signals go to {@code process}, and one that came before goes now.
     * Nothing for a process that has already ended (a quick COMMAND may be gone, even reaped).
     */
    synchronized void to(Process process) {
        Signal waiting = pending;
        pending = null; // COMMAND ran: from now on its status is what nsfs reports
        try {
            command = Pidfd.of(process.toHandle());
        } catch (IllegalStateException | NamespaceException e) { // reaped, or exited: nothing to forward to
            return;
        }
        if (waiting != null) {
            send(waiting.getNumber());
        }
    }

    @Override
    public synchronized void handle(Signal signal) {
        if (command == null) {
            pending = signal;
        } else {
            send(signal.getNumber());
        }
    }

    private void send(int signal) {
        try {
            command.sendSignal(signal);
        } catch (NamespaceException e) {
            // COMMAND has ended: its status is what nsfs reports
        }
    }

    @Override
    public synchronized void close() {
        previous.forEach(Signal::handle);
        if (command != null) {
            command.close();
        } else if (pending != null) {
            Signal.raise(pending); // COMMAND never ran: the JVM's own handling of it ends nsfs
        }
    }
}
