package io.github.nsfs4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import io.github.nsfs4j.PidNamespace.Translation;
import io.github.nsfs4j.testing.PidTree;
import io.github.nsfs4j.testing.PidTree.NsInfo;
import io.github.nsfs4j.testing.PidTree.Snapshot;
import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Proc.Task;

/**
 * Pids that do not exist, that exited, that live outside the namespace; 0, -1 and
 * Integer.MAX_VALUE; init pids of living and dead namespaces. Each test has its own tree,
 * because some of them kill parts of it.
 */
class PidEdgeCasesTest {

    PidTree tree;
    Snapshot truth;
    Map<String, PidNamespace> handles;

    @BeforeEach
    void startTree() throws Exception {
        tree = PidTree.start();
        truth = tree.snapshot();
        handles = tree.handles(truth, PidNamespace::ofProcess);
    }

    @AfterEach
    void stopTree() {
        if (tree != null) {
            tree.close();
        }
    }

    /** All namespaces of the tree, and the host's. */
    private List<PidNamespace> allHandles(PidNamespace host) {
        List<PidNamespace> all = new ArrayList<>(handles.values());
        all.add(host);
        return all;
    }

    @Test
    void nonexistentPidIsEmptyEverywhere() throws Exception {
        try (PidNamespace host = PidNamespace.current()) {
            for (int attempt = 0; ; attempt++) {
                int unused = Proc.unusedPid();
                List<OptionalInt> answers = new ArrayList<>();
                for (PidNamespace ns : allHandles(host)) {
                    answers.add(ns.pidInNamespace(unused));
                    answers.add(ns.tgidInNamespace(unused));
                }
                answers.add(host.pidFromNamespace(unused));
                answers.add(host.tgidFromNamespace(unused));
                for (NsInfo info : truth.namespaces.values()) {
                    assertTrue(truth.maxLocalPid(info) < unused, "tree pids reach " + unused);
                    answers.add(handles.get(info.name()).pidFromNamespace(unused));
                    answers.add(handles.get(info.name()).tgidFromNamespace(unused));
                }
                if (Files.exists(Path.of("/proc/" + unused)) && attempt < 5) {
                    continue; // taken meanwhile by some process of the machine: not a valid case
                }
                assertTrue(answers.stream().allMatch(OptionalInt::isEmpty), "pid " + unused + ": " + answers);
                assertEquals(24, answers.size());
                return;
            }
        }
    }

    @Test
    void pidOfAReapedHostProcessIsEmpty() throws Exception {
        Process p = new ProcessBuilder("true").start();
        int pid = (int) p.pid();
        p.waitFor();
        Proc.awaitGone(pid, Duration.ofSeconds(10));
        try (PidNamespace host = PidNamespace.current()) {
            OptionalInt[] answers = {host.pidInNamespace(pid), host.tgidInNamespace(pid), host.pidFromNamespace(pid),
                    host.tgidFromNamespace(pid), handles.get("L1").pidInNamespace(pid)};
            if (!Files.exists(Path.of("/proc/" + pid))) { // else reused at once by another process: no case
                for (OptionalInt a : answers) {
                    assertEquals(OptionalInt.empty(), a, "reaped pid " + pid);
                }
            }
        }
    }

    @Test
    void processThatExitedInsideTheNamespaceIsEmptyOnBothSides() throws Exception {
        NsInfo l2 = truth.ns("L2");
        PidNamespace h = handles.get("L2");
        // one of L2's sleeps: kill it from the host; L2's init (sh, in "wait") reaps it
        Task victim = truth.ownMembers(l2).stream().filter(t -> t.comm().equals("sleep")).findFirst()
                .orElseThrow();
        int local = victim.nspid()[l2.depth()];
        int inL1 = victim.nspid()[1];
        assertEquals(OptionalInt.of(victim.tid()), h.pidFromNamespace(local));
        assertEquals(OptionalInt.of(inL1), handles.get("L1").pidInNamespace(victim.tid()));
        new ProcessBuilder("kill", "-KILL", Integer.toString(victim.tid())).start().waitFor();
        Proc.awaitGone(victim.tid(), Duration.ofSeconds(10));

        assertEquals(OptionalInt.empty(), h.pidFromNamespace(local), "exited pid in its namespace");
        assertEquals(OptionalInt.empty(), h.tgidFromNamespace(local));
        assertEquals(OptionalInt.empty(), handles.get("L1").pidFromNamespace(inL1));
        // the same number in L3 names another task (or none), as before
        assertEquals(truth.pidFrom(truth.ns("L3"), local), handles.get("L3").pidFromNamespace(local));
        assertEquals(0, h.translateViaProcfs(Translation.PID_FROM_NAMESPACE, local));
        if (!Files.exists(Path.of("/proc/" + victim.tid()))) { // host pid not reused meanwhile
            assertEquals(OptionalInt.empty(), h.pidInNamespace(victim.tid()));
            assertEquals(OptionalInt.empty(), h.tgidInNamespace(victim.tid()));
            assertEquals(0, h.translateViaProcfs(Translation.PID_IN_NAMESPACE, victim.tid()));
        }
        // the rest of L2 is untouched
        Task other = truth.ownMembers(l2).stream().filter(t -> t.tid() != victim.tid()).findFirst().orElseThrow();
        assertEquals(OptionalInt.of(other.tid()), h.pidFromNamespace(other.nspid()[l2.depth()]));
    }

    @Test
    void pidsThatLiveOnlyOutsideTheNamespace() throws Exception {
        NsInfo l3 = truth.ns("L3");
        PidNamespace h3 = handles.get("L3");
        // a pid number that exists in L1 (and in the host) but in no task of L3
        Task l1Only = truth.ownMembers(truth.ns("L1")).stream()
                .filter(t -> truth.byLocalPid(l3, t.nspid()[1]) == null).findFirst().orElseThrow();
        assertEquals(OptionalInt.empty(), h3.pidInNamespace(l1Only.tid()), l1Only::toString);
        assertEquals(OptionalInt.empty(), h3.tgidInNamespace(l1Only.tid()), l1Only::toString);
        assertEquals(OptionalInt.empty(), h3.pidFromNamespace(l1Only.nspid()[1]), l1Only::toString);
        assertEquals(OptionalInt.of(l1Only.tid()), handles.get("L1").pidFromNamespace(l1Only.nspid()[1]));
        // the test JVM itself
        int self = (int) ProcessHandle.current().pid();
        for (PidNamespace h : handles.values()) {
            assertEquals(OptionalInt.empty(), h.pidInNamespace(self), h::toString);
        }
        // the pid of a sibling's member, asked in the sibling next door
        Task s1Member = truth.ns("S1").member();
        assertEquals(OptionalInt.empty(), handles.get("L1").pidInNamespace(s1Member.tid()));
        assertEquals(OptionalInt.of(s1Member.nspid()[1]), handles.get("S1").pidInNamespace(s1Member.tid()));
    }

    @Test
    void zeroAndNegativePidsAreRejectedBeforeAnyNativeCall() throws Exception {
        PidNamespace h = handles.get("L2");
        List<Executable> calls = new ArrayList<>();
        for (int bad : new int[] {0, -1, Integer.MIN_VALUE}) {
            calls.add(() -> h.pidFromNamespace(bad));
            calls.add(() -> h.tgidFromNamespace(bad));
            calls.add(() -> h.pidInNamespace(bad));
            calls.add(() -> h.tgidInNamespace(bad));
            for (Translation tr : Translation.values()) {
                calls.add(() -> h.translate(tr, bad));
                calls.add(() -> h.translateViaProcfs(tr, bad));
                calls.add(() -> h.translate(tr, new int[] {bad, 1}));
            }
        }
        for (Executable call : calls) {
            assertThrows(IllegalArgumentException.class, call);
        }
        // in bulk, a bad pid after good ones still fails the whole call (no partial result)
        for (Translation tr : Translation.values()) {
            assertThrows(IllegalArgumentException.class, () -> h.translate(tr, new int[] {1, 2, -1}));
        }
        // on a closed handle any native call throws ClosedNamespaceException: the pid check comes first
        h.close();
        assertThrows(ClosedNamespaceException.class, () -> h.pidFromNamespace(1));
        assertThrows(ClosedNamespaceException.class, () -> h.pidInNamespace(1));
        for (Executable call : calls) {
            assertThrows(IllegalArgumentException.class, call);
        }
    }

    @Test
    void integerMaxValueIsEmpty() throws Exception {
        try (PidNamespace host = PidNamespace.current()) {
            for (PidNamespace h : allHandles(host)) {
                assertEquals(OptionalInt.empty(), h.pidFromNamespace(Integer.MAX_VALUE), h::toString);
                assertEquals(OptionalInt.empty(), h.tgidFromNamespace(Integer.MAX_VALUE), h::toString);
                assertEquals(OptionalInt.empty(), h.pidInNamespace(Integer.MAX_VALUE), h::toString);
                assertEquals(OptionalInt.empty(), h.tgidInNamespace(Integer.MAX_VALUE), h::toString);
                for (Translation tr : Translation.values()) {
                    assertEquals(0, h.translate(tr, Integer.MAX_VALUE), h::toString);
                    assertEquals(0, h.translateViaProcfs(tr, Integer.MAX_VALUE), h::toString);
                }
            }
        }
    }

    @Test
    void initPidIsTheProcessUnshareForked() throws Exception {
        for (NsInfo ns : truth.namespaces.values()) {
            Task init = ns.init();
            // the kernel's view: its pid is 1 in the namespace, and its parent is an unshare in the parent namespace
            assertEquals(1, init.nspid()[ns.depth()]);
            String parentCmd = String.join(" ", Proc.args(init.ppid()));
            assertTrue(parentCmd.startsWith("unshare --pid --fork"), parentCmd);
            assertEquals(ns.inode(), Proc.nsInode(init.ppid(), "pid_for_children"), "made by that unshare");
            assertEquals(ns.parentInode(), Proc.nsInode(init.ppid(), "pid"));
            assertEquals(List.of((long) init.tid()), Proc.children(init.ppid()));
            assertEquals(OptionalInt.of(init.tid()), handles.get(ns.name()).initPid(), ns::toString);
        }
        // L1's init, from its unshare process (the test's own child)
        assertEquals(OptionalInt.of(Proc.children(tree.top()).get(0).intValue()),
                handles.get("L1").initPid());
        try (PidNamespace host = PidNamespace.current()) {
            // the host's init is host pid 1 (not inspected, only translated)
            assertEquals(OptionalInt.of(1), host.initPid());
        }
    }

    @Test
    void initPidOfANamespaceWhoseProcessesAllDiedIsEmpty() throws Exception {
        List<Long> inodes = new ArrayList<>();
        for (NsInfo ns : truth.namespaces.values()) {
            inodes.add(ns.inode());
            assertTrue(handles.get(ns.name()).initPid().isPresent(), ns::toString);
        }
        List<Task> all = truth.tasks;
        tree.kill(); // SIGKILL to the inits; waits until every process of the tree is gone, keeps the handles
        for (Task t : all) {
            if (t.tid() == t.tgid()) {
                Proc.awaitGone(t.tid(), Duration.ofSeconds(10));
            }
        }
        int i = 0;
        for (NsInfo ns : truth.namespaces.values()) {
            PidNamespace h = handles.get(ns.name());
            assertTrue(h.isOpen());
            assertEquals(inodes.get(i++), h.inode(), "the handle keeps the dead namespace");
            assertEquals(OptionalInt.empty(), h.initPid(), ns::toString);
            assertEquals(OptionalInt.empty(), h.pidFromNamespace(2), ns::toString);
            assertEquals(0, h.translateViaProcfs(Translation.PID_FROM_NAMESPACE, 1), ns::toString);
        }
        // the dead namespace is still a namespace: its parent relation still answers
        try (PidNamespace parent = handles.get("L3").parent().orElseThrow()) {
            assertEquals(truth.ns("L2").inode(), parent.inode());
            assertFalse(parent.initPid().isPresent());
        }
    }
}
