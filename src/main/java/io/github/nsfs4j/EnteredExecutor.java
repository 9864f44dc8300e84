package io.github.nsfs4j;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

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
 * keeps open; nothing is opened or allocated; about 20 µs on a 2-core VM, where the kernel
 * takes 2.5 µs for each). A thread
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
    private static final Runnable STOP = () -> { };

    private final NamespaceHandle[] entries;
    private final Set<NamespaceType> types;
    private final String target;
    private final LinkedBlockingQueue<Runnable> queue = new LinkedBlockingQueue<>();
    /** Every thread it ever started, replaced ones included (guarded by lock). */
    private final List<NamespaceThread> threads = new ArrayList<>();
    private final int size;
    /**
     * Threads started and not ended, plus one while the constructor runs; a replacement is
     * counted before the thread it replaces ends.
     */
    private final AtomicInteger live = new AtomicInteger(1);
    private final CountDownLatch ready;
    private final Object lock = new Object();
    private volatile Throwable enterFailure;
    private boolean shutdown;

    EnteredExecutor(NamespaceHandle[] entries, Set<NamespaceType> types, String target, int n)
            throws NamespaceException {
        this.types = types;
        this.target = target;
        this.size = n;
        this.ready = new CountDownLatch(n);
        NamespaceThread.Preload.ensure();
        String foreign = JvmNamespaces.firstForeignLink();
        if (foreign != null) {
            throw new IllegalStateException("nsfs4j: this thread is not in the JVM's namespaces (" + foreign
                    + "), so the executor's threads would not start there either");
        }
        this.entries = duplicates(entries);
        NamespaceThread.Starter.ensure(); // from here, proven home: it will start replacements
        for (int i = 0; i < n; i++) {
            NamespaceThread t = NamespaceThread.forExecutor(this, types + " of " + target);
            synchronized (lock) {
                threads.add(t);
            }
            live.incrementAndGet();
            NamespaceThread.STARTED.incrementAndGet();
            t.start();
        }
        boolean interrupted = false;
        for (;;) {
            try {
                ready.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        threadEnded(); // the constructor's own count
        Throwable failure = enterFailure;
        if (failure != null) {
            close();
            if (failure instanceof NamespaceException e) {
                throw e;
            }
            if (failure instanceof RuntimeException e) {
                throw e;
            }
            throw (Error) failure;
        }
    }

    /** Its own handles: a replacement thread enters after the set may be closed. Closed when the last thread ends. */
    private static NamespaceHandle[] duplicates(NamespaceHandle[] entries) throws NamespaceException {
        NamespaceHandle[] copies = new NamespaceHandle[entries.length];
        try {
            for (int i = 0; i < entries.length; i++) {
                copies[i] = entries[i].duplicateHandle();
            }
            return copies;
        } catch (NamespaceException | RuntimeException e) {
            closeAll(copies);
            throw e;
        }
    }

    private static void closeAll(NamespaceHandle[] handles) {
        for (NamespaceHandle ns : handles) {
            if (ns != null) {
                ns.close();
            }
        }
    }

    NamespaceHandle[] entries() {
        return entries;
    }

    /** Called by each of its threads as it ends: the last one closes the handles (no thread will enter again). */
    void threadEnded() {
        if (live.decrementAndGet() == 0) {
            closeAll(entries);
        }
    }

    /** Called by each thread once it has entered (failure null) or failed to. */
    void threadReady(Throwable failure) {
        if (ready.getCount() == 0) { // a replacement: every first thread was ready before any task ran
            if (failure != null) {
                stop(false, "the thread that was to replace a discarded one could not enter: " + failure);
            }
            return;
        }
        if (failure != null && enterFailure == null) {
            enterFailure = failure;
        }
        ready.countDown();
    }

    /** A thread's loop: tasks until STOP, or until a task has moved the thread. */
    void work(NamespaceThread self) {
        for (;;) {
            Runnable task;
            try {
                task = queue.take();
            } catch (InterruptedException e) {
                continue; // shutdownNow's interrupt was meant for a task; STOP ends the loop
            }
            if (task == STOP) {
                return;
            }
            Thread.interrupted();
            NamespaceThread.Job<?> job = task instanceof JobTask j ? j.job : null;
            try {
                if (job != null) {
                    job.runWork();
                } else {
                    task.run();
                }
            } catch (Throwable t) {
                self.getUncaughtExceptionHandler().uncaughtException(self, t);
            }
            String moved = self.movedFrom();
            if (moved == null) {
                if (job != null) {
                    job.done.complete(null);
                }
                continue;
            }
            discard(self, moved, job);
            return;
        }
    }

    /**
     * The task moved {@code self}: a new thread takes its place (unless shut down), the caller
     * learns why, and {@code self} ends.
     */
    private void discard(NamespaceThread self, String moved, NamespaceThread.Job<?> job) {
        NamespaceThread replacement = null;
        synchronized (lock) {
            if (!shutdown) {
                replacement = NamespaceThread.forExecutor(this, types + " of " + target);
                threads.add(replacement);
                live.incrementAndGet();
            }
        }
        String detail = "after the task, the executor's thread is no longer in the namespaces it entered:"
                + " /proc/thread-self/ns shows " + moved + " (the task moved its own thread; a task must not call"
                + " setns or unshare)" + (replacement != null ? "; a new thread enters in its place" : "");
        if (job != null) {
            job.restoreFailed(new RestoreFailedException(target, 0, detail, job.completed, job.result));
            job.discarded = true;
            job.endedThread = self;
            job.done.complete(null);
        } else {
            self.getUncaughtExceptionHandler().uncaughtException(self,
                    new RestoreFailedException(target, 0, detail, true, null));
        }
        if (replacement != null) {
            NamespaceThread.startFromHome(replacement); // before self ends: close() joins in list order
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
        NamespaceThread.Job<T> job = new NamespaceThread.Job<>(entries, target) {
            @Override
            T work() throws Exception {
                return task.call();
            }
        };
        runJob(job);
        try {
            return NamespaceSet.<T, X>outcome(job);
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

    private <T> NamespaceThread.Job<T> runJob(NamespaceThread.Job<T> job) throws ClosedNamespaceException {
        try {
            execute(new JobTask(job));
        } catch (RejectedExecutionException e) {
            throw new ClosedNamespaceException("call", toString());
        }
        job.done.join();
        if (job.endedThread != null) {
            NamespaceThread.joinUninterruptibly(job.endedThread);
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
        return Spawn.start(builder, this::runJob, entries, target);
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
        synchronized (lock) {
            if (shutdown) {
                throw new RejectedExecutionException(this + " is shut down");
            }
            queue.add(command);
        }
    }

    /** Accepts no more tasks; those accepted still run, then every thread ends. */
    @Override
    public void shutdown() {
        synchronized (lock) {
            if (shutdown) {
                return;
            }
            shutdown = true;
            for (int i = 0; i < size; i++) { // one for each live thread: a replaced one took none
                queue.add(STOP);
            }
        }
    }

    /** As {@link #shutdown()}, dropping the tasks not yet started and interrupting those running. */
    @Override
    public List<Runnable> shutdownNow() {
        return stop(true, "shut down before the task ran");
    }

    private List<Runnable> stop(boolean interrupt, String why) {
        List<Runnable> dropped = new ArrayList<>();
        synchronized (lock) {
            queue.drainTo(dropped);
            dropped.removeIf(r -> r == STOP);
            shutdown = false;
            shutdown();
            if (interrupt) {
                threads.forEach(Thread::interrupt);
            }
        }
        for (Runnable r : dropped) { // a caller blocked in call() or on a Future learns its task will not run
            if (r instanceof JobTask job) {
                job.abandon(why);
            } else if (r instanceof Future<?> f) {
                f.cancel(false);
            }
        }
        return dropped;
    }

    private List<NamespaceThread> threads() {
        synchronized (lock) {
            return List.copyOf(threads);
        }
    }

    @Override
    public boolean isShutdown() {
        synchronized (lock) {
            return shutdown;
        }
    }

    @Override
    public boolean isTerminated() {
        return isShutdown() && threads().stream().noneMatch(Thread::isAlive);
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        for (Thread t : threads()) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !t.join(java.time.Duration.ofNanos(left))) {
                return !t.isAlive() && isTerminated();
            }
        }
        return isTerminated();
    }

    /** Shuts down, waits for the accepted tasks and for every thread to end. Idempotent. */
    @Override
    public void close() {
        shutdown();
        // no thread is added after shutdown, and a replaced one ends only once its successor started
        for (Thread t : threads()) {
            NamespaceThread.joinUninterruptibly(t);
        }
    }

    /** {@code executor [net] of process 1234, 4 threads}. */
    @Override
    public String toString() {
        return "executor " + types + " of " + target + ", " + size + " threads" + (isShutdown() ? " (shut down)"
                : "");
    }

    /** A job queued by {@link #call} or {@link #start}: if dropped by shutdownNow, its caller is told. */
    private final class JobTask implements Runnable {
        private final NamespaceThread.Job<?> job;

        JobTask(NamespaceThread.Job<?> job) {
            this.job = job;
        }

        @Override
        public void run() { // work() runs the job itself, to check its thread before completing it
            job.runWork();
            job.done.complete(null);
        }

        void abandon(String why) {
            job.failure = new ClosedNamespaceException("call", EnteredExecutor.this + ": " + why);
            job.done.complete(null);
        }
    }
}
