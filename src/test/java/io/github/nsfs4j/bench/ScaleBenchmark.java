package io.github.nsfs4j.bench;

import io.github.nsfs4j.NamespaceException;
import io.github.nsfs4j.PidNamespace;
import io.github.nsfs4j.PidNamespace.Translation;
import io.github.nsfs4j.internal.Failure;
import io.github.nsfs4j.internal.NsFile;
import java.util.Map;
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
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * Issue 6, item 4: the init pid of every one of the N pid namespaces that {@code bench/run}
 * made (N = 10, 100, 1000, one JMH run per N); one operation resolves all N. The same
 * methods as {@link InitPidBenchmark}, over all targets; the C side is
 * {@code ioctl_loop all}, {@code twofork_initpid all}, {@code nspid_scan all}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class ScaleBenchmark {

    /** For JMH. */
    public ScaleBenchmark() {}

    private int[] pids;
    private long[] inodes;
    private PidNamespace[] handles;
    /** The namespaces' files (what a handle wraps), opened for the fallback only. */
    private NsFile[] files = {};

    @Setup(Level.Trial)
    @SuppressWarnings("exports") // JMH's BenchmarkParams, in a test-only signature
    public void open(BenchmarkParams params) throws NamespaceException, Failure {
        pids = Targets.load();
        handles = new PidNamespace[pids.length];
        inodes = new long[pids.length];
        for (int i = 0; i < pids.length; i++) {
            handles[i] = PidNamespace.ofProcess(pids[i]);
            inodes[i] = handles[i].inode();
        }
        long expected = 0;
        for (int pid : pids) {
            expected += pid;
        }
        // Check the method about to be timed, and only that one. The fallback, which takes
        // about a minute for all of N=1000, is checked on every k-th namespace (at most 20).
        String method = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
        switch (method) {
            case "ioctl_openHandles" -> Targets.check(method, expected, ioctl_openHandles());
            case "nsfs4j_open_initPid_close" -> Targets.check(method, expected, nsfs4j_open_initPid_close());
            case "nspidScan_java" -> Targets.check(method, expected, nspidScan_java());
            case "nsfs4j_procfsFallback" -> {
                files = new NsFile[pids.length];
                for (int i = 0; i < pids.length; i++) {
                    files[i] = Targets.openPidNs(pids[i]);
                }
                int step = Math.max(1, pids.length / 20);
                for (int i = 0; i < pids.length; i += step) {
                    Targets.check(method + " for " + files[i], pids[i], Targets.initPidViaProcfs(files[i]));
                }
            }
            default -> throw new IllegalStateException("no check for " + method);
        }
    }

    @TearDown(Level.Trial)
    public void close() {
        for (PidNamespace handle : handles) {
            if (handle != null) {
                handle.close();
            }
        }
        for (NsFile file : files) {
            if (file != null) {
                file.close();
            }
        }
    }

    @Benchmark
    public long ioctl_openHandles() throws NamespaceException {
        long sum = 0;
        for (PidNamespace handle : handles) {
            sum += handle.translate(Translation.PID_FROM_NAMESPACE, 1);
        }
        return sum;
    }

    @Benchmark
    public long nsfs4j_open_initPid_close() throws NamespaceException {
        long sum = 0;
        for (int pid : pids) {
            try (PidNamespace p = PidNamespace.ofProcess(pid)) {
                sum += p.initPid().orElse(0);
            }
        }
        return sum;
    }

    @Benchmark
    public long nspidScan_java() {
        Map<Long, Integer> inits = NspidScan.allInits();
        long sum = 0;
        for (long inode : inodes) {
            sum += inits.getOrDefault(inode, 0);
        }
        return sum;
    }

    /**
     * One fallback lookup per namespace, each a scan of /proc: quadratic in N (about a minute
     * per operation at N=1000), so one warmup and one measured iteration.
     */
    @Benchmark
    @Warmup(iterations = 1, time = 1)
    @Measurement(iterations = 1, time = 1)
    public long nsfs4j_procfsFallback() throws Failure {
        long sum = 0;
        for (NsFile file : files) {
            sum += Targets.initPidViaProcfs(file);
        }
        return sum;
    }
}
