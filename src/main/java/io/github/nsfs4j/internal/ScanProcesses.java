package io.github.nsfs4j.internal;

import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.linux.Errno;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The process phase of a {@link Scan}: every process of {@code /proc} read through
 * {@link ProcWalk}, for the namespaces it is in ({@code ns/*}), those only one of its threads
 * is in ({@code task/TID/ns/*}), those it holds fds on ({@code fd/*}), the net namespaces of
 * its sockets ({@link ScanSockets}) and the bind mounts of its mount namespace
 * ({@link ScanMounts}). Not thread-safe: one per scan.
 */
final class ScanProcesses {
    /**
     * The types a thread can hold apart from its process. setns and unshare of a user or time
     * namespace refuse a multithreaded caller (EINVAL, EUSERS), and a pid namespace is the same
     * for every thread of a process (setns and unshare change only the one for children), so
     * the other three links of a thread are its process's: not read, to keep per-thread
     * scanning cheap.
     */
    private static final Set<NamespaceType> PER_THREAD = EnumSet.of(NamespaceType.CGROUP, NamespaceType.IPC,
            NamespaceType.MNT, NamespaceType.NET, NamespaceType.UTS);

    private final Path proc;
    /** The types read: those asked for, or all of them when user is asked for ({@link Scan}). */
    private final NamespaceType[] types;
    private final Set<NamespaceType> typeSet;
    /** Names under {@code /proc/self/ns} of types nsfs4j does not know (a newer kernel's). */
    private final List<String> unknownNames;
    /** Their links, {@code ns/NAME}. */
    private final List<String> unknownLinks = new ArrayList<>();
    /** Inodes of namespaces of those types, seen anywhere. */
    final Set<Long> unknown = new HashSet<>();
    final Map<Long, FoundNamespace> found = new LinkedHashMap<>();
    final UserNames users = new UserNames();
    final ScanSockets sockets = new ScanSockets(found);
    private final ScanMounts mounts;
    int processesScanned;
    int processesVanished;
    int processesDenied;

    ScanProcesses(Path proc, Set<NamespaceType> typeSet) {
        this.proc = proc;
        this.typeSet = typeSet;
        this.types = typeSet.toArray(NamespaceType[]::new);
        this.inodes = new long[types.length];
        this.seen = new FoundNamespace[types.length];
        List<String> names = new ArrayList<>();
        for (String name : Procfs.names(proc.resolve("self/ns"))) {
            if (!name.endsWith("_for_children") && Procfs.typeOfName(name) == null) {
                names.add(name);
            }
        }
        this.unknownNames = names;
        for (String name : names) {
            unknownLinks.add("ns/" + name);
        }
        this.mounts = new ScanMounts(proc, found, typeSet, unknown);
    }

    void run(int[] pids) {
        try (ProcWalk walk = new ProcWalk(proc)) {
            this.walk = walk;
            for (int pid : pids) {
                walk.process(pid);
                int outcome = process(pid);
                if (outcome == READ) {
                    processesScanned++;
                } else if (outcome == DENIED) {
                    processesDenied++;
                } else {
                    processesVanished++; // gone, or torn down (ESRCH) while it was read
                }
            }
        } finally {
            this.walk = null;
        }
    }

    private static final int READ = 0, DENIED = 1, GONE = 2;
    /** The reader of the process being read; set during {@link #run}. */
    private ProcWalk walk;
    /** The process being read: its namespace of each type read (by index in {@link #types}), -1 for none. */
    private final long[] inodes;
    /** And what was found of each before this process, null for nothing. */
    private final FoundNamespace[] seen;

    /**
     * Reads one process's namespace links, then counts it in each: a process that exits
     * half-way through is counted nowhere. Then its fds (and its sockets' net namespaces), the
     * nsfs bind mounts of its mount namespace ({@link ScanMounts#of}), and its other threads.
     */
    private int process(int pid) {
        boolean any = false;
        boolean denied = false;
        boolean first = false;
        for (int i = 0; i < types.length; i++) {
            inodes[i] = -1;
            seen[i] = null;
            int n = walk.readlink(nsPath(types[i]));
            if (n < 0) {
                if (-n == Errno.EACCES || -n == Errno.EPERM) {
                    denied = true;
                } else if (-n == Errno.ESRCH || -n == Errno.ENOENT && !walk.exists()) {
                    return GONE; // gone, or being torn down
                }
                continue; // a zombie, or a type the kernel lacks
            }
            inodes[i] = walk.nsInode(types[i]);
            if (inodes[i] >= 0) {
                any = true;
                FoundNamespace f = found.get(inodes[i]);
                seen[i] = f;
                first |= f == null || f.processCount == 0;
            }
        }
        if (!any && denied) {
            return DENIED;
        }
        for (String link : unknownLinks) {
            unknownLink(link);
        }
        String user = "";
        byte[] command = {};
        long uid = -1;
        if (first) {
            uid = walk.ownerUid(); // the owner of /proc/PID: the process's effective uid, as lsns reports it
            command = walk.command();
            if (uid < 0 || command == null) {
                return GONE;
            }
            user = users.known((int) uid);
            if (user == null) {
                user = users.nameOfOwner((int) uid, proc.resolve(Integer.toString(pid)));
            }
        }
        for (int i = 0; i < types.length; i++) {
            if (inodes[i] < 0) {
                continue;
            }
            FoundNamespace f = seen[i];
            if (f == null) {
                f = new FoundNamespace(types[i], inodes[i]);
                found.put(inodes[i], f);
            }
            if (f.processCount++ == 0) {
                f.lowestPid = pid;
                f.user = user;
                f.uid = uid;
                f.command = command;
            } else {
                f.lastPid = pid; // the latest process: likely alive if the lowest one exits
            }
            f.heldBy |= Scan.HELD_BY_PROCESS;
        }
        walk.fds(fds);
        sockets.ask(pid);
        long mnt = -1;
        for (int i = 0; i < types.length; i++) {
            if (types[i] == NamespaceType.MNT) {
                mnt = inodes[i];
            }
        }
        if (mnt < 0 && !typeSet.contains(NamespaceType.MNT) && walk.readlink("ns/mnt") > 0) {
            mnt = walk.nsInode(NamespaceType.MNT);
        }
        if (mnt >= 0) {
            mounts.of(walk, pid, 0, mnt);
        }
        tasks(pid, inodes, mnt);
        return READ;
    }

    /**
     * The other threads of a process: one that called setns or unshare may be in a namespace
     * no process is in. Their links are read and compared with the process's (nothing is
     * opened for a thread where its process already is); a single-threaded process costs one
     * statx. A thread in a mount namespace of its own has its bind mounts read too, so the mount
     * namespace is read whatever the type filter.
     */
    private void tasks(int pid, long[] processInodes, long processMnt) {
        walk.process(pid);
        if (walk.threadCount() < 2) {
            return; // one thread, or it exited after being read: what it held was recorded already
        }
        int[] tids;
        try {
            tids = Procfs.numericEntries(proc.resolve(Integer.toString(pid)).resolve("task"));
        } catch (IOException e) {
            return;
        }
        for (int tid : tids) {
            if (tid == pid) {
                continue; // the leader: its links are the process's
            }
            walk.task(pid, tid);
            long mnt = -1;
            for (int i = 0; i < types.length; i++) {
                NamespaceType type = types[i];
                if (!PER_THREAD.contains(type)) {
                    continue;
                }
                long inode = walk.readlink(nsPath(type)) > 0 ? walk.nsInode(type) : -1;
                if (type == NamespaceType.MNT) {
                    mnt = inode;
                }
                if (inode < 0 || inode == processInodes[i]) {
                    continue;
                }
                FoundNamespace f = found.computeIfAbsent(inode, ino -> new FoundNamespace(type, ino));
                f.holder(new FoundNamespace.Holding(walk.pathBytes(nsPath(type)), true));
                f.heldBy |= Scan.HELD_BY_THREAD;
            }
            for (String link : unknownLinks) {
                unknownLink(link);
            }
            if (!typeSet.contains(NamespaceType.MNT) && walk.readlink("ns/mnt") > 0) {
                mnt = walk.nsInode(NamespaceType.MNT);
            }
            if (mnt >= 0 && mnt != processMnt) {
                mounts.of(walk, pid, tid, mnt);
            }
        }
    }

    /** Counts the namespace a link of an unknown type ({@code ns/NAME}) names. */
    private void unknownLink(String rel) {
        if (walk.readlink(rel) > 0) {
            long inode = Procfs.anyInode(walk.linkText());
            if (inode >= 0) {
                unknown.add(inode);
            }
        }
    }

    /** Hands the fds of {@link ProcWalk#fds} to {@link #fd} (a named class: no lambda on a command's path). */
    private final class Fds implements ProcWalk.FdSink {
        @Override
        public void fd(int number) {
            ScanProcesses.this.fd(number);
        }
    }

    private final Fds fds = new Fds();

    private static final NamespaceType[] ALL_TYPES = NamespaceType.values();

    /** The {@code ns/NAME} path of each type, by ordinal. */
    private static final String[] NS_PATHS = nsPaths();

    private static String[] nsPaths() {
        String[] paths = new String[NamespaceType.values().length];
        for (NamespaceType t : NamespaceType.values()) {
            paths[t.ordinal()] = "ns/" + t.procName();
        }
        return paths;
    }

    private static String nsPath(NamespaceType type) {
        return NS_PATHS[type.ordinal()];
    }

    /** One fd of the process being read, its link the walker's last. */
    private void fd(int number) {
        long socket = walk.socketInode();
        if (socket >= 0) {
            if (typeSet.contains(NamespaceType.NET)) {
                sockets.socket(number, socket);
            }
            return;
        }
        if (walk.linkStartsWith("/") || walk.linkStartsWith("pipe:") || walk.linkStartsWith("anon_inode:")) {
            return; // a file, a pipe, an eventfd...: the common fds, told apart without a String
        }
        NamespaceType type = null;
        long inode = -1;
        for (NamespaceType t : ALL_TYPES) {
            inode = walk.nsInode(t);
            if (inode >= 0) {
                type = t;
                break;
            }
        }
        if (type == null) {
            // socket:[N] and pipe:[N] look the same: only names /proc/self/ns has are namespaces
            String target = walk.linkText();
            String name = Procfs.linkName(target);
            if (name != null && unknownNames.contains(name)) {
                unknown.add(Procfs.anyInode(target));
            }
            return;
        }
        if (!typeSet.contains(type)) {
            return;
        }
        NamespaceType t = type;
        FoundNamespace f = found.computeIfAbsent(inode, i -> new FoundNamespace(t, i));
        f.holder(new FoundNamespace.Holding(walk.pathBytes("fd/" + number), false));
        f.heldBy |= Scan.HELD_BY_FD;
    }
}
