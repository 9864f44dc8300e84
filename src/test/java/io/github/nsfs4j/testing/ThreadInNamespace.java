package io.github.nsfs4j.testing;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A platform thread of this JVM that has joined (setns(2), raw, not through nsfs4j) a namespace
 * of another process, and stays there until closed, while the JVM's other threads do not: the
 * namespace a thread id names ({@code nsenter -t TID}), unlike its process's. Needs the
 * privilege setns needs (root, for most types).
 */
public final class ThreadInNamespace implements AutoCloseable {
    private static final int O_RDONLY_CLOEXEC = 0x80000;

    private final CountDownLatch done = new CountDownLatch(1);
    private final CompletableFuture<Integer> tid = new CompletableFuture<>();
    private final Thread thread;

    /** Starts the thread and moves it into {@code /proc/PID/ns/TYPE}. */
    public ThreadInNamespace(long pid, String type) {
        thread = Thread.ofPlatform().daemon().name("in-" + type + "-of-" + pid).start(() -> {
            try {
                Linker linker = Linker.nativeLinker();
                SymbolLookup libc = linker.defaultLookup();
                MethodHandle open = linker.downcallHandle(libc.find("open").orElseThrow(),
                        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
                MethodHandle setns = linker.downcallHandle(libc.find("setns").orElseThrow(),
                        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
                MethodHandle close = linker.downcallHandle(libc.find("close").orElseThrow(),
                        FunctionDescriptor.of(JAVA_INT, JAVA_INT));
                MethodHandle gettid = linker.downcallHandle(libc.find("gettid").orElseThrow(),
                        FunctionDescriptor.of(JAVA_INT));
                int fd;
                try (Arena arena = Arena.ofConfined()) {
                    fd = (int) open.invokeExact(arena.allocateFrom("/proc/" + pid + "/ns/" + type), O_RDONLY_CLOEXEC);
                }
                if (fd < 0) {
                    throw new IllegalStateException("open of /proc/" + pid + "/ns/" + type + " failed");
                }
                int rc = (int) setns.invokeExact(fd, 0);
                int closed = (int) close.invokeExact(fd);
                if (rc != 0 || closed != 0) {
                    throw new IllegalStateException("setns into " + type + " of " + pid + " failed");
                }
                tid.complete((int) gettid.invokeExact());
                done.await(); // stays in the namespace until closed; it never goes back to a pool
            } catch (Throwable t) {
                tid.completeExceptionally(t);
            }
        });
    }

    /** The thread's id, once it is in the namespace. */
    public int tid() throws Exception {
        return tid.get(60, TimeUnit.SECONDS);
    }

    /** Lets the thread end (with it, its hold on the namespace). */
    @Override
    public void close() throws InterruptedException {
        done.countDown();
        thread.join();
    }
}
