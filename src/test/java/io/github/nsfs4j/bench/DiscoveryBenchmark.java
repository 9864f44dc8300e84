package io.github.nsfs4j.bench;

import io.github.nsfs4j.Namespace;
import io.github.nsfs4j.NamespaceDiscovery;
import io.github.nsfs4j.NamespaceException;
import io.github.nsfs4j.kernel.NamespaceType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Issue 6, item 5: finding every namespace in view, in process, against the wall time of
 * {@code lsns -J} (timed by bench/run on the same machine state):
 * <ul>
 * <li>{@code nsfs4j_NamespaceDiscovery_scan}: the library's discovery, one pass over /proc
 *     (processes, fds, nsfs bind mounts), each namespace opened once for id, parent, owner;
 * <li>{@code handRolled_procfs_publicApi}: the minimum a user could write with the public
 *     API: every {@code /proc/<pid>/ns/<type>} link, deduplicated by inode (one
 *     {@code readlink} each), each namespace not seen before opened once with
 *     {@link Namespace#ofProcess(long, NamespaceType)} for its id. It sees less than the
 *     library and lsns (no fds, no bind mounts, no relations): a floor, not an equivalent.
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class DiscoveryBenchmark {

    private static final Path PROC = Path.of("/proc");

    /** For JMH. */
    public DiscoveryBenchmark() {}

    @Setup(Level.Trial)
    public void check() throws NamespaceException {
        // Eight initial namespaces at least, and every pid namespace bench/run made, if any.
        String file = System.getProperty(Targets.PROPERTY, "");
        int minimum = 8 + (file.isBlank() ? 0 : Targets.load().length);
        for (int found : new int[] {nsfs4j_NamespaceDiscovery_scan(), handRolled_procfs_publicApi()}) {
            if (found < minimum) {
                throw new IllegalStateException("discovered " + found + " namespaces, expected at least " + minimum);
            }
        }
    }

    @Benchmark
    public int nsfs4j_NamespaceDiscovery_scan() throws NamespaceException {
        return NamespaceDiscovery.scan().namespaces().size();
    }

    @Benchmark
    public int handRolled_procfs_publicApi() {
        Set<Long> seenInodes = new HashSet<>();
        Set<Long> ids = new HashSet<>();
        NamespaceType[] types = NamespaceType.values();
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(PROC, DiscoveryBenchmark::isNumeric)) {
            for (Path process : processes) {
                long pid = Long.parseLong(process.getFileName().toString());
                for (NamespaceType type : types) {
                    long inode = linkInode(process.resolve("ns").resolve(type.procName()));
                    if (inode < 0 || !seenInodes.add(inode)) {
                        continue;
                    }
                    try (Namespace ns = Namespace.ofProcess(Math.toIntExact(pid), type)) {
                        ids.add(ns.id().orElse(inode));
                    } catch (NamespaceException e) {
                        // exited meanwhile, or not ours to open (host pid 1 here)
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return ids.size();
    }

    private static long linkInode(Path link) {
        try {
            String target = Files.readSymbolicLink(link).toString();
            return Long.parseLong(target.substring(target.indexOf('[') + 1, target.indexOf(']')));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static boolean isNumeric(Path path) {
        String name = path.getFileName().toString();
        return !name.isEmpty() && name.chars().allMatch(c -> c >= '0' && c <= '9');
    }
}
