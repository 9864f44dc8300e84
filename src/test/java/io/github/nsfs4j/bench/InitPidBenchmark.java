package io.github.nsfs4j.bench;

import io.github.nsfs4j.NamespaceException;
import io.github.nsfs4j.PidNamespace;
import io.github.nsfs4j.internal.Failure;
import io.github.nsfs4j.internal.NsFile;
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
 * Issue 6, item 3: the LXCFS question, the host pid of a container's init, for the first
 * target namespace. On an open handle it is one ioctl ({@code NsfsCallBenchmark
 * .nsfs4j_NS_GET_PID_FROM_PIDNS}); here the ways that cost more:
 * <ul>
 * <li>{@code nsfs4j_open_initPid_close}: {@code PidNamespace.ofProcess(pid)}, {@code initPid()},
 *     {@code close()}: what a caller holding only a pid does;
 * <li>{@code nsfs4j_procfsFallback}: the library's own {@code NSpid} fallback (pre-6.11
 *     kernels), forced on an open namespace file (what a handle wraps);
 * <li>{@code nspidScan_java}: a plain java.nio scan of {@code /proc/*}{@code /status}
 *     ({@link NspidScan}).
 * </ul>
 * The two-fork SCM_CREDENTIALS method and a C NSpid scanner are C programs (bench/*.c).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class InitPidBenchmark {

    /** For JMH. */
    public InitPidBenchmark() {}

    private int initHostPid;
    private long inode;
    private NsFile file;

    @Setup(Level.Trial)
    public void open() throws NamespaceException, Failure {
        initHostPid = Targets.load()[0];
        file = Targets.openPidNs(initHostPid);
        inode = file.inode();
        Targets.check("open+initPid+close", initHostPid, nsfs4j_open_initPid_close());
        Targets.check("procfs fallback", initHostPid, nsfs4j_procfsFallback());
        Targets.check("NSpid scan", initHostPid, nspidScan_java());
    }

    @TearDown(Level.Trial)
    public void close() {
        if (file != null) {
            file.close();
        }
    }

    @Benchmark
    public int nsfs4j_open_initPid_close() throws NamespaceException {
        try (PidNamespace p = PidNamespace.ofProcess(initHostPid)) {
            return p.initPid().orElse(0);
        }
    }

    @Benchmark
    public int nsfs4j_procfsFallback() throws Failure {
        return Targets.initPidViaProcfs(file);
    }

    @Benchmark
    public int nspidScan_java() {
        return NspidScan.initPidOf(inode);
    }
}
