package io.github.nsfs4j;

import io.github.nsfs4j.kernel.NamespaceType;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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

    /** Skips (or, with NSFS4J_REQUIRE_NAMESPACES=1, fails) unless root with unshare(1). */
    private static void requireUnshare() throws IOException {
        String why = null;
        boolean root = Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(l -> l.startsWith("Uid:")).anyMatch(l -> l.substring(4).trim().split("\\s+")[1].equals("0"));
        if (!root) {
            why = "not root";
        } else if (!List.of(System.getenv().getOrDefault("PATH", "").split(":")).stream()
                .anyMatch(d -> !d.isEmpty() && Files.isExecutable(Path.of(d, "unshare")))) {
            why = "no unshare(1) on the PATH";
        }
        if (why == null) {
            return;
        }
        if ("1".equals(System.getenv("NSFS4J_REQUIRE_NAMESPACES"))) {
            fail("cannot make namespaces (" + why + ") but NSFS4J_REQUIRE_NAMESPACES=1");
        }
        Assumptions.abort("cannot make namespaces: " + why);
    }

    /** {@code unshare --net --uts sh -c 'echo ready; exec sleep 100000'}, once it is in its namespaces. */
    private static Process startInNewNet() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("unshare", "--net", "--uts", "sh", "-c", "echo ready; exec sleep 100000")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String line = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
        if (!"ready".equals(line)) {
            kill(p);
            throw new IOException("unshare --net --uts did not get ready");
        }
        return p;
    }

    private static void kill(Process p) {
        p.destroyForcibly();
        try {
            p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The id of the process's net namespace, to recognise it even if its inode is reused later. */
    private static long netId(Process p) throws NamespaceException {
        try (Namespace ns = Namespace.ofProcess((int) p.pid(), NamespaceType.NET)) {
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
        requireUnshare();
        Process p = startInNewNet();
        try {
            long id = netId(p);
            NamespaceSnapshot snapshot = NamespaceDiscovery.scan(ALL, () -> kill(p), () -> {});
            assertTrue(snapshot.processesVanished() >= 1, snapshot::toString);
            assertFalse(hasId(snapshot, id), "its net namespace died with it: " + snapshot.namespaces());
            assertFalse(mentionsPid(snapshot, p.pid()), "the vanished process is counted nowhere");
        } finally {
            kill(p);
        }
    }

    @Test
    void aNamespaceThatDiesBeforeItIsOpenedIsSkippedAndCounted() throws Exception {
        requireUnshare();
        Process p = startInNewNet();
        try {
            long id = netId(p);
            long inode = Files.readSymbolicLink(Path.of("/proc/" + p.pid() + "/ns/net")).toString()
                    .transform(s -> Long.parseLong(s.substring(5, s.length() - 1)));
            NamespaceSnapshot snapshot = NamespaceDiscovery.scan(ALL, () -> {}, () -> kill(p));
            // Its net and uts namespaces were read from its links, then died with it.
            assertTrue(snapshot.namespacesVanished() >= 2, snapshot::toString);
            assertFalse(hasId(snapshot, id), () -> "net:[" + inode + "] died before it was opened: " + snapshot.namespaces());
        } finally {
            kill(p);
        }
    }

    /** Scans while four threads keep starting and reaping short-lived unshare children. */
    @Test
    void scansWhileNamespacesComeAndGo() throws Exception {
        requireUnshare();
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
                    Process p = null;
                    try {
                        p = new ProcessBuilder("unshare", "--net", "--uts", "--ipc", "sleep", life)
                                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                        started.incrementAndGet();
                        p.waitFor(10, TimeUnit.SECONDS);
                    } catch (IOException e) {
                        churnFailure.compareAndSet(null, e);
                        return;
                    } catch (InterruptedException e) {
                        return;
                    } finally {
                        if (p != null) {
                            kill(p);
                        }
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
            assertEquals(ns.pathBytes() == null, ns.heldBy().equals(Set.of(DiscoveredNamespace.Holder.DESCENDANT)), ns::toString);
        }
    }

    /** jshell shows toString(): short, one line, unsigned numbers, no wall of text. */
    @Test
    void toStringsReadWell() throws Exception {
        NamespaceSnapshot snapshot = NamespaceDiscovery.scan();
        String summary = snapshot.toString();
        assertTrue(summary.matches("NamespaceSnapshot\\[\\d+ namespaces, \\d+ processes scanned"
                + "(, \\d+ vanished)?(, \\d+ denied)?(, \\d+ namespaces vanished)?(, \\d+ of unknown type)?\\]"), summary);
        assertTrue(summary.length() < 120, summary);
        long self = ProcessHandle.current().pid();
        long inode = Files.readSymbolicLink(Path.of("/proc/" + self + "/ns/pid")).toString()
                .transform(s -> Long.parseLong(s.substring(5, s.length() - 1)));
        DiscoveredNamespace pid = snapshot.byInode(inode).orElseThrow();
        String line = pid.toString();
        assertTrue(line.startsWith("pid:[" + inode + "]"), line);
        assertTrue(line.matches("pid:\\[\\d+\\]( id=\\d+)? nprocs=\\d+ pid=\\d+ user=\\S+ command=.{1,60} held=process(,fd|,mount)*"),
                line);
        NamespaceSnapshot.Node root = snapshot.treeByOwner().getFirst();
        assertTrue(root.toString().matches("user:\\[\\d+\\] \\(\\d+ child(ren)?\\)"), root.toString());
        DiscoveredNamespace bare = new DiscoveredNamespace(NamespaceType.NET, 4026532000L, OptionalLong.of(-1L), 0,
                OptionalInt.empty(), "", new byte[0], 0, 0, Set.of(DiscoveredNamespace.Holder.MOUNT,
                        DiscoveredNamespace.Holder.FD), null);
        assertEquals("net:[4026532000] id=18446744073709551615 nprocs=0 held=fd,mount", bare.toString());
    }
}
