package io.github.nsfs4j.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The pid namespaces a benchmark works on, made by {@code bench/run} with
 * {@code unshare --pid --fork}: a file (system property {@value #PROPERTY}) with the host pid
 * of each namespace's init, one a line. Each of those processes is both a member of its
 * namespace (so {@code /proc/<pid>/ns/pid} opens it) and the expected answer to "the init pid".
 */
public final class Targets {
    private Targets() {}

    /** System property naming the targets file. */
    public static final String PROPERTY = "nsfs4j.bench.targets";

    /** The init pids, in file order; at least one. */
    public static int[] load() {
        String file = System.getProperty(PROPERTY);
        if (file == null || file.isBlank()) {
            throw new IllegalStateException("system property " + PROPERTY + " is not set: run the benchmarks"
                    + " through bench/run, which makes the pid namespaces and writes that file");
        }
        try {
            int[] pids = Files.readAllLines(Path.of(file)).stream().map(String::trim).filter(s -> !s.isEmpty())
                    .mapToInt(Integer::parseInt).toArray();
            if (pids.length == 0) {
                throw new IllegalStateException(file + " lists no pid namespace");
            }
            return pids;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the targets file " + file, e);
        }
    }

    /** Fails a benchmark's setup when a method gives a wrong answer: timing a wrong answer is worthless. */
    public static void check(String what, long expected, long actual) {
        if (expected != actual) {
            throw new IllegalStateException(what + ": expected " + expected + ", got " + actual);
        }
    }
}
