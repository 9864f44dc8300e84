package io.github.nsfs4j.bench;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
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
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * The thread CPU time of one request on an open handle, the counterpart of the C loop's
 * {@code c.cpu.} rows (bench/ioctl_loop.c): on a loaded machine the wall time that JMH
 * measures is mostly waiting for a core, the CPU time far less so. For each int-returning
 * request, through the handle ({@code nsfs4j}; NS_GET_NSTYPE, which the API answers from
 * what it read at open, through the open namespace file a handle wraps) and through the C
 * layer on a raw fd ({@code libc}, the same binding), ROUNDS rounds of ITERATIONS calls after as many
 * unmeasured ones, the variants interleaved round by round so that a change in the
 * machine's state falls on all of them. Prints the rows of {@code c.tsv}'s format:
 * {@code java.cpu.VARIANT.REQUEST, 1, mean, standard deviation, min, rounds} (ns per call).
 *
 * <p>Run by {@code bench/run --calls}: {@code CpuPerCall PID ITERATIONS ROUNDS}, PID the
 * init of a pid namespace. Every variant's answer is checked first.
 */
public final class CpuPerCall {
    private CpuPerCall() {}

    private static final String[] REQUESTS = {"NS_GET_NSTYPE", "NS_GET_PID_FROM_PIDNS", "NS_GET_PID_IN_PIDNS",
        "NS_GET_TGID_FROM_PIDNS", "NS_GET_TGID_IN_PIDNS"};
    /** clock_gettime(2), for CLOCK_THREAD_CPUTIME_ID (3), as the C loop reads it. */
    private static final MethodHandle CLOCK_GETTIME = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("clock_gettime").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS), Linker.Option.captureCallState("errno"));
    private static final MemorySegment TIMESPEC = Arena.global().allocate(16, 8);
    private static final MemorySegment CALL_STATE = Arena.global().allocate(
            java.lang.foreign.Linker.Option.captureStateLayout());
    /** Where the answers go, so that the JIT keeps the calls. */
    static long sink;

    /**
     * Measures and prints.
     *
     * @param args PID ITERATIONS ROUNDS
     * @throws NamespaceException if the namespace cannot be opened
     * @throws Failure if its file cannot be opened
     */
    public static void main(String[] args) throws NamespaceException, Failure {
        int pid = Integer.parseInt(args[0]);
        int iterations = Integer.parseInt(args[1]);
        int rounds = Integer.parseInt(args[2]);
        try (PidNamespace ns = PidNamespace.ofProcess(pid); NsFile file = Targets.openPidNs(pid)) {
            int fd = LibC.open(Targets.pidNsPath(pid), NamespaceFiles.OPEN_FLAGS);
            if (fd < 0) {
                throw new IllegalStateException("open " + Targets.pidNsPath(pid) + ": errno " + -fd);
            }
            try {
                int variants = REQUESTS.length * 2;
                for (int v = 0; v < variants; v++) {
                    int got = once(v, ns, file, fd, pid);
                    if (got != expected(v % REQUESTS.length, pid)) {
                        throw new IllegalStateException(name(v) + " answered " + got + ", not "
                                + expected(v % REQUESTS.length, pid));
                    }
                }
                double[][] samples = new double[variants][rounds];
                for (int r = -rounds; r < rounds; r++) {
                    for (int v = 0; v < variants; v++) {
                        double t = round(v, ns, file, fd, pid, iterations);
                        if (r >= 0) {
                            samples[v][r] = t;
                        }
                    }
                }
                StringBuilder out = new StringBuilder();
                for (int v = 0; v < variants; v++) {
                    double[] s = samples[v];
                    double sum = 0;
                    double min = Double.MAX_VALUE;
                    for (double x : s) {
                        sum += x;
                        min = Math.min(min, x);
                    }
                    double mean = sum / rounds;
                    double var = 0;
                    for (double x : s) {
                        var += (x - mean) * (x - mean);
                    }
                    double sd = rounds > 1 ? Math.sqrt(var / (rounds - 1)) : 0;
                    out.append("java.cpu.").append(name(v)).append("\t1\t").append(fixed(mean)).append('\t')
                            .append(fixed(sd)).append('\t').append(fixed(min)).append('\t').append(rounds).append('\n');
                }
                System.out.print(out);
            } finally {
                LibC.close(fd);
            }
        }
    }

    private static long threadCpuNanos() {
        try {
            int rc = (int) CLOCK_GETTIME.invokeExact(CALL_STATE, 3, TIMESPEC);
            if (rc != 0) {
                throw new IllegalStateException("clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        return TIMESPEC.get(JAVA_LONG, 0) * 1_000_000_000L + TIMESPEC.get(JAVA_LONG, 8);
    }

    private static String fixed(double x) {
        return String.valueOf(Math.round(x * 1000) / 1000.0);
    }

    /** Variant v: request v % 5, through the handle (v < 5) or the C layer. */
    private static String name(int v) {
        return (v < REQUESTS.length ? "nsfs4j." : "libc.") + REQUESTS[v % REQUESTS.length];
    }

    /** The true answer: CLONE_NEWPID for NS_GET_NSTYPE; the init's host pid from the namespace; 1 in it. */
    private static int expected(int request, int pid) {
        return switch (request) {
            case 0 -> NamespaceType.PID.cloneFlag();
            case 1, 3 -> pid;
            default -> 1;
        };
    }

    private static int once(int v, PidNamespace ns, NsFile file, int fd, int pid) throws NamespaceException, Failure {
        return switch (v) {
            case 0 -> file.ioctl(NsIoctl.NS_GET_NSTYPE, 0L);
            case 1 -> ns.translate(Translation.PID_FROM_NAMESPACE, 1);
            case 2 -> ns.translate(Translation.PID_IN_NAMESPACE, pid);
            case 3 -> ns.translate(Translation.TGID_FROM_NAMESPACE, 1);
            case 4 -> ns.translate(Translation.TGID_IN_NAMESPACE, pid);
            case 5 -> LibC.ioctl_critical(fd, NsIoctl.NS_GET_NSTYPE.request(), 0L);
            case 6 -> LibC.ioctl_critical(fd, NsIoctl.NS_GET_PID_FROM_PIDNS.request(), 1L);
            case 7 -> LibC.ioctl_critical(fd, NsIoctl.NS_GET_PID_IN_PIDNS.request(), pid);
            case 8 -> LibC.ioctl_critical(fd, NsIoctl.NS_GET_TGID_FROM_PIDNS.request(), 1L);
            default -> LibC.ioctl_critical(fd, NsIoctl.NS_GET_TGID_IN_PIDNS.request(), pid);
        };
    }

    /** The CPU time of one call, in ns, over a round of {@code n} calls of variant v (one loop per variant, for the JIT). */
    private static double round(int v, PidNamespace ns, NsFile file, int fd, int pid, int n)
            throws NamespaceException, Failure {
        long acc = 0;
        long t0 = threadCpuNanos();
        switch (v) {
            case 0 -> { for (int i = 0; i < n; i++) { acc += file.ioctl(NsIoctl.NS_GET_NSTYPE, 0L); } }
            case 1 -> { for (int i = 0; i < n; i++) { acc += ns.translate(Translation.PID_FROM_NAMESPACE, 1); } }
            case 2 -> { for (int i = 0; i < n; i++) { acc += ns.translate(Translation.PID_IN_NAMESPACE, pid); } }
            case 3 -> { for (int i = 0; i < n; i++) { acc += ns.translate(Translation.TGID_FROM_NAMESPACE, 1); } }
            case 4 -> { for (int i = 0; i < n; i++) { acc += ns.translate(Translation.TGID_IN_NAMESPACE, pid); } }
            case 5 -> { for (int i = 0; i < n; i++) { acc += LibC.ioctl_critical(fd, NsIoctl.NS_GET_NSTYPE.request(), 0L); } }
            case 6 -> { for (int i = 0; i < n; i++) { acc += LibC.ioctl_critical(fd, NsIoctl.NS_GET_PID_FROM_PIDNS.request(), 1L); } }
            case 7 -> { for (int i = 0; i < n; i++) { acc += LibC.ioctl_critical(fd, NsIoctl.NS_GET_PID_IN_PIDNS.request(), pid); } }
            case 8 -> { for (int i = 0; i < n; i++) { acc += LibC.ioctl_critical(fd, NsIoctl.NS_GET_TGID_FROM_PIDNS.request(), 1L); } }
            default -> { for (int i = 0; i < n; i++) { acc += LibC.ioctl_critical(fd, NsIoctl.NS_GET_TGID_IN_PIDNS.request(), pid); } }
        }
        long t1 = threadCpuNanos();
        if (acc != (long) expected(v % REQUESTS.length, pid) * n) {
            throw new IllegalStateException(name(v) + ": wrong answers while timed");
        }
        sink += acc;
        return (double) (t1 - t0) / n;
    }
}
