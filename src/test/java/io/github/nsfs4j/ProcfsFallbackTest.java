package io.github.nsfs4j;

import io.github.nsfs4j.PidNamespace.Translation;
import io.github.nsfs4j.internal.ProcfsPidTranslation;
import io.github.nsfs4j.kernel.KernelSupport;
import io.github.nsfs4j.kernel.NsIoctl;
import io.github.nsfs4j.testing.Commands;
import io.github.nsfs4j.testing.PidTree;
import io.github.nsfs4j.testing.PidTree.NsInfo;
import io.github.nsfs4j.testing.PidTree.Snapshot;
import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Proc.Task;
import io.github.nsfs4j.testing.Unshared;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The /proc NSpid fallback: the same scenario as {@link PidTranslationTest} through
 * {@code translateViaProcfs} gives the ioctl path's answers, which are NSpid's; and a JVM
 * started with {@code -Dnsfs4j.pidTranslation=procfs} answers through it in the public API.
 */
class ProcfsFallbackTest {

    @RegisterExtension
    static final PidTree.PerClass<PidNamespace> tree = new PidTree.PerClass<>(PidNamespace::ofProcess);

    /** The test JVM runs in auto mode on a 6.18 kernel (unless forced): the public API is the ioctl path. */
    @Test
    void thisJvmUsesTheIoctlPathUnlessForced() {
        assertEquals("procfs".equalsIgnoreCase(System.getProperty("nsfs4j.pidTranslation")),
                ProcfsPidTranslation.Mode.PROCFS);
        if (!"procfs".equalsIgnoreCase(System.getProperty("nsfs4j.pidTranslation"))) {
            assertEquals(!KernelSupport.has(NsIoctl.NS_GET_PID_FROM_PIDNS), ProcfsPidTranslation.Mode.PROCFS,
                    "auto mode falls back exactly where the kernel lacks the request");
        }
    }

    @Test
    void procfsGivesTheIoctlAnswersForEveryCase() throws Exception {
        Snapshot truth = tree.truth();
        Map<String, PidNamespace> handles = tree.handles();
        List<String> mismatches = new ArrayList<>();
        int cases = 0, empties = 0;
        List<Task> subjects = new ArrayList<>(truth.tasks);
        subjects.addAll(Proc.tasks(ProcessHandle.current().pid()));
        int unused = Proc.unusedPid();
        for (NsInfo ns : truth.namespaces.values()) {
            PidNamespace h = handles.get(ns.name());
            List<int[]> requests = new ArrayList<>(); // {translation ordinal, pid, expected}
            for (Task t : subjects) {
                requests.add(new int[] {Translation.PID_IN_NAMESPACE.ordinal(), t.tid(), truth.pidIn(ns, t).orElse(0)});
                requests.add(new int[] {Translation.TGID_IN_NAMESPACE.ordinal(), t.tid(),
                        truth.tgidIn(ns, t).orElse(0)});
            }
            for (int local = 1; local <= truth.maxLocalPid(ns) + 5; local++) {
                requests.add(new int[] {Translation.PID_FROM_NAMESPACE.ordinal(), local,
                        truth.pidFrom(ns, local).orElse(0)});
                requests.add(new int[] {Translation.TGID_FROM_NAMESPACE.ordinal(), local,
                        truth.tgidFrom(ns, local).orElse(0)});
            }
            for (Translation tr : Translation.values()) {
                requests.add(new int[] {tr.ordinal(), unused, 0});
                requests.add(new int[] {tr.ordinal(), Integer.MAX_VALUE, 0});
            }
            for (int[] r : requests) {
                Translation tr = Translation.values()[r[0]];
                int viaIoctl = h.translate(tr, r[1]);
                int viaProcfs = h.translateViaProcfs(tr, r[1]);
                cases++;
                if (r[2] == 0) {
                    empties++;
                }
                if (viaIoctl != r[2] || viaProcfs != r[2]) {
                    mismatches.add(ns.name() + " " + tr + "(" + r[1] + "): NSpid says " + r[2] + ", ioctl "
                            + viaIoctl + ", procfs " + viaProcfs);
                }
            }
        }
        assertEquals(List.of(), mismatches, () -> String.join("\n", mismatches) + "\n" + truth);
        assertTrue(cases > 400 && empties > 150, cases + " cases, " + empties + " empty");
    }

    @Test
    void procfsOnTheCallersOwnNamespaceIsTheIdentity() throws Exception {
        Snapshot truth = tree.truth();
        try (PidNamespace host = PidNamespace.current()) {
            for (Task t : truth.tasks) {
                for (Translation tr : Translation.values()) {
                    boolean tgid = tr == Translation.TGID_FROM_NAMESPACE || tr == Translation.TGID_IN_NAMESPACE;
                    int expected = tgid ? t.nstgid()[0] : t.nspid()[0];
                    assertEquals(expected, host.translateViaProcfs(tr, t.tid()), () -> tr + " " + t);
                    assertEquals(expected, host.translate(tr, t.tid()), () -> tr + " " + t);
                }
            }
        }
    }

    /**
     * A zombie (exited, not yet reaped) still has its pid: both paths must agree with the
     * kernel's status file, which still lists it.
     */
    @Test
    void zombieInAChildNamespaceSameOnBothPaths() throws Exception {
        // sh forks "sleep 0" (pid 2 in the new namespace), then becomes sleep 600 and never reaps it
        try (Unshared tree = Unshared.builder().types("pid").script("echo ready; sleep 0 & exec sleep 600").start()) {
            int init = tree.leafPid();
            int zombie = -1;
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (zombie < 0 && System.nanoTime() < deadline) {
                for (long c : Proc.children(init)) {
                    if (Proc.state(c).orElse('?') == 'Z') {
                        zombie = (int) c;
                    }
                }
                Thread.sleep(5);
            }
            assertTrue(zombie > 0, "no zombie appeared under " + init);
            int[] nspid = Proc.task(zombie).nspid();
            try (PidNamespace ns = PidNamespace.ofProcess(init)) {
                assertEquals(Proc.nsInode(init, "pid"), ns.inode());
                for (Translation tr : Translation.values()) {
                    boolean in = tr == Translation.PID_IN_NAMESPACE || tr == Translation.TGID_IN_NAMESPACE;
                    int pid = in ? zombie : nspid[1];
                    int expected = in ? nspid[1] : nspid[0];
                    assertEquals(expected, ns.translate(tr, pid), "ioctl " + tr + " of zombie " + zombie);
                    assertEquals(expected, ns.translateViaProcfs(tr, pid), "procfs " + tr + " of zombie " + zombie);
                }
            }
        }
    }

    @Test
    void forkedJvmWithPropertyProcfsAnswersThroughTheFallback() throws Exception {
        Snapshot truth = tree.truth();
        StringBuilder requests = new StringBuilder();
        Map<String, String> expected = new LinkedHashMap<>();
        int unused = Proc.unusedPid();
        for (NsInfo ns : truth.namespaces.values()) {
            String path = "/proc/" + ns.member().tgid() + "/ns/pid";
            List<int[]> cases = new ArrayList<>();
            for (Task t : truth.tasks) {
                cases.add(new int[] {Translation.PID_IN_NAMESPACE.ordinal(), t.tid(), truth.pidIn(ns, t).orElse(0)});
                cases.add(new int[] {Translation.TGID_IN_NAMESPACE.ordinal(), t.tid(), truth.tgidIn(ns, t).orElse(0)});
            }
            for (int local = 1; local <= truth.maxLocalPid(ns) + 2; local++) {
                cases.add(new int[] {Translation.PID_FROM_NAMESPACE.ordinal(), local,
                        truth.pidFrom(ns, local).orElse(0)});
                cases.add(new int[] {Translation.TGID_FROM_NAMESPACE.ordinal(), local,
                        truth.tgidFrom(ns, local).orElse(0)});
            }
            cases.add(new int[] {Translation.PID_IN_NAMESPACE.ordinal(), unused, 0});
            cases.add(new int[] {Translation.PID_FROM_NAMESPACE.ordinal(), Integer.MAX_VALUE, 0});
            for (int[] c : cases) {
                String key = path + " " + Translation.values()[c[0]] + " " + c[1];
                requests.append(key).append('\n');
                expected.put(key, c[2] == 0 ? "empty" : Integer.toString(c[2]));
            }
        }
        requests.append("init ").append("/proc/").append(truth.ns("L3").member().tgid()).append("/ns/pid\n");
        expected.put("init /proc/" + truth.ns("L3").member().tgid() + "/ns/pid",
                Integer.toString(truth.ns("L3").init().tid()));

        Commands.Result r = Commands.run(Commands.javaCommand(List.of("--enable-native-access=ALL-UNNAMED", "-Xmx64m",
                "-XX:+UseSerialGC", "-Dnsfs4j.pidTranslation=procfs"), TranslateMain.class), requests.toString());
        assertEquals(0, r.exitCode(), r::toString);
        Map<String, String> answers = new HashMap<>();
        for (String line : r.stdout().split("\n")) {
            int sep = line.lastIndexOf(" = ");
            if (sep > 0) {
                answers.put(line.substring(0, sep), line.substring(sep + 3));
            }
        }
        assertEquals("true", answers.get("procfs"), "the property did not select the fallback:\n" + r);
        List<String> mismatches = new ArrayList<>();
        expected.forEach((k, v) -> {
            if (!v.equals(answers.get(k))) {
                mismatches.add(k + ": NSpid says " + v + ", forked JVM said " + answers.get(k));
            }
        });
        assertEquals(List.of(), mismatches, () -> String.join("\n", mismatches) + "\n" + r);
    }

    /** One quick measurement, printed and not asserted: pidFromNamespace via ioctl and via procfs. */
    @Test
    void measurePidFromNamespaceIoctlAgainstProcfs() throws Exception {
        Snapshot truth = tree.truth();
        Map<String, PidNamespace> handles = tree.handles();
        NsInfo ns = truth.ns("L3");
        PidNamespace h = handles.get(ns.name());
        int[] locals = truth.members(ns).stream().mapToInt(t -> t.nspid()[ns.depth()]).toArray();
        long sink = 0;
        for (int i = 0; i < 20_000; i++) { // warm up
            sink += h.translate(Translation.PID_FROM_NAMESPACE, locals[i % locals.length]);
        }
        int ioctlRounds = 200_000;
        long t0 = System.nanoTime();
        for (int i = 0; i < ioctlRounds; i++) {
            sink += h.pidFromNamespace(locals[i % locals.length]).orElse(0);
        }
        long ioctlNs = (System.nanoTime() - t0) / ioctlRounds;
        for (int i = 0; i < 3; i++) {
            sink += h.translateViaProcfs(Translation.PID_FROM_NAMESPACE, locals[i % locals.length]);
        }
        // each procfs call reads the status file of every task on the machine: time-boxed to ~3 s
        int procfsRounds = 0;
        t0 = System.nanoTime();
        long budget = t0 + 3_000_000_000L;
        while (procfsRounds < 100 && (procfsRounds < 3 || System.nanoTime() < budget)) {
            sink += h.translateViaProcfs(Translation.PID_FROM_NAMESPACE, locals[procfsRounds % locals.length]);
            procfsRounds++;
        }
        long procfsNs = (System.nanoTime() - t0) / procfsRounds;
        int tasksOnMachine = Proc.pids().size();
        System.out.printf("MEASUREMENT pidFromNamespace on a depth-3 namespace: ioctl %.2f us/call (%d calls),"
                + " procfs fallback %.1f us/call (%d calls) = %.0fx; %d processes in /proc [sink %d]%n",
                ioctlNs / 1000.0, ioctlRounds, procfsNs / 1000.0, procfsRounds, (double) procfsNs / Math.max(1, ioctlNs),
                tasksOnMachine, sink);
    }

    @Test
    void closedHandleOfAnotherNamespaceThrowsClosedOnBothPaths() throws Exception {
        Snapshot truth = tree.truth();
        PidNamespace h = PidNamespace.ofProcess(truth.ns("L2").member().tgid());
        h.close();
        for (Translation tr : Translation.values()) {
            assertThrows(ClosedNamespaceException.class, () -> h.translate(tr, 1), tr::toString);
            assertThrows(ClosedNamespaceException.class, () -> h.translateViaProcfs(tr, 1), tr::toString);
        }
    }

    /**
     * A closed handle on the caller's own pid namespace: the ioctl path throws
     * ClosedNamespaceException, and so must the procfs path, which for depth 0 only compares
     * inodes and would otherwise never notice.
     */
    @Test
    void closedHandleOfTheOwnNamespaceThrowsClosedOnBothPaths() throws Exception {
        PidNamespace own = PidNamespace.current();
        own.close();
        int self = (int) ProcessHandle.current().pid();
        for (Translation tr : Translation.values()) {
            assertThrows(ClosedNamespaceException.class, () -> own.translate(tr, self), tr::toString);
            assertThrows(ClosedNamespaceException.class, () -> own.translateViaProcfs(tr, self), tr::toString);
        }
    }

    @Test
    void procfsRejectsNonPositivePidsLikeTheIoctlPath() throws Exception {
        Map<String, PidNamespace> handles = tree.handles();
        PidNamespace h = handles.get("L2");
        for (Translation tr : Translation.values()) {
            assertThrows(IllegalArgumentException.class, () -> h.translateViaProcfs(tr, 0));
            assertThrows(IllegalArgumentException.class, () -> h.translateViaProcfs(tr, -1));
        }
    }

    /**
     * Run in a forked JVM: reads {@code <ns path> <TRANSLATION> <pid>} or {@code init <ns path>}
     * lines and answers each through the public API, then prints the chosen path.
     */
    public static final class TranslateMain {
        public static void main(String[] args) throws Exception {
            Map<String, PidNamespace> open = new HashMap<>();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line; (line = in.readLine()) != null; ) {
                if (line.isBlank()) {
                    continue;
                }
                String[] f = line.trim().split(" ");
                String answer;
                try {
                    if (f[0].equals("init")) {
                        answer = show(ns(open, f[1]).initPid());
                    } else {
                        PidNamespace ns = ns(open, f[0]);
                        int pid = Integer.parseInt(f[2]);
                        answer = show(switch (Translation.valueOf(f[1])) {
                            case PID_FROM_NAMESPACE -> ns.pidFromNamespace(pid);
                            case TGID_FROM_NAMESPACE -> ns.tgidFromNamespace(pid);
                            case PID_IN_NAMESPACE -> ns.pidInNamespace(pid);
                            case TGID_IN_NAMESPACE -> ns.tgidInNamespace(pid);
                        });
                    }
                } catch (Exception e) {
                    answer = "ERR " + e.getClass().getSimpleName() + ": " + e.getMessage();
                }
                System.out.println(line.trim() + " = " + answer);
            }
            System.out.println("procfs = " + ProcfsPidTranslation.Mode.PROCFS);
            open.values().forEach(Namespace::close);
        }

        private static PidNamespace ns(Map<String, PidNamespace> open, String path) throws NamespaceException {
            PidNamespace ns = open.get(path);
            if (ns == null) {
                ns = PidNamespace.open(Path.of(path));
                open.put(path, ns);
            }
            return ns;
        }

        static String show(OptionalInt v) {
            return v.isPresent() ? Integer.toString(v.getAsInt()) : "empty";
        }
    }
}
