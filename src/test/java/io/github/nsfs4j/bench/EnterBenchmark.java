package io.github.nsfs4j.bench;

import io.github.nsfs4j.EnteredExecutor;
import io.github.nsfs4j.NamespaceException;
import io.github.nsfs4j.NamespaceSet;
import io.github.nsfs4j.Pidfd;
import io.github.nsfs4j.internal.Errnos;
import io.github.nsfs4j.internal.JvmNamespaces;
import io.github.nsfs4j.linux.LibC;
import io.github.nsfs4j.kernel.NamespaceType;

import java.io.File;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.EnumSet;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Issue 11: acting inside a container's namespaces (a process made by {@code bench/run} with
 * {@code unshare --net --uts --ipc --cgroup --pid --mount --fork}; its pid in the system
 * property {@value #PROPERTY}).
 *
 * <ul>
 * <li>{@code call_net}, {@code call_all}: one {@link NamespaceSet#call} round trip (hand-off to
 *     an nsfs4j thread, setns in, a task that returns a constant, setns back, the ten-link
 *     check, hand-back): net alone, and every enterable type (a mount namespace makes the
 *     thread end after the call, so {@code call_all} includes starting a thread).
 * <li>{@code executor_call}: one {@link EnteredExecutor#call} on an executor already inside net;
 *     {@code executor_check} is the part of it that checks the thread after the task (seven
 *     readlinkat of its own {@code /proc/thread-self/ns} links, compared with what it entered).
 * <li>{@code start_net}: starting {@code true} in the container's net namespace and waiting for it;
 *     {@code bench/run} times {@code nsenter -t PID -n true} and {@code ip netns exec NAME true}
 *     in the same run, and {@code jdk_true} is the JDK's own {@code ProcessBuilder} for scale.
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class EnterBenchmark {
    /** System property with the container's pid. */
    public static final String PROPERTY = "nsfs4j.bench.enter.pid";

    /** For JMH. */
    public EnterBenchmark() {}

    private NamespaceSet net;
    private NamespaceSet all;
    private EnteredExecutor executor;
    private ProcessBuilder trueCommand;
    private int nsDir = -1;
    private Arena arena;
    private MemorySegment[] links;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        String pid = System.getProperty(PROPERTY);
        if (pid == null) {
            throw new IllegalStateException("system property " + PROPERTY + " is not set: run through bench/run");
        }
        try (Pidfd target = Pidfd.open(Integer.parseInt(pid))) {
            net = NamespaceSet.of(target, NamespaceType.NET);
            all = NamespaceSet.of(target, EnumSet.of(NamespaceType.NET, NamespaceType.UTS, NamespaceType.IPC,
                    NamespaceType.CGROUP, NamespaceType.PID, NamespaceType.MNT));
        }
        if (all.types().size() != 6) {
            throw new IllegalStateException("the container shares namespaces with the JVM: " + all);
        }
        executor = net.executor(1);
        arena = Arena.ofShared();
        nsDir = JvmNamespaces.openThreadNsDir();
        if (nsDir < 0) {
            throw new IllegalStateException("cannot open /proc/thread-self/ns: " + Errnos.describe(-nsDir));
        }
        links = JvmNamespaces.ownLinks(nsDir, arena);
        trueCommand = new ProcessBuilder("true").redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        executor.close();
        LibC.close(nsDir);
        arena.close();
        net.close();
        all.close();
    }

    @Benchmark
    public int call_net() throws NamespaceException {
        return net.call(() -> 1);
    }

    @Benchmark
    public int call_all() throws NamespaceException {
        return all.call(() -> 1);
    }

    @Benchmark
    public int executor_call() throws NamespaceException {
        return executor.call(() -> 1);
    }

    @Benchmark
    public String executor_check() {
        return JvmNamespaces.firstChangedLink(nsDir, links); // null: the thread is where it was
    }

    @Benchmark
    public int start_net() throws IOException, InterruptedException {
        return net.start(trueCommand).waitFor();
    }

    @Benchmark
    public int jdk_true() throws IOException, InterruptedException {
        return trueCommand.start().waitFor();
    }
}
