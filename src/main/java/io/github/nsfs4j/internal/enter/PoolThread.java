package io.github.nsfs4j.internal.enter;

import io.github.nsfs4j.internal.Failure;
import io.github.nsfs4j.internal.JvmNamespaces;
import io.github.nsfs4j.linux.Errno;
import io.github.nsfs4j.kernel.NamespaceType;

import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A pooled thread for one-shot jobs: it enters, runs the job, goes back to the JVM's
 * namespaces and checks every {@code /proc/thread-self/ns} link; only a thread proven home
 * goes back to the idle pool, any other ends before its caller returns. A thread that entered
 * a mount namespace (its root and working directory are its own from then on) always ends.
 */
public final class PoolThread extends NamespaceThread {
    private static final long KEEP_ALIVE_SECONDS = 30;
    private static final ConcurrentLinkedDeque<PoolThread> IDLE = new ConcurrentLinkedDeque<>();

    private final LinkedBlockingQueue<Job<?>> inbox = new LinkedBlockingQueue<>();

    private PoolThread() {
        super("nsfs4j-enter-" + NUMBER.incrementAndGet());
    }

    /**
     * Runs a job on an idle pool thread (or a new one) and waits for it, uninterruptibly (an
     * interrupt is kept for the caller). A thread that was discarded has ended when this returns.
     *
     * @throws IllegalStateException from inside a task, or from a thread that is not home when
     *     a thread has to be started
     */
    public static <T> Job<T> run(Job<T> job) throws Failure {
        checkNotInside();
        Preload.forTasks();
        PoolThread worker = IDLE.pollFirst();
        if (worker != null) {
            worker.inbox.add(job);
        } else {
            checkHome("a thread it starts"); // a new thread inherits the namespaces of its creator
            worker = new PoolThread();
            worker.inbox.add(job);
            STARTED.incrementAndGet();
            worker.start();
        }
        job.done.join();
        if (job.discarded) {
            joinUninterruptibly(worker);
        }
        return job;
    }

    @Override
    public void run() {
        String foreign = JvmNamespaces.firstForeignLink();
        Job<?> job = takeJob();
        if (foreign != null) {
            job.fail(new IllegalStateException("nsfs4j: a new thread was not born in the JVM's namespaces ("
                    + foreign + ")"));
            job.discarded = true;
            job.done.complete(null);
            return;
        }
        nsDir = JvmNamespaces.openThreadNsDir();
        try {
            for (;;) {
                boolean keep = runJob(job);
                job.discarded = !keep;
                if (keep) {
                    IDLE.addFirst(this); // before completing: the caller's next job finds this warm thread
                }
                job.done.complete(null);
                if (!keep || (job = nextJob()) == null) {
                    return;
                }
            }
        } finally {
            closeNsDir();
        }
    }

    private boolean runJob(Job<?> job) {
        Thread.interrupted(); // an interrupt meant for an earlier job must not reach this one
        try {
            enter(job.entries, job.target);
            job.runWork();
        } catch (Failure | RuntimeException e) {
            job.fail(e);
        }
        return leave(job);
    }

    private Job<?> takeJob() {
        for (;;) {
            try {
                return inbox.take();
            } catch (InterruptedException e) {
                // nobody but nsfs4j hands this thread work; keep waiting
            }
        }
    }

    /** The next job, or null after the keep-alive time with none (the thread then leaves the pool). */
    private Job<?> nextJob() {
        try {
            Job<?> job = inbox.poll(KEEP_ALIVE_SECONDS, TimeUnit.SECONDS);
            if (job != null) {
                return job;
            }
        } catch (InterruptedException e) {
            // fall through: leave if nobody has taken this thread meanwhile
        }
        return IDLE.removeFirstOccurrence(this) ? null : takeJob(); // taken meanwhile: its job is on the way
    }

    /**
     * Goes back to the JVM's namespaces and proves it. Returns whether the thread may be
     * reused; if not, the job learns why (unless the thread ends by design, after a mount
     * namespace).
     */
    private boolean leave(Job<?> job) {
        NamespaceType failedType = null;
        int failedErrno = 0;
        for (int i = entered - 1; i >= 0; i--) {
            NamespaceType type = job.entries[i].type();
            int rc;
            try {
                rc = setns(JvmNamespaces.home(type), type, true);
            } catch (Failure e) {
                rc = -Errno.EBADF;
            }
            if (rc < 0 && failedType == null) {
                failedType = type;
                failedErrno = -rc;
            }
        }
        entered = 0;
        if (fsUnshared()) {
            // by design: its root and working directory are its own now, so it ends instead of
            // being reused (back in the JVM's namespaces where it could get, for its last moments)
            return false;
        }
        String foreign = nsDir >= 0 ? JvmNamespaces.firstForeignLink(nsDir) : JvmNamespaces.firstForeignLink();
        if (failedType == null && foreign == null) {
            inside = false;
            return true;
        }
        job.restoreFailed(failedErrno, failedType != null
                ? "cannot go back to the JVM's " + failedType + " namespace"
                : "after going back, /proc/thread-self/ns shows " + foreign
                        + " (the task moved its thread, or the kernel did not restore it)");
        return false;
    }
}
