package io.github.nsfs4j.bench;

import io.github.nsfs4j.internal.Failure;
import io.github.nsfs4j.internal.NamespaceFiles;
import io.github.nsfs4j.internal.NsFile;
import io.github.nsfs4j.internal.ProcfsPidTranslation;
import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.kernel.NsIoctl;
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

    /** What {@code NS_GET_NSTYPE} answers for a pid namespace. */
    public static final int CLONE_NEWPID = 0x20000000;

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

    /** The file that opens the pid namespace of {@code pid}. */
    public static String pidNsPath(int pid) {
        return "/proc/" + pid + "/ns/pid";
    }

    /**
     * The pid namespace of {@code pid} as the library's open namespace file, the one a
     * {@code PidNamespace} wraps: for measuring what the API does not expose.
     */
    public static NsFile openPidNs(int pid) throws Failure {
        return NamespaceFiles.open(pidNsPath(pid), NamespaceType.PID);
    }

    /**
     * The host pid of the init of {@code ns} through the library's {@code NSpid} fallback
     * (the pre-6.11 path), forced: one scan of {@code /proc}.
     */
    public static int initPidViaProcfs(NsFile ns) throws Failure {
        return ProcfsPidTranslation.translate(ns, NsIoctl.NS_GET_PID_FROM_PIDNS, 1);
    }

    /** Fails a benchmark's setup when a method gives a wrong answer: timing a wrong answer is worthless. */
    public static void check(String what, long expected, long actual) {
        if (expected != actual) {
            throw new IllegalStateException(what + ": expected " + expected + ", got " + actual);
        }
    }

    /**
     * Fails a benchmark's setup unless one way of making the four requests ({@code via}) gives
     * the true answers on the pid namespace whose init has host pid {@code initHostPid} and
     * whose id is {@code expectedId}: {@code NS_GET_NSTYPE} is {@link #CLONE_NEWPID},
     * {@code NS_GET_ID} the id, {@code NS_GET_PID_FROM_PIDNS} of 1 the init's host pid and
     * {@code NS_GET_PID_IN_PIDNS} of that host pid 1.
     */
    public static void checkRequests(String via, int initHostPid, long expectedId, long nstype, long id,
            long pidFromPidns, long pidInPidns) {
        check(via + " NS_GET_NSTYPE", CLONE_NEWPID, nstype);
        check(via + " NS_GET_ID", expectedId, id);
        check(via + " NS_GET_PID_FROM_PIDNS", initHostPid, pidFromPidns);
        check(via + " NS_GET_PID_IN_PIDNS", 1, pidInPidns);
    }
}
