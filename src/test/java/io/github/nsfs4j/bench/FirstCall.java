package io.github.nsfs4j.bench;

import io.github.nsfs4j.PidNamespace;

/**
 * What a library user pays on the first call of a fresh JVM: {@code PidNamespace.ofProcess}
 * (open, checks, NS_GET_NSTYPE, statx, NS_GET_ID) and one {@code initPid()}
 * (NS_GET_PID_FROM_PIDNS), timed inside the JVM from before the first nsfs4j class is
 * touched; then the same again, warm for the library but not for the JIT. Prints
 * {@code first_ns second_ns answer} for the init pid given; bench/run checks the answer and
 * runs it in several fresh JVMs.
 */
public final class FirstCall {
    private FirstCall() {}

    public static void main(String[] args) throws Exception {
        int pid = Integer.parseInt(args[0]);
        long t0 = System.nanoTime();
        int answer = initPid(pid);
        long t1 = System.nanoTime();
        int again = initPid(pid);
        long t2 = System.nanoTime();
        if (again != answer) {
            throw new IllegalStateException("two answers: " + answer + " and " + again);
        }
        System.out.println((t1 - t0) + " " + (t2 - t1) + " " + answer);
    }

    private static int initPid(int pid) throws Exception {
        try (PidNamespace ns = PidNamespace.ofProcess(pid)) {
            return ns.initPid().orElse(-1);
        }
    }
}
