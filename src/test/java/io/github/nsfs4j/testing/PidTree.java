package io.github.nsfs4j.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.github.nsfs4j.testing.Proc.Task;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Real nested pid namespaces for the pid-translation tests, and the kernel's own truth about
 * them, read from {@code /proc/PID/task/TID/status} ({@code NSpid:}, {@code NStgid:},
 * {@code PPid:}) and {@code readlink /proc/PID/task/TID/ns/pid} through {@link Proc}. Nothing
 * here asks the library: every expectation comes from the kernel's text ({@link Snapshot}).
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
 * L1 and S1 are two {@link Unshared} trees whose init runs the script of its level; a level's
 * script starts the levels below it with unshare. The multi-threaded process is {@code python3}
 * (three extra threads blocked on an event), or, without python3, a small JVM
 * ({@link ThreadsMain}); it prints {@code ready <tag>} once its threads run, and
 * {@link #start()} waits for all five.
 *
 * <p>{@link #kill()} (and {@link #close()}) SIGKILLs each init through {@link Unshared#close()}:
 * the kernel kills the rest of its namespace and the ones below, and the unshare above reaps it.
 */
public final class PidTree implements AutoCloseable {

    public static final List<String> NAMESPACE_NAMES = List.of("L1", "L2", "L3", "L2b", "S1");
    private static final String TAG = "nsfs4j-mt-";
    private static final int EXTRA_THREADS = 3;
    private static final Pattern READY = Pattern.compile("^ready " + TAG + "(\\w+)$", Pattern.MULTILINE);
    private static final String PYCODE = String.join("\n",
            "import os, sys, threading",
            "ev = threading.Event()",
            "ts = [threading.Thread(target=ev.wait, daemon=True) for _ in range(" + EXTRA_THREADS + ")]",
            "for t in ts: t.start()",
            "os.write(1, ('ready ' + sys.argv[1] + '\\n').encode())  # one write: atomic on the shared pipe",
            "ev.wait()");

    private final List<Unshared> tops = new ArrayList<>();
    private final List<AutoCloseable> handles = new ArrayList<>();

    private PidTree() {}

    /** Starts the tree and waits until every process and thread of it runs. */
    public static PidTree start() throws IOException, InterruptedException {
        Unshared.requireNamespaces();
        PidTree tree = new PidTree();
        boolean ok = false;
        try {
            tree.launch();
            tree.awaitReady(Duration.ofSeconds(40));
            ok = true;
            return tree;
        } finally {
            if (!ok) {
                tree.close();
            }
        }
    }

    private void launch() {
        // the multi-threaded process, but for its tag: python3 itself (not a shell shim), else a JVM
        String python = Commands.which("python3") == null ? ""
                : Commands.run(List.of("python3", "-c", "import sys; print(sys.executable)")).stdout().strip();
        List<String> mt = !python.isEmpty() && Files.isExecutable(Path.of(python)) ? List.of(python, "-c", PYCODE)
                : Commands.javaCommand(List.of("-Xmx32m"), ThreadsMain.class);
        String l2 = level(mt, "L2", 2, level(mt, "L3", 2) + "wait") + "wait";
        String l2b = level(mt, "L2b", 1) + "wait";
        tops.add(Unshared.builder().types("pid").script(level(mt, "L1", 2, l2, l2b) + "echo ready; wait").start());
        tops.add(Unshared.builder().types("pid").script(level(mt, "S1", 1) + "echo ready; wait").start());
    }

    /** The start of a level's script: its sleeps, its multi-threaded process, a pid namespace for each script below. */
    private static String level(List<String> mt, String name, int sleeps, String... below) {
        List<String> tagged = new ArrayList<>(mt);
        tagged.add(TAG + name);
        StringBuilder sh = new StringBuilder("sleep 600 & ".repeat(sleeps)).append(shell(tagged)).append("& ");
        for (String script : below) {
            sh.append(shell(Unshared.builder().types("pid").command(List.of("sh", "-c", script)))).append("& ");
        }
        return sh.toString();
    }

    /** The words, each quoted for sh and followed by a space. */
    private static String shell(List<String> words) {
        StringBuilder sh = new StringBuilder();
        for (String word : words) {
            sh.append('\'').append(word.replace("'", "'\\''")).append("' ");
        }
        return sh.toString();
    }

    private void awaitReady(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (;;) {
            Set<String> ready = new TreeSet<>();
            String output = String.join("", tops.stream().map(Unshared::output).toList());
            for (Matcher m = READY.matcher(output); m.find(); ) {
                ready.add(m.group(1));
            }
            if (ready.containsAll(NAMESPACE_NAMES)) {
                return;
            }
            if (tops.stream().anyMatch(Unshared::allGone) || System.nanoTime() > deadline) {
                throw new IOException("pid tree not ready after " + timeout + ": ready " + ready + "; output: "
                        + output);
            }
            Thread.sleep(10);
        }
    }

    /** The unshare process that made L1: the test JVM's own child. */
    public long top() {
        return tops.get(0).topPid();
    }

    /** What opens a handle on the pid namespace of a process. */
    public interface Opener<H> {
        H open(int pid) throws Exception;
    }

    /** A handle on each namespace of {@code truth}, opened through its member; closed by {@link #close()}. */
    public <H extends AutoCloseable> Map<String, H> handles(Snapshot truth, Opener<H> opener) throws Exception {
        Map<String, H> map = new LinkedHashMap<>();
        for (NsInfo ns : truth.namespaces.values()) {
            H handle = opener.open(ns.member().tgid());
            handles.add(handle);
            map.put(ns.name(), handle);
        }
        return map;
    }

    /**
     * One tree for a whole test class, with its truth and a handle on each namespace:
     * {@code @RegisterExtension static final PidTree.PerClass<PidNamespace> tree = new
     * PidTree.PerClass<>(PidNamespace::ofProcess);}
     */
    public static final class PerClass<H extends AutoCloseable> implements BeforeAllCallback, AfterAllCallback {
        private final Opener<H> opener;
        private PidTree tree;
        private Snapshot truth;
        private Map<String, H> handles;

        public PerClass(Opener<H> opener) {
            this.opener = opener;
        }

        @Override
        public void beforeAll(ExtensionContext context) throws Exception {
            tree = start();
            truth = tree.snapshot();
            handles = tree.handles(truth, opener);
        }

        @Override
        public void afterAll(ExtensionContext context) {
            if (tree != null) {
                tree.close();
                tree = null;
            }
        }

        /** The tree as the kernel showed it once it ran. */
        public Snapshot truth() {
            return truth;
        }

        /** The handle on each namespace, by name. */
        public Map<String, H> handles() {
            return handles;
        }
    }

    // ------------------------------------------------------------------ the kernel's truth

    /** One namespace of the tree, from its members' status: depth = the NSpid index of its ids. */
    public record NsInfo(String name, long inode, int depth, long parentInode, Task init, Task member) {}

    /** Reads the kernel's view of the whole tree now. */
    public Snapshot snapshot() {
        List<Task> tasks = new ArrayList<>();
        ArrayDeque<Long> todo = new ArrayDeque<>(tops.stream().map(u -> (long) u.topPid()).toList());
        while (!todo.isEmpty()) {
            long pid = todo.poll();
            tasks.addAll(Proc.tasks(pid));
            todo.addAll(Proc.children(pid));
        }
        return new Snapshot(Proc.selfNsInode("pid"), tasks);
    }

    /**
     * The tree as the kernel showed it at one moment, and the answers the four translations
     * must give, derived from NSpid/NStgid alone.
     */
    public static final class Snapshot {
        public final long hostInode;
        public final List<Task> tasks;
        public final Map<String, NsInfo> namespaces = new LinkedHashMap<>();
        private final Map<Long, Long> parentOf = new HashMap<>();

        private Snapshot(long hostInode, List<Task> tasks) {
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
                if (t.comm().startsWith("python") || t.comm().equals("java")) {
                    List<String> args = Proc.args(t.tgid());
                    String tag = args.isEmpty() ? null : args.getLast();
                    if (tag != null && tag.startsWith(TAG) && t.tid() == t.tgid()) {
                        String name = tag.substring(TAG.length());
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

        public NsInfo ns(String name) {
            return namespaces.get(name);
        }

        /** Whether the task's pid namespace is {@code ns} or one below it (by the parent chain of the inits). */
        public boolean inSubtree(Task t, NsInfo ns) {
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
        public List<Task> members(NsInfo ns) {
            return tasks.stream().filter(t -> inSubtree(t, ns)).toList();
        }

        /** The tasks whose own pid namespace is exactly {@code ns}. */
        public List<Task> ownMembers(NsInfo ns) {
            return tasks.stream().filter(t -> t.nsInode() == ns.inode).toList();
        }

        /** NS_GET_PID_IN_PIDNS truth: the task's NSpid at the namespace's depth, if it is in it or below. */
        public OptionalInt pidIn(NsInfo ns, Task t) {
            return inSubtree(t, ns) ? OptionalInt.of(t.nspid()[ns.depth]) : OptionalInt.empty();
        }

        /** NS_GET_TGID_IN_PIDNS truth: NStgid at the namespace's depth. */
        public OptionalInt tgidIn(NsInfo ns, Task t) {
            return inSubtree(t, ns) ? OptionalInt.of(t.nstgid()[ns.depth]) : OptionalInt.empty();
        }

        /** The task that has pid {@code local} in {@code ns}, or null. */
        public Task byLocalPid(NsInfo ns, int local) {
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
        public OptionalInt pidFrom(NsInfo ns, int local) {
            Task t = byLocalPid(ns, local);
            return t == null ? OptionalInt.empty() : OptionalInt.of(t.nspid()[0]);
        }

        /** NS_GET_TGID_FROM_PIDNS truth: NStgid[0] of that task. */
        public OptionalInt tgidFrom(NsInfo ns, int local) {
            Task t = byLocalPid(ns, local);
            return t == null ? OptionalInt.empty() : OptionalInt.of(t.nstgid()[0]);
        }

        /** The largest pid in use in {@code ns}. */
        public int maxLocalPid(NsInfo ns) {
            return members(ns).stream().mapToInt(t -> t.nspid()[ns.depth]).max().orElse(0);
        }

        /** The multi-threaded process of {@code ns}, as its tasks. */
        public List<Task> threadsOf(NsInfo ns) {
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

    /** SIGKILLs the tree and waits until all its processes are gone; the handles stay open. */
    public void kill() {
        RuntimeException failure = null;
        for (Unshared top : tops) {
            try {
                top.close();
            } catch (RuntimeException e) {
                failure = failure == null ? e : failure;
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** {@link #kill()}, then closes the handles. */
    @Override
    public void close() {
        try {
            kill();
        } finally {
            for (AutoCloseable handle : handles) {
                try {
                    handle.close();
                } catch (Exception e) {
                    // closing a handle twice is allowed; nothing else can fail here
                }
            }
        }
    }

    /** The multi-threaded process where python3 is missing: three parked threads, then "ready <tag>". */
    public static final class ThreadsMain {
        public static void main(String[] args) throws InterruptedException {
            for (int i = 0; i < EXTRA_THREADS; i++) {
                Thread.ofPlatform().daemon().start(() -> {
                    try {
                        Thread.sleep(Long.MAX_VALUE);
                    } catch (InterruptedException e) {
                        // exit
                    }
                });
            }
            System.out.print("ready " + args[0] + "\n"); // one write
            System.out.flush();
            Thread.sleep(Long.MAX_VALUE);
        }
    }
}
