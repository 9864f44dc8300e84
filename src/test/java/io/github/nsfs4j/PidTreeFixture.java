package io.github.nsfs4j;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.github.nsfs4j.testing.Commands;
import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Proc.Task;
import io.github.nsfs4j.testing.Unshared;

/**
 * Real nested pid namespaces for the pid-translation tests, and the kernel's own truth about
 * them, read from {@code /proc/<pid>/task/<tid>/status} ({@code NSpid:}, {@code NStgid:},
 * {@code PPid:}) and {@code readlink /proc/<pid>/task/<tid>/ns/pid}. Nothing here asks the
 * library: every expectation comes from the kernel's text.
 *
 * <p>The tree (each namespace made by {@code unshare --pid --fork --kill-child}, its init a
 * {@code sh} that starts the rest and waits):
 * <pre>
 * host (the test JVM's pid namespace)
 * ├── L1: sh, 2 x sleep, a 4-thread process, the unshare processes for L2 and L2b
 * │   ├── L2: sh, 2 x sleep, a 4-thread process, the unshare process for L3
 * │   │   └── L3: sh, 2 x sleep, a 4-thread process
 * │   └── L2b (sibling of L2): sh, sleep, a 4-thread process
 * └── S1 (sibling of L1): sh, sleep, a 4-thread process
 * </pre>
 * The multi-threaded process is {@code python3} (three extra threads blocked on an event),
 * or, without python3, a small JVM ({@link ThreadsMain}). It prints {@code ready <tag>} once
 * its threads run; the fixture waits for all five before {@link #snapshot()} is useful.
 *
 * <p>{@link #close()} SIGKILLs the init of each top-level namespace, whose death kills
 * everything below it, and reaps the two top-level {@code unshare} processes, which exit after
 * their child; then it waits until every process of the tree is gone from {@code /proc}. (Were
 * the test JVM to die first, {@code --kill-child} would still take the trees down.)
 *
 * <p>The shared harness's {@link Unshared} builds a chain, one process per level; this tree
 * needs siblings, several processes and a multi-threaded one per level, so it is built here.
 * The skip-or-fail policy is the harness's.
 */
final class PidTreeFixture implements AutoCloseable {

    static final List<String> NAMESPACE_NAMES = List.of("L1", "L2", "L3", "L2b", "S1");
    private static final String TAG_PREFIX = "nsfs4j-mt-";
    private static final int EXTRA_THREADS = 3;
    private static final Pattern READY = Pattern.compile("ready " + TAG_PREFIX + "(L2b|L1|L2|L3|S1)");

    private static final String PYCODE = String.join("\n",
            "import sys, threading",
            "ev = threading.Event()",
            "ts = [threading.Thread(target=ev.wait, daemon=True) for _ in range(" + EXTRA_THREADS + ")]",
            "for t in ts: t.start()",
            "import os",
            "os.write(1, ('ready ' + sys.argv[1] + '\\n').encode())  # one write: atomic on the shared pipe",
            "ev.wait()");

    private final Path dir;
    private final List<Process> tops = new ArrayList<>();
    private final List<String> output = new CopyOnWriteArrayList<>();
    private final Set<String> ready = ConcurrentHashMap.newKeySet();
    private final Set<Long> seenPids = ConcurrentHashMap.newKeySet();

    private PidTreeFixture(Path dir) {
        this.dir = dir;
    }

    // ------------------------------------------------------------------ can we make namespaces?

    /**
     * Skips the calling test (a JUnit assumption) when this machine cannot make namespaces
     * (not root, no unshare(1), unshare refused), or fails it when {@value Unshared#REQUIRE_ENV}=1:
     * the shared harness's policy, {@link Unshared#requireNamespaces()}.
     */
    static void requireNamespaces() {
        Unshared.requireNamespaces();
    }

    // ------------------------------------------------------------------ starting the tree

    /** Starts the tree and waits until every process and thread of it runs. */
    static PidTreeFixture start() throws IOException {
        requireNamespaces();
        PidTreeFixture f = new PidTreeFixture(Files.createTempDirectory("nsfs4j-pidtree"));
        boolean ok = false;
        try {
            f.launch();
            f.awaitReady(Duration.ofSeconds(40));
            ok = true;
            return f;
        } finally {
            if (!ok) {
                f.close();
            }
        }
    }

    private void launch() throws IOException {
        Path mt = dir.resolve("mt.sh");
        String python = findPython();
        String mtScript;
        if (python != null) {
            mtScript = "#!/bin/sh\nexec \"" + python + "\" -c \"$NSFS4J_PYCODE\" \"$1\"\n";
        } else {
            mtScript = "#!/bin/sh\nexec " + String.join(" ", Commands.javaCommand(List.of("-Xmx32m"), ThreadsMain.class))
                    + " \"$1\"\n";
        }
        Files.writeString(mt, mtScript);
        Files.setPosixFilePermissions(mt, PosixFilePermissions.fromString("rwx------"));

        String un = "unshare --pid --fork --kill-child sh -c ";
        String s3 = "sleep 600 & sleep 600 & \"$MT\" " + TAG_PREFIX + "L3 & wait";
        String s2 = "sleep 600 & sleep 600 & \"$MT\" " + TAG_PREFIX + "L2 & " + un + "\"$S3\" & wait";
        String s2b = "sleep 600 & \"$MT\" " + TAG_PREFIX + "L2b & wait";
        String s1 = "sleep 600 & sleep 600 & \"$MT\" " + TAG_PREFIX + "L1 & " + un + "\"$S2\" & " + un
                + "\"$S2b\" & wait";
        String sib = "sleep 600 & \"$MT\" " + TAG_PREFIX + "S1 & wait";
        for (String script : List.of(s1, sib)) {
            ProcessBuilder pb = new ProcessBuilder("unshare", "--pid", "--fork", "--kill-child", "sh", "-c", script)
                    .redirectErrorStream(true);
            Map<String, String> env = pb.environment();
            env.put("MT", mt.toString());
            env.put("NSFS4J_PYCODE", PYCODE);
            env.put("S2", s2);
            env.put("S3", s3);
            env.put("S2b", s2b);
            Process p = pb.start();
            tops.add(p);
            Thread reader = new Thread(() -> pump(p), "pidtree-output-" + p.pid());
            reader.setDaemon(true);
            reader.start();
        }
    }

    private void pump(Process p) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                output.add(line);
                Matcher m = READY.matcher(line);
                while (m.find()) {
                    ready.add(m.group(1));
                }
            }
        } catch (IOException e) {
            // the process was killed
        }
    }

    private void awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!ready.containsAll(NAMESPACE_NAMES)) {
            for (Process p : tops) {
                if (!p.isAlive()) {
                    throw new IllegalStateException("pid tree: unshare " + p.pid() + " exited with " + p.exitValue()
                            + "; output: " + output);
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("pid tree not ready after " + timeout + ": ready " + ready
                        + "; output: " + output);
            }
            sleep(10);
        }
    }

    /** The top-level {@code unshare} processes (host namespace): L1's and S1's. */
    List<Process> tops() {
        return Collections.unmodifiableList(tops);
    }

    /** Lines printed by the tree (ready lines, errors). */
    List<String> output() {
        return List.copyOf(output);
    }

    // ------------------------------------------------------------------ the kernel's truth

    /** One namespace of the tree, from its members' status: depth = the NSpid index of its ids. */
    record NsInfo(String name, long inode, int depth, long parentInode, Task init, Task member) {}

    /** Reads the kernel's view of the whole tree now. */
    Snapshot snapshot() {
        List<Long> processes = new ArrayList<>();
        ArrayDeque<Long> todo = new ArrayDeque<>();
        for (Process p : tops) {
            todo.add(p.pid());
        }
        while (!todo.isEmpty()) {
            long pid = todo.poll();
            processes.add(pid);
            todo.addAll(Proc.children(pid));
        }
        List<Task> tasks = new ArrayList<>();
        for (long pid : processes) {
            tasks.addAll(Proc.tasks(pid));
        }
        seenPids.addAll(processes);
        return new Snapshot(Proc.selfNsInode("pid"), tasks);
    }

    /**
     * The tree as the kernel showed it at one moment, and the answers the four translations
     * must give, derived from NSpid/NStgid alone.
     */
    static final class Snapshot {
        final long hostInode;
        final List<Task> tasks;
        final Map<String, NsInfo> namespaces = new LinkedHashMap<>();
        private final Map<Long, Long> parentOf = new HashMap<>();

        Snapshot(long hostInode, List<Task> tasks) {
            this.hostInode = hostInode;
            this.tasks = List.copyOf(tasks);
            Map<Long, Task> initOf = new HashMap<>();
            for (Task t : tasks) {
                if (t.nsInode() != hostInode && t.nspid()[t.depth()] == 1) {
                    initOf.put(t.nsInode(), t);
                }
            }
            // parent of a namespace = the pid namespace of its init's parent process (the unshare that forked it)
            for (var e : initOf.entrySet()) {
                parentOf.put(e.getKey(), Proc.nsInode(e.getValue().ppid(), "pid"));
            }
            for (Task t : tasks) {
                if (t.comm().equals("python3") || t.comm().startsWith("python") || t.comm().equals("java")) {
                    List<String> args = Proc.args(t.tgid());
                    String tag = args.isEmpty() ? null : args.getLast();
                    if (tag != null && tag.startsWith(TAG_PREFIX) && t.tid() == t.tgid()) {
                        String name = tag.substring(TAG_PREFIX.length());
                        Task init = initOf.get(t.nsInode());
                        if (init == null) {
                            throw new IllegalStateException("no init (NSpid ending in 1) found for " + name);
                        }
                        namespaces.put(name, new NsInfo(name, t.nsInode(), t.depth(), parentOf.get(t.nsInode()), init, t));
                    }
                }
            }
            if (!namespaces.keySet().containsAll(NAMESPACE_NAMES)) {
                throw new IllegalStateException("pid tree incomplete: found " + namespaces.keySet() + " in " + tasks);
            }
        }

        NsInfo ns(String name) {
            return namespaces.get(name);
        }

        /** Whether the task's pid namespace is {@code ns} or one below it (by the parent chain of the inits). */
        boolean inSubtree(Task t, NsInfo ns) {
            Long cur = t.nsInode();
            while (cur != null) {
                if (cur == ns.inode) {
                    return true;
                }
                cur = parentOf.get(cur);
            }
            return false;
        }

        /** The tasks in {@code ns} or below. */
        List<Task> members(NsInfo ns) {
            return tasks.stream().filter(t -> inSubtree(t, ns)).toList();
        }

        /** The tasks whose own pid namespace is exactly {@code ns}. */
        List<Task> ownMembers(NsInfo ns) {
            return tasks.stream().filter(t -> t.nsInode() == ns.inode).toList();
        }

        /** NS_GET_PID_IN_PIDNS truth: the task's NSpid at the namespace's depth, if it is in it or below. */
        OptionalInt pidIn(NsInfo ns, Task t) {
            return inSubtree(t, ns) ? OptionalInt.of(t.nspid()[ns.depth]) : OptionalInt.empty();
        }

        /** NS_GET_TGID_IN_PIDNS truth: NStgid at the namespace's depth. */
        OptionalInt tgidIn(NsInfo ns, Task t) {
            return inSubtree(t, ns) ? OptionalInt.of(t.nstgid()[ns.depth]) : OptionalInt.empty();
        }

        /** The task that has pid {@code local} in {@code ns}, or null. */
        Task byLocalPid(NsInfo ns, int local) {
            Task found = null;
            for (Task t : members(ns)) {
                if (t.nspid()[ns.depth] == local) {
                    if (found != null) {
                        throw new IllegalStateException("two tasks with pid " + local + " in " + ns + ": " + found
                                + ", " + t);
                    }
                    found = t;
                }
            }
            return found;
        }

        /** NS_GET_PID_FROM_PIDNS truth: the host tid (NSpid[0]) of the task with that pid in {@code ns}. */
        OptionalInt pidFrom(NsInfo ns, int local) {
            Task t = byLocalPid(ns, local);
            return t == null ? OptionalInt.empty() : OptionalInt.of(t.nspid()[0]);
        }

        /** NS_GET_TGID_FROM_PIDNS truth: NStgid[0] of that task. */
        OptionalInt tgidFrom(NsInfo ns, int local) {
            Task t = byLocalPid(ns, local);
            return t == null ? OptionalInt.empty() : OptionalInt.of(t.nstgid()[0]);
        }

        /** The largest pid in use in {@code ns}. */
        int maxLocalPid(NsInfo ns) {
            return members(ns).stream().mapToInt(t -> t.nspid()[ns.depth]).max().orElse(0);
        }

        /** The multi-threaded process of {@code ns}, as its tasks. */
        List<Task> threadsOf(NsInfo ns) {
            return tasks.stream().filter(t -> t.tgid() == ns.member.tgid()).toList();
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder("host pid ns ").append(hostInode).append('\n');
            namespaces.values().forEach(n -> sb.append(n).append('\n'));
            tasks.forEach(t -> sb.append("  ").append(t).append('\n'));
            return sb.toString();
        }
    }

    // ------------------------------------------------------------------ stopping

    /** SIGKILLs the tree and waits until all its processes are gone. */
    @Override
    public void close() {
        try {
            snapshot(); // remember every pid, to wait for it below
        } catch (RuntimeException e) {
            // partial tree: kill what there is
        }
        // SIGKILL each namespace's init first: the kernel kills the rest of its namespace (and the
        // ones below), and its unshare, our child, reaps it and exits. Killing the unshare first
        // would leave the init to the host's pid 1 to reap, which can be slow.
        for (Process p : tops) {
            for (long init : Proc.children(p.pid())) {
                ProcessHandle.of(init).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
        for (Process p : tops) {
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
                p.waitFor(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        for (long pid : seenPids) {
            while (Files.exists(Path.of("/proc", Long.toString(pid))) && isDescendantLeftover(pid)
                    && System.nanoTime() < deadline) {
                sleep(10);
            }
        }
        deleteQuietly(dir.resolve("mt.sh"));
        deleteQuietly(dir);
    }

    /** Whether a pid still names a process of ours (the pid might have been reused by an unrelated one). */
    private static boolean isDescendantLeftover(long pid) {
        String cmd = String.join(" ", Proc.args(pid));
        return cmd.contains("sleep") || cmd.contains("unshare") || cmd.contains("sh") || cmd.contains(TAG_PREFIX);
    }

    // ------------------------------------------------------------------ small helpers

    /** {@code java} with native access, a small heap and the test class path, then the extra arguments. */
    static List<String> javaCommand(List<String> jvmOptions, Class<?> main, String... args) {
        List<String> options = new ArrayList<>(List.of("--enable-native-access=ALL-UNNAMED", "-Xmx64m",
                "-XX:+UseSerialGC"));
        options.addAll(jvmOptions);
        return Commands.javaCommand(options, main, args);
    }

    private static String findPython() {
        try {
            Result r = run(List.of("python3", "-c", "import sys; print(sys.executable)"), null, Duration.ofSeconds(20));
            String exe = r.stdout.trim();
            return r.exit == 0 && !exe.isEmpty() && Files.isExecutable(Path.of(exe)) ? exe : null;
        } catch (IOException e) {
            return null;
        }
    }

    record Result(int exit, String stdout) {}

    /** Runs a command to its end (stderr merged into stdout), killing it after {@code timeout}. */
    static Result run(List<String> cmd, String stdin, Duration timeout) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            if (stdin != null) {
                p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            p.getOutputStream().close();
            StringBuilder out = new StringBuilder();
            Thread reader = new Thread(() -> {
                try {
                    out.append(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
                } catch (IOException e) {
                    // killed
                }
            });
            reader.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                reader.join(5000);
                throw new IOException("timed out after " + timeout + ": " + cmd + "; output: " + out);
            }
            reader.join(10000);
            synchronized (out) {
                return new Result(p.exitValue(), out.toString());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } finally {
            p.destroyForcibly();
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // best effort
        }
    }

    /** The multi-threaded process where python3 is missing: three parked threads, then "ready <tag>". */
    public static final class ThreadsMain {
        public static void main(String[] args) throws InterruptedException {
            for (int i = 0; i < EXTRA_THREADS; i++) {
                Thread t = new Thread(() -> {
                    try {
                        Thread.sleep(Long.MAX_VALUE);
                    } catch (InterruptedException e) {
                        // exit
                    }
                });
                t.setDaemon(true);
                t.start();
            }
            System.out.print("ready " + args[0] + "\n"); // one write
            System.out.flush();
            Thread.sleep(Long.MAX_VALUE);
        }
    }
}
