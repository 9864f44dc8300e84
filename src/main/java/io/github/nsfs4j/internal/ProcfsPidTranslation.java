package io.github.nsfs4j.internal;

import io.github.nsfs4j.kernel.KernelSupport;
import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.kernel.NsIoctl;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Pid translation from the {@code NSpid:} and {@code NStgid:} lines of
 * {@code /proc/<pid>/status}: the way before Linux 6.11, used where the kernel lacks the
 * translation requests or when the system property {@value #PROPERTY} is {@code procfs}.
 *
 * <p>Those lines list a task's ids from the pid namespace of the procfs mount down to the
 * task's own namespace. This requires {@code /proc} to be mounted for the caller's own pid
 * namespace, and costs a scan of every task for the {@code *_FROM_NAMESPACE} directions.
 */
public final class ProcfsPidTranslation {
    private ProcfsPidTranslation() {}

    /** System property choosing the translation path: {@code auto} (default), {@code ioctl} or {@code procfs}. */
    public static final String PROPERTY = "nsfs4j.pidTranslation";

    private static final Path PROC = Procfs.PROC;

    /** Whether translations go through procfs, decided once. */
    public static final class Mode {
        private Mode() {}

        /**
         * Why the property's value is unusable, or null. An unusable value sends translations
         * here, where each throws an IllegalArgumentException saying so (rather than an
         * ExceptionInInitializerError once, then NoClassDefFoundError without a word).
         */
        public static final String BAD_SETTING;
        public static final boolean PROCFS;

        static {
            String bad = null;
            boolean procfs;
            try {
                procfs = chooseProcfs(System.getProperty(PROPERTY, "auto"));
            } catch (IllegalArgumentException e) {
                bad = e.getMessage();
                procfs = true;
            }
            BAD_SETTING = bad;
            PROCFS = procfs;
        }

        /**
         * Whether translations go through procfs. On the ioctl path, whether the kernel has
         * each of the four requests is settled here, before any translation can fail: an
         * ENOTTY is then read without a probe (no such pid, or no such request).
         */
        public static boolean chooseProcfs(String setting) {
            return switch (setting.toLowerCase(Locale.ROOT)) {
                case "procfs" -> true;
                case "ioctl" -> {
                    probeAll();
                    yield false;
                }
                case "auto", "" -> !probeAll();
                default -> throw new IllegalArgumentException("system property " + PROPERTY + "=" + setting
                        + ": expected auto, ioctl or procfs");
            };
        }
    }

    /** The four translations, whose support the ioctl path must know before it asks; true if the first is there. */
    private static boolean probeAll() {
        boolean first = KernelSupport.has(NsIoctl.NS_GET_PID_FROM_PIDNS);
        KernelSupport.has(NsIoctl.NS_GET_TGID_FROM_PIDNS);
        KernelSupport.has(NsIoctl.NS_GET_PID_IN_PIDNS);
        KernelSupport.has(NsIoctl.NS_GET_TGID_IN_PIDNS);
        return first;
    }

    /**
     * One translation ({@code request}, one of the four) on the pid namespace {@code ns}; 0
     * when the pid does not exist or is not visible on the other side.
     */
    public static int translate(NsFile ns, NsIoctl request, int pid) throws Failure {
        if (Mode.BAD_SETTING != null) {
            throw new IllegalArgumentException(Mode.BAD_SETTING);
        }
        String operation = request.name() + " (procfs)";
        if (!ns.isOpen()) {
            throw Failure.closed(operation, ns.toString());
        }
        checkProcIsCallers(operation, ns);
        int depth = depthBelowCaller(ns);
        if (depth < 0) {
            // An ancestor (whose answers the kernel would give) and a sibling (whose answers
            // are all "not visible") look the same from here: NS_GET_PARENT is EPERM for both.
            throw Failure.of(Failure.Kind.FAILED, operation, ns.toString(), 0, "the /proc fallback answers only for the"
                    + " caller's own pid namespace and those below it; this one is not among them");
        }
        boolean tgid = request == NsIoctl.NS_GET_TGID_FROM_PIDNS || request == NsIoctl.NS_GET_TGID_IN_PIDNS;
        Map<Long, Boolean> memberCache = new HashMap<>();
        if (request == NsIoctl.NS_GET_PID_IN_PIDNS || request == NsIoctl.NS_GET_TGID_IN_PIDNS) {
            Task task = Task.read(PROC.resolve(Integer.toString(pid)));
            return task != null && task.isIn(ns, depth, memberCache) ? task.id(tgid, depth) : 0;
        }
        return findFrom(ns, depth, pid, tgid, memberCache);
    }

    /** Scans every task for the one whose id at {@code depth} is {@code pid}. */
    private static int findFrom(NsFile ns, int depth, int pid, boolean tgid, Map<Long, Boolean> memberCache)
            throws Failure {
        int[] processes;
        try {
            processes = Procfs.pids();
        } catch (IOException e) {
            throw Failure.of(Failure.Kind.FAILED, "scan /proc", ns.toString(), 0, "cannot list /proc: " + e.getMessage());
        }
        for (int process : processes) {
            Path processDir = PROC.resolve(Integer.toString(process));
            int[] tids;
            try {
                tids = Procfs.numericEntries(processDir.resolve("task"));
            } catch (IOException e) {
                continue; // the process exited mid-scan (ENOENT, or ESRCH while it is being torn down), or is hidden
            }
            for (int tid : tids) {
                Task task = Task.read(processDir.resolve("task").resolve(Integer.toString(tid)));
                if (task != null && task.nspid.length > depth && task.nspid[depth] == pid
                        && task.isIn(ns, depth, memberCache)) {
                    return task.id(tgid, 0);
                }
            }
        }
        return 0;
    }

    /** The NSpid and NStgid ids of one task, and where its pid namespace link is. */
    private record Task(Path dir, int[] nspid, int[] nstgid) {
        /** The task's ids from its {@code status}; null if it is gone or not readable (not found). */
        static Task read(Path dir) {
            Procfs.Status status = Procfs.Status.of(dir);
            return status == null || !status.hasNamespaceIds() ? null : new Task(dir, status.nspid(), status.nstgid());
        }

        int id(boolean tgid, int column) {
            int[] ids = tgid ? nstgid : nspid;
            return column < ids.length ? ids[column] : 0;
        }

        /** Whether this task's pid namespace is {@code ns} or below it ({@code ns} sits at column {@code depth}). */
        boolean isIn(NsFile ns, int depth, Map<Long, Boolean> cache) {
            int below = nspid.length - 1 - depth;
            if (below < 0) {
                return false;
            }
            if (depth == 0) {
                // ns is the caller's pid namespace, the one of this procfs: every task it shows is
                // in ns or below it. No need to read the task's ns link, which needs ptrace access
                // (an unprivileged caller may not read it for another user's process).
                return true;
            }
            long ownInode = Procfs.linkInode(dir.resolve("ns/pid"), NamespaceType.PID);
            if (ownInode < 0) {
                return false;
            }
            if (below == 0) {
                return ownInode == ns.inode();
            }
            return cache.computeIfAbsent(ownInode, inode -> ancestorIs(dir.resolve("ns/pid"), below, ns));
        }
    }

    private static boolean ancestorIs(Path nsFile, int hops, NsFile expected) {
        try {
            NsFile current = NamespaceFiles.open(nsFile.toString(), NamespaceType.PID);
            for (int i = 0; i < hops && current != null; i++) {
                try (NsFile step = current) {
                    current = step.related(NsIoctl.NS_GET_PARENT, NamespaceType.PID);
                }
            }
            if (current == null) {
                return false;
            }
            try (NsFile ancestor = current) {
                return ancestor.inode() == expected.inode();
            }
        } catch (Failure e) {
            return false;
        }
    }

    /** How many NS_GET_PARENT steps lead from {@code ns} to the caller's pid namespace; -1 if none do. */
    private static int depthBelowCaller(NsFile ns) throws Failure {
        long callerInode = Procfs.linkInode(PROC.resolve("self/ns/pid"), NamespaceType.PID);
        if (ns.inode() == callerInode) {
            return 0;
        }
        NsFile parent = ns.related(NsIoctl.NS_GET_PARENT, NamespaceType.PID);
        for (int depth = 1; parent != null; depth++) {
            NsFile up;
            try (NsFile p = parent) {
                if (p.inode() == callerInode) {
                    return depth;
                }
                up = p.related(NsIoctl.NS_GET_PARENT, NamespaceType.PID);
            }
            parent = up;
        }
        return -1;
    }

    private static void checkProcIsCallers(String operation, NsFile ns) throws Failure {
        Task self = Task.read(PROC.resolve("self"));
        if (self == null || self.nspid.length != 1 || self.nspid[0] != ProcessHandle.current().pid()) {
            throw Failure.of(Failure.Kind.FAILED, operation, ns.toString(), 0, "the /proc fallback needs /proc mounted for"
                    + " the caller's own pid namespace (as unshare --mount-proc does); it is not");
        }
    }
}
