package io.github.nsfs4j;

import io.github.nsfs4j.internal.Failure;
import io.github.nsfs4j.internal.PidFile;
import io.github.nsfs4j.kernel.NamespaceType;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A process held by a pidfd (pidfd_open(2), Linux 5.3): a reference that, unlike a pid,
 * cannot come to name another process when the first one exits and its pid is reused.
 *
 * <p>Use it to open a process's namespaces without a race ({@link #namespace}: one
 * {@code PIDFD_GET_<TYPE>_NAMESPACE} ioctl on Linux 6.11+; before that, or when the process's
 * main thread has exited while others run, {@code /proc/<pid>/ns} or a live thread's
 * {@code /proc/<pid>/task/<tid>/ns}, with a check on the pidfd that the process was still
 * alive after the open), and to translate its pid with proof that the answer still names the
 * same process ({@link #pidIn}). Whether it is alive comes from the pidfd itself
 * ({@link #isAlive}: poll(2)).
 *
 * <p>A pidfd dropped without {@link #close()} is closed once it is garbage (a shared
 * {@link java.lang.ref.Cleaner}); close it yourself to free the fd at once.
 *
 * <p>Owns its fd (O_CLOEXEC); thread-safe; {@link #close()} is idempotent and never
 * releases the fd under a call in flight.
 */
public final class Pidfd implements AutoCloseable {
    final PidFile file;

    private Pidfd(PidFile file) {
        this.file = file;
    }

    /**
     * Opens a pidfd on a process of the caller's pid namespace, or on a thread: a thread id
     * (not a thread group's leader, for which pidfd_open(2) answers ENOENT) is held by a
     * thread's pidfd ({@code PIDFD_THREAD}, Linux 6.9), as nsenter's {@code -t} takes it; the
     * namespaces are then that thread's ({@code /proc/<tid>/ns}), and {@link #isAlive} is
     * whether that thread runs.
     *
     * @param pid the process's pid, or a thread's id, in the caller's pid namespace
     * @return a new pidfd the caller owns
     * @throws IllegalArgumentException if {@code pid} is not positive
     * @throws NoSuchNamespaceException if there is no such process
     * @throws NamespaceException for any other failure
     */
    public static Pidfd open(int pid) throws NamespaceException {
        try {
            return new Pidfd(PidFile.open(pid));
        } catch (Failure f) {
            throw Failures.of(f);
        }
    }

    /**
     * Opens a pidfd on the process a {@link ProcessHandle} names, and checks after the open
     * that the handle's process is still alive (the JDK checks its start time), so that the
     * pidfd holds that very process and not a later one with the same pid. The JDK compares
     * start times in clock ticks (10 ms on most kernels): a later process that got the same
     * pid within the same tick cannot be told apart this way. {@link #open(int)} followed by
     * your own check, or a pidfd kept from the start, has no such window.
     *
     * @param process the process
     * @return a new pidfd the caller owns
     * @throws NoSuchNamespaceException if the process has exited
     * @throws NamespaceException for any other failure
     */
    public static Pidfd of(ProcessHandle process) throws NamespaceException {
        Objects.requireNonNull(process, "process");
        Pidfd pidfd = open(Math.toIntExact(process.pid())); // a pid_t: the JDK's long always fits
        if (!process.isAlive()) {
            pidfd.close();
            throw new NoSuchNamespaceException("pidfd_open", "process " + process.pid(), 0, "the process has exited");
        }
        return pidfd;
    }

    /**
     * The process's pid in the caller's pid namespace, as given when opened.
     *
     * @return the pid
     */
    public int pid() {
        return file.pid();
    }

    /**
     * Whether the process is still running, from the pidfd itself: poll(2) for
     * {@code POLLIN}, which the kernel raises once the whole thread group has exited (Linux
     * 5.3). A process that has exited counts as gone even while it is a zombie not yet reaped;
     * a process whose main thread has exited while other threads run is alive.
     *
     * @return whether the process is running
     * @throws ClosedNamespaceException if the pidfd is closed
     * @throws NamespaceException for any other failure
     */
    public boolean isAlive() throws NamespaceException {
        try {
            return file.isAlive();
        } catch (Failure f) {
            throw Failures.of(f);
        }
    }

    /**
     * Sends a signal to the process (pidfd_send_signal(2)): to this process only, never to one
     * that reused its pid after it ended.
     *
     * @param signal the signal's number, for example 15 for SIGTERM
     * @throws NoSuchNamespaceException if the process has exited (ESRCH)
     * @throws NamespaceAccessDeniedException if the caller may not signal it (EPERM)
     * @throws ClosedNamespaceException if the pidfd is closed
     * @throws NamespaceException for any other failure (EINVAL: not a signal)
     */
    public void sendSignal(int signal) throws NamespaceException {
        try {
            file.sendSignal(signal);
        } catch (Failure f) {
            throw Failures.of(f);
        }
    }

    /**
     * Opens one of the process's namespaces: {@code PIDFD_GET_<TYPE>_NAMESPACE} on Linux 6.11+;
     * else, and for a live process whose main thread has exited (the kernel then answers
     * ESRCH, asking the exited thread), {@code /proc/<pid>/ns/<type>} or the same link of one
     * of its live threads ({@code /proc/<pid>/task/<tid>/ns/<type>}), followed by a check on
     * the pidfd that the process was still alive after the open, so that the pid still named
     * this process.
     *
     * @param type the namespace type
     * @return a new handle, of the class for the type, owned by the caller
     * @throws NoSuchNamespaceException if the process has exited
     * @throws NamespaceAccessDeniedException if the caller may not inspect the process
     * @throws ClosedNamespaceException if the pidfd is closed
     * @throws NamespaceException for any other failure
     */
    public Namespace namespace(NamespaceType type) throws NamespaceException {
        Objects.requireNonNull(type, "type");
        try {
            return NamespaceHandle.of(file.namespace(type));
        } catch (Failure f) {
            throw Failures.of(f);
        }
    }

    /**
     * The process's pid namespace; see {@link #namespace}.
     *
     * @return a new handle the caller owns
     * @throws NamespaceException as {@link #namespace}
     */
    public PidNamespace pidNamespace() throws NamespaceException {
        return (PidNamespace) namespace(NamespaceType.PID);
    }

    /**
     * The process's user namespace; see {@link #namespace}.
     *
     * @return a new handle the caller owns
     * @throws NamespaceException as {@link #namespace}
     */
    public UserNamespace userNamespace() throws NamespaceException {
        return (UserNamespace) namespace(NamespaceType.USER);
    }

    /**
     * The process's mount namespace; see {@link #namespace}.
     *
     * @return a new handle the caller owns
     * @throws NamespaceException as {@link #namespace}
     */
    public MountNamespace mountNamespace() throws NamespaceException {
        return (MountNamespace) namespace(NamespaceType.MNT);
    }

    /**
     * This process's pid as seen in {@code ns}, with proof: the translation is made, then the
     * process is checked to be still alive, so the answer names this process and not a later
     * holder of the same pid.
     *
     * @param ns the pid namespace to see the process from
     * @return the pid inside {@code ns}; empty if the process is not visible there
     * @throws NoSuchNamespaceException if the process has exited
     * @throws ClosedNamespaceException if the pidfd is closed
     * @throws NamespaceException for any other failure
     */
    public OptionalInt pidIn(PidNamespace ns) throws NamespaceException {
        OptionalInt result = ns.pidInNamespace(file.pid());
        try {
            file.requireAlive();
        } catch (Failure f) {
            throw Failures.of(f);
        }
        return result;
    }

    /**
     * The process's environment ({@code /proc/<pid>/environ}: as it started, or as it last
     * rewrote it), in order; read, then checked on the pidfd, so that it is this process's.
     * It is what nsenter's {@code --env} gives its command; to start a process with it:
     *
     * <pre>{@code
     * ProcessBuilder pb = new ProcessBuilder("env");
     * pb.environment().clear();
     * pb.environment().putAll(target.environment());   // nsenter -e
     * set.start(pb, new ProcessOptions());
     * }</pre>
     *
     * Entries are decoded as the JVM decodes file names; one without {@code =} or with an empty
     * name is left out, and a name given twice keeps its first value.
     *
     * @return a new, modifiable map
     * @throws NoSuchNamespaceException if the process has exited
     * @throws NamespaceAccessDeniedException if the caller may not read it (another user's
     *         process: the kernel asks for ptrace read access)
     * @throws ClosedNamespaceException if the pidfd is closed
     * @throws NamespaceException for any other failure
     */
    public Map<String, String> environment() throws NamespaceException {
        try {
            return file.environment();
        } catch (Failure f) {
            throw Failures.of(f);
        }
    }

    /**
     * The process's cgroup in the cgroup v2 hierarchy ({@code /proc/<pid>/cgroup}'s
     * {@code 0::PATH} line), as the caller's cgroup namespace names it: {@code /} is its root,
     * a path starting with {@code /..} is outside it. Read, then checked on the pidfd, so that
     * it is this process's. To start a process in it, as nsenter's {@code --join-cgroup}:
     * {@code new ProcessOptions().joinCgroup(target.cgroup().orElseThrow())}.
     *
     * @return the path, or empty where the process is in no cgroup v2 hierarchy (cgroup v1 only)
     * @throws NoSuchNamespaceException if the process has exited
     * @throws ClosedNamespaceException if the pidfd is closed
     * @throws NamespaceException for any other failure
     */
    public Optional<String> cgroup() throws NamespaceException {
        try {
            return Optional.ofNullable(file.cgroup());
        } catch (Failure f) {
            throw Failures.of(f);
        }
    }

    /**
     * Whether {@link #close()} has not been called yet.
     *
     * @return true until {@code close()}
     */
    public boolean isOpen() {
        return file.isOpen();
    }

    /** Closes the pidfd; idempotent. */
    @Override
    public void close() {
        file.close();
    }

    /** {@code pidfd:1234}, with a mark when closed. */
    @Override
    public String toString() {
        return file.toString();
    }
}
