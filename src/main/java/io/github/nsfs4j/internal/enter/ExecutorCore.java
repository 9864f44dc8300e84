package io.github.nsfs4j.internal.enter;

import io.github.nsfs4j.internal.Failure;
import io.github.nsfs4j.internal.NsFile;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads and queue behind {@code EnteredExecutor}: each thread enters once, when the
 * executor is made, and serves tasks until shut down. A thread that a task moved out of the
 * namespaces is discarded and replaced by a new one, started from the JVM's namespaces
 * ({@link Starter}); the task's caller learns it through its job, a task given to
 * {@code execute} through the thread's uncaught-exception handler. The executor keeps
 * duplicates of the namespaces for such replacements, closed when its last thread ends.
 */
public final class ExecutorCore {
    private static final Runnable STOP = () -> { };

    /** Reports a task that moved its thread, for a task that has no job to carry it. */
    public interface Moved {
        /** The exception the thread's uncaught-exception handler gets. */
        Throwable of(String target, String detail);
    }

    private final NsFile[] entries;
    private final String name;
    private final String target;
    private final Moved moved;
    private final LinkedBlockingQueue<Runnable> queue = new LinkedBlockingQueue<>();
    /** Every thread it ever started, replaced ones included (guarded by lock). */
    private final List<ExecutorThread> threads = new ArrayList<>();
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

    /**
     * Starts {@code n} threads, each entering {@code entries} (duplicated here, so the caller
     * may close its own), and waits until all have entered.
     *
     * @param name what the threads are in, for their names ({@code [net] of process 1234})
     * @param target what the namespaces are, for messages
     * @throws Failure or the unchecked exception a thread met entering (then no thread is left)
     */
    public ExecutorCore(NsFile[] entries, String name, String target, int n, Moved moved) throws Failure {
        this.name = name;
        this.target = target;
        this.moved = moved;
        this.size = n;
        this.ready = new CountDownLatch(n);
        Preload.forProcesses();
        NamespaceThread.checkHome("the executor's threads");
        this.entries = duplicates(entries);
        Starter.ensure(); // from here, proven home: it will start replacements
        for (int i = 0; i < n; i++) {
            ExecutorThread t = new ExecutorThread(this, name);
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
            if (failure instanceof Failure e) {
                throw e;
            }
            if (failure instanceof RuntimeException e) {
                throw e;
            }
            throw (Error) failure;
        }
    }

    /** Its own files: a replacement thread enters after the set may be closed. Closed when the last thread ends. */
    private static NsFile[] duplicates(NsFile[] entries) throws Failure {
        NsFile[] copies = new NsFile[entries.length];
        try {
            for (int i = 0; i < entries.length; i++) {
                copies[i] = entries[i].duplicate();
            }
            return copies;
        } catch (Failure | RuntimeException e) {
            closeAll(copies);
            throw e;
        }
    }

    private static void closeAll(NsFile[] files) {
        for (NsFile ns : files) {
            if (ns != null) {
                ns.close();
            }
        }
    }

    /** Its own files on the namespaces its threads entered (open while a thread lives). */
    public NsFile[] entries() {
        return entries;
    }

    /** Called by each of its threads as it ends: the last one closes the files (no thread will enter again). */
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
    void work(ExecutorThread self) {
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
            Job<?> job = task instanceof JobTask j ? j.job : null;
            try {
                if (job != null) {
                    job.runWork();
                } else {
                    task.run();
                }
            } catch (Throwable t) {
                self.getUncaughtExceptionHandler().uncaughtException(self, t);
            }
            String movedFrom = self.movedFrom();
            if (movedFrom == null) {
                if (job != null) {
                    job.done.complete(null);
                }
                continue;
            }
            discard(self, movedFrom, job);
            return;
        }
    }

    /**
     * The task moved {@code self}: a new thread takes its place (unless shut down), the caller
     * learns why, and {@code self} ends.
     */
    private void discard(ExecutorThread self, String movedFrom, Job<?> job) {
        ExecutorThread replacement = null;
        synchronized (lock) {
            if (!shutdown) {
                replacement = new ExecutorThread(this, name);
                threads.add(replacement);
                live.incrementAndGet();
            }
        }
        String detail = "after the task, the executor's thread is no longer in the namespaces it entered:"
                + " /proc/thread-self/ns shows " + movedFrom + " (the task moved its own thread; a task must not call"
                + " setns or unshare)" + (replacement != null ? "; a new thread enters in its place" : "");
        if (job != null) {
            job.restoreFailed(0, detail);
            job.discarded = true;
            job.endedThread = self;
            job.done.complete(null);
        } else {
            self.getUncaughtExceptionHandler().uncaughtException(self, moved.of(target, detail));
        }
        if (replacement != null) {
            Starter.start(replacement); // before self ends: close() joins in list order
        }
    }

    /**
     * Runs a job on one of the threads and waits for it (uninterruptibly); a thread the job's
     * task moved has ended when this returns.
     *
     * @throws RejectedExecutionException after shutdown
     */
    public <T> Job<T> run(Job<T> job) {
        execute(new JobTask(job));
        job.done.join();
        if (job.endedThread != null) {
            NamespaceThread.joinUninterruptibly(job.endedThread);
        }
        return job;
    }

    /**
     * Queues a task for one of the threads.
     *
     * @throws RejectedExecutionException after shutdown
     */
    public void execute(Runnable command) {
        synchronized (lock) {
            if (shutdown) {
                throw new RejectedExecutionException(target + " is shut down");
            }
            queue.add(command);
        }
    }

    /** Accepts no more tasks; those accepted still run, then every thread ends. */
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
                job.job.abandon(why);
                job.job.done.complete(null);
            } else if (r instanceof Future<?> f) {
                f.cancel(false);
            }
        }
        return dropped;
    }

    private List<ExecutorThread> threads() {
        synchronized (lock) {
            return List.copyOf(threads);
        }
    }

    public boolean isShutdown() {
        synchronized (lock) {
            return shutdown;
        }
    }

    public boolean isTerminated() {
        return isShutdown() && threads().stream().noneMatch(Thread::isAlive);
    }

    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        for (Thread t : threads()) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !t.join(Duration.ofNanos(left))) {
                return !t.isAlive() && isTerminated();
            }
        }
        return isTerminated();
    }

    /** Shuts down, waits for the accepted tasks and for every thread to end. Idempotent. */
    public void close() {
        shutdown();
        // no thread is added after shutdown, and a replaced one ends only once its successor started
        for (Thread t : threads()) {
            NamespaceThread.joinUninterruptibly(t);
        }
    }

    /** What the threads are in, for their names and messages. */
    @Override
    public String toString() {
        return name;
    }

    /** A job queued by {@link #run}: if dropped by shutdownNow, its caller is told. */
    private static final class JobTask implements Runnable {
        final Job<?> job;

        JobTask(Job<?> job) {
            this.job = job;
        }

        @Override
        public void run() { // work() runs the job itself, to check its thread before completing it
            job.runWork();
            job.done.complete(null);
        }
    }
}
