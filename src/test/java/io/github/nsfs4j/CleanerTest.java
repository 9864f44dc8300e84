package io.github.nsfs4j;

import io.github.nsfs4j.internal.NamespaceFiles;
import io.github.nsfs4j.linux.LibC;
import io.github.nsfs4j.kernel.NamespaceType;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.ref.WeakReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.BooleanSupplier;

import io.github.nsfs4j.testing.Proc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The safety net for forgotten handles (issue 9, item 8): a handle or pidfd dropped without
 * {@code close()} has its fd closed by the shared cleaner once it is garbage, counted in
 * {@code /proc/self/fd}; an explicit close deregisters it, so the cleaner never closes a
 * number the process has reused since.
 */
class CleanerTest {

    private static final int DROPPED = 10_000;

    /** Collects garbage until {@code done} holds, for at most 60 s (a bound, not a timing claim). */
    private static boolean gcUntil(BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            System.gc();
            Thread.sleep(50);
        }
        return true;
    }

    private static long nsFdsOf(String type) {
        return Proc.nsFds().values().stream().filter(l -> l.startsWith(type + ":[")).count();
    }

    @Test
    void droppedHandlesGiveTheirFdsBack() throws Exception {
        // uts fds of our own: no other test in this JVM holds one while this runs
        long before = nsFdsOf("uts");
        int totalBefore = Proc.fdCount();
        try (Namespace held = Namespace.current(NamespaceType.UTS)) {
            assertEquals(before + 1, nsFdsOf("uts"), "the count sees a handle");
        }
        for (int i = 0; i < DROPPED; i++) {
            Namespace.current(NamespaceType.UTS); // dropped unclosed
        }
        assertTrue(gcUntil(() -> nsFdsOf("uts") <= before),
                "uts fds still open after GC: " + nsFdsOf("uts") + ", before: " + before);
        assertTrue(Proc.fdCount() <= totalBefore + 16, "the process's fd count came back: " + Proc.fdCount()
                + " now, " + totalBefore + " before");
    }

    @Test
    void droppedPidfdsGiveTheirFdsBack() throws Exception {
        long before = pidfds();
        int self = (int) ProcessHandle.current().pid();
        try (Pidfd held = Pidfd.open(self)) {
            assertEquals(before + 1, pidfds(), "the count sees a pidfd: " + Proc.fds());
        }
        for (int i = 0; i < DROPPED; i++) {
            Pidfd.open(self); // dropped unclosed
        }
        assertTrue(gcUntil(() -> pidfds() <= before), "pidfds still open after GC: " + pidfds());
    }

    private static long pidfds() {
        return Proc.fds().values().stream().filter(l -> l.equals("anon_inode:[pidfd]") || l.startsWith("pidfd:"))
                .count();
    }

    /**
     * Close, then let the fd number be reused by an unrelated open, then let the closed handle
     * become garbage: the reused number stays open, on the unrelated file.
     */
    @Test
    void aClosedHandleThatBecomesGarbageLeavesAReusedFdNumberAlone(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("unrelated"), "x");
        Namespace ns = Namespace.current(NamespaceType.UTS);
        int number = Internals.onFd(ns, fd -> fd);
        ns.close();
        int reused = LibC.open(file.toString(), NamespaceFiles.OPEN_FLAGS);
        try {
            assertEquals(number, reused, "the lowest free number comes back (POSIX)");
            WeakReference<Namespace> ref = new WeakReference<>(ns);
            ns = null;
            assertTrue(gcUntil(() -> ref.get() == null), "the closed handle was collected");
            // the cleaner thread had its chance too: give it a few more collections
            for (int i = 0; i < 5; i++) {
                System.gc();
                Thread.sleep(20);
            }
            Map<Integer, String> fds = Proc.fds();
            assertEquals(file.toRealPath().toString(), fds.get(reused), "fd " + reused + " is still ours");
        } finally {
            LibC.close(reused);
        }
    }
}
