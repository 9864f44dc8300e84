package io.github.nsfs4j;

import io.github.nsfs4j.internal.Failure;
import io.github.nsfs4j.internal.NsFile;
import io.github.nsfs4j.internal.enter.NamespaceThread;
import io.github.nsfs4j.internal.enter.PoolThread;
import io.github.nsfs4j.kernel.NamespaceType;

import java.io.IOException;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Namespaces to act in: run Java code inside them ({@link #call}), keep threads inside them
 * for repeated work ({@link #executor}), or start a process in them ({@link #start}).
 *
 * <pre>{@code
 * try (Pidfd container = Pidfd.open(pid);
 *      NamespaceSet ns = NamespaceSet.of(container, NamespaceType.NET, NamespaceType.UTS)) {
 *     String hostname = ns.call(() -> InetAddress.getLocalHost().getHostName());
 *     try (Socket s = ns.call(() -> new Socket("127.0.0.1", 8080))) {   // a socket keeps its namespace
 *         s.getOutputStream().write(...);
 *     }
 *     Process p = ns.start(new ProcessBuilder("ip", "-br", "addr"));
 * }
 * }</pre>
 *
 * <p><b>What can be entered.</b> setns(2) changes the calling thread only, and the JVM is
 * multithreaded, so a task ({@link #call}, {@link #executor}) can run in net, uts, ipc and
 * cgroup namespaces; in a mount namespace too (the thread first unshares its root and working
 * directory, then both become the namespace's root); in a pid namespace only as
 * {@code pid_for_children} (the thread stays where it is; processes it starts are in the
 * target) and only if it is the JVM's own pid namespace or a descendant. User and time
 * namespaces cannot be joined by a multithreaded process at all: a set may hold them, and
 * {@link #start} starts processes in them (through nsfs4j's launcher, a small program of its
 * own that joins every namespace before it execs the command), but a task is refused. These
 * rules are checked before any setns, with an {@link EntryRefusedException} naming the reason;
 * so is the capability the kernel wants ({@code CAP_SYS_ADMIN}, and {@code CAP_SYS_CHROOT} for
 * a mount namespace), except where a user namespace is joined first, whose capabilities then
 * count (the kernel decides). A namespace that is already the JVM's own is skipped
 * ({@link #skipped()}), as systemd and nsenter do.
 *
 * <p><b>Threads.</b> The work always runs on a platform thread of nsfs4j, never on the
 * caller's thread (which may be a virtual thread, whose carrier others share, or a pool
 * thread that others reuse). After the work the thread goes back to the JVM's namespaces and
 * nsfs4j checks all of {@code /proc/thread-self/ns}; a thread that cannot be proven home
 * ends and is never reused ({@link RestoreFailedException}), and a thread that entered a
 * mount namespace always ends. What the work may and may not do on other threads:
 * {@link NamespaceTask}.
 *
 * <p><b>Ownership:</b> the set owns its own handles (opened through the pidfd, or
 * duplicates of the handles given), closed by {@link #close()}; the caller's handles stay
 * the caller's. Thread-safe: any number of threads may call at once, each call on its own
 * nsfs4j thread.
 */
public final class NamespaceSet implements AutoCloseable {

    private final NsFile[] entries;
    /** The user and time namespaces: only a process of nsfs4j's launcher joins them. */
    private final NsFile[] processOnly;
    /** All of them (in nsenter's order), for {@link #isOpen} and {@link #close}. */
    private final NsFile[] all;
    private final Set<NamespaceType> types;
    private final Set<NamespaceType> skipped;
    private final String target;
    /** Starts processes in them: {@link #start(ProcessBuilder, ProcessOptions)}. */
    private final ProcessStarter starter;

    private NamespaceSet(EntryChecks.Plan plan, String target) {
        this.entries = plan.order();
        this.processOnly = plan.processOnly();
        this.all = plan.launchOrder();
        this.types = Collections.unmodifiableSet(plan.types());
        this.skipped = Collections.unmodifiableSet(plan.skipped());
        this.target = target;
        this.starter = new ProcessStarter(plan, target);
    }

    // ---------------------------------------------------------------- making a set

    /**
     * The namespaces of these types of a process, opened through its pidfd (race-free).
     *
     * @param process the process whose namespaces to enter
     * @param types the types to enter (those that are already the JVM's are skipped)
     * @return a new set, owned by the caller
     * @throws EntryRefusedException if a type cannot be entered (a pid namespace outside the
     *         JVM's, a missing capability), before anything was entered
     * @throws NoSuchNamespaceException if the process has exited
     * @throws NamespaceAccessDeniedException if the caller may not open its namespaces
     * @throws NamespaceException for any other failure
     * @throws IllegalArgumentException if {@code types} is empty
     */
    public static NamespaceSet of(Pidfd process, Set<NamespaceType> types) throws NamespaceException {
        Objects.requireNonNull(process, "process");
        Objects.requireNonNull(types, "types");
        if (types.isEmpty()) {
            throw new IllegalArgumentException("no namespace type given");
        }
        return fromProcess(process, EnumSet.copyOf(types));
    }

    /**
     * As {@link #of(Pidfd, Set)}.
     *
     * @param process the process whose namespaces to enter
     * @param type a type to enter
     * @param more further types
     * @return a new set, owned by the caller
     * @throws EntryRefusedException if a type cannot be entered, before anything was entered
     * @throws NamespaceException if the namespaces cannot be opened
     */
    public static NamespaceSet of(Pidfd process, NamespaceType type, NamespaceType... more)
            throws NamespaceException {
        return of(process, EnumSet.of(type, more));
    }

    /**
     * Every namespace of a process that differs from the JVM's, user and time included, as
     * {@code nsenter --all} and {@code nsfs exec -a} choose them. With a user or time namespace
     * among them only {@link #start} can use the set (a task is refused).
     *
     * @param process the process whose namespaces to enter
     * @return a new set, owned by the caller (possibly with nothing to enter)
     * @throws EntryRefusedException if a type cannot be entered (a pid namespace outside the
     *         JVM's, a missing capability), before anything was entered
     * @throws NamespaceException if the namespaces cannot be opened
     */
    public static NamespaceSet allOf(Pidfd process) throws NamespaceException {
        Objects.requireNonNull(process, "process");
        return fromProcess(process, EnumSet.allOf(NamespaceType.class));
    }

    /**
     * These namespaces, at most one of each type. The set works on duplicates of the handles:
     * the caller keeps (and closes) its own.
     *
     * @param namespaces the namespaces to enter
     * @return a new set, owned by the caller
     * @throws IllegalArgumentException if two have the same type, or none is given
     * @throws EntryRefusedException if one cannot be entered, before anything was entered
     * @throws ClosedNamespaceException if a handle is closed
     * @throws NamespaceException for any other failure
     */
    public static NamespaceSet of(Collection<? extends Namespace> namespaces) throws NamespaceException {
        Objects.requireNonNull(namespaces, "namespaces");
        if (namespaces.isEmpty()) {
            throw new IllegalArgumentException("no namespace given");
        }
        Map<NamespaceType, Namespace> given = new EnumMap<>(NamespaceType.class);
        for (Namespace ns : namespaces) {
            Objects.requireNonNull(ns, "a namespace is null");
            Namespace other = given.put(ns.type(), ns);
            if (other != null) {
                throw new IllegalArgumentException("two " + ns.type() + " namespaces given: " + other + " and " + ns);
            }
        }
        String target = describe(namespaces);
        return new NamespaceSet(EntryChecks.plan(target, byType -> {
            for (Namespace ns : namespaces) {
                NsFile copy = NamespaceHandle.fileOf(ns).duplicate();
                byType.put(copy.type(), copy);
            }
        }), target);
    }

    /**
     * As {@link #of(Collection)}.
     *
     * @param namespaces the namespaces to enter
     * @return a new set, owned by the caller
     * @throws EntryRefusedException if one cannot be entered, before anything was entered
     * @throws NamespaceException for any other failure
     */
    public static NamespaceSet of(Namespace... namespaces) throws NamespaceException {
        return of(Arrays.asList(namespaces));
    }

    private static NamespaceSet fromProcess(Pidfd process, Set<NamespaceType> types) throws NamespaceException {
        String target = "process " + process.pid();
        return new NamespaceSet(EntryChecks.plan(target, byType -> {
            for (NamespaceType type : types) {
                byType.put(type, process.file.namespace(type));
            }
        }), target);
    }

    private static String describe(Collection<? extends Namespace> namespaces) {
        StringBuilder sb = new StringBuilder();
        for (Namespace ns : namespaces) {
            sb.append(sb.length() == 0 ? "" : ", ").append(ns);
        }
        return sb.toString();
    }

    // ---------------------------------------------------------------- what is in it

    /**
     * The types that are entered: those asked for that differ from the JVM's.
     *
     * @return an unmodifiable set, empty if every namespace asked for is the JVM's own
     */
    public Set<NamespaceType> types() {
        return types;
    }

    /**
     * The types asked for that were already the JVM's, and are not entered.
     *
     * @return an unmodifiable set
     */
    public Set<NamespaceType> skipped() {
        return skipped;
    }

    // ---------------------------------------------------------------- acting

    /**
     * Runs a task inside these namespaces, on a platform thread of nsfs4j, and returns its
     * result. The caller waits (a virtual thread unmounts meanwhile); an interrupt while it
     * waits does not stop the task and is kept for the caller.
     *
     * @param <T> the result type
     * @param <X> the task's checked exception
     * @param task the work; see {@link NamespaceTask} for what it may do on other threads
     * @return what the task returned
     * @throws X what the task threw, as it threw it
     * @throws RestoreFailedException if the thread could not be proven back in the JVM's
     *         namespaces afterwards (it has ended; the task's outcome is in the exception)
     * @throws ClosedNamespaceException if this set is closed
     * @throws EntryRefusedException if the set holds a user or time namespace (a thread of the
     *         JVM cannot join one), before any thread was started
     * @throws NamespaceException if a namespace could not be entered (nothing of the task ran)
     * @throws IllegalStateException if called from inside a task; or from a thread that is not in
     *         the JVM's namespaces (one a task started) when nsfs4j has to start a thread for
     *         the call, which would inherit that thread's namespaces
     */
    public <T, X extends Exception> T call(NamespaceTask<T, X> task) throws X, NamespaceException {
        Objects.requireNonNull(task, "task");
        requireOpen("call");
        requireNoProcessOnly();
        try {
            return Outcomes.<T, X>of(PoolThread.run(Outcomes.job(entries, target, task)));
        } catch (Failure f) {
            throw Failures.of(f);
        }
    }

    /**
     * An executor whose threads are inside these namespaces: each of its threads enters once,
     * when the executor is made, and ends when it is closed. For repeated work this saves the
     * two setns per call of {@link #call}. The set may be closed once the executor exists.
     *
     * @param threads how many threads (1 or more)
     * @return a new executor, owned by the caller
     * @throws EntryRefusedException if the set holds a user or time namespace (a thread of the
     *         JVM cannot join one), before any thread was started
     * @throws NamespaceException if a thread could not enter (then no thread is left)
     * @throws IllegalArgumentException if {@code threads} is not positive
     */
    public EnteredExecutor executor(int threads) throws NamespaceException {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be positive, got " + threads);
        }
        requireOpen("executor");
        requireNoProcessOnly();
        NamespaceThread.checkNotInside();
        return new EnteredExecutor(entries, types, target, threads);
    }

    /**
     * Starts a process inside these namespaces, as {@link ProcessBuilder#start()} would: its
     * command, environment, working directory and redirects. The command is looked up on the
     * JVM's {@code PATH}, and with a mount namespace in the set it is found, and runs, in the
     * target's file tree (the working directory, unless given, is then the namespace's root;
     * a given directory is resolved there too). Redirects to files are opened by the JVM, in
     * its own namespaces. With a pid namespace in the set the process is a member of it.
     * A standard stream the builder inherits is passed on as the JVM has it, or closed where
     * the JVM has none of its caller's (a stream closed when the JVM started), never a file of
     * the JVM's own.
     *
     * <p>The JDK's own {@code ProcessBuilder} cannot do this: it starts a helper found by
     * path ({@code java.home/lib/jspawnhelper}), absent from the target's file tree, and a
     * reaper thread, which a thread with a pid namespace entered cannot create. nsfs4j
     * calls posix_spawn(3) from the entered thread instead and waits for the process on a
     * thread of its own.
     *
     * <p>With a user or time namespace in the set (or options only it can do, see
     * {@link #start(ProcessBuilder, ProcessOptions)}), no thread of the JVM can join them: nsfs4j
     * starts its launcher, a small program it writes to a memfd, which joins every namespace of
     * the set in nsenter's order (all but the user namespace, then the user namespace and what
     * failed before, so that a privileged caller and an unprivileged owner of the user namespace
     * both succeed), becomes uid and gid 0 in the user namespace (as nsenter does), and execs
     * the command. With a pid namespace too, it forks once more (setns of a pid namespace only
     * places children there) and stays as the command's parent, as nsenter does: then
     * {@link Process#pid()} is that relay's pid; it forwards HUP, INT, QUIT and TERM to the
     * command ({@link Process#destroy()} reaches it), ends as the command ends, and the command
     * is killed if the relay is.
     *
     * <p>The returned process's pipe streams may be used from any thread, virtual ones
     * included: the JVM's ends of the pipes are non-blocking, and a read or write that has to
     * wait does so in poll(2), on the calling platform thread, or, for a virtual thread, on a
     * platform thread of nsfs4j while the virtual thread parks (a native call would keep it on
     * its carrier, which the JDK does not make up for as it does for its own file reads).
     *
     * @param builder what to start
     * @return the running process; its streams are pipes where the builder says PIPE
     * @throws java.nio.file.NoSuchFileException if the command is not found (in the target's file tree with mnt)
     * @throws java.nio.file.FileSystemException if the command cannot be run (permission, format)
     * @throws EntryRefusedException if the set needs the launcher and it cannot run here
     *         ({@link EntryRefusedException.Reason#LAUNCHER_UNAVAILABLE}: another architecture than
     *         x86-64 and aarch64, or executable memfds forbidden)
     * @throws NamespaceException if a namespace could not be entered, or the credentials not set
     *         (nothing was started)
     * @throws IOException if a redirect or pipe cannot be opened
     */
    public Process start(ProcessBuilder builder) throws IOException {
        return start(builder, new ProcessOptions());
    }

    /**
     * As {@link #start(ProcessBuilder)}, set up as {@code options} says beyond the builder:
     * credentials, a root and a working directory, standard streams to close. Credentials and
     * directories are the launcher's work, as are user and time namespaces.
     *
     * @param builder what to start
     * @param options how to set it up beyond the builder
     * @return the running process
     * @throws java.nio.file.NoSuchFileException if the command, or a directory, is not found
     * @throws java.nio.file.FileSystemException if the command cannot be run, or a directory
     *         cannot be opened or entered
     * @throws EntryRefusedException if the launcher is needed and cannot run here
     * @throws NamespaceException if a namespace could not be entered, or the credentials not set
     *         (nothing was started)
     * @throws IOException if a redirect or pipe cannot be opened
     */
    public Process start(ProcessBuilder builder, ProcessOptions options) throws IOException {
        Objects.requireNonNull(builder, "builder");
        Objects.requireNonNull(options, "options");
        requireOpen("start");
        return starter.start(builder, options);
    }

    /** Refuses a task where a user or time namespace is to be joined: no thread of the JVM can. */
    private void requireNoProcessOnly() throws EntryRefusedException {
        if (processOnly.length > 0) {
            throw EntryChecks.taskRefusal(processOnly[0], target);
        }
    }

    private void requireOpen(String operation) throws ClosedNamespaceException {
        if (!isOpen()) {
            throw new ClosedNamespaceException(operation, toString());
        }
    }

    /**
     * Whether the set is still open.
     *
     * @return false after {@link #close()} (or if one of its handles was closed)
     */
    public boolean isOpen() {
        for (NsFile ns : all) {
            if (!ns.isOpen()) {
                return false;
            }
        }
        return !closed;
    }

    private volatile boolean closed;

    /** Closes the set's handles. Idempotent; calls in flight finish first (their fds stay open until then). */
    @Override
    public void close() {
        closed = true;
        for (NsFile ns : all) {
            ns.close();
        }
    }

    /** {@code namespaces [net, uts] of process 1234}. */
    @Override
    public String toString() {
        return "namespaces " + types + " of " + target + (closed ? " (closed)" : "");
    }
}
