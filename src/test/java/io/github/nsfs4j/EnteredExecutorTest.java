package io.github.nsfs4j;

import io.github.nsfs4j.linux.LibC;
import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Unshared;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
                        String[] links = ex.call(() -> new String[] {Proc.threadNsLink("net"),
                            Proc.threadNsLink("uts"), Long.toString(Proc.tid())});
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
            assertEquals(net, ex.submit(() -> Proc.threadNsLink("net")).get());
        }
        assertEquals(16 * 50, tids.size());
        assertTrue(tids.stream().distinct().count() <= 3, "only the executor's three threads ran tasks: " + tids);
        assertEquals(Map.of(), Proc.foreignThreadsSettled(), "its threads ended at close");
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
                return Proc.threadNsLink("net");
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
        assertEquals(Map.of(), Proc.foreignThreadsSettled());
    }

    /** 16 virtual threads call in a loop while another thread closes the executor under them. */
    @Test
    void sixteenVirtualThreadsWhileTheExecutorIsClosed() throws Exception {
        int fdsBefore = Proc.fdCount();
        EnteredExecutor ex = executor(2);
        AtomicInteger calls = new AtomicInteger();
        CountDownLatch enough = new CountDownLatch(200);
        List<Thread> callers = new ArrayList<>();
        List<Throwable> wrong = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int v = 0; v < 16; v++) {
            callers.add(Thread.ofVirtual().start(() -> {
                try {
                    for (;;) {
                        String[] links = ex.call(() -> new String[] {Proc.threadNsLink("net"),
                            Proc.threadNsLink("uts")});
                        if (!links[0].equals(net) || !links[1].equals(uts)) {
                            wrong.add(new AssertionError(String.join(" ", links)));
                        }
                        calls.incrementAndGet();
                        enough.countDown();
                    }
                } catch (ClosedNamespaceException e) {
                    // the end: every caller learns it the same way
                } catch (Throwable t) {
                    wrong.add(t);
                }
            }));
        }
        enough.await();
        ex.close(); // while tasks run and callers keep calling
        assertTrue(ex.isTerminated());
        for (Thread t : callers) {
            t.join();
        }
        assertEquals(List.of(), wrong);
        assertTrue(calls.get() >= 200, "calls before the close: " + calls.get());
        assertEquals(Map.of(), Proc.foreignThreadsSettled(), "every thread of it ended at close");
        assertTrue(Proc.fdCount() <= fdsBefore, "its fds are closed: " + fdsBefore + " before, now " + Proc.fds());
    }

    /**
     * A task that moves its own thread (here unshare of a new ipc or uts namespace): the
     * thread is found out by the check after the task, ends, and a new one takes its place.
     */
    @Test
    void aThreadThatATaskMovedIsDiscardedAndReplaced() throws Exception {
        List<Throwable> reported = java.util.Collections.synchronizedList(new ArrayList<>());
        Thread.UncaughtExceptionHandler before = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> reported.add(e));
        try (EnteredExecutor ex = executor(1)) {
            long firstTid = ex.call(Proc::tid);
            RestoreFailedException e = assertThrows(RestoreFailedException.class, () -> ex.call(() -> {
                assertEquals(0, LibC.unshare(NamespaceType.IPC.cloneFlag()));
                return Proc.threadNsLink("ipc");
            }));
            assertTrue(e.taskCompleted());
            String movedTo = e.result(String.class);
            assertTrue(e.getMessage().contains(movedTo), e.getMessage());
            Path firstTask = Path.of("/proc/self/task/" + firstTid);
            for (int i = 0; i < 500 && Files.exists(firstTask); i++) {
                Thread.sleep(10); // a thread leaves /proc a moment after Java sees it end
            }
            assertFalse(Files.exists(firstTask), "the moved thread has ended");
            assertTrue(Proc.foreignThreads().values().stream().noneMatch(l -> l.contains("ipc=" + movedTo)),
                    "no thread is left in the namespace the task made: " + Proc.foreignThreads());
            String[] after = ex.call(() -> new String[] {Proc.threadNsLink("net"), Proc.threadNsLink("uts"),
                Proc.threadNsLink("ipc"), Long.toString(Proc.tid())});
            assertEquals(List.of(net, uts, Proc.threadNsLink("ipc")), List.of(after).subList(0, 3),
                    "the new thread entered net and uts, and its ipc is the JVM's");
            assertNotEquals(Long.toString(firstTid), after[3]);

            // through submit: the Future has its result, the handler hears of the discard
            String moved = ex.submit(() -> {
                assertEquals(0, LibC.unshare(NamespaceType.UTS.cloneFlag()));
                return Proc.threadNsLink("uts");
            }).get();
            assertNotEquals(uts, moved);
            assertEquals(uts, ex.call(() -> Proc.threadNsLink("uts")), "again a thread in the target's uts");
            assertEquals(1, reported.size(), reported.toString());
            assertTrue(reported.get(0) instanceof RestoreFailedException r && r.getMessage().contains(moved),
                    reported.toString());
        } finally {
            Thread.setDefaultUncaughtExceptionHandler(before);
        }
        assertEquals(Map.of(), Proc.foreignThreadsSettled());
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
        assertEquals(Map.of(), Proc.foreignThreadsSettled());
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
