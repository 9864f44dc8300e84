package io.github.nsfs4j.bench;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.github.nsfs4j.NamespaceException;
import io.github.nsfs4j.PidNamespace;
import io.github.nsfs4j.PidNamespace.Translation;
import io.github.nsfs4j.internal.Failure;
import io.github.nsfs4j.internal.NamespaceFiles;
import io.github.nsfs4j.internal.NsFile;
import io.github.nsfs4j.linux.LibC;
import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.kernel.NsIoctl;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
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
 * Issue 6, items 1 and 2: the cost of one nsfs request on an open handle, on the pid
 * namespace of the first target (a child pid namespace made by {@code bench/run}).
 *
 * <ul>
 * <li>{@code nsfs4j_*}: through the library's handle ({@link PidNamespace#translate}, the
 *     allocation-free int path) or, for the requests the API answers from what it read at
 *     open ({@code NS_GET_NSTYPE}, {@code NS_GET_ID}), through the open namespace file that
 *     a handle wraps ({@link NsFile}): fd guard, request lookup, downcall with errno capture.
 * <li>{@code api_*}: the public convenience methods a user would call
 *     ({@code initPid()}, {@code pidInNamespace()}, returning {@code OptionalInt}, read with
 *     {@code orElse}), and the {@code type()}/{@code id()} accessors, which are answered from
 *     what was read at open.
 * <li>{@code libc_*}: the library's internal C layer ({@link LibC}) on a raw fd: the downcall alone,
 *     without the handle, to split the library's own overhead from java.lang.foreign's (the
 *     binding the handle uses: {@code LibC.ioctl_critical} for the requests answering in the
 *     return value).
 * </ul>
 * The C loop ({@code bench/ioctl_loop.c}) and JNA ({@link JnaCallBenchmark}) make
 * the same requests on the same namespace.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class NsfsCallBenchmark {

    /** For JMH. */
    public NsfsCallBenchmark() {}

    private PidNamespace ns;
    private NsFile file;
    private int initHostPid;
    private int fd = -1;
    private MemorySegment idBuffer;
    private Arena arena;

    private static final long NS_GET_NSTYPE = NsIoctl.NS_GET_NSTYPE.request();
    private static final long NS_GET_ID = NsIoctl.NS_GET_ID.request();
    private static final long NS_GET_PID_FROM_PIDNS = NsIoctl.NS_GET_PID_FROM_PIDNS.request();
    private static final long NS_GET_PID_IN_PIDNS = NsIoctl.NS_GET_PID_IN_PIDNS.request();
    private static final long NS_GET_TGID_FROM_PIDNS = NsIoctl.NS_GET_TGID_FROM_PIDNS.request();
    private static final long NS_GET_TGID_IN_PIDNS = NsIoctl.NS_GET_TGID_IN_PIDNS.request();

    @Setup(Level.Trial)
    public void open() throws NamespaceException, Failure {
        initHostPid = Targets.load()[0];
        ns = PidNamespace.ofProcess(initHostPid);
        file = Targets.openPidNs(initHostPid);
        String path = Targets.pidNsPath(initHostPid);
        fd = LibC.open(path, NamespaceFiles.OPEN_FLAGS);
        if (fd < 0) {
            throw new IllegalStateException("open " + path + ": errno " + -fd);
        }
        arena = Arena.ofShared();
        idBuffer = arena.allocate(JAVA_LONG);
        // Every variant must give the true answer before it is timed.
        long id = ns.id().orElseThrow();
        Targets.checkRequests("nsfs4j", initHostPid, id, nsfs4j_NS_GET_NSTYPE(), nsfs4j_NS_GET_ID(),
                nsfs4j_NS_GET_PID_FROM_PIDNS(), nsfs4j_NS_GET_PID_IN_PIDNS());
        Targets.check("initPid()", initHostPid, api_initPid());
        Targets.check("pidInNamespace()", 1, api_pidInNamespace());
        Targets.check("id()", id, api_id_cached());
        Targets.checkRequests("libc", initHostPid, id, libc_NS_GET_NSTYPE(), libc_NS_GET_ID(),
                libc_NS_GET_PID_FROM_PIDNS(), libc_NS_GET_PID_IN_PIDNS());
        // The init is a single-threaded process: its tgid is its pid, in both directions.
        Targets.check("nsfs4j NS_GET_TGID_FROM_PIDNS", initHostPid, nsfs4j_NS_GET_TGID_FROM_PIDNS());
        Targets.check("nsfs4j NS_GET_TGID_IN_PIDNS", 1, nsfs4j_NS_GET_TGID_IN_PIDNS());
        Targets.check("libc NS_GET_TGID_FROM_PIDNS", initHostPid, libc_NS_GET_TGID_FROM_PIDNS());
        Targets.check("libc NS_GET_TGID_IN_PIDNS", 1, libc_NS_GET_TGID_IN_PIDNS());
    }

    @TearDown(Level.Trial)
    public void close() {
        if (ns != null) {
            ns.close();
        }
        if (file != null) {
            file.close();
        }
        if (fd >= 0) {
            LibC.close(fd);
        }
        if (arena != null) {
            arena.close();
        }
    }

    // ---------------------------------------------------------------- the library's handle

    @Benchmark
    public int nsfs4j_NS_GET_NSTYPE() throws Failure {
        return file.ioctl(NsIoctl.NS_GET_NSTYPE, 0L);
    }

    @Benchmark
    public long nsfs4j_NS_GET_ID() throws Failure {
        return file.written(NsIoctl.NS_GET_ID).get(JAVA_LONG, 0);
    }

    @Benchmark
    public int nsfs4j_NS_GET_PID_FROM_PIDNS() throws NamespaceException {
        return ns.translate(Translation.PID_FROM_NAMESPACE, 1);
    }

    @Benchmark
    public int nsfs4j_NS_GET_PID_IN_PIDNS() throws NamespaceException {
        return ns.translate(Translation.PID_IN_NAMESPACE, initHostPid);
    }

    @Benchmark
    public int nsfs4j_NS_GET_TGID_FROM_PIDNS() throws NamespaceException {
        return ns.translate(Translation.TGID_FROM_NAMESPACE, 1);
    }

    @Benchmark
    public int nsfs4j_NS_GET_TGID_IN_PIDNS() throws NamespaceException {
        return ns.translate(Translation.TGID_IN_NAMESPACE, initHostPid);
    }

    // ---------------------------------------------------------------- public convenience API

    // The Optional results are consumed as user code does (orElse), not handed to JMH's
    // blackhole, which would make every Optional escape and so be allocated.

    @Benchmark
    public int api_initPid() throws NamespaceException {
        return ns.initPid().orElse(0);
    }

    @Benchmark
    public int api_pidInNamespace() throws NamespaceException {
        return ns.pidInNamespace(initHostPid).orElse(0);
    }

    @Benchmark
    public NamespaceType api_type_cached() {
        return ns.type();
    }

    @Benchmark
    public long api_id_cached() {
        return ns.id().orElse(0);
    }

    // ---------------------------------------------------------------- the C layer on a raw fd

    @Benchmark
    public int libc_NS_GET_NSTYPE() {
        return LibC.ioctl_critical(fd, NS_GET_NSTYPE, 0L);
    }

    @Benchmark
    public long libc_NS_GET_ID() {
        LibC.ioctl(fd, NS_GET_ID, idBuffer);
        return idBuffer.get(JAVA_LONG, 0);
    }

    @Benchmark
    public int libc_NS_GET_PID_FROM_PIDNS() {
        return LibC.ioctl_critical(fd, NS_GET_PID_FROM_PIDNS, 1L);
    }

    @Benchmark
    public int libc_NS_GET_PID_IN_PIDNS() {
        return LibC.ioctl_critical(fd, NS_GET_PID_IN_PIDNS, initHostPid);
    }

    @Benchmark
    public int libc_NS_GET_TGID_FROM_PIDNS() {
        return LibC.ioctl_critical(fd, NS_GET_TGID_FROM_PIDNS, 1);
    }

    @Benchmark
    public int libc_NS_GET_TGID_IN_PIDNS() {
        return LibC.ioctl_critical(fd, NS_GET_TGID_IN_PIDNS, initHostPid);
    }
}
