package io.github.nsfs4j;

import io.github.nsfs4j.internal.Failure;
import io.github.nsfs4j.internal.NsFile;
import io.github.nsfs4j.internal.enter.NamespaceThread;
import io.github.nsfs4j.internal.enter.PoolThread;
import io.github.nsfs4j.internal.enter.Preload;
import io.github.nsfs4j.internal.enter.ProcessStart;
import io.github.nsfs4j.kernel.NamespaceType;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
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
 * multithreaded, so: net, uts, ipc and cgroup namespaces can be entered; a mount namespace
 * too (the thread first unshares its root and working directory, then both become the
 * namespace's root); a pid namespace only as {@code pid_for_children} (the thread stays
 * where it is; processes it starts are in the target) and only if it is the JVM's own pid
 * namespace or a descendant. User and time namespaces cannot be entered by a multithreaded
 * process at all. These rules are checked when the set is made, before any setns, with an
 * {@link EntryRefusedException} naming the reason; so is the capability the kernel wants
 * ({@code CAP_SYS_ADMIN}, and {@code CAP_SYS_CHROOT} for a mount namespace). A namespace that
 * is already the JVM's own is skipped ({@link #skipped()}), as systemd and nsenter do.
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
    private final Set<NamespaceType> types;
    private final Set<NamespaceType> skipped;
    private final String target;

    private NamespaceSet(EntryChecks.Plan plan, String target) {
        this.entries = plan.order();
        this.types = Collections.unmodifiableSet(plan.types());
        this.skipped = Collections.unmodifiableSet(plan.skipped());
        this.target = target;
    }

    // ---------------------------------------------------------------- making a set

    /**
     * The namespaces of these types of a process, opened through its pidfd (race-free).
     *
     * @param process the process whose namespaces to enter
     * @param types the types to enter (those that are already the JVM's are skipped)
     * @return a new set, owned by the caller
     * @throws EntryRefusedException if a type cannot be entered (user, time, a pid namespace
     *         outside the JVM's, a missing capability), before anything was entered
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
        return fromProcess(process, EnumSet.copyOf(types), false);
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
     * Every namespace of a process that differs from the JVM's among net, uts, ipc, pid,
     * cgroup and mnt, as {@code nsenter --all} and {@code nsfs exec -a} choose them.
     *
     * @param process the process whose namespaces to enter
     * @return a new set, owned by the caller (possibly with nothing to enter)
     * @throws EntryRefusedException if the process's user or time namespace differs from the
     *         JVM's (the set could not be what the process sees), or another type cannot be entered
     * @throws NamespaceException if the namespaces cannot be opened
     */
    public static NamespaceSet allOf(Pidfd process) throws NamespaceException {
        Objects.requireNonNull(process, "process");
        return fromProcess(process, EnumSet.allOf(NamespaceType.class), true);
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
        Map<NamespaceType, NsFile> byType = new EnumMap<>(NamespaceType.class);
        for (Namespace ns : namespaces) {
            Objects.requireNonNull(ns, "a namespace is null");
            if (byType.containsKey(ns.type())) {
                throw new IllegalArgumentException("two " + ns.type() + " namespaces given: " + byType.get(ns.type())
                        + " and " + ns);
            }
            byType.put(ns.type(), null);
        }
        List<NsFile> owned = new ArrayList<>();
        boolean success = false;
        try {
            for (Namespace ns : namespaces) {
                NsFile copy = NamespaceHandle.fileOf(ns).duplicate();
                owned.add(copy);
                byType.put(copy.type(), copy);
            }
            NamespaceSet set = new NamespaceSet(EntryChecks.plan(byType, false, describe(namespaces)),
                    describe(namespaces));
            success = true;
            return set;
        } catch (Failure f) {
            throw Failures.of(f);
        } finally {
            if (!success) {
                owned.forEach(NsFile::close);
            }
        }
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

    private static NamespaceSet fromProcess(Pidfd process, Set<NamespaceType> types, boolean all)
            throws NamespaceException {
        Map<NamespaceType, NsFile> byType = new EnumMap<>(NamespaceType.class);
        boolean success = false;
        try {
            for (NamespaceType type : types) {
                byType.put(type, process.file.namespace(type));
            }
            String target = "process " + process.pid();
            NamespaceSet set = new NamespaceSet(EntryChecks.plan(byType, all, target), target);
            success = true;
            return set;
        } catch (Failure f) {
            throw Failures.of(f);
        } finally {
            if (!success) {
                byType.values().forEach(NsFile::close);
            }
        }
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
     * @throws NamespaceException if a namespace could not be entered (nothing of the task ran)
     * @throws IllegalStateException if called from inside a task; or from a thread that is not in
     *         the JVM's namespaces (one a task started) when nsfs4j has to start a thread for
     *         the call, which would inherit that thread's namespaces
     */
    public <T, X extends Exception> T call(NamespaceTask<T, X> task) throws X, NamespaceException {
        Objects.requireNonNull(task, "task");
        requireOpen("call");
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
     * @throws NamespaceException if a thread could not enter (then no thread is left)
     * @throws IllegalArgumentException if {@code threads} is not positive
     */
    public EnteredExecutor executor(int threads) throws NamespaceException {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be positive, got " + threads);
        }
        requireOpen("executor");
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
     *
     * <p>The JDK's own {@code ProcessBuilder} cannot do this: it starts a helper found by
     * path ({@code java.home/lib/jspawnhelper}), absent from the target's file tree, and a
     * reaper thread, which a thread with a pid namespace entered cannot create. nsfs4j
     * calls posix_spawn(3) from the entered thread instead and waits for the process on a
     * thread of its own.
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
     * @throws NamespaceException if a namespace could not be entered (nothing was started)
     * @throws IOException if a redirect or pipe cannot be opened
     */
    public Process start(ProcessBuilder builder) throws IOException {
        requireOpen("start");
        NamespaceThread.checkNotInside();
        try (ProcessStart start = ProcessStart.prepare(builder)) {
            Preload.forProcesses();
            int pid = Outcomes.<Integer, RuntimeException>of(PoolThread.run(start.job(entries, target)));
            return start.started(pid, entries);
        } catch (Failure f) {
            throw Failures.of(f);
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
        for (NsFile ns : entries) {
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
        for (NsFile ns : entries) {
            ns.close();
        }
    }

    /** {@code namespaces [net, uts] of process 1234}. */
    @Override
    public String toString() {
        return "namespaces " + types + " of " + target + (closed ? " (closed)" : "");
    }
}
