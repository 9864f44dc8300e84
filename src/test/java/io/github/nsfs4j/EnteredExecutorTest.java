package io.github.nsfs4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Unshared;

/** An executor whose threads stay inside namespaces, shared by many (virtual) threads. */
class EnteredExecutorTest {
    private static Unshared target;
    private static String net;
    private static String uts;

    @BeforeAll
    static void start() {
        target = Unshared.start("net", "uts");
        net = Proc.nsLink(target.leafPid(), "net");
        uts = Proc.nsLink(target.leafPid(), "uts");
    }

    @AfterAll
    static void stop() {
        if (target != null) {
            target.close();
        }
    }

    private static EnteredExecutor executor(int threads) throws NamespaceException {
        try (Pidfd pidfd = Pidfd.open(target.leafPid());
                NamespaceSet set = NamespaceSet.of(pidfd, NamespaceType.NET, NamespaceType.UTS)) {
            return set.executor(threads); // the set may be closed once the executor exists
        }
    }

    @Test
    void sixteenVirtualThreadsShareOneExecutor() throws Exception {
        List<Long> tids = java.util.Collections.synchronizedList(new ArrayList<>());
        try (EnteredExecutor ex = executor(3); ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Integer>> results = new ArrayList<>();
            for (int v = 0; v < 16; v++) {
                results.add(callers.submit(() -> {
                    go.await();
                    int ok = 0;
                    for (int i = 0; i < 50; i++) {
                        String[] links = ex.call(() -> new String[] {ThreadNamespaces.own("net"),
                            ThreadNamespaces.own("uts"), Long.toString(LibC.gettid())});
                        assertEquals(net, links[0]);
                        assertEquals(uts, links[1]);
                        tids.add(Long.parseLong(links[2]));
                        ok++;
                    }
                    return ok;
                }));
            }
            go.countDown();
            for (Future<Integer> f : results) {
                assertEquals(50, f.get());
            }
            // the standard ExecutorService side works too
            assertEquals(net, ex.submit(() -> ThreadNamespaces.own("net")).get());
        }
        assertEquals(16 * 50, tids.size());
        assertTrue(tids.stream().distinct().count() <= 3, "only the executor's three threads ran tasks: " + tids);
        assertEquals(Map.of(), ThreadNamespaces.foreignThreadsSettled(), "its threads ended at close");
    }

    @Test
    void closeWhileTasksRun() throws Exception {
        EnteredExecutor ex = executor(2);
        CountDownLatch running = new CountDownLatch(2);
        AtomicInteger finished = new AtomicInteger();
        List<Future<String>> accepted = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            accepted.add(ex.submit(() -> {
                running.countDown();
                Thread.sleep(100);
                finished.incrementAndGet();
                return ThreadNamespaces.own("net");
            }));
        }
        running.await();
        Thread closer = Thread.ofPlatform().start(ex::close);
        closer.join();
        assertTrue(ex.isTerminated());
        assertEquals(6, finished.get(), "close waits for the tasks it accepted");
        for (Future<String> f : accepted) {
            assertEquals(net, f.get());
        }
        assertThrows(ClosedNamespaceException.class, () -> ex.call(() -> "late"));
        assertThrows(RejectedExecutionException.class, () -> ex.submit(() -> "late"));
        assertEquals(Map.of(), ThreadNamespaces.foreignThreadsSettled());
    }

    @Test
    void shutdownNowTellsWaitingCallers() throws Exception {
        EnteredExecutor ex = executor(1);
        CountDownLatch running = new CountDownLatch(1);
        Future<?> blocker = ex.submit(() -> {
            running.countDown();
            Thread.sleep(60_000);
            return null;
        });
        running.await();
        Thread waiter = Thread.ofVirtual().start(() -> assertThrows(ClosedNamespaceException.class,
                () -> ex.call(() -> "never runs")));
        while (waiter.getState() != Thread.State.WAITING) {
            Thread.sleep(5);
        }
        ex.shutdownNow();
        waiter.join();
        ex.close();
        assertTrue(blocker.isDone(), "the running task was interrupted");
        assertEquals(Map.of(), ThreadNamespaces.foreignThreadsSettled());
    }

    @Test
    void nestedCallFromATaskIsRefused() throws Exception {
        try (EnteredExecutor ex = executor(1)) {
            assertThrows(IllegalStateException.class, () -> ex.call(() -> ex.call(() -> "deadlock")));
        }
    }

    @Test
    void aProcessStartedFromTheExecutorIsInItsNamespaces() throws Exception {
        try (EnteredExecutor ex = executor(1)) {
            Process p = ex.start(new ProcessBuilder("sh", "-c", "readlink /proc/self/ns/net /proc/self/ns/uts"));
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.waitFor());
            assertEquals(net + "\n" + uts + "\n", out);
            p.getInputStream().close();
        }
    }
}
