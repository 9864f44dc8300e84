package io.github.nsfs4j.internal.enter;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The thread that starts replacement executor threads: made once, by a thread proven to be
 * in the JVM's namespaces (the first executor's creator), and running nothing but
 * {@code Thread.start}, so it stays there. A thread inherits its creator's namespaces, so a
 * thread that a task moved cannot start its own successor.
 */
final class Starter {
    private Starter() {}

    private static final LinkedBlockingQueue<Runnable> QUEUE = new LinkedBlockingQueue<>();
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

    /** Starts {@code t} from the starter thread and waits until it has started. */
    static void start(Thread t) {
        NamespaceThread.STARTED.incrementAndGet();
        CompletableFuture<Void> started = new CompletableFuture<>();
        QUEUE.add(() -> {
            try {
                t.start();
                started.complete(null);
            } catch (Throwable e) {
                started.completeExceptionally(e);
            }
        });
        started.join();
    }
}
