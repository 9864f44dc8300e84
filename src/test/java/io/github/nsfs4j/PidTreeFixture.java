package io.github.nsfs4j;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
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
    private final Set<Integer> seenPids = ConcurrentHashMap.newKeySet();

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

    /** One task (thread) as the kernel describes it in its status file and ns/pid link. */
    record TaskInfo(int tgid, int tid, int ppid, int[] nspid, int[] nstgid, long nsInode, String comm) {
        /** The index of the task's own namespace in NSpid (0: the host). */
        int depth() {
            return nspid.length - 1;
        }

        @Override
        public String toString() {
            return "task " + tid + " (tgid " + tgid + ", " + comm + ") NSpid " + Arrays.toString(nspid) + " NStgid "
                    + Arrays.toString(nstgid) + " ns " + nsInode;
        }
    }

    /** One namespace of the tree, from its members' status: depth = the NSpid index of its ids. */
    record NsInfo(String name, long inode, int depth, long parentInode, TaskInfo init, TaskInfo member) {}

    /** Reads the kernel's view of the whole tree now. */
    Snapshot snapshot() {
        Map<Integer, Integer> parents = new HashMap<>();
        for (int pid : listPids()) {
            String ppid = statusField(Path.of("/proc", Integer.toString(pid), "status"), "PPid:");
            if (ppid != null) {
                parents.put(pid, Integer.parseInt(ppid.trim()));
            }
        }
        Map<Integer, List<Integer>> children = new HashMap<>();
        parents.forEach((child, parent) -> children.computeIfAbsent(parent, k -> new ArrayList<>()).add(child));
        List<Integer> processes = new ArrayList<>();
        ArrayDeque<Integer> todo = new ArrayDeque<>();
        for (Process p : tops) {
            todo.add((int) p.pid());
        }
        while (!todo.isEmpty()) {
            int pid = todo.poll();
            processes.add(pid);
            todo.addAll(children.getOrDefault(pid, List.of()));
        }
        List<TaskInfo> tasks = new ArrayList<>();
        for (int pid : processes) {
            tasks.addAll(tasksOf(pid));
        }
        seenPids.addAll(processes);
        long host = linkInode(Path.of("/proc/self/ns/pid"));
        Snapshot s = new Snapshot(host, tasks);
        return s;
    }

    /** Every task of one process, from {@code /proc/<pid>/task/}; empty if the process is gone. */
    static List<TaskInfo> tasksOf(long pid) {
        List<TaskInfo> tasks = new ArrayList<>();
        Path taskDir = Path.of("/proc", Long.toString(pid), "task");
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(taskDir)) {
            for (Path t : ds) {
                TaskInfo info = readTask(t);
                if (info != null) {
                    tasks.add(info);
                }
            }
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        tasks.sort(Comparator.comparingInt(TaskInfo::tid));
        return tasks;
    }

    /** One task from {@code /proc/<pid>/task/<tid>} (or {@code /proc/<pid>}); null if it is gone. */
    static TaskInfo readTask(Path dir) {
        List<String> lines;
        try {
            lines = Files.readAllLines(dir.resolve("status"));
        } catch (IOException e) {
            return null;
        }
        int[] nspid = null, nstgid = null;
        int tgid = -1, pid = -1, ppid = -1;
        String comm = "?";
        for (String line : lines) {
            if (line.startsWith("NSpid:")) {
                nspid = ids(line);
            } else if (line.startsWith("NStgid:")) {
                nstgid = ids(line);
            } else if (line.startsWith("Tgid:")) {
                tgid = ids(line)[0];
            } else if (line.startsWith("Pid:")) {
                pid = ids(line)[0];
            } else if (line.startsWith("PPid:")) {
                ppid = ids(line)[0];
            } else if (line.startsWith("Name:")) {
                comm = line.substring(5).trim();
            }
        }
        long ns = linkInode(dir.resolve("ns/pid"));
        if (nspid == null || nstgid == null || ns < 0) {
            return null;
        }
        return new TaskInfo(tgid, pid, ppid, nspid, nstgid, ns, comm);
    }

    /**
     * The tree as the kernel showed it at one moment, and the answers the four translations
     * must give, derived from NSpid/NStgid alone.
     */
    static final class Snapshot {
        final long hostInode;
        final List<TaskInfo> tasks;
        final Map<String, NsInfo> namespaces = new LinkedHashMap<>();
        private final Map<Long, Long> parentOf = new HashMap<>();

        Snapshot(long hostInode, List<TaskInfo> tasks) {
            this.hostInode = hostInode;
            this.tasks = List.copyOf(tasks);
            Map<Long, TaskInfo> initOf = new HashMap<>();
            for (TaskInfo t : tasks) {
                if (t.nsInode != hostInode && t.nspid[t.depth()] == 1) {
                    initOf.put(t.nsInode, t);
                }
            }
            // parent of a namespace = the pid namespace of its init's parent process (the unshare that forked it)
            for (var e : initOf.entrySet()) {
                long parent = linkInode(Path.of("/proc", Integer.toString(e.getValue().ppid), "ns", "pid"));
                if (parent < 0) {
                    throw new IllegalStateException("cannot read the pid namespace of the parent of " + e.getValue());
                }
                parentOf.put(e.getKey(), parent);
            }
            for (TaskInfo t : tasks) {
                if (t.comm.equals("python3") || t.comm.startsWith("python") || t.comm.equals("java")) {
                    String tag = lastArg(t.tgid);
                    if (tag != null && tag.startsWith(TAG_PREFIX) && t.tid == t.tgid) {
                        String name = tag.substring(TAG_PREFIX.length());
                        TaskInfo init = initOf.get(t.nsInode);
                        if (init == null) {
                            throw new IllegalStateException("no init (NSpid ending in 1) found for " + name);
                        }
                        namespaces.put(name, new NsInfo(name, t.nsInode, t.depth(), parentOf.get(t.nsInode), init, t));
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
        boolean inSubtree(TaskInfo t, NsInfo ns) {
            Long cur = t.nsInode;
            while (cur != null) {
                if (cur == ns.inode) {
                    return true;
                }
                cur = parentOf.get(cur);
            }
            return false;
        }

        /** The tasks in {@code ns} or below. */
        List<TaskInfo> members(NsInfo ns) {
            return tasks.stream().filter(t -> inSubtree(t, ns)).toList();
        }

        /** The tasks whose own pid namespace is exactly {@code ns}. */
        List<TaskInfo> ownMembers(NsInfo ns) {
            return tasks.stream().filter(t -> t.nsInode == ns.inode).toList();
        }

        /** NS_GET_PID_IN_PIDNS truth: the task's NSpid at the namespace's depth, if it is in it or below. */
        OptionalInt pidIn(NsInfo ns, TaskInfo t) {
            return inSubtree(t, ns) ? OptionalInt.of(t.nspid[ns.depth]) : OptionalInt.empty();
        }

        /** NS_GET_TGID_IN_PIDNS truth: NStgid at the namespace's depth. */
        OptionalInt tgidIn(NsInfo ns, TaskInfo t) {
            return inSubtree(t, ns) ? OptionalInt.of(t.nstgid[ns.depth]) : OptionalInt.empty();
        }

        /** The task that has pid {@code local} in {@code ns}, or null. */
        TaskInfo byLocalPid(NsInfo ns, int local) {
            TaskInfo found = null;
            for (TaskInfo t : members(ns)) {
                if (t.nspid[ns.depth] == local) {
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
            TaskInfo t = byLocalPid(ns, local);
            return t == null ? OptionalInt.empty() : OptionalInt.of(t.nspid[0]);
        }

        /** NS_GET_TGID_FROM_PIDNS truth: NStgid[0] of that task. */
        OptionalInt tgidFrom(NsInfo ns, int local) {
            TaskInfo t = byLocalPid(ns, local);
            return t == null ? OptionalInt.empty() : OptionalInt.of(t.nstgid[0]);
        }

        /** The largest pid in use in {@code ns}. */
        int maxLocalPid(NsInfo ns) {
            return members(ns).stream().mapToInt(t -> t.nspid[ns.depth]).max().orElse(0);
        }

        /** The multi-threaded process of {@code ns}, as its tasks. */
        List<TaskInfo> threadsOf(NsInfo ns) {
            return tasks.stream().filter(t -> t.tgid == ns.member.tgid).toList();
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
            for (int init : children(p.pid())) {
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
        for (int pid : seenPids) {
            while (Files.exists(Path.of("/proc", Integer.toString(pid))) && isDescendantLeftover(pid)
                    && System.nanoTime() < deadline) {
                sleep(10);
            }
        }
        deleteQuietly(dir.resolve("mt.sh"));
        deleteQuietly(dir);
    }

    /** Whether a pid still names a process of ours (the pid might have been reused by an unrelated one). */
    private static boolean isDescendantLeftover(int pid) {
        String cmd = cmdline(pid);
        return cmd != null && (cmd.contains("sleep") || cmd.contains("unshare") || cmd.contains("sh")
                || cmd.contains(TAG_PREFIX));
    }

    /** Waits until {@code /proc/<pid>} no longer exists. */
    static void awaitGone(long pid, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (Files.exists(Path.of("/proc", Long.toString(pid)))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("process " + pid + " still there after " + timeout);
            }
            sleep(5);
        }
    }

    // ------------------------------------------------------------------ small helpers

    /** The inode in a {@code type:[inode]} magic link, or -1. */
    static long linkInode(Path link) {
        try {
            String s = Files.readSymbolicLink(link).toString();
            return Long.parseLong(s.substring(s.indexOf('[') + 1, s.indexOf(']')));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The inode of {@code /proc/<pid>/ns/<type>}; fails the test if it cannot be read. */
    static long nsInode(long pid, String type) {
        long inode = linkInode(Path.of("/proc", Long.toString(pid), "ns", type));
        if (inode < 0) {
            throw new IllegalStateException("cannot readlink /proc/" + pid + "/ns/" + type);
        }
        return inode;
    }

    static String statusField(Path status, String field) {
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith(field)) {
                    return line.substring(field.length()).trim();
                }
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    static int[] ids(String line) {
        String[] f = line.substring(line.indexOf(':') + 1).trim().split("\\s+");
        int[] out = new int[f.length];
        for (int i = 0; i < f.length; i++) {
            out[i] = Integer.parseInt(f[i]);
        }
        return out;
    }

    /** NSpid of a process's main thread, from {@code /proc/<pid>/status}. */
    static int[] nspid(long pid) {
        return idsField(pid, "NSpid:");
    }

    /** NStgid of a process's main thread, from {@code /proc/<pid>/status}. */
    static int[] nstgid(long pid) {
        return idsField(pid, "NStgid:");
    }

    private static int[] idsField(long pid, String field) {
        String v = statusField(Path.of("/proc", Long.toString(pid), "status"), field);
        if (v == null) {
            throw new IllegalStateException("no " + field + " for " + pid);
        }
        return ids(field + v);
    }

    /** The numeric entries of /proc. */
    static List<Integer> listPids() {
        List<Integer> pids = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/proc"))) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (!n.isEmpty() && n.chars().allMatch(Character::isDigit)) {
                    pids.add(Integer.parseInt(n));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return pids;
    }

    /** The children of a process: the {@code children} files of all its threads (a fork is a thread's). */
    static List<Integer> children(long pid) {
        List<Integer> all = new ArrayList<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks) {
                try {
                    String s = Files.readString(task.resolve("children")).trim();
                    if (!s.isEmpty()) {
                        Arrays.stream(s.split("\\s+")).map(Integer::parseInt).forEach(all::add);
                    }
                } catch (IOException e) {
                    // thread gone
                }
            }
        } catch (IOException e) {
            return List.of();
        }
        Collections.sort(all);
        return all;
    }

    /** Waits for the single child of {@code pid} to appear (and to have exec'd {@code comm} if not null). */
    static int awaitChild(long pid, String comm, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<Integer> c = children(pid);
            if (c.size() == 1 && (comm == null
                    || comm.equals(statusField(Path.of("/proc", c.get(0).toString(), "status"), "Name:")))) {
                return c.get(0);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("process " + pid + " has children " + c + ", expected one " + comm);
            }
            sleep(5);
        }
    }

    static String cmdline(long pid) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(pid), "cmdline")).replace('\0', ' ');
        } catch (IOException e) {
            return null;
        }
    }

    private static String lastArg(int pid) {
        try {
            String s = Files.readString(Path.of("/proc", Integer.toString(pid), "cmdline"));
            String[] parts = s.split("\0");
            return parts.length == 0 ? null : parts[parts.length - 1];
        } catch (IOException e) {
            return null;
        }
    }

    /** A pid that names no process or thread now: from the top of the pid range down. */
    static int unusedPid() {
        int max;
        try {
            // not Files.readString: it reads one byte first, and a sysctl file then says EOF
            max = Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/kernel/pid_max")).get(0).trim());
        } catch (IOException e) {
            max = 32768;
        }
        Set<Integer> tried = new HashSet<>();
        for (int candidate = max - 1 - (int) (Math.random() * 100); candidate > 300; candidate--) {
            if (tried.add(candidate) && !Files.exists(Path.of("/proc", Integer.toString(candidate)))) {
                return candidate;
            }
        }
        throw new IllegalStateException("no unused pid");
    }

    /** Opens every fd number in /proc/self/fd, with its target. */
    static Map<String, String> openFds() {
        Map<String, String> fds = new HashMap<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path p : ds) {
                String target;
                try {
                    target = Files.readSymbolicLink(p).toString();
                } catch (IOException e) {
                    target = "?";
                }
                fds.put(p.getFileName().toString(), target);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return fds;
    }

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
