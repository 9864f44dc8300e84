package io.github.nsfs4j;

import io.github.nsfs4j.internal.Failure;
import io.github.nsfs4j.internal.NsFile;
import io.github.nsfs4j.internal.enter.ExecutorCore;
import io.github.nsfs4j.internal.enter.Job;
import io.github.nsfs4j.internal.enter.NamespaceThread;
import io.github.nsfs4j.internal.enter.ProcessStart;
import io.github.nsfs4j.internal.enter.SpawnStart;
import io.github.nsfs4j.kernel.NamespaceType;

import java.io.IOException;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * An {@link java.util.concurrent.ExecutorService} whose threads are inside namespaces: made by
 * {@link NamespaceSet#executor(int)}, each of its platform threads entered them once, when the
 * executor was made, and stays inside until {@link #close()} (or {@link #shutdown()}), after
 * which it ends instead of going back: no thread of it is ever used for anything else.
 *
 * <p>Tasks given to {@link #submit}, {@link #execute} or {@link #call} run on one of those
 * threads, in the namespaces; {@link #call} returns the result or throws the task's own
 * exception, like {@link NamespaceSet#call}; {@link #start} starts a process there. Any
 * number of threads, virtual ones included, may use the executor at once. What a task may
 * do on other threads: {@link NamespaceTask}.
 *
 * <p><b>Checked after each task.</b> A task could move its own thread (setns(2) or
 * unshare(2) of its own, or through a native library): after every task the thread compares
 * the seven {@code /proc/thread-self/ns} links a thread can change (all but user, pid and
 * time) with what they were once it had entered (seven readlinkat through a directory fd it
 * keeps open; nothing is opened or allocated: docs/performance.md has its cost). A thread
 * that is no longer where it entered is discarded: it ends, and a new thread, started from
 * the JVM's namespaces, enters in its place. The task's caller learns it: {@link #call} throws
 * a {@link RestoreFailedException} carrying the task's outcome; for a task given to
 * {@link #submit} or {@link #execute} (whose {@code Future} has already completed) it goes to
 * the thread's uncaught-exception handler. If the new thread cannot enter, the executor shuts
 * down, and the tasks still queued fail with a {@link ClosedNamespaceException}.
 *
 * <p>{@link #close()} is {@link #shutdown()} and then waits for the tasks already accepted and
 * for every thread to end. A task that calls back into this executor and waits would wait for
 * itself: that is refused with an {@link IllegalStateException}.
 */
public final class EnteredExecutor extends AbstractExecutorService implements AutoCloseable {
    private final ExecutorCore core;
    private final Set<NamespaceType> types;
    private final String target;
    private final int size;

    EnteredExecutor(NsFile[] entries, Set<NamespaceType> types, String target, int n) throws NamespaceException {
        this.types = types;
        this.target = target;
        this.size = n;
        try {
            this.core = new ExecutorCore(entries, types + " of " + target, target, n,
                    (where, detail) -> new RestoreFailedException(where, 0, detail, true, null));
        } catch (Failure f) {
            throw Failures.of(f);
        }
    }

    /**
     * The types its threads are in (besides the JVM's own of the others).
     *
     * @return an unmodifiable set
     */
    public Set<NamespaceType> types() {
        return types;
    }

    /**
     * Runs a task on one of the executor's threads and returns its result; the caller waits
     * (uninterruptibly; an interrupt is kept for it).
     *
     * @param <T> the result type
     * @param <X> the task's checked exception
     * @param task the work
     * @return what the task returned
     * @throws X what the task threw, as it threw it
     * @throws ClosedNamespaceException if the executor is shut down
     * @throws RestoreFailedException if the task moved the executor's thread out of the
     *         namespaces (the thread has ended; the task's outcome is in the exception)
     * @throws IllegalStateException if called from one of this executor's (or another entered) threads
     */
    public <T, X extends Exception> T call(NamespaceTask<T, X> task) throws X, ClosedNamespaceException,
            RestoreFailedException {
        Objects.requireNonNull(task, "task");
        NamespaceThread.checkNotInside();
        Job<T> job = run(Outcomes.job(core.entries(), target, task));
        try {
            return Outcomes.<T, X>of(job);
        } catch (ClosedNamespaceException | RestoreFailedException e) {
            throw e;
        } catch (NamespaceException e) {
            throw sneaky(e); // only the task's own: nothing is entered per call here
        }
    }

    @SuppressWarnings("unchecked")
    private static <E extends Throwable> E sneaky(Throwable t) throws E {
        throw (E) t;
    }

    /** Runs a job on one of the threads; a job dropped by {@link #shutdownNow()} is a closed executor. */
    private <T> Job<T> run(Job<T> job) throws ClosedNamespaceException {
        try {
            core.run(job);
        } catch (RejectedExecutionException e) {
            throw new ClosedNamespaceException("call", toString());
        }
        if (job.abandoned() != null) {
            throw new ClosedNamespaceException("call", this + ": " + job.abandoned());
        }
        return job;
    }

    /**
     * Starts a process from one of the executor's threads, inside its namespaces; as
     * {@link NamespaceSet#start}.
     *
     * @param builder what to start
     * @return the running process
     * @throws java.nio.file.NoSuchFileException if the command is not found
     * @throws IOException if it cannot be started, or the executor is shut down
     */
    public Process start(ProcessBuilder builder) throws IOException {
        NamespaceThread.checkNotInside();
        try (ProcessStart start = ProcessStart.prepare(builder)) {
            SpawnStart spawn = new SpawnStart(start, core.entries(), target);
            int pid = Outcomes.<Integer, RuntimeException>of(run(spawn.job()));
            return spawn.started(pid);
        }
    }

    // ---------------------------------------------------------------- ExecutorService

    /**
     * Queues a task for one of the threads.
     *
     * @throws RejectedExecutionException after shutdown
     */
    @Override
    public void execute(Runnable command) {
        Objects.requireNonNull(command, "command");
        try {
            core.execute(command);
        } catch (RejectedExecutionException e) {
            throw new RejectedExecutionException(this + " is shut down");
        }
    }

    /** Accepts no more tasks; those accepted still run, then every thread ends. */
    @Override
    public void shutdown() {
        core.shutdown();
    }

    /** As {@link #shutdown()}, dropping the tasks not yet started and interrupting those running. */
    @Override
    public List<Runnable> shutdownNow() {
        return core.shutdownNow();
    }

    @Override
    public boolean isShutdown() {
        return core.isShutdown();
    }

    @Override
    public boolean isTerminated() {
        return core.isTerminated();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return core.awaitTermination(timeout, unit);
    }

    /** Shuts down, waits for the accepted tasks and for every thread to end. Idempotent. */
    @Override
    public void close() {
        core.close();
    }

    /** {@code executor [net] of process 1234, 4 threads}. */
    @Override
    public String toString() {
        return "executor " + types + " of " + target + ", " + size + " threads" + (isShutdown() ? " (shut down)"
                : "");
    }
}
