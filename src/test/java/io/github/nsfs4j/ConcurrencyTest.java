package io.github.nsfs4j;

import io.github.nsfs4j.internal.FdGuard;
import io.github.nsfs4j.linux.LibC;
import io.github.nsfs4j.kernel.NamespaceType;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Unshared;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One handle shared by many threads while another closes it and others open files to grab
 * the released fd number: every call answers correctly or throws ClosedNamespaceException,
 * never acts on another file, and nothing leaks.
 */
class ConcurrencyTest {

    static final int O_RDONLY = 0, O_CLOEXEC = 0x80000;
    static final int OTHER_UID = 4242;

    /** A user namespace made by uid 4242: its ownerUid() is 4242, unlike any decoy's. */
    static Unshared otherUsers;
    /** A pid namespace whose init is the leaf: pidInNamespace(leaf) is 1 there, not in any decoy. */
    static Unshared pidChild;
    /** Decoy namespaces for the grabbing threads. */
    static Unshared decoys;

    @BeforeAll
    static void start() {
        Unshared.requireCommand("setpriv");
        otherUsers = Unshared.builder().types("user")
                .prefix("setpriv", "--reuid=" + OTHER_UID, "--regid=" + OTHER_UID, "--clear-groups").start();
        pidChild = Unshared.start("pid");
        decoys = Unshared.start("user", "pid", "net");
    }

    @AfterAll
    static void stop() {
        for (Unshared u : new Unshared[] {otherUsers, pidChild, decoys}) {
            if (u != null) {
                u.close();
            }
        }
    }

    /** The guard under every handle: close() with calls in flight leaves the fd open until the last one leaves. */
    @Test
    void closeWaitsForCallsInFlight() {
        int fd = LibC.open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        String link = Proc.fdLink(fd).orElseThrow();
        Object owner = new Object(); // kept reachable: the cleaner must not close the guard here
        FdGuard guard = new FdGuard(fd, owner);
        assertEquals(fd, guard.acquire());
        assertEquals(fd, guard.acquire());
        guard.close();
        assertFalse(guard.isOpen());
        assertEquals(-1, guard.acquire(), "no call starts after close");
        assertEquals(Optional.of(link), Proc.fdLink(fd), "open while two calls are in flight");
        guard.release();
        assertEquals(Optional.of(link), Proc.fdLink(fd), "open while one call is in flight");
        guard.release();
        assertNotEquals(Optional.of(link), Proc.fdLink(fd), "closed when the last call left");
        // a second close() must not close whatever reuses the number now
        int reuse = LibC.open("/dev/null", O_RDONLY | O_CLOEXEC);
        try {
            guard.close();
            assertTrue(LibC.fcntl(reuse, 1 /* F_GETFD */, 0) >= 0, "the reused number is left alone");
        } finally {
            LibC.close(reuse);
        }
        java.lang.ref.Reference.reachabilityFence(owner);
    }

    /** Namespace.close() twice never closes an fd number that was reused in between. */
    @Test
    void closingTwiceDoesNotCloseAReusedNumber() throws Exception {
        Map<Integer, String> before = Proc.nsFds();
        Namespace ns = Namespace.current(NamespaceType.UTS);
        int fd = Proc.nsFds().keySet().stream().filter(n -> !before.containsKey(n)).findFirst().orElseThrow();
        ns.close();
        int reuse = LibC.open("/dev/null", O_RDONLY | O_CLOEXEC);
        try {
            ns.close();
            assertTrue(LibC.fcntl(reuse, 1, 0) >= 0);
            if (reuse == fd) {
                assertEquals(Optional.of("/dev/null"), Proc.fdLink(fd));
            }
        } finally {
            LibC.close(reuse);
        }
    }

    @Test
    void callsRacingACloseAnswerRightOrThrowClosed(@TempDir Path dir) throws Exception {
        Path regular = Files.writeString(dir.resolve("decoy"), "x");
        int userLeaf = otherUsers.leafPid();
        int pidLeaf = pidChild.leafPid();
        int decoyLeaf = decoys.leafPid();
        int insidePid = (int) (long) Proc.nsPid(pidLeaf).getLast();
        long ownUser = Proc.selfNsInode("user");
        long ownPid = Proc.selfNsInode("pid");
        assertEquals(1, insidePid, "the leaf is its pid namespace's init (truth)");

        int workers = 4;
        int grabbers = 2;
        int rounds = 120;
        ExecutorService pool = Executors.newFixedThreadPool(workers + grabbers + 1);
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        AtomicLong answered = new AtomicLong();
        AtomicLong refused = new AtomicLong();

        UserNamespace.ofProcess(userLeaf).close(); // warm up
        int fdsBefore = Proc.fdCount();
        List<String> nsBefore = Proc.nsFdLinks();
        try {
            for (int round = 0; round < rounds && failures.isEmpty(); round++) {
                UserNamespace user = UserNamespace.ofProcess(userLeaf);
                PidNamespace pid = PidNamespace.ofProcess(pidLeaf);
                CountDownLatch go = new CountDownLatch(1);
                AtomicBoolean stop = new AtomicBoolean();
                List<Future<?>> calls = new ArrayList<>();
                for (int w = 0; w < workers; w++) {
                    int offset = w;
                    calls.add(pool.submit(() -> {
                        go.await();
                        boolean userClosed = false;
                        boolean pidClosed = false;
                        for (int i = offset; !(userClosed && pidClosed); i++) {
                            int op = i % 4;
                            if ((op < 2 && userClosed) || (op >= 2 && pidClosed)) {
                                continue;
                            }
                            try {
                                String wrong = switch (op) {
                                    case 0 -> {
                                        long uid = user.ownerUid();
                                        yield uid == OTHER_UID ? null : "ownerUid() gave " + uid;
                                    }
                                    case 1 -> {
                                        Optional<UserNamespace> owner = user.owner();
                                        String w2 = owner.isPresent() && owner.get().inode() == ownUser ? null
                                                : "owner() gave " + owner;
                                        owner.ifPresent(Namespace::close);
                                        yield w2;
                                    }
                                    case 2 -> {
                                        OptionalInt inside = pid.pidInNamespace((int) pidLeaf);
                                        yield inside.equals(OptionalInt.of(insidePid)) ? null
                                                : "pidInNamespace() gave " + inside;
                                    }
                                    default -> {
                                        Optional<PidNamespace> parent = pid.parent();
                                        String w2 = parent.isPresent() && parent.get().inode() == ownPid ? null
                                                : "parent() gave " + parent;
                                        parent.ifPresent(Namespace::close);
                                        yield w2;
                                    }
                                };
                                if (wrong != null) {
                                    failures.add(wrong);
                                } else {
                                    answered.incrementAndGet();
                                }
                            } catch (ClosedNamespaceException e) {
                                refused.incrementAndGet();
                                if (op < 2) {
                                    userClosed = true;
                                } else {
                                    pidClosed = true;
                                }
                            } catch (Throwable t) {
                                failures.add("op " + op + " threw " + t);
                                return null;
                            }
                        }
                        return null;
                    }));
                }
                calls.add(pool.submit(() -> {
                    go.await();
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    spin(random.nextLong(0, 300_000));
                    user.close();
                    spin(random.nextLong(0, 100_000));
                    pid.close();
                    return null;
                }));
                List<Future<?>> grabbing = new ArrayList<>();
                for (int g = 0; g < grabbers; g++) {
                    grabbing.add(pool.submit(() -> {
                        ArrayDeque<AutoCloseable> held = new ArrayDeque<>();
                        go.await();
                        try {
                            for (int i = 0; !stop.get(); i++) {
                                AutoCloseable c = switch (i % 6) {
                                    case 0 -> Files.newInputStream(regular);
                                    case 1 -> Namespace.ofProcess(decoyLeaf, NamespaceType.USER);
                                    case 2 -> Namespace.ofProcess(decoyLeaf, NamespaceType.PID);
                                    case 3 -> Namespace.ofProcess(decoyLeaf, NamespaceType.NET);
                                    case 4 -> UserNamespace.current();
                                    default -> PidNamespace.current();
                                };
                                held.add(c);
                                if (held.size() > 6) {
                                    held.poll().close();
                                }
                            }
                        } finally {
                            for (AutoCloseable c : held) {
                                c.close();
                            }
                        }
                        return null;
                    }));
                }
                go.countDown();
                for (Future<?> f : calls) {
                    f.get(60, TimeUnit.SECONDS);
                }
                stop.set(true);
                for (Future<?> f : grabbing) {
                    f.get(60, TimeUnit.SECONDS);
                }
                assertFalse(user.isOpen());
                assertFalse(pid.isOpen());
            }
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
        }
        assertEquals(List.of(), List.copyOf(failures), "every call answered right or threw ClosedNamespaceException");
        assertTrue(answered.get() > 0, "calls answered: " + answered);
        assertTrue(refused.get() >= workers, "calls refused after close: " + refused);
        assertEquals(nsBefore, Proc.nsFdLinks(), "no namespace fd leaked");
        assertTrue(Proc.fdCount() <= fdsBefore + 2, "fds before " + fdsBefore + ", after " + Proc.fdCount());
        try (UserNamespace again = UserNamespace.ofProcess(userLeaf)) {
            assertEquals(OTHER_UID, again.ownerUid(), "a new handle works as before");
        }
    }

    private static void spin(long nanos) {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
    }
}
