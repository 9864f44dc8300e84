package io.github.nsfs4j.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.Assumptions;

/**
 * Child processes in fresh namespaces, made with {@code unshare(1)}, for tests to inspect.
 *
 * <p>One level is {@code unshare --TYPE... --fork --kill-child}. Levels nest: every level
 * but the innermost runs {@code sh -c '"$@" & wait'}, which starts the next level's
 * {@code unshare} and stays, itself a member of all of its level's namespaces; the innermost
 * runs {@code sh -c 'echo ready; exec sleep 100000'}. So the process tree is a chain
 *
 * <pre>
 *   U1 (unshare, the started process)
 *   └── S1 (sh: every namespace of level 1)
 *       └── U2 (unshare: level 2's non-pid namespaces, level 1's pid namespace)
 *           └── S2 (sh: every namespace of level 2)
 *               └── ... Sn (sleep: every namespace of level n, the leaf)
 * </pre>
 *
 * and {@link #pid(int) pid(k)} is S<sub>k</sub>. With a pid namespace S<sub>k</sub> is its
 * init (pid 1). Nested user namespaces get {@code --map-root-user} (the inner unshare needs a
 * mapped uid), unless {@link Builder#mapRootUser(boolean)} says otherwise. With
 * {@link Builder#nestDirectly()} there is no shell between the levels: U1 forks U2, which
 * unshares level 2's namespaces itself, and so on (n + 1 processes; S<sub>k</sub> is U<sub>k+1</sub>).
 *
 * <p>The innermost level may run a command of the test's instead of the shell
 * ({@link Builder#start(List)}, which waits for its {@code ready} line, or
 * {@link Builder#run(List)}, which runs it to completion). {@link #enter} runs a command in
 * a process's namespaces (nsenter), {@link #bindMount} keeps a new namespace on a file.
 *
 * <p>{@link #close()} SIGKILLs every process of the tree, waits for each to be gone, and is
 * idempotent; use try-with-resources or {@code @AfterAll}. A shutdown hook kills what a test
 * forgot. Where namespaces cannot be made, {@link #unavailable} skips the test, or fails it
 * when the environment sets {@value #REQUIRE_ENV}=1.
 */
public final class Unshared implements AutoCloseable {

    /** With this set to 1, a namespace test that cannot run fails instead of being skipped. */
    public static final String REQUIRE_ENV = "NSFS4J_REQUIRE_NAMESPACES";

    /** The eight types, as {@code /proc/PID/ns/} names them. */
    public static final List<String> ALL_TYPES = List.of("cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts");

    private static final long READY_TIMEOUT_SECONDS = 30;
    private static final long EXIT_TIMEOUT_MILLIS = 15_000;
    private static final Set<Unshared> LIVE = ConcurrentHashMap.newKeySet();
    private static String unavailableReason;
    private static boolean probed;

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Unshared::close), "Unshared cleanup"));
    }

    private final Process process;
    private final Thread reader;
    private final StringBuffer output;
    private final List<Long> chain;
    private final Map<Long, Long> startTimes;
    private final int levels;
    private final boolean direct;
    private final Set<String> types;
    private final List<String> command;
    private boolean closed;

    private Unshared(Process process, Thread reader, StringBuffer output, List<Long> chain,
            Map<Long, Long> startTimes, Builder b, List<String> command) {
        this.process = process;
        this.reader = reader;
        this.output = output;
        this.chain = chain;
        this.startTimes = startTimes;
        this.levels = b.levels;
        this.direct = b.direct;
        this.types = Set.copyOf(b.types);
        this.command = command;
    }

    /** A new builder: one level, no types yet. */
    public static Builder builder() {
        return new Builder();
    }

    /** Starts one level with these types. */
    public static Unshared start(String... types) {
        return builder().types(types).start();
    }

    /** Starts one level with all eight types new. */
    public static Unshared startAllTypes() {
        return builder().allTypes().start();
    }

    // ------------------------------------------------------------------ requirements

    /** Whether {@value #REQUIRE_ENV}=1: namespace tests must run, never skip. */
    public static boolean namespacesRequired() {
        return "1".equals(System.getenv(REQUIRE_ENV));
    }

    /** Skips the calling test (JUnit assumption) or, with {@value #REQUIRE_ENV}=1, fails it. */
    public static void unavailable(String reason) {
        unavailable(reason, namespacesRequired());
    }

    /** {@link #unavailable(String)} with the requirement given (for the harness's own test). */
    static void unavailable(String reason, boolean required) {
        if (required) {
            fail("namespace test cannot run: " + reason + " (and " + REQUIRE_ENV + "=1 forbids skipping)");
        }
        Assumptions.abort("namespace test skipped: " + reason);
    }

    /** {@link #unavailable} unless the condition holds. */
    public static void require(boolean condition, String reason) {
        if (!condition) {
            unavailable(reason);
        }
    }

    /** {@link #unavailable} unless the command is on the PATH. */
    public static void requireCommand(String name) {
        require(Commands.which(name) != null, "no " + name + "(1) on the PATH");
    }

    /**
     * That this machine can make namespaces for tests: Linux, root, {@code unshare(1)} on the
     * PATH, and a trial {@code unshare --user --pid --fork true} that works. Checked once.
     */
    public static void requireNamespaces() {
        String reason;
        synchronized (Unshared.class) {
            if (!probed) {
                unavailableReason = probe();
                probed = true;
            }
            reason = unavailableReason;
        }
        if (reason != null) {
            unavailable(reason);
        }
    }

    private static String probe() {
        if (!"Linux".equals(System.getProperty("os.name"))) {
            return "not Linux (" + System.getProperty("os.name") + ")";
        }
        long euid = Proc.euid();
        if (euid != 0) {
            return "not root (euid " + euid + ")";
        }
        if (Commands.which("unshare") == null) {
            return "no unshare(1) on the PATH";
        }
        Commands.Result trial = Commands.run(List.of("unshare", "--user", "--pid", "--fork", "--kill-child", "true"));
        if (trial.exitCode() != 0) {
            return "unshare cannot make namespaces here: " + trial;
        }
        return null;
    }

    // ------------------------------------------------------------------ building

    /** What to start. */
    public static final class Builder {
        private final Set<String> types = new LinkedHashSet<>();
        private int levels = 1;
        private boolean direct;
        private Boolean mapRootUser;
        private final List<String> prefix = new ArrayList<>();
        private String script = "echo ready; exec sleep 100000";
        private boolean mountProc;
        private final List<String> options = new ArrayList<>();

        private Builder() {}

        /** Adds namespace types, by their /proc name: cgroup ipc mnt net pid time user uts. */
        public Builder types(String... names) {
            return types(List.of(names));
        }

        public Builder types(Collection<String> names) {
            for (String name : names) {
                flag(name); // rejects an unknown name
                types.add(name);
            }
            return this;
        }

        /** All eight types new at every level. */
        public Builder allTypes() {
            return types(ALL_TYPES);
        }

        /** How many levels to nest (1 to 5). */
        public Builder levels(int n) {
            if (n < 1 || n > 5) {
                throw new IllegalArgumentException("levels must be 1 to 5, got " + n);
            }
            levels = n;
            return this;
        }

        /** No shell between the levels: each level's unshare runs the next one's directly. */
        public Builder nestDirectly() {
            direct = true;
            return this;
        }

        /** Whether every level maps root ({@code --map-root-user}); default: when nesting user namespaces. */
        public Builder mapRootUser(boolean map) {
            mapRootUser = map;
            return this;
        }

        /**
         * What the innermost level runs with {@code sh -c}, instead of sleeping: it must print
         * {@code ready} when set up and then {@code exec} something long-running (the leaf).
         */
        public Builder script(String innermost) {
            script = innermost;
            return this;
        }

        /** {@code --mount-proc} at every level (needs mnt and pid among the types): a /proc of its own. */
        public Builder mountProc() {
            mountProc = true;
            return this;
        }

        /** More options for every level's unshare, for example {@code --boottime 1000} with a time namespace. */
        public Builder options(String... more) {
            options.addAll(List.of(more));
            return this;
        }

        /** A command that runs the outermost unshare, for example {@code setpriv --reuid=...}. */
        public Builder prefix(String... command) {
            prefix.addAll(List.of(command));
            return this;
        }

        /** The full command line. */
        public List<String> command() {
            return command(List.of("sh", "-c", script));
        }

        /** The full command line, with the innermost level running {@code innermost} itself. */
        public List<String> command(List<String> innermost) {
            boolean map = mapRootUser != null ? mapRootUser : types.contains("user") && levels > 1;
            List<String> level = new ArrayList<>();
            level.add("unshare");
            for (String type : types) {
                level.add(flag(type));
            }
            if (map) {
                level.add("--map-root-user");
            }
            level.addAll(options);
            level.add("--fork");
            if (mountProc) {
                level.add("--mount-proc");
            }
            level.add("--kill-child");
            List<String> cmd = new ArrayList<>(prefix);
            for (int k = 1; k < levels; k++) {
                cmd.addAll(level);
                if (!direct) {
                    cmd.addAll(List.of("sh", "-c", "\"$@\" & wait", "sh"));
                }
            }
            cmd.addAll(level);
            cmd.addAll(innermost);
            return cmd;
        }

        /**
         * Runs {@code innermost} in the innermost level to its end, with {@link Commands#run}.
         * Skips (or fails) the test when namespaces cannot be made.
         */
        public Commands.Result run(List<String> innermost) {
            requireNamespaces();
            return Commands.run(command(innermost));
        }

        /**
         * Starts the tree and waits until the innermost level said "ready". Skips (or fails)
         * the test when namespaces cannot be made.
         */
        public Unshared start() {
            return start(command(), true);
        }

        /**
         * Starts the tree with the innermost level running {@code innermost}, which must print a
         * line {@code ready} once it runs; waits for it. What it prints besides is {@link #output()}.
         * Skips (or fails) the test when unshare cannot make the namespaces; fails it when the
         * command ends or says nothing.
         */
        public Unshared start(List<String> innermost) {
            return start(command(innermost), false);
        }

        private Unshared start(List<String> cmd, boolean ownScript) {
            requireNamespaces();
            Process process;
            try {
                process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(new File("/dev/null"))
                        .start();
            } catch (IOException e) {
                unavailable("cannot start " + cmd + ": " + e);
                throw new AssertionError("unreachable");
            }
            StringBuffer output = new StringBuffer();
            CompletableFuture<Void> ready = new CompletableFuture<>();
            Thread reader = Thread.ofPlatform().daemon().name("Unshared stdout " + process.pid()).start(() -> {
                try (BufferedReader r = new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        if (line.equals("ready")) {
                            ready.complete(null);
                        } else {
                            output.append(line).append('\n');
                        }
                    }
                    ready.completeExceptionally(new IllegalStateException("output ended before 'ready'"));
                } catch (IOException e) {
                    ready.completeExceptionally(e);
                }
            });
            try {
                ready.get(READY_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException | ExecutionException | TimeoutException e) {
                killTree(process);
                joinQuietly(reader);
                String why = "unshare did not get ready (" + e + "): " + String.join(" ", cmd) + "\n" + output;
                if (ownScript || output.indexOf("unshare failed") >= 0) { // unshare(2) refused by the kernel
                    unavailable(why);
                }
                throw new IllegalStateException(why);
            }
            // U1, S1, U2, ... down to the innermost level's own process; what that one starts is its own
            int length = direct ? levels + 1 : 2 * levels;
            List<Long> chain = new ArrayList<>();
            Map<Long, Long> startTimes = new LinkedHashMap<>();
            long pid = process.pid();
            for (int i = 0; i < length; i++) {
                chain.add(pid);
                startTimes.put(pid, Proc.startTime(pid).orElse(-1L));
                if (i == length - 1) {
                    break;
                }
                List<Long> children = Proc.children(pid);
                if (children.size() != 1) {
                    killTree(process);
                    joinQuietly(reader);
                    throw new IllegalStateException("process " + pid + " of " + cmd + " has children " + children
                            + ", not one: the tree is not the expected chain " + chain);
                }
                pid = children.get(0);
            }
            Unshared u = new Unshared(process, reader, output, List.copyOf(chain), startTimes, this, List.copyOf(cmd));
            LIVE.add(u);
            return u;
        }
    }

    /** The unshare(1) or nsenter(1) option of a namespace type ({@code mnt} is {@code --mount}). */
    private static String flag(String type) {
        if (!ALL_TYPES.contains(type)) {
            throw new IllegalArgumentException("unknown namespace type " + type);
        }
        return type.equals("mnt") ? "--mount" : "--" + type;
    }

    // ------------------------------------------------------------------ other processes' namespaces

    /**
     * Runs {@code command} to its end in the namespace of a type of process {@code pid}
     * ({@code nsenter --target PID --TYPE}). Skips (or fails) the test without nsenter(1).
     */
    public static Commands.Result enter(long pid, String type, List<String> command) {
        requireCommand("nsenter");
        List<String> cmd = new ArrayList<>(List.of("nsenter", "--target", Long.toString(pid), flag(type), "--"));
        cmd.addAll(command);
        return Commands.run(cmd);
    }

    /**
     * A new namespace of a type that only a bind mount on {@code file} (which must exist)
     * keeps: {@code unshare --TYPE=FILE true}, with {@code --fork} for pid and time, whose
     * namespace is made for a child. Fails the test if unshare fails.
     */
    public static void bindMount(String type, Path file) {
        requireNamespaces();
        check(Commands.run(bindMountCommand(type, file)));
    }

    /** {@link #bindMount}, in the mount namespace of process {@code pid}: the host's mount table does not change. */
    public static void bindMountIn(long pid, String type, Path file) {
        requireNamespaces();
        check(enter(pid, "mnt", bindMountCommand(type, file)));
    }

    private static List<String> bindMountCommand(String type, Path file) {
        List<String> cmd = new ArrayList<>(List.of("unshare", flag(type) + "=" + file));
        if (type.equals("pid") || type.equals("time")) {
            cmd.add("--fork");
        }
        cmd.add("true");
        return cmd;
    }

    private static void check(Commands.Result r) {
        if (r.exitCode() != 0) {
            fail("cannot bind-mount a new namespace: " + r);
        }
    }

    // ------------------------------------------------------------------ the tree

    /** The number of nested levels. */
    public int levels() {
        return levels;
    }

    /** The namespace types new at every level. */
    public Set<String> types() {
        return types;
    }

    /** The outermost process, the one started (U1). */
    public int topPid() {
        return Math.toIntExact(chain.get(0));
    }

    /**
     * The host pid of the process that level k's unshare forked (1 = outermost, {@link #levels()}
     * = leaf): a member of every namespace of level k, and with a pid namespace its init.
     * (Nested directly, it is level k+1's unshare, which has unshared level k+1's namespaces but pid.)
     */
    public int pid(int level) {
        return Math.toIntExact(chain.get(unshareIndex(level) + 1));
    }

    /** The index in the chain of level k's unshare process. */
    private int unshareIndex(int level) {
        if (level < 1 || level > levels) {
            throw new IllegalArgumentException("level must be 1 to " + levels + ", got " + level);
        }
        return direct ? level - 1 : 2 * level - 2;
    }

    /** The host pids of the members of each level, outermost first. */
    public List<Long> levelPids() {
        List<Long> pids = new ArrayList<>();
        for (int k = 1; k <= levels; k++) {
            pids.add((long) pid(k));
        }
        return pids;
    }

    /** The host pid of the unshare(1) process that made level k (it sits between levels k-1 and k). */
    public long unsharePid(int level) {
        return chain.get(unshareIndex(level));
    }

    /** The innermost process's host pid. */
    public int leafPid() {
        return Math.toIntExact(chain.get(chain.size() - 1));
    }

    /** Every process of the tree, outermost first. */
    public List<Long> pids() {
        return chain;
    }

    /** The lines the tree printed (stdout and stderr) but {@code ready}, so far. */
    public String output() {
        return output.toString();
    }

    /** Whether every process of the tree is gone (after {@link #close()}). */
    public boolean allGone() {
        return startTimes.entrySet().stream().allMatch(e -> Proc.isGone(e.getKey(), e.getValue()));
    }

    /**
     * Kills every process of the tree (SIGKILL) and waits until each is gone. Idempotent.
     *
     * <p>The leaf goes first, with what it started: then each process above it reaps its child
     * and exits by itself (unshare with {@code --fork} waits for its child, the shell between
     * levels too), up to U1, which the JVM reaps. Killed from the top, the children would be
     * left to pid 1, which may reap them late, and a zombie still shows its user namespace.
     *
     * @throws IllegalStateException if a process survives
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        LIVE.remove(this);
        Map<Long, Long> all = new LinkedHashMap<>(startTimes);
        process.descendants().forEach(h -> all.putIfAbsent(h.pid(), Proc.startTime(h.pid()).orElse(-1L)));
        long leaf = chain.getLast();
        ProcessHandle.of(leaf).filter(h -> !Proc.isGone(leaf, startTimes.get(leaf))).ifPresent(h -> {
            List<ProcessHandle> below = h.descendants().toList();
            for (int i = below.size() - 1; i >= 0; i--) {
                below.get(i).destroyForcibly();
            }
            h.destroyForcibly();
        });
        try {
            process.waitFor(EXIT_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        killTree(process); // what did not end by itself
        long deadline = System.currentTimeMillis() + EXIT_TIMEOUT_MILLIS;
        List<Long> survivors = new ArrayList<>();
        for (Map.Entry<Long, Long> e : all.entrySet()) {
            while (!Proc.isGone(e.getKey(), e.getValue()) && System.currentTimeMillis() < deadline) {
                sleep(2);
            }
            if (!Proc.isGone(e.getKey(), e.getValue())) {
                survivors.add(e.getKey());
            }
        }
        joinQuietly(reader);
        if (!survivors.isEmpty()) {
            throw new IllegalStateException("processes " + survivors + " of " + command + " survived SIGKILL");
        }
    }

    private static void killTree(Process process) {
        // Descendants first, so none is left behind when a parent dies and they are reparented.
        List<ProcessHandle> descendants = process.descendants().toList();
        for (int i = descendants.size() - 1; i >= 0; i--) {
            descendants.get(i).destroyForcibly();
        }
        process.destroyForcibly();
        try {
            if (!process.waitFor(EXIT_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("process " + process.pid() + " survived SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + process.pid(), e);
        }
    }

    private static void joinQuietly(Thread t) {
        try {
            t.join(EXIT_TIMEOUT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UncheckedIOException(new java.io.InterruptedIOException("interrupted"));
        }
    }

    @Override
    public String toString() {
        return "Unshared" + chain + " " + types + " x" + levels;
    }
}
