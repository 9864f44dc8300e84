package io.github.nsfs4j.internal.enter;

import io.github.nsfs4j.internal.Failure;
import io.github.nsfs4j.internal.JvmNamespaces;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A thread of an {@link ExecutorCore}: it enters once, serves the executor's tasks until it
 * is shut down, then ends instead of going back. After each task it checks that it is still
 * where it entered ({@link #movedFrom()}).
 */
final class ExecutorThread extends NamespaceThread {
    private final ExecutorCore executor;
    /** Its links as they were once it had entered. */
    private MemorySegment[] enteredLinks;

    ExecutorThread(ExecutorCore executor, String target) {
        super("nsfs4j-executor-" + NUMBER.incrementAndGet() + " " + target);
        this.executor = executor;
    }

    @Override
    public void run() {
        String foreign = JvmNamespaces.firstForeignLink();
        try (Arena arena = Arena.ofConfined()) {
            try {
                if (foreign != null) {
                    throw new IllegalStateException("nsfs4j: a new executor thread was not born in the JVM's"
                            + " namespaces (" + foreign + "); create the executor from a thread that is");
                }
                enter(executor.entries(), executor.toString());
                nsDir = JvmNamespaces.openThreadNsDir();
                if (nsDir < 0) {
                    throw Failure.errno("open", "/proc/thread-self/ns", -nsDir, "cannot open the thread's own"
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
            closeNsDir();
            executor.threadEnded();
        }
    }

    /**
     * After a task: the first {@code /proc/thread-self/ns} link that is no longer what the
     * thread entered (the task called setns or unshare), or null. One readlinkat through the
     * thread's own ns directory for each link a thread can change
     * ({@link JvmNamespaces#MOVABLE}); opens and allocates nothing.
     */
    String movedFrom() {
        return JvmNamespaces.firstChangedLink(nsDir, enteredLinks);
    }
}
