package io.github.nsfs4j.internal;

import io.github.nsfs4j.linux.Downcalls;
import io.github.nsfs4j.linux.Errno;
import io.github.nsfs4j.linux.LibC;
import io.github.nsfs4j.linux.ProcessCalls;
import io.github.nsfs4j.kernel.NamespaceType;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;


/**
 * One pass over {@code /proc} that finds every namespace the caller can see: those that
 * processes are in ({@code /proc/PID/ns/*}), those only a thread is in
 * ({@code /proc/PID/task/TID/ns/*}), those processes hold fds on ({@code /proc/PID/fd/*}),
 * and those bind-mounted ({@code nsfs} entries of {@code mountinfo}, read once per mount
 * namespace); then each is opened once, for its id and the inodes of its parent and owner
 * (an ioctl, a statx and a close each), and ancestors only those relations reveal are added.
 * The counts follow lsns ({@code io.github.nsfs4j.NamespaceDiscovery} says how).
 *
 * <p>Not thread-safe: one instance per scan.
 */
public final class Scan<T> {

    /** What keeps a namespace alive, as bits of the {@code heldBy} mask a row gets. */
    public static final int HELD_BY_PROCESS = 1;
    public static final int HELD_BY_THREAD = 2;
    public static final int HELD_BY_FD = 4;
    public static final int HELD_BY_MOUNT = 8;
    public static final int HELD_BY_DESCENDANT = 16;
    public static final int HELD_BY_SOCKET = 32;

    /** Makes the caller's row for one namespace found. */
    public interface Rows<T> {
        T row(NamespaceType type, long inode, OptionalLong id, int processCount, OptionalInt lowestPid, String user,
                byte[] command, long parentInode, long ownerInode, int heldBy, byte[] path, String socket, long uid,
                List<byte[]> mountPoints);
    }

    /**
     * What a scan found: the rows in inode order, and what it could not see.
     *
     * @param namespacesOfUnknownType namespaces of a type nsfs4j does not know (a newer kernel's)
     * @param namespacesRefused namespaces seen whose files the kernel (or a sandbox) refused to
     *     open or to answer on: left out, not counted as vanished
     * @param refusal the first of those refusals, as a message; null if none
     * @param socketsRefused sockets whose net namespace could not be asked for (pidfd_getfd or
     *     SIOCGSKNS refused, or missing): a net namespace only such a socket keeps is not listed
     * @param socketRefusal the first of those refusals, as a message; null if none
     */
    public record Result<T>(List<T> namespaces, int processesScanned, int processesVanished, int processesDenied,
            int namespacesVanished, int namespacesOfUnknownType, int namespacesRefused, String refusal,
            int socketsRefused, String socketRefusal) {}

    /**
     * Scans the procfs tree at {@code proc} (a made-up one, in tests) for namespaces of
     * {@code wanted} types. {@code afterListing} runs once it has been listed,
     * {@code afterProcesses} once every process has been read (tests make processes exit and
     * namespaces die there).
     *
     * @throws Failure if {@code proc} itself cannot be listed, if no process could be read
     *     although some were refused, or if every namespace seen was refused: an empty answer
     *     would then say "none" where the truth is "could not look"
     */
    public static <T> Result<T> run(Path proc, Set<NamespaceType> wanted, Rows<T> rows, Runnable afterListing,
            Runnable afterProcesses) throws Failure {
        Downcalls.requireNativeAccess();
        Scan<T> scan = new Scan<>(proc, wanted.isEmpty() ? EnumSet.noneOf(NamespaceType.class) : EnumSet.copyOf(wanted));
        int[] pids;
        try {
            pids = Procfs.numericEntries(proc);
        } catch (IOException e) {
            throw Failure.of(Failure.Kind.FAILED, "scan", proc.toString(), 0, "cannot list " + proc + ": "
                    + e.getMessage());
        }
        afterListing.run();
        scan.processes(pids);
        if (scan.processesScanned == 0 && scan.processesDenied > 0) {
            throw Failure.of(Failure.Kind.DENIED, "scan", proc.toString(), 0, "every process of " + proc
                    + " refused reading its namespaces (" + scan.processesDenied + " refused, not even this"
                    + " process's own): is " + proc + " mounted with hidepid, or is a sandbox in the way?");
        }
        afterProcesses.run();
        ScanRelations relations = new ScanRelations(proc, scan.found, scan.typeSet, scan.unknown, scan.users);
        relations.resolve();
        if (relations.namespacesRefused > 0 && relations.namespacesOpened == 0) {
            Failure first = relations.firstRefusal;
            throw Failure.of(first.kind(), first.operation(), first.target(), first.errno(), first.detail()
                    + "; every namespace found was refused (" + relations.namespacesRefused + "), so nothing could"
                    + " be listed");
        }
        return scan.result(rows, relations);
    }

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
    /** The types asked for: the result lists these. */
    private final Set<NamespaceType> wanted;
    /** The types read: those asked for, or all of them when user is asked for (see {@link #scanned}). */
    private final NamespaceType[] types;
    private final Set<NamespaceType> typeSet;
    /** Names under {@code /proc/self/ns} of types nsfs4j does not know (a newer kernel's). */
    private final List<String> unknownNames;
    /** Inodes of namespaces of those types, seen anywhere. */
    private final Set<Long> unknown = new HashSet<>();
    private final Map<Long, FoundNamespace> found = new LinkedHashMap<>();
    /**
     * Mount namespaces whose mountinfo was read through a process whose root is the
     * namespace's root: every mount of the namespace was in it.
     */
    private final Set<Long> mountNamespacesRead = new HashSet<>();
    /** Other mount namespaces: the roots (as readlink shows them) through which mountinfo was read. */
    private final Map<Long, Set<String>> mountRootsRead = new HashMap<>();
    private final UserNames users = new UserNames();
    /** The scanning process's own mount namespace: its bind mounts are the NSFS column's, as lsns shows them. */
    private final long ownMnt;
    private int processesScanned;
    private int processesVanished;
    private int processesDenied;
    /** The socket fds of the process being read: fd numbers and socket inodes, {@link #socketCount} of them. */
    private int[] socketFds = new int[16];
    private long[] socketInodes = new long[16];
    private int socketCount;
    /** Socket inode to the inode of its net namespace (0: could not be asked), so that a shared socket is asked once. */
    private final Map<Long, Long> socketNetns = new HashMap<>();
    private int socketsRefused;
    private Failure socketRefusal;
    /** pidfd_open or pidfd_getfd is missing (ENOSYS): no socket is asked any more. */
    private boolean socketsUnreachable;

    private Scan(Path proc, Set<NamespaceType> wanted) {
        this.proc = proc;
        this.wanted = wanted;
        this.typeSet = scanned(wanted);
        this.types = typeSet.toArray(NamespaceType[]::new);
        List<String> names = new ArrayList<>();
        for (String name : Procfs.names(proc.resolve("self/ns"))) {
            if (!name.endsWith("_for_children") && Procfs.typeOfName(name) == null) {
                names.add(name);
            }
        }
        this.unknownNames = names;
        this.ownMnt = Procfs.linkInode(proc.resolve("self/ns/mnt"), NamespaceType.MNT);
    }

    /**
     * A user namespace that no process is in lives on through anything it owns: a net
     * namespace kept by a bind mount, an fd on an ipc namespace. It is found as the owner of
     * those, so listing user namespaces means reading every type; the other types are only
     * held by their own kind (processes, fds, mounts, and, for pid, child pid namespaces), so
     * reading them alone finds the same set as a full scan.
     */
    private static Set<NamespaceType> scanned(Set<NamespaceType> wanted) {
        return wanted.contains(NamespaceType.USER) ? EnumSet.allOf(NamespaceType.class) : wanted;
    }

    private void processes(int[] pids) {
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
    /** The reader of the process being read; set during {@link #processes}. */
    private ProcWalk walk;
    /** The pid whose fds {@link #fd} receives. */
    private int fdPid;

    /**
     * Reads one process's namespace links, then counts it in each: a process that exits
     * half-way through is counted nowhere. Then its fds (and its sockets' net namespaces), the
     * nsfs bind mounts of its mount namespace ({@link #mountsOf}), and its other threads.
     */
    private int process(int pid) {
        long[] inodes = new long[types.length];
        boolean any = false;
        boolean denied = false;
        boolean first = false;
        for (int i = 0; i < types.length; i++) {
            inodes[i] = -1;
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
                first |= f == null || f.processCount == 0;
            }
        }
        if (!any && denied) {
            return DENIED;
        }
        for (String name : unknownNames) {
            unknownLink("ns/" + name);
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
            user = users.nameOfOwner((int) uid, proc.resolve(Integer.toString(pid)));
        }
        for (int i = 0; i < types.length; i++) {
            if (inodes[i] < 0) {
                continue;
            }
            FoundNamespace f = found.get(inodes[i]);
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
            f.heldBy |= HELD_BY_PROCESS;
        }
        fdPid = pid;
        walk.fds(fds);
        sockets(pid);
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
            mountsOf(pid, 0, mnt);
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
                f.heldBy |= HELD_BY_THREAD;
            }
            for (String name : unknownNames) {
                unknownLink("ns/" + name);
            }
            if (!typeSet.contains(NamespaceType.MNT) && walk.readlink("ns/mnt") > 0) {
                mnt = walk.nsInode(NamespaceType.MNT);
            }
            if (mnt >= 0 && mnt != processMnt) {
                mountsOf(pid, tid, mnt);
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
            Scan.this.fd(number);
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

    /** One fd of {@link #fdPid}, its link the walker's last. */
    private void fd(int number) {
        long socket = walk.socketInode();
        if (socket >= 0) {
            if (typeSet.contains(NamespaceType.NET)) {
                socket(number, socket);
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
        f.heldBy |= HELD_BY_FD;
    }

    /** Notes a socket fd of the process being read, for {@link #sockets}. */
    private void socket(int number, long inode) {
        if (socketCount == socketFds.length) {
            socketFds = Arrays.copyOf(socketFds, socketCount * 2);
            socketInodes = Arrays.copyOf(socketInodes, socketCount * 2);
        }
        socketFds[socketCount] = number;
        socketInodes[socketCount++] = inode;
    }

    /**
     * The net namespaces of the sockets of process {@code pid} that no process read before
     * shared ({@link SocketNamespaces}): a copy of each socket's fd, SIOCGSKNS, a statx, two
     * closes; the process's pidfd opened once. A net namespace only a socket keeps alive is
     * found this way alone. What the kernel or the permissions refuse is counted, with the
     * first reason; a kernel without pidfd_getfd (before 5.6) is asked once.
     */
    private void sockets(int pid) {
        int n = socketCount;
        socketCount = 0;
        int pidfd = -1;
        try {
            for (int i = 0; i < n; i++) {
                long socket = socketInodes[i];
                Long known = socketNetns.get(socket);
                if (known != null) {
                    if (known != 0) {
                        socketHolder(known, pid, socketFds[i]);
                    }
                    continue;
                }
                if (socketsUnreachable) {
                    socketsRefused++;
                    continue;
                }
                if (pidfd < 0) {
                    pidfd = ProcessCalls.pidfd_open(pid, 0);
                    if (pidfd < 0) {
                        if (-pidfd == Errno.ENOSYS) {
                            socketRefused(pid, socketFds[i], -pidfd);
                            socketsUnreachable = true;
                            continue;
                        }
                        return; // it exited: its sockets went with it, or to others still read
                    }
                }
                int ns = SocketNamespaces.netNamespaceOf(pidfd, socketFds[i], socket);
                if (ns < 0) {
                    if (-ns == Errno.EBADF || -ns == Errno.ESRCH) {
                        continue; // closed (or its number reused) meanwhile, or the process exited
                    }
                    socketNetns.put(socket, 0L);
                    socketRefused(pid, socketFds[i], -ns);
                    socketsUnreachable |= -ns == Errno.ENOSYS;
                    continue;
                }
                try {
                    long inode = NamespaceFiles.inodeOf(ns, "a socket's net namespace");
                    socketNetns.put(socket, inode);
                    socketHolder(inode, pid, socketFds[i]);
                } catch (Failure e) {
                    // an nsfs fd the kernel just made always has an inode: nothing to count
                } finally {
                    LibC.close(ns);
                }
            }
        } finally {
            if (pidfd >= 0) {
                LibC.close(pidfd);
            }
        }
    }

    private void socketRefused(int pid, int fd, int errno) {
        socketsRefused++;
        if (socketRefusal == null) {
            socketRefusal = SocketNamespaces.failure(SocketNamespaces.describe(pid, fd), pid, fd, errno);
        }
    }

    private void socketHolder(long inode, int pid, int fd) {
        FoundNamespace f = found.computeIfAbsent(inode, i -> new FoundNamespace(NamespaceType.NET, i));
        if (f.path == null) {
            f.path = new FoundNamespace.Holding(SocketNamespaces.describe(pid, fd).getBytes(StandardCharsets.ISO_8859_1),
                    false, pid, fd);
        }
        f.heldBy |= HELD_BY_SOCKET;
    }

    /**
     * The nsfs bind mounts of mount namespace {@code mnt}, through the process (or thread)
     * {@code dir}, unless they were read already. mountinfo shows only the mounts under the
     * reader's root, so one process whose root is the namespace's own ({@code readlink
     * /proc/PID/root} is {@code /}) shows them all and settles the namespace; a chrooted one
     * (a daemon, a container's init, a pid 1 that kept an initramfs root) shows those under its
     * root, so each distinct root is read once until such a process comes. Cost: one readlink
     * per mount namespace (and per process of a namespace not settled yet), and one mountinfo
     * per distinct root: fewer calls than listmount(2) and statmount(2), which need one call
     * per mount and exist only from Linux 6.8 (6.11 for another mount namespace), so the same
     * answer on every kernel.
     */
    private void mountsOf(int pid, int tid, long mnt) {
        if (mountNamespacesRead.contains(mnt)) {
            return;
        }
        if (tid > 0) {
            walk.task(pid, tid);
        } else {
            walk.process(pid);
        }
        // unreadable: its mountinfo may still be, read once as one more root
        String root = walk.readlink("root") < 0 ? "" : walk.linkIsSlash() ? "/" : walk.linkText();
        boolean whole = root.equals("/");
        if (whole) {
            mountNamespacesRead.add(mnt);
            mountRootsRead.remove(mnt);
        } else if (!mountRootsRead.computeIfAbsent(mnt, k -> new HashSet<>()).add(root)) {
            return; // this root's mounts were read through another process
        }
        Path dir = proc.resolve(Integer.toString(pid));
        if (tid > 0) {
            dir = dir.resolve("task").resolve(Integer.toString(tid));
        }
        mounts(dir, whole && mnt == ownMnt);
    }

    /** The nsfs mounts of {@code dir}'s mountinfo; {@code own}: it is ours, its mount points are the NSFS column's. */
    private void mounts(Path dir, boolean own) {
        List<Mountinfo.NsfsMount> mounts;
        try {
            mounts = Mountinfo.nsfsMounts(dir);
        } catch (IOException e) {
            return;
        }
        for (Mountinfo.NsfsMount m : mounts) {
            NamespaceType type = Procfs.typeOfLink(m.root());
            if (type == null) {
                long inode = Procfs.anyInode(m.root()); // on nsfs: a namespace, of a type we do not know
                if (inode >= 0) {
                    unknown.add(inode);
                }
                continue;
            }
            if (!typeSet.contains(type)) {
                continue;
            }
            // The mount point's bytes as they are: /proc/PID/root/ then any bytes at all.
            byte[] root = dir.resolve("root").toString().getBytes(StandardCharsets.ISO_8859_1);
            byte[] where = Arrays.copyOf(root, root.length + m.mountPoint().length);
            System.arraycopy(m.mountPoint(), 0, where, root.length, m.mountPoint().length);
            FoundNamespace f = found.computeIfAbsent(Procfs.nsInode(m.root(), type), i -> new FoundNamespace(type, i));
            f.holder(new FoundNamespace.Holding(where, false));
            f.heldBy |= HELD_BY_MOUNT;
            if (own) {
                if (f.ownMounts == null) {
                    f.ownMounts = new ArrayList<>(1);
                }
                f.ownMounts.add(m.mountPoint());
            }
        }
    }

    private Result<T> result(Rows<T> rows, ScanRelations relations) {
        List<FoundNamespace> list = new ArrayList<>(found.size());
        for (FoundNamespace f : found.values()) {
            if (wanted.contains(f.type)) {
                list.add(f);
            }
        }
        list.sort((a, b) -> Long.compareUnsigned(a.inode, b.inode));
        List<T> out = new ArrayList<>(list.size());
        for (FoundNamespace f : list) {
            out.add(rows.row(f.type, f.inode, f.id == 0 ? OptionalLong.empty() : OptionalLong.of(f.id),
                    f.processCount, f.lowestPid > 0 ? OptionalInt.of(f.lowestPid) : OptionalInt.empty(), f.user,
                    f.command, f.parentInode, f.ownerInode, f.heldBy, f.openedPath, f.openedSocket, f.uid,
                    f.ownMounts == null ? List.of() : f.ownMounts));
        }
        return new Result<>(out, processesScanned, processesVanished, processesDenied, relations.namespacesVanished,
                unknown.size(), relations.namespacesRefused,
                relations.firstRefusal == null ? null : relations.firstRefusal.getMessage(), socketsRefused,
                socketRefusal == null ? null : socketRefusal.getMessage());
    }
}
