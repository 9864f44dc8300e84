package io.github.nsfs4j;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.nio.file.FileSystems;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A platform thread of nsfs4j that enters namespaces with setns(2). In pool mode it serves
 * one-shot {@link Job}s: it enters, runs the job, goes back to the JVM's namespaces and
 * checks every {@code /proc/thread-self/ns} link; only a thread proven home goes back to the
 * idle pool, any other ends before its caller returns. A thread that entered a mount
 * namespace (it had to unshare its fs_struct, so its root and working directory are its own)
 * is never reused. In executor mode it enters once and serves an {@link EnteredExecutor}
 * until it is shut down, then ends.
 */
final class NamespaceThread extends Thread {

    /** Test hook: where set, consulted before each setns; a non-zero result is used as the -errno instead. */
    interface Faults {
        int setns(NamespaceType type, boolean restoring);
    }

    static volatile Faults faults;

    /** Threads ever started (for tests: a refusal must not start one). */
    static final AtomicLong STARTED = new AtomicLong();

    private static final int CLONE_FS = 0x200;
    private static final long KEEP_ALIVE_SECONDS = 30;
    private static final AtomicInteger NUMBER = new AtomicInteger();
    private static final ConcurrentLinkedDeque<NamespaceThread> IDLE = new ConcurrentLinkedDeque<>();

    private final LinkedBlockingQueue<Job<?>> inbox = new LinkedBlockingQueue<>();
    private final EnteredExecutor executor;
    private boolean fsUnshared;
    /** This thread's /proc/thread-self/ns, open while it serves jobs; -1 if it could not be opened. */
    private int nsDir = -1;
    private int entered;
    /** An executor's thread: its links as they were once it had entered. */
    private MemorySegment[] enteredLinks;
    /** True from the first setns until the thread is proven home again (or for good). */
    private volatile boolean inside;

    private NamespaceThread(EnteredExecutor executor, String name) {
        super(null, null, name, 0, false);
        this.executor = executor;
        setDaemon(true);
    }

    /** A thread for an executor; the caller starts it. */
    static NamespaceThread forExecutor(EnteredExecutor executor, String target) {
        return new NamespaceThread(executor, "nsfs4j-executor-" + NUMBER.incrementAndGet() + " " + target);
    }

    // ---------------------------------------------------------------- jobs

    /** One piece of work run inside namespaces, with its outcome. */
    abstract static class Job<T> {
        final NamespaceHandle[] entries;
        final String target;
        final CompletableFuture<Void> done = new CompletableFuture<>();
        T result;
        boolean completed;
        Throwable failure;
        boolean discarded;
        /** The executor thread that ran it and was discarded (the caller waits for it to end). */
        Thread endedThread;

        Job(NamespaceHandle[] entries, String target) {
            this.entries = entries;
            this.target = target;
        }

        /** The work; runs on the entered thread. */
        abstract T work() throws Exception;

        final void runWork() {
            try {
                result = work();
                completed = true;
            } catch (Throwable t) {
                failure = t;
            }
        }

        final void restoreFailed(RestoreFailedException e) {
            if (failure == null) {
                failure = e;
            } else {
                failure.addSuppressed(e);
            }
        }
    }

    /**
     * Runs a job on an idle pool thread (or a new one) and waits for it, uninterruptibly (an
     * interrupt is kept for the caller). A thread that was discarded has ended when this returns.
     */
    static <T> Job<T> run(Job<T> job) throws NamespaceException {
        checkNotInside();
        Preload.ensure();
        NamespaceThread worker = IDLE.pollFirst();
        if (worker != null) {
            worker.inbox.add(job);
        } else {
            // A new thread inherits the namespaces of the thread that creates it.
            String foreign = JvmNamespaces.firstForeignLink();
            if (foreign != null) {
                throw new IllegalStateException("nsfs4j: this thread is not in the JVM's namespaces (" + foreign
                        + "), so a thread it starts would not be either; it was probably started by a task running"
                        + " inside namespaces, which it should not do: see NamespaceTask");
            }
            worker = new NamespaceThread(null, "nsfs4j-enter-" + NUMBER.incrementAndGet());
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

    /** Refuses a call made from inside a task: it would run on another thread, not in these namespaces. */
    static void checkNotInside() {
        if (Thread.currentThread() instanceof NamespaceThread t && t.inside) {
            throw new IllegalStateException("nsfs4j: called from a task that runs inside namespaces; the inner work"
                    + " would run on another thread, in the JVM's namespaces, not in these. Enter every namespace"
                    + " you need in one NamespaceSet instead");
        }
    }

    static void joinUninterruptibly(Thread t) {
        boolean interrupted = false;
        while (t.isAlive()) {
            try {
                t.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    // ---------------------------------------------------------------- the thread

    @Override
    public void run() {
        String foreign = JvmNamespaces.firstForeignLink();
        if (executor != null) {
            runForExecutor(foreign);
            return;
        }
        Job<?> job = takeJob();
        if (foreign != null) {
            job.failure = new IllegalStateException("nsfs4j: a new thread was not born in the JVM's namespaces ("
                    + foreign + ")");
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
            if (nsDir >= 0) {
                LibC.close(nsDir);
            }
        }
    }

    private boolean runJob(Job<?> job) {
        Thread.interrupted(); // an interrupt meant for an earlier job must not reach this one
        try {
            enter(job.entries, job.target);
            job.runWork();
        } catch (NamespaceException | RuntimeException e) {
            job.failure = e;
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

    private void runForExecutor(String foreign) {
        try (Arena arena = Arena.ofConfined()) {
            try {
                if (foreign != null) {
                    throw new IllegalStateException("nsfs4j: a new executor thread was not born in the JVM's"
                            + " namespaces (" + foreign + "); create the executor from a thread that is");
                }
                enter(executor.entries(), executor.toString());
                nsDir = JvmNamespaces.openThreadNsDir();
                if (nsDir < 0) {
                    throw Errnos.failure("open", "/proc/thread-self/ns", -nsDir, "cannot open the thread's own"
                            + " namespaces, which it checks after each task");
                }
                enteredLinks = JvmNamespaces.ownLinks(nsDir, arena);
            } catch (Throwable t) {
                executor.threadReady(t);
                return; // the thread ends, in whatever namespaces it reached
            }
            executor.threadReady(null);
            executor.work(this);
        } finally {
            if (nsDir >= 0) {
                LibC.close(nsDir);
            }
            executor.threadEnded();
        }
    }

    /**
     * On an executor's thread, after a task: the first {@code /proc/thread-self/ns} link that
     * is no longer what the thread entered (the task called setns or unshare), or null.
     * Seven readlinkat through the thread's own ns directory, one for each link a thread can
     * change ({@link JvmNamespaces#MOVABLE}); opens and allocates nothing.
     */
    String movedFrom() {
        return JvmNamespaces.firstChangedLink(nsDir, enteredLinks);
    }

    /**
     * Starts an executor's thread from nsfs4j's starter thread, which is in the JVM's
     * namespaces (a new thread inherits its creator's), and waits until it has started.
     * Used to replace an executor thread from that thread itself, which is not.
     */
    static void startFromHome(NamespaceThread t) {
        STARTED.incrementAndGet();
        CompletableFuture<Void> started = new CompletableFuture<>();
        Starter.QUEUE.add(() -> {
            try {
                t.start();
                started.complete(null);
            } catch (Throwable e) {
                started.completeExceptionally(e);
            }
        });
        started.join();
    }

    /**
     * The thread that starts replacement executor threads: made once, by a thread proven to be
     * in the JVM's namespaces (the first executor's creator), and running nothing but
     * {@code Thread.start}, so it stays there.
     */
    static final class Starter {
        private Starter() {}

        static final LinkedBlockingQueue<Runnable> QUEUE = new LinkedBlockingQueue<>();
        private static boolean started;

        /** Called from a thread known to be home. */
        static synchronized void ensure() {
            if (started) {
                return;
            }
            Thread.ofPlatform().daemon().name("nsfs4j-starter").start(() -> {
                for (;;) {
                    try {
                        QUEUE.take().run();
                    } catch (InterruptedException e) {
                        // nobody but nsfs4j hands this thread work; keep waiting
                    }
                }
            });
            started = true;
        }
    }

    // ---------------------------------------------------------------- entering and leaving

    /** Enters each namespace in order; on failure throws, with {@link #entered} telling how far it got. */
    private void enter(NamespaceHandle[] entries, String target) throws NamespaceException {
        inside = true;
        for (NamespaceHandle ns : entries) {
            NamespaceType type = ns.type();
            if (type == NamespaceType.MNT && !fsUnshared) {
                // setns(CLONE_NEWNS) needs a thread that shares its root and cwd with nobody (else EINVAL)
                int rc = LibC.unshare(CLONE_FS);
                if (rc < 0) {
                    throw Errnos.failure("unshare(CLONE_FS)", target, -rc,
                            "cannot give the thread its own root and working directory, which joining a mount"
                                    + " namespace needs");
                }
                fsUnshared = true;
            }
            int rc = setns(ns, type, false);
            if (rc < 0) {
                throw Errnos.failure("setns", ns + " of " + target, -rc, "the kernel refused to move the thread"
                        + " into the namespace; nothing of the task ran");
            }
            entered++;
        }
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
            } catch (NamespaceException e) {
                rc = -Errnos.EBADF;
            }
            if (rc < 0 && failedType == null) {
                failedType = type;
                failedErrno = -rc;
            }
        }
        entered = 0;
        if (fsUnshared) {
            // by design: its root and working directory are its own now, so it ends instead of
            // being reused (back in the JVM's namespaces where it could get, for its last moments)
            return false;
        }
        String foreign = nsDir >= 0 ? JvmNamespaces.firstForeignLink(nsDir) : JvmNamespaces.firstForeignLink();
        if (failedType == null && foreign == null) {
            inside = false;
            return true;
        }
        String detail = failedType != null
                ? "cannot go back to the JVM's " + failedType + " namespace"
                : "after going back, /proc/thread-self/ns shows " + foreign
                        + " (the task moved its thread, or the kernel did not restore it)";
        job.restoreFailed(new RestoreFailedException(job.target, failedErrno, detail, job.completed, job.result));
        return false;
    }

    private static int setns(NamespaceHandle ns, NamespaceType type, boolean restoring)
            throws ClosedNamespaceException {
        Faults f = faults;
        if (f != null) {
            int injected = f.setns(type, restoring);
            if (injected != 0) {
                return injected;
            }
        }
        int flag = type.cloneFlag();
        return ns.callOnFd(fd -> LibC.setns(fd, flag), "setns");
    }

    /**
     * Loads, before any thread moves, what the thread may need once it is inside a mount
     * namespace where the JVM's files are not: nsfs4j's classes on these paths, the errno
     * texts, and the JDK's file-system and network native libraries (loaded on first use from
     * {@code java.home}).
     */
    static final class Preload {
        private Preload() {}

        private static volatile boolean done;

        static void ensure() throws NamespaceException {
            if (done) {
                return;
            }
            synchronized (Preload.class) {
                if (done) {
                    return;
                }
                JvmNamespaces.load();
                JvmNamespaces.firstForeignLink();
                LibC.setns(-1, 0);
                LibC.unshare(0);
                Errnos.describe(Errnos.EINVAL);
                for (Class<?> c : new Class<?>[] {RestoreFailedException.class, NoSuchNamespaceException.class,
                        NamespaceAccessDeniedException.class, ClosedNamespaceException.class,
                        IllegalStateException.class, Job.class}) {
                    try {
                        Class.forName(c.getName(), true, c.getClassLoader());
                    } catch (ClassNotFoundException e) {
                        throw new AssertionError(e);
                    }
                }
                FileSystems.getDefault();
                InetAddress.getLoopbackAddress();
                Spawn.preload();
                done = true;
            }
        }
    }
}
