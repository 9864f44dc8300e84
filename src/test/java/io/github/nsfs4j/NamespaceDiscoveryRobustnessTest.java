package io.github.nsfs4j;

import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.testing.Commands;
import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Unshared;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@link NamespaceDiscovery#scan} while processes exit and namespaces die under it: they are
 * skipped and counted, never an exception. The two pauses of the package-private
 * {@code scan(types, afterListing, afterProcesses)} make each case happen for sure; a third
 * test scans while other threads keep starting and reaping short-lived unshare children.
 */
class NamespaceDiscoveryRobustnessTest {

    private static final Set<NamespaceType> ALL = EnumSet.allOf(NamespaceType.class);

    /** The id of the process's net namespace, to recognise it even if its inode is reused later. */
    private static long netId(long pid) throws NamespaceException {
        try (Namespace ns = Namespace.ofProcess((int) pid, NamespaceType.NET)) {
            OptionalLong id = ns.id();
            Assumptions.assumeTrue(id.isPresent(), "no NS_GET_ID on this kernel");
            return id.getAsLong();
        }
    }

    private static boolean hasId(NamespaceSnapshot snapshot, long id) {
        return snapshot.namespaces().stream().anyMatch(ns -> ns.id().isPresent() && ns.id().getAsLong() == id);
    }

    private static boolean mentionsPid(NamespaceSnapshot snapshot, long pid) {
        return snapshot.namespaces().stream().anyMatch(ns -> ns.lowestPid().equals(OptionalInt.of((int) pid)));
    }

    @Test
    void aProcessThatExitsAfterListingIsSkippedAndCounted() throws Exception {
        try (Unshared tree = Unshared.start("net", "uts")) {
            long id = netId(tree.leafPid());
            NamespaceSnapshot snapshot = NamespaceDiscovery.scan(ALL, tree::close, () -> {});
            assertTrue(snapshot.processesVanished() >= 1, snapshot::toString);
            assertFalse(hasId(snapshot, id), "its net namespace died with it: " + snapshot.namespaces());
            for (long pid : tree.pids()) {
                assertFalse(mentionsPid(snapshot, pid), "the vanished process " + pid + " is counted nowhere");
            }
        }
    }

    @Test
    void aNamespaceThatDiesBeforeItIsOpenedIsSkippedAndCounted() throws Exception {
        try (Unshared tree = Unshared.start("net", "uts")) {
            long id = netId(tree.leafPid());
            long inode = Proc.nsInode(tree.leafPid(), "net");
            NamespaceSnapshot snapshot = NamespaceDiscovery.scan(ALL, () -> {}, tree::close);
            // Its net and uts namespaces were read from its links, then died with it.
            assertTrue(snapshot.namespacesVanished() >= 2, snapshot::toString);
            assertFalse(hasId(snapshot, id), () -> "net:[" + inode + "] died before it was opened: " + snapshot.namespaces());
        }
    }

    /** Scans while four threads keep starting and reaping short-lived unshare children. */
    @Test
    void scansWhileNamespacesComeAndGo() throws Exception {
        Unshared.requireNamespaces();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger started = new AtomicInteger();
        AtomicReference<Throwable> churnFailure = new AtomicReference<>();
        List<Thread> churn = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int seed = t;
            churn.add(Thread.ofPlatform().name("churn-" + t).start(() -> {
                int n = 0;
                while (!stop.get()) {
                    String life = "0.0" + ((seed + n++) % 4 + 1); // 10 to 40 ms
                    try {
                        Commands.Result r = Unshared.builder().types("net", "uts", "ipc").run(List.of("sleep", life));
                        started.incrementAndGet();
                        if (r.exitCode() != 0) {
                            churnFailure.compareAndSet(null, new AssertionError(r.toString()));
                            return;
                        }
                    } catch (RuntimeException e) {
                        churnFailure.compareAndSet(null, e);
                        return;
                    }
                }
            }));
        }
        int scans = 0;
        long processesVanished = 0;
        long namespacesVanished = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        try {
            while (scans < 20 || (processesVanished + namespacesVanished == 0 && System.nanoTime() < deadline)) {
                NamespaceSnapshot snapshot = NamespaceDiscovery.scan();
                scans++;
                processesVanished += snapshot.processesVanished();
                namespacesVanished += snapshot.namespacesVanished();
                checkConsistent(snapshot);
            }
        } finally {
            stop.set(true);
            for (Thread t : churn) {
                t.join(30_000);
            }
        }
        assertEquals(null, churnFailure.get());
        System.out.println("discovery under churn: " + scans + " scans, " + started.get() + " unshare children, "
                + processesVanished + " processes and " + namespacesVanished + " namespaces vanished mid-scan");
        assertTrue(started.get() > 0);
        assertTrue(processesVanished + namespacesVanished > 0,
                "in " + scans + " scans, nothing vanished mid-scan although children kept exiting");
    }

    /** What every snapshot must be, whatever vanished: sorted, unique, and each entry whole. */
    private static void checkConsistent(NamespaceSnapshot snapshot) {
        long previous = -1;
        for (DiscoveredNamespace ns : snapshot.namespaces()) {
            assertTrue(previous == -1 || Long.compareUnsigned(previous, ns.inode()) < 0, "inode order, no duplicates");
            previous = ns.inode();
            assertFalse(ns.heldBy().isEmpty(), ns::toString);
            assertEquals(ns.processCount() > 0, ns.lowestPid().isPresent(), ns::toString);
            assertEquals(ns.processCount() > 0, ns.heldBy().contains(DiscoveredNamespace.Holder.PROCESS), ns::toString);
            assertEquals(ns.pathBytes() == null, ns.socket() != null
                    || ns.heldBy().equals(Set.of(DiscoveredNamespace.Holder.DESCENDANT)), ns::toString);
        }
    }

    /** jshell shows toString(): short, one line, unsigned numbers, no wall of text. */
    @Test
    void toStringsReadWell() throws Exception {
        NamespaceSnapshot snapshot = NamespaceDiscovery.scan();
        String summary = snapshot.toString();
        assertTrue(summary.matches("NamespaceSnapshot\\[\\d+ namespaces, \\d+ processes scanned"
                + "(, \\d+ vanished)?(, \\d+ denied)?(, \\d+ namespaces vanished)?(, \\d+ of unknown type)?"
                + "(, \\d+ refused)?(, \\d+ sockets refused)?\\]"), summary);
        assertTrue(summary.length() < 120, summary);
        long inode = Proc.selfNsInode("pid");
        DiscoveredNamespace pid = snapshot.byInode(inode).orElseThrow();
        String line = pid.toString();
        assertTrue(line.startsWith("pid:[" + inode + "]"), line);
        assertTrue(line.matches("pid:\\[\\d+\\]( id=\\d+)? nprocs=\\d+ pid=\\d+ user=\\S+ command=.{1,60} held=process(,fd|,mount)*"),
                line);
        NamespaceSnapshot.Node root = snapshot.treeByOwner().getFirst();
        assertTrue(root.toString().matches("user:\\[\\d+\\] \\(\\d+ child(ren)?\\)"), root.toString());
        DiscoveredNamespace bare = new DiscoveredNamespace(NamespaceType.NET, 4026532000L, OptionalLong.of(-1L), 0,
                OptionalInt.empty(), "", new byte[0], 0, 0, Set.of(DiscoveredNamespace.Holder.MOUNT,
                        DiscoveredNamespace.Holder.FD), null, null, -1, List.of());
        assertEquals("net:[4026532000] id=18446744073709551615 nprocs=0 held=fd,mount", bare.toString());
    }
}
