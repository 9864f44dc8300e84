package io.github.nsfs4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.github.nsfs4j.PidNamespace.Translation;
import io.github.nsfs4j.testing.PidTree;
import io.github.nsfs4j.testing.PidTree.NsInfo;
import io.github.nsfs4j.testing.PidTree.Snapshot;
import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Proc.Task;

/**
 * The four pid translations (ioctl path) on three nested pid namespaces and two siblings,
 * for every process and thread, compared with the kernel's NSpid/NStgid lines.
 */
class PidTranslationTest {

    @RegisterExtension
    static final PidTree.PerClass<PidNamespace> tree = new PidTree.PerClass<>(PidNamespace::ofProcess);

    /** The scenario itself, so that the comparisons below cannot pass on a degenerate tree. */
    @Test
    void treeHasThreeNestedLevelsSiblingsProcessesAndThreads() {
        Snapshot truth = tree.truth();
        Map<String, PidNamespace> handles = tree.handles();
        assertEquals(1, truth.ns("L1").depth(), truth::toString);
        assertEquals(2, truth.ns("L2").depth(), truth::toString);
        assertEquals(3, truth.ns("L3").depth(), truth::toString);
        assertEquals(2, truth.ns("L2b").depth(), truth::toString);
        assertEquals(1, truth.ns("S1").depth(), truth::toString);
        assertEquals(truth.ns("L1").inode(), truth.ns("L2").parentInode());
        assertEquals(truth.ns("L2").inode(), truth.ns("L3").parentInode());
        assertEquals(truth.ns("L1").inode(), truth.ns("L2b").parentInode());
        assertEquals(truth.hostInode, truth.ns("L1").parentInode());
        assertEquals(truth.hostInode, truth.ns("S1").parentInode());
        for (NsInfo ns : truth.namespaces.values()) {
            long processes = truth.ownMembers(ns).stream().mapToInt(Task::tgid).distinct().count();
            assertTrue(processes >= 3, ns.name() + " has " + processes + " processes");
            assertTrue(truth.threadsOf(ns).size() >= 4, ns.name() + ": " + truth.threadsOf(ns));
            assertTrue(truth.threadsOf(ns).stream().allMatch(t -> t.nsInode() == ns.inode()));
            assertEquals(ns.inode(), handles.get(ns.name()).inode(), "handle of " + ns.name());
        }
    }

    @Test
    void allFourTranslationsAgreeWithNSpidForEveryTaskAtEveryLevel() throws Exception {
        Snapshot truth = tree.truth();
        Map<String, PidNamespace> handles = tree.handles();
        List<String> mismatches = new ArrayList<>();
        int[] counts = new int[2]; // [present answers checked, empty answers checked]
        List<Task> subjects = new ArrayList<>(truth.tasks);
        subjects.addAll(Proc.tasks(ProcessHandle.current().pid())); // host-only tasks
        for (NsInfo ns : truth.namespaces.values()) {
            PidNamespace h = handles.get(ns.name());
            for (Task t : subjects) {
                check(mismatches, counts, ns, "pidInNamespace", t.tid(), truth.pidIn(ns, t), h.pidInNamespace(t.tid()));
                check(mismatches, counts, ns, "tgidInNamespace", t.tid(), truth.tgidIn(ns, t),
                        h.tgidInNamespace(t.tid()));
                if (truth.inSubtree(t, ns)) {
                    int local = t.nspid()[ns.depth()];
                    check(mismatches, counts, ns, "pidFromNamespace", local, OptionalInt.of(t.tid()),
                            h.pidFromNamespace(local));
                    check(mismatches, counts, ns, "tgidFromNamespace", local, OptionalInt.of(t.nstgid()[0]),
                            h.tgidFromNamespace(local));
                }
            }
            // every number up to past the largest pid in use: members, gaps, and pids that only
            // sibling namespaces have
            for (int local = 1; local <= truth.maxLocalPid(ns) + 5; local++) {
                check(mismatches, counts, ns, "pidFromNamespace", local, truth.pidFrom(ns, local),
                        h.pidFromNamespace(local));
                check(mismatches, counts, ns, "tgidFromNamespace", local, truth.tgidFrom(ns, local),
                        h.tgidFromNamespace(local));
            }
        }
        assertEquals(List.of(), mismatches, () -> "translations that disagree with NSpid/NStgid:\n"
                + String.join("\n", mismatches) + "\n" + truth);
        assertTrue(counts[0] > 200 && counts[1] > 100, "too few cases: " + Arrays.toString(counts));
    }

    @Test
    void threadsTranslateToThemselvesAndTheirLeader() throws Exception {
        Snapshot truth = tree.truth();
        Map<String, PidNamespace> handles = tree.handles();
        for (NsInfo ns : truth.namespaces.values()) {
            PidNamespace h = handles.get(ns.name());
            List<Task> threads = truth.threadsOf(ns).stream().filter(t -> t.tid() != t.tgid()).toList();
            assertTrue(threads.size() >= 3, ns.name() + " threads " + threads);
            for (Task t : threads) {
                int local = t.nspid()[ns.depth()];
                int localLeader = t.nstgid()[ns.depth()];
                assertEquals(OptionalInt.of(t.tid()), h.pidFromNamespace(local), t::toString);
                assertEquals(OptionalInt.of(t.tgid()), h.tgidFromNamespace(local), t::toString);
                assertEquals(OptionalInt.of(local), h.pidInNamespace(t.tid()), t::toString);
                assertEquals(OptionalInt.of(localLeader), h.tgidInNamespace(t.tid()), t::toString);
                assertTrue(local != localLeader, t::toString);
            }
        }
    }

    @Test
    void tasksOutsideTheNamespaceGiveEmpty() throws Exception {
        Snapshot truth = tree.truth();
        Map<String, PidNamespace> handles = tree.handles();
        // For each namespace: host tasks (the test JVM, the top unshare processes) and the tasks
        // of sibling and ancestor namespaces.
        List<Task> host = new ArrayList<>(Proc.tasks(ProcessHandle.current().pid()));
        host.addAll(truth.tasks.stream().filter(t -> t.nsInode() == truth.hostInode).toList());
        Map<String, List<String>> outsiders = Map.of(
                "L1", List.of("S1"),
                "L2", List.of("L1", "L2b", "S1"),
                "L3", List.of("L1", "L2", "L2b", "S1"),
                "L2b", List.of("L1", "L2", "L3", "S1"),
                "S1", List.of("L1", "L2", "L3", "L2b"));
        int checked = 0;
        for (var e : outsiders.entrySet()) {
            PidNamespace h = handles.get(e.getKey());
            List<Task> others = new ArrayList<>(host);
            for (String other : e.getValue()) {
                others.addAll(truth.ownMembers(truth.ns(other)));
            }
            for (Task t : others) {
                assertFalse(truth.inSubtree(t, truth.ns(e.getKey())), t::toString);
                assertEquals(OptionalInt.empty(), h.pidInNamespace(t.tid()), () -> e.getKey() + ": " + t);
                assertEquals(OptionalInt.empty(), h.tgidInNamespace(t.tid()), () -> e.getKey() + ": " + t);
                assertEquals(0, h.translate(Translation.PID_IN_NAMESPACE, t.tid()), () -> e.getKey() + ": " + t);
                checked++;
            }
        }
        assertTrue(checked > 50, "checked " + checked);
    }

    @Test
    void hostNamespaceIsTheIdentityForTheTreesTasks() throws Exception {
        Snapshot truth = tree.truth();
        try (PidNamespace host = PidNamespace.current()) {
            assertEquals(truth.hostInode, host.inode());
            for (Task t : truth.tasks) {
                assertEquals(OptionalInt.of(t.tid()), host.pidFromNamespace(t.nspid()[0]), t::toString);
                assertEquals(OptionalInt.of(t.nstgid()[0]), host.tgidFromNamespace(t.nspid()[0]), t::toString);
                assertEquals(OptionalInt.of(t.nspid()[0]), host.pidInNamespace(t.tid()), t::toString);
                assertEquals(OptionalInt.of(t.nstgid()[0]), host.tgidInNamespace(t.tid()), t::toString);
            }
        }
    }

    @Test
    void bulkTranslateEqualsPerPidAndOpensNothing() throws Exception {
        Snapshot truth = tree.truth();
        Map<String, PidNamespace> handles = tree.handles();
        int unused = Proc.unusedPid();
        int[] hostPids = IntStream.concat(truth.tasks.stream().mapToInt(Task::tid),
                IntStream.of(unused, Integer.MAX_VALUE, (int) ProcessHandle.current().pid())).toArray();
        Map<String, int[]> bulk = new LinkedHashMap<>();
        Runnable translateAll = () -> {
            for (NsInfo ns : truth.namespaces.values()) {
                PidNamespace h = handles.get(ns.name());
                for (Translation tr : Translation.values()) {
                    try {
                        bulk.put(ns.name() + " " + tr, h.translate(tr, bulkPids(ns, tr, hostPids, unused)));
                    } catch (NamespaceException e) {
                        throw new AssertionError(e);
                    }
                }
            }
        };
        translateAll.run(); // warm up: classes loaded, nothing lazily opened later
        Map<Integer, String> fdsBefore = Proc.fds();
        for (int round = 0; round < 50; round++) {
            translateAll.run();
        }
        Map<Integer, String> fdsAfter = Proc.fds();
        assertEquals(fdsBefore, fdsAfter, "open fds changed across 50 rounds of bulk translation");

        for (NsInfo ns : truth.namespaces.values()) {
            PidNamespace h = handles.get(ns.name());
            for (Translation tr : Translation.values()) {
                int[] pids = bulkPids(ns, tr, hostPids, unused);
                int[] got = bulk.get(ns.name() + " " + tr);
                int[] single = new int[pids.length];
                int[] expected = new int[pids.length];
                for (int i = 0; i < pids.length; i++) {
                    single[i] = h.translate(tr, pids[i]);
                    expected[i] = expected(ns, tr, pids[i]);
                }
                assertArrayEquals(single, got, ns.name() + " " + tr + " bulk vs one by one");
                assertArrayEquals(expected, got, ns.name() + " " + tr + " bulk vs NSpid");
            }
        }
    }

    /**
     * What bulk translation is given in {@code ns}: the host pids for the directions into the
     * namespace, else every local pid of it and a few beyond (some unused, one never valid).
     */
    private int[] bulkPids(NsInfo ns, Translation tr, int[] hostPids, int unused) {
        Snapshot truth = tree.truth();
        if (tr == Translation.PID_IN_NAMESPACE || tr == Translation.TGID_IN_NAMESPACE) {
            return hostPids;
        }
        return IntStream.concat(IntStream.rangeClosed(1, truth.maxLocalPid(ns) + 5),
                IntStream.of(unused, Integer.MAX_VALUE)).toArray();
    }

    /**
     * The hot path: translate(Translation, int) on an open handle allocates nothing (once the
     * JIT has compiled it; the best of several rounds counts, so a late compile does not fail it).
     */
    @Test
    void translateOnAnOpenHandleAllocatesNothing() throws Exception {
        Snapshot truth = tree.truth();
        Map<String, PidNamespace> handles = tree.handles();
        // java.management is not readable by the test module at compile time (module-info is the
        // library's); at run time the tests are on the class path, so reflection reaches it
        Object mx = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean").invoke(null);
        java.lang.reflect.Method allocated = Class.forName("com.sun.management.ThreadMXBean")
                .getMethod("getThreadAllocatedBytes", long.class);
        NsInfo ns = truth.ns("L3");
        PidNamespace h = handles.get("L3");
        int member = ns.member().nspid()[ns.depth()];
        int hostMember = ns.member().tid();
        long tid = Thread.currentThread().threadId();
        long sink = 0;
        long best = Long.MAX_VALUE;
        for (int round = 0; round < 8 && best > 0; round++) {
            long before = (long) allocated.invoke(mx, tid);
            for (int i = 0; i < 50_000; i++) {
                sink += h.translate(Translation.PID_FROM_NAMESPACE, member);
                sink += h.translate(Translation.TGID_IN_NAMESPACE, hostMember);
                sink += h.translate(Translation.PID_FROM_NAMESPACE, Integer.MAX_VALUE); // ESRCH path
            }
            best = Math.min(best, (long) allocated.invoke(mx, tid) - before);
        }
        assertTrue(sink > 0);
        // one 16-byte object per call would be 2.4 MB a round
        assertTrue(best < 16 * 1024, "best round allocated " + best + " bytes for 150000 translations");
    }

    /** The kernel-text answer for one translation of one pid, 0 for unresolved. */
    static int expected(NsInfo ns, Translation tr, int pid) {
        Snapshot truth = tree.truth();
        return switch (tr) {
            case PID_FROM_NAMESPACE -> truth.pidFrom(ns, pid).orElse(0);
            case TGID_FROM_NAMESPACE -> truth.tgidFrom(ns, pid).orElse(0);
            case PID_IN_NAMESPACE, TGID_IN_NAMESPACE -> {
                Task t = truth.tasks.stream().filter(x -> x.tid() == pid).findFirst().orElse(null);
                if (t == null) {
                    yield 0;
                }
                yield (tr == Translation.PID_IN_NAMESPACE ? truth.pidIn(ns, t) : truth.tgidIn(ns, t)).orElse(0);
            }
        };
    }

    private static void check(List<String> mismatches, int[] counts, NsInfo ns, String what, int pid,
            OptionalInt expected, OptionalInt actual) {
        counts[expected.isPresent() ? 0 : 1]++;
        if (!expected.equals(actual)) {
            mismatches.add(ns.name() + "." + what + "(" + pid + "): expected " + expected + ", got " + actual);
        }
    }
}
