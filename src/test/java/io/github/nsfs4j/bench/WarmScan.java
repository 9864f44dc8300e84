package io.github.nsfs4j.bench;

import io.github.nsfs4j.NamespaceDiscovery;
import io.github.nsfs4j.NamespaceSnapshot;

import java.util.Arrays;

/**
 * Not a test: {@code NamespaceDiscovery.scan()} in a warm JVM, for bench/scan-scale. Runs it
 * WARMUP times unmeasured, then RUNS times, and prints {@code namespaces N}, {@code median_ms},
 * {@code min_ms}, {@code mean_ms} and {@code cpu_ms} (the JVM's CPU time per scan, mean).
 * Arguments: WARMUP RUNS (default 5 10).
 */
public final class WarmScan {
    private WarmScan() {}

    public static void main(String[] args) throws Exception {
        int warmup = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        NamespaceSnapshot last = null;
        for (int i = 0; i < warmup; i++) {
            last = NamespaceDiscovery.scan();
        }
        double[] wall = new double[runs];
        long cpu0 = cpuNanos();
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            last = NamespaceDiscovery.scan();
            wall[i] = (System.nanoTime() - t0) / 1e6;
        }
        double cpu = (cpuNanos() - cpu0) / 1e6 / runs;
        double mean = Arrays.stream(wall).average().orElse(0);
        Arrays.sort(wall);
        System.out.println("namespaces " + last.namespaces().size());
        System.out.printf("median_ms %.2f%nmin_ms %.2f%nmean_ms %.2f%ncpu_ms %.2f%n", wall[runs / 2], wall[0], mean,
                cpu);
    }

    /** The CPU time of this JVM so far (all its threads: the scan's, and the JIT's and GC's it causes). */
    private static long cpuNanos() {
        return ProcessHandle.current().info().totalCpuDuration().orElseThrow().toNanos();
    }
}
