package io.github.nsfs4j;

import io.github.nsfs4j.internal.ProcfsPidTranslation;
import io.github.nsfs4j.testing.Commands;
import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Proc.Task;
import io.github.nsfs4j.testing.Unshared;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The library used from inside a pid namespace: a JVM started as the init of a new pid
 * namespace ({@code unshare --pid --fork [--mount-proc] java ...}) runs {@link InsideMain},
 * which prints its translations; this test compares them with the NSpid/NStgid lines the
 * host's /proc shows for the same tasks. Every answer must be relative to the inside JVM's
 * own pid namespace.
 */
class PidNamespaceInsideTest {

    @BeforeEach
    void namespaces() {
        Unshared.requireNamespaces();
    }

    @Test
    void insideWithMountProcIoctl() throws Exception {
        mounted(false);
    }

    @Test
    void insideWithMountProcForcedProcfs() throws Exception {
        mounted(true);
    }

    @Test
    void insideWithTheHostsProcIoctlTranslatesToAndFromTheHostNamespace() throws Exception {
        hostProc(false);
    }

    @Test
    void insideWithTheHostsProcForcedProcfsRefusesInsteadOfAnsweringWrong() throws Exception {
        hostProc(true);
    }

    /**
     * Inside, with its own /proc, holding a handle on the host's pid namespace (an ancestor):
     * the kernel translates to and from it, relative to the caller.
     */
    @Test
    void insideWithMountProcAndAnAncestorsHandleIoctl() throws Exception {
        Map<String, String> expected = new LinkedHashMap<>();
        Map<String, String> out = ancestor(expected);
        compare(expected, prefixed("ioctl.", expected, out));
    }

    /**
     * The same through the /proc fallback. The fallback cannot see ancestor levels in this
     * /proc; it must then either give the kernel's answer or refuse (NamespaceException), never
     * claim "not visible".
     */
    @Test
    void insideWithMountProcAndAnAncestorsHandleProcfsMustNotSayEmpty() throws Exception {
        Map<String, String> expected = new LinkedHashMap<>();
        Map<String, String> out = ancestor(expected);
        List<String> wrong = new ArrayList<>();
        expected.forEach((k, v) -> {
            String got = out.get("procfs." + k);
            if (!v.equals(got) && !"ERR NamespaceException".equals(got)) {
                wrong.add(k + ": kernel says " + v + ", procfs fallback said " + got);
            }
        });
        assertEquals(List.of(), wrong, () -> String.join("\n", wrong) + "\nall output: " + out);
    }

    private Map<String, String> ancestor(Map<String, String> expected) throws Exception {
        int testJvm = (int) ProcessHandle.current().pid();
        // sh, already in the new pid namespace but still with the host's /proc: keeps the host's
        // pid namespace open as fd 3, reads its own host pid, and becomes (unshare --mount-proc and
        // then) the JVM, which reopens fd 3 as /proc/self/fd/3
        List<String> cmd = new ArrayList<>(List.of("sh", "-c", "exec 3</proc/" + testJvm + "/ns/pid;"
                + " read -r hp rest </proc/self/stat; exec unshare --mount --mount-proc \"$@\" \"$hp\"", "sh"));
        cmd.addAll(insideJvm(List.of(), InsideMain.class, "ancestor", Integer.toString(testJvm),
                "/proc/self/fd/3"));
        try (Inside inside = new Inside(Unshared.builder().types("pid"), cmd)) {
            Map<String, String> out = inside.awaitDone();
            int jvm = inside.awaitJvm();
            int[] ids = Proc.task(jvm).nspid();
            int[] tgids = Proc.task(jvm).nstgid();
            assertEquals(2, ids.length);
            assertEquals(Integer.toString(jvm), out.get("hostPidFromShell"), "the shell became the JVM");
            assertEquals("1", out.get("procSelfNSpidLength"), "the inside JVM has its own /proc");
            assertEquals(Long.toString(Proc.nsInode(testJvm, "pid")), out.get("hostNs"));
            expected.put("selfPidIn", Integer.toString(ids[0]));
            expected.put("selfTgidIn", Integer.toString(tgids[0]));
            expected.put("fromHostPid", Integer.toString(ids[1]));
            expected.put("tgidFromHostPid", Integer.toString(tgids[1]));
            expected.put("fromTestJvm", "empty");
            expected.put("init", "empty");
            return out;
        }
    }

    /** A small JVM with native access, running {@code main} with the test classes. */
    private static List<String> insideJvm(List<String> options, Class<?> main, String... args) {
        List<String> all = new ArrayList<>(List.of("--enable-native-access=ALL-UNNAMED", "-Xmx64m",
                "-XX:+UseSerialGC"));
        all.addAll(options);
        return Commands.javaCommand(all, main, args);
    }

    private static Map<String, String> prefixed(String prefix, Map<String, String> expected, Map<String, String> out) {
        Map<String, String> m = new LinkedHashMap<>();
        expected.keySet().forEach(k -> m.put(k, out.get(prefix + k)));
        return m;
    }

    // ------------------------------------------------------------------ unshare --mount-proc

    private void mounted(boolean procfs) throws Exception {
        int testJvm = (int) ProcessHandle.current().pid();
        List<String> cmd = insideJvm(procfs ? List.of("-Dnsfs4j.pidTranslation=procfs") : List.of(),
                InsideMain.class, "mounted", Integer.toString(testJvm));
        try (Inside inside = new Inside(Unshared.builder().types("pid", "mnt").mountProc(), cmd)) {
            Map<String, String> out = inside.awaitDone();
            int jvm = inside.awaitJvm();
            // the kernel's view from the host
            int[] jvmIds = Proc.task(jvm).nspid();
            assertEquals(2, jvmIds.length, "the inside JVM is one level down");
            String self = Integer.toString(jvmIds[1]);
            List<Task> jvmTasks = Proc.tasks(jvm);
            Task thread = jvmTasks.stream().filter(t -> Integer.toString(t.nspid()[1]).equals(out.get("thread")))
                    .findFirst().orElseThrow(() -> new AssertionError("no task " + out.get("thread") + " in " + jvmTasks));
            long nestedUnshareHost = Proc.children(jvm).stream()
                    .filter(c -> "unshare".equals(Proc.status(c).get("Name"))).findFirst().orElseThrow();
            long nestedInitHost = Proc.awaitChild(nestedUnshareHost, "sleep", Duration.ofSeconds(5));
            int[] unshareIds = Proc.task(nestedUnshareHost).nspid();
            int[] nestedIds = Proc.task(nestedInitHost).nspid();
            assertEquals(3, nestedIds.length);
            List<Task> insideTasks = new ArrayList<>(jvmTasks);
            insideTasks.addAll(Proc.tasks(nestedUnshareHost));
            insideTasks.addAll(Proc.tasks(nestedInitHost));
            OptionalInt hostOnlyInside = insideTasks.stream().filter(t -> t.nspid()[1] == testJvm)
                    .mapToInt(t -> t.nspid()[1]).findFirst();

            Map<String, String> expected = new LinkedHashMap<>();
            expected.put("procfs", Boolean.toString(procfs));
            expected.put("self", self);
            expected.put("ns", Long.toString(Proc.nsInode(jvm, "pid")));
            expected.put("selfPidIn", self);
            expected.put("selfTgidIn", self);
            expected.put("selfPidFrom", self);
            expected.put("selfTgidFrom", self);
            expected.put("init", Integer.toString(jvmIds[jvmIds.length - 1]));
            expected.put("parentVisible", "false");
            expected.put("threadPidIn", Integer.toString(thread.nspid()[1]));
            expected.put("threadTgidIn", Integer.toString(thread.nstgid()[1]));
            expected.put("threadPidFrom", Integer.toString(thread.nspid()[1]));
            expected.put("threadTgidFrom", Integer.toString(thread.nstgid()[1]));
            expected.put("hostOnlyPidIn", show(hostOnlyInside));
            expected.put("hostOnlyPidFrom", show(hostOnlyInside));
            expected.put("nestedUnshare", Integer.toString(unshareIds[1]));
            expected.put("nestedInit", Integer.toString(nestedIds[1]));
            expected.put("nested.ns", Long.toString(Proc.nsInode(nestedInitHost, "pid")));
            expected.put("nested.initPid", Integer.toString(nestedIds[1]));
            expected.put("nested.initIn", Integer.toString(nestedIds[2]));
            expected.put("nested.initTgidFrom", Integer.toString(nestedIds[1]));
            expected.put("nested.unshareIn", "empty");
            expected.put("nested.selfIn", "empty");
            expected.put("nested.threadIn", "empty");
            expected.put("nested.parentIsOwn", "true");
            assertEquals(1, jvmIds[1], "the JVM is its namespace's init");
            assertEquals(1, nestedIds[2]);
            compare(expected, out);
        }
    }

    // ------------------------------------------------------------------ unshare without --mount-proc

    private void hostProc(boolean procfs) throws Exception {
        int testJvm = (int) ProcessHandle.current().pid();
        List<String> cmd = insideJvm(procfs ? List.of("-Dnsfs4j.pidTranslation=procfs") : List.of(),
                InsideMain.class, "hostproc", Integer.toString(testJvm), "/proc/" + testJvm + "/ns/pid");
        try (Inside inside = new Inside(Unshared.builder().types("pid"), cmd)) {
            Map<String, String> out = inside.awaitDone();
            int jvm = inside.awaitJvm();
            int[] jvmIds = Proc.task(jvm).nspid();
            int[] jvmTgids = Proc.task(jvm).nstgid();
            assertEquals(2, jvmIds.length);
            Map<String, String> expected = new LinkedHashMap<>();
            expected.put("procfs", Boolean.toString(procfs));
            expected.put("self", Integer.toString(jvmIds[1]));
            expected.put("procSelf", Integer.toString(jvmIds[0])); // the host's /proc shows host pids
            expected.put("hostNs", Long.toString(Proc.nsInode(testJvm, "pid")));
            expected.put("own.ns", Long.toString(Proc.nsInode(jvm, "pid")));
            if (!procfs) {
                // the inside JVM (pid 1 there) as the host sees it, and back
                expected.put("host.selfPidIn", Integer.toString(jvmIds[0]));
                expected.put("host.selfTgidIn", Integer.toString(jvmTgids[0]));
                expected.put("host.fromProcSelf", Integer.toString(jvmIds[1]));
                expected.put("host.tgidFromProcSelf", Integer.toString(jvmTgids[1]));
                // the test JVM exists in the host namespace but is not visible inside
                expected.put("host.fromTestJvm", "empty");
                expected.put("host.tgidFromTestJvm", "empty");
                expected.put("host.init", "empty");
                expected.put("own.init", Integer.toString(jvmIds[1]));
                expected.put("own.selfPidIn", Integer.toString(jvmIds[1]));
            } else {
                // /proc is not this namespace's: the fallback must refuse, not guess
                String refused = "ERR NamespaceException";
                for (String k : List.of("host.selfPidIn", "host.selfTgidIn", "host.fromProcSelf",
                        "host.tgidFromProcSelf", "host.fromTestJvm", "host.tgidFromTestJvm", "host.init", "own.init",
                        "own.selfPidIn")) {
                    expected.put(k, refused);
                }
            }
            compare(expected, out);
            if (procfs) {
                assertTrue(out.get("own.init.message").contains("/proc mounted"), out.get("own.init.message"));
            }
        }
    }

    private static void compare(Map<String, String> expected, Map<String, String> actual) {
        List<String> mismatches = new ArrayList<>();
        expected.forEach((k, v) -> {
            if (!v.equals(actual.get(k))) {
                mismatches.add(k + ": expected " + v + ", inside JVM said " + actual.get(k));
            }
        });
        assertEquals(List.of(), mismatches, () -> String.join("\n", mismatches) + "\nall output: " + actual);
    }

    static String show(OptionalInt v) {
        return v.isPresent() ? Integer.toString(v.getAsInt()) : "empty";
    }

    /** A running inside JVM, the init of the innermost pid namespace: its output as key=value pairs up to "done". */
    private static final class Inside implements AutoCloseable {
        final Unshared tree;

        Inside(Unshared.Builder namespaces, List<String> command) {
            tree = namespaces.start(command);
        }

        /** The host pid of the inside JVM (it said ready, so the leaf has exec'd {@code java}). */
        int awaitJvm() {
            int jvm = tree.leafPid();
            assertEquals("java", Proc.status(jvm).get("Name"), tree::output);
            return jvm;
        }

        Map<String, String> awaitDone() throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            for (;;) {
                List<String> lines = tree.output().lines().toList();
                int done = lines.indexOf("done");
                if (done >= 0) {
                    Map<String, String> out = new LinkedHashMap<>();
                    for (String line : lines.subList(0, done)) {
                        int eq = line.indexOf('=');
                        if (eq > 0) {
                            out.put(line.substring(0, eq), line.substring(eq + 1));
                        }
                    }
                    return out;
                }
                if (tree.allGone() || System.nanoTime() > deadline) {
                    fail("inside JVM ended or timed out before 'done': " + tree.output());
                }
                Thread.sleep(10);
            }
        }

        @Override
        public void close() {
            tree.close(); // the inside JVM is its namespace's init: what it started dies with it
        }
    }

    /**
     * Runs as the init of a new pid namespace. {@code mounted <hostOnlyPid>}: under
     * {@code --mount-proc}; {@code hostproc <testJvmPid> <host ns path>}: with the host's /proc.
     * Prints {@code ready}, {@code key=value} lines, then {@code done}, then waits to be killed.
     */
    public static final class InsideMain {
        static final Map<String, String> out = new LinkedHashMap<>();

        public static void main(String[] args) throws Exception {
            System.out.println("ready");
            put("procfs", Boolean.toString(ProcfsPidTranslation.Mode.PROCFS));
            int self = (int) ProcessHandle.current().pid();
            put("self", Integer.toString(self));
            try {
                if (args[0].equals("mounted")) {
                    mounted(self, Integer.parseInt(args[1]));
                } else if (args[0].equals("ancestor")) {
                    ancestor(self, Integer.parseInt(args[1]), Path.of(args[2]), Integer.parseInt(args[3]));
                } else {
                    hostProc(self, Integer.parseInt(args[1]), Path.of(args[2]));
                }
            } catch (Throwable t) {
                put("fatal", t.toString());
                t.printStackTrace(System.out);
            }
            out.forEach((k, v) -> System.out.println(k + "=" + v));
            System.out.println("done");
            System.out.flush();
            FOREVER.await(); // killed with its pid namespace, and so is what it started
        }

        private static void mounted(int self, int hostOnly) throws Exception {
            try (PidNamespace own = PidNamespace.current()) {
                put("ns", Long.toString(own.inode()));
                put("selfPidIn", show(own.pidInNamespace(self)));
                put("selfTgidIn", show(own.tgidInNamespace(self)));
                put("selfPidFrom", show(own.pidFromNamespace(self)));
                put("selfTgidFrom", show(own.tgidFromNamespace(self)));
                put("init", show(own.initPid()));
                put("parentVisible", Boolean.toString(own.parent().isPresent()));
                int tid = onOtherThread(tidOf -> {
                    put("thread", Integer.toString(tidOf));
                    put("threadPidIn", show(own.pidInNamespace(tidOf)));
                    put("threadTgidIn", show(own.tgidInNamespace(tidOf)));
                    put("threadPidFrom", show(own.pidFromNamespace(tidOf)));
                    put("threadTgidFrom", show(own.tgidFromNamespace(tidOf)));
                });
                put("hostOnlyPidIn", show(own.pidInNamespace(hostOnly)));
                put("hostOnlyPidFrom", show(own.pidFromNamespace(hostOnly)));

                // no Unshared here: JUnit is not on this JVM's class path
                Process nested = new ProcessBuilder("unshare", "--pid", "--fork", "--kill-child", "sleep", "600")
                        .redirectErrorStream(true).start();
                int u = (int) nested.pid();
                int c = Math.toIntExact(Proc.awaitChild(u, "sleep", Duration.ofSeconds(20)));
                put("nestedUnshare", Integer.toString(u));
                put("nestedInit", Integer.toString(c));
                try (PidNamespace inner = PidNamespace.ofProcess(c)) {
                    put("nested.ns", Long.toString(inner.inode()));
                    put("nested.initPid", show(inner.initPid()));
                    put("nested.initIn", show(inner.pidInNamespace(c)));
                    put("nested.initTgidFrom", show(inner.tgidFromNamespace(1)));
                    put("nested.unshareIn", show(inner.pidInNamespace(u)));
                    put("nested.selfIn", show(inner.pidInNamespace(self)));
                    int t2 = onOtherThread(tidOf -> put("nested.threadIn", show(inner.pidInNamespace(tidOf))));
                    assert t2 > 0;
                    put("nested.parentIsOwn", Boolean.toString(inner.parent().map(p -> {
                        boolean same = p.equals(own);
                        p.close();
                        return same;
                    }).orElse(false)));
                }
                assert tid > 0;
            }
        }

        private static void hostProc(int self, int testJvm, Path hostNsPath) throws Exception {
            String procSelf = Proc.readLink(Path.of("/proc/self"));
            put("procSelf", procSelf);
            int procSelfPid = Integer.parseInt(procSelf);
            try (PidNamespace host = PidNamespace.open(hostNsPath); PidNamespace own = PidNamespace.current()) {
                put("hostNs", Long.toString(host.inode()));
                put("own.ns", Long.toString(own.inode()));
                attempt("host.selfPidIn", () -> host.pidInNamespace(self));
                attempt("host.selfTgidIn", () -> host.tgidInNamespace(self));
                attempt("host.fromProcSelf", () -> host.pidFromNamespace(procSelfPid));
                attempt("host.tgidFromProcSelf", () -> host.tgidFromNamespace(procSelfPid));
                attempt("host.fromTestJvm", () -> host.pidFromNamespace(testJvm));
                attempt("host.tgidFromTestJvm", () -> host.tgidFromNamespace(testJvm));
                attempt("host.init", host::initPid);
                attempt("own.init", own::initPid);
                attempt("own.selfPidIn", () -> own.pidInNamespace(self));
            }
        }

        private static void ancestor(int self, int testJvm, Path hostNsPath, int hostPid) throws Exception {
            put("hostPidFromShell", Integer.toString(hostPid));
            put("procSelfNSpidLength", Integer.toString(Proc.task(self).nspid().length));
            try (PidNamespace host = PidNamespace.open(hostNsPath)) {
                put("hostNs", Long.toString(host.inode()));
                for (String path : List.of("ioctl", "procfs")) {
                    boolean procfs = path.equals("procfs");
                    attempt(path + ".selfPidIn", () -> one(host, PidNamespace.Translation.PID_IN_NAMESPACE, self, procfs));
                    attempt(path + ".selfTgidIn", () -> one(host, PidNamespace.Translation.TGID_IN_NAMESPACE, self,
                            procfs));
                    attempt(path + ".fromHostPid", () -> one(host, PidNamespace.Translation.PID_FROM_NAMESPACE,
                            hostPid, procfs));
                    attempt(path + ".tgidFromHostPid", () -> one(host, PidNamespace.Translation.TGID_FROM_NAMESPACE,
                            hostPid, procfs));
                    attempt(path + ".fromTestJvm", () -> one(host, PidNamespace.Translation.PID_FROM_NAMESPACE,
                            testJvm, procfs));
                    attempt(path + ".init", () -> one(host, PidNamespace.Translation.PID_FROM_NAMESPACE, 1, procfs));
                }
            }
        }

        private static OptionalInt one(PidNamespace ns, PidNamespace.Translation tr, int pid, boolean procfs)
                throws NamespaceException {
            int r = procfs ? ns.translateViaProcfs(tr, pid) : ns.translate(tr, pid);
            return r > 0 ? OptionalInt.of(r) : OptionalInt.empty();
        }

        interface Translation {
            OptionalInt get() throws NamespaceException;
        }

        private static void attempt(String key, Translation t) {
            try {
                put(key, show(t.get()));
            } catch (NamespaceException e) {
                put(key, "ERR " + e.getClass().getSimpleName());
                put(key + ".message", e.getMessage());
            }
        }

        interface TidAction {
            void run(int tid) throws Exception;
        }

        private static final CountDownLatch FOREVER = new CountDownLatch(1);

        /**
         * Runs {@code action} with the tid of another thread of this process, which stays alive
         * (parked) until the JVM exits, so that the test can read its status from the host.
         */
        private static int onOtherThread(TidAction action) throws Exception {
            AtomicInteger tid = new AtomicInteger();
            CountDownLatch started = new CountDownLatch(1);
            Thread t = new Thread(() -> {
                try {
                    tid.set((int) Proc.tid()); // in this /proc's pid namespace
                    started.countDown();
                    FOREVER.await();
                } catch (Exception e) {
                    started.countDown();
                }
            });
            t.setDaemon(true);
            t.start();
            started.await();
            action.run(tid.get());
            return tid.get();
        }

        private static void put(String k, String v) {
            out.put(k, v);
        }
    }
}
