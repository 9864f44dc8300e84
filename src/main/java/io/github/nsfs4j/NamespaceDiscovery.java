package io.github.nsfs4j;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Finds every namespace visible on the machine, in one pass over {@code /proc}: those that
 * processes are in ({@code /proc/PID/ns/*}), those that only some thread is in
 * ({@code /proc/PID/task/TID/ns/*}: a thread that called setns or unshare; lsns does not see
 * these), those that processes hold open fds on
 * ({@code /proc/PID/fd/*}), and those kept alive by bind mounts ({@code nsfs} entries of
 * {@code /proc/PID/mountinfo}, read once per mount namespace). Each namespace found is
 * opened once, to read its id, parent and owner; ancestors that only those relations reveal
 * are added too, as lsns does in its tree views.
 *
 * <p>The counts follow util-linux lsns: a namespace's processes are the processes (not
 * threads) whose {@code /proc/PID/ns/TYPE} names it; its representative is the lowest such
 * pid, with that process's user (the owner of {@code /proc/PID}) and command line (NULs as
 * spaces; {@code comm} for a kernel thread). A namespace no process is in has no pid and no
 * command; its user is the one that created it (a user namespace) or its owning user
 * namespace.
 *
 * <p>Processes that exit during the scan, {@code /proc} entries the caller may not read, and
 * namespaces that die before they are opened are skipped and counted in the snapshot, never
 * an error; a process that exits half-way through being read is counted in no namespace.
 * Namespaces of a type this library does not know (one a newer kernel adds: a name under
 * {@code /proc/PID/ns} beyond the eight of {@link NamespaceType}, or an nsfs bind mount of
 * one) are not listed either: they are counted, in
 * {@link NamespaceSnapshot#namespacesOfUnknownType()}.
 * What the caller may not inspect (for example another user's processes, for an
 * unprivileged caller) is simply not seen.
 *
 * <p><b>Kernel:</b> Linux 4.11 (NS_GET_NSTYPE, NS_GET_USERNS, NS_GET_PARENT); ids need 6.18
 * (NS_GET_ID), else they are empty.
 *
 * <p>Thread-safe: each scan is independent and holds no fd after it returns.
 */
public final class NamespaceDiscovery {
    private NamespaceDiscovery() {}


    /**
     * Scans for namespaces of every type.
     *
     * @return what was found
     * @throws NamespaceException only if {@code /proc} itself cannot be listed
     * @throws IllegalCallerException if native access is not enabled for nsfs4j
     */
    public static NamespaceSnapshot scan() throws NamespaceException {
        return scan(EnumSet.allOf(NamespaceType.class));
    }

    /**
     * Scans for namespaces of the given types (an empty set finds none): the namespaces of
     * those types that {@link #scan()} finds, no fewer (a user namespace only a namespace of
     * another type keeps alive is listed too). Namespaces of other types are not listed, but
     * their inodes still appear as {@link DiscoveredNamespace#parentInode()} and
     * {@link DiscoveredNamespace#ownerInode()}.
     *
     * @param types the types to list
     * @return what was found
     *
     * @throws NamespaceException only if {@code /proc} itself cannot be listed
     * @throws IllegalCallerException if native access is not enabled for nsfs4j
     */
    public static NamespaceSnapshot scan(Set<NamespaceType> types) throws NamespaceException {
        return scan(types, () -> {}, () -> {});
    }

    /**
     * {@link #scan(Set)}, with two pauses for tests: {@code afterListing} runs once /proc has
     * been listed (processes that exit then vanish mid-scan), {@code afterProcesses} once every
     * process has been read and before any namespace is opened (namespaces that die then
     * vanish mid-scan).
     */
    static NamespaceSnapshot scan(Set<NamespaceType> types, Runnable afterListing, Runnable afterProcesses)
            throws NamespaceException {
        return scan(Procfs.PROC, types, afterListing, afterProcesses);
    }

    /** {@link #scan(Set, Runnable, Runnable)} of the procfs tree at {@code proc} (a made-up one, in tests). */
    static NamespaceSnapshot scan(Path proc, Set<NamespaceType> types, Runnable afterListing, Runnable afterProcesses)
            throws NamespaceException {
        Objects.requireNonNull(types, "types");
        LibC.requireNativeAccess();
        Scan scan = new Scan(proc, types.isEmpty() ? EnumSet.noneOf(NamespaceType.class) : EnumSet.copyOf(types));
        int[] pids;
        try {
            pids = Procfs.numericEntries(proc);
        } catch (IOException e) {
            throw new NamespaceException("scan", proc.toString(), 0, "cannot list " + proc + ": " + e.getMessage());
        }
        afterListing.run();
        scan.processes(pids);
        afterProcesses.run();
        scan.resolve();
        return scan.snapshot();
    }

    /**
     * The ids of every active namespace of the given types (all types if empty), optionally
     * only those owned by one user namespace, in ascending order. Uses listns(2) where the
     * kernel has it (Linux 6.19); on ENOSYS falls back to {@link #scan}, which sees what
     * {@code /proc}, fds and bind mounts show the caller. Ids need Linux 6.18 (NS_GET_ID); on
     * older kernels the fallback finds none.
     *
     * @param types the types to list; an empty set lists every type
     * @param owner the owning user namespace, or null for any owner
     * @return the ids, unsigned, ascending
     * @throws UnsupportedRequestException if {@code owner} is given but has no id (before Linux 6.18)
     * @throws NamespaceException if listns(2) refuses, or the fallback cannot list {@code /proc}
     */
    public static List<Long> activeIds(Set<NamespaceType> types, UserNamespace owner) throws NamespaceException {
        Objects.requireNonNull(types, "types");
        LibC.requireNativeAccess();
        int mask = 0;
        for (NamespaceType type : types) {
            mask |= type.cloneFlag();
        }
        long ownerId = 0;
        if (owner != null) {
            ownerId = owner.id().orElseThrow(() -> new UnsupportedRequestException(NsIoctl.NS_GET_ID, owner.toString()));
        }
        List<Long> ids = new ArrayList<>();
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            java.lang.foreign.MemorySegment req = arena.allocate(Structs.NS_ID_REQ);
            int batch = 256;
            java.lang.foreign.MemorySegment out = arena.allocate((long) batch * Long.BYTES, 8);
            long cursor = 0;
            for (;;) {
                int n = LibC.listns(Structs.nsIdRequest(req, cursor, mask, ownerId), out, batch, 0);
                if (n == -Errnos.ENOSYS) {
                    return activeIdsByScan(types, owner);
                }
                if (n == -Errnos.ENOENT && cursor != 0) {
                    return ids; // the kernel's answer for a cursor with nothing after it: the last page was full
                }
                if (n < 0) {
                    throw Errnos.failure("listns", "the namespaces of this machine", -n, "cannot list namespaces");
                }
                for (int i = 0; i < n; i++) {
                    ids.add(out.getAtIndex(java.lang.foreign.ValueLayout.JAVA_LONG, i));
                }
                if (n < batch) {
                    return ids;
                }
                cursor = ids.get(ids.size() - 1);
            }
        }
    }

    /** The fallback of {@link #activeIds}: ids of what a scan finds. */
    static List<Long> activeIdsByScan(Set<NamespaceType> types, UserNamespace owner) throws NamespaceException {
        NamespaceSnapshot snapshot = scan(types.isEmpty() ? EnumSet.allOf(NamespaceType.class) : types);
        List<Long> ids = new ArrayList<>();
        for (DiscoveredNamespace ns : snapshot.namespaces()) {
            if (ns.id().isPresent() && (owner == null || ns.ownerInode() == owner.inode())) {
                ids.add(ns.id().getAsLong());
            }
        }
        ids.sort(Long::compareUnsigned);
        return ids;
    }

    /** A namespace as it is being found. */
    private static final class Found {
        final NamespaceType type;
        final long inode;
        int processCount;
        int lowestPid;
        String user = "";
        String command = "";
        final EnumSet<DiscoveredNamespace.Holder> heldBy = EnumSet.noneOf(DiscoveredNamespace.Holder.class);
        /** The first holder's path: the lowest pid's link, else the first fd or mount seen. Bytes, see {@link #bytes}. */
        byte[] path;
        /** Another holder's path, tried when {@link #path} no longer opens (that holder is gone). */
        byte[] backup;
        OptionalLong id = OptionalLong.empty();
        long parentInode;
        long ownerInode;

        Found(NamespaceType type, long inode) {
            this.type = type;
            this.inode = inode;
        }

        void holder(byte[] where) {
            if (path == null) {
                path = where;
            } else if (!Arrays.equals(where, path)) {
                backup = where;
            }
        }

        DiscoveredNamespace freeze() {
            return new DiscoveredNamespace(type, inode, id, processCount,
                    lowestPid > 0 ? OptionalInt.of(lowestPid) : OptionalInt.empty(), user, command,
                    parentInode, ownerInode, heldBy, path);
        }
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

    /** A /proc path the scan made (ASCII: digits and fixed names) as the bytes the kernel is given. */
    private static byte[] bytes(Path procPath) {
        return procPath.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private static final class Scan {
        final Path proc;
        /** The types asked for: the snapshot lists these. */
        final Set<NamespaceType> wanted;
        /** The types read: those asked for, or all of them when user is asked for (see {@link #scanned}). */
        final NamespaceType[] types;
        final Set<NamespaceType> typeSet;
        /** Names under {@code /proc/self/ns} of types this library does not know (a newer kernel's). */
        final List<String> unknownNames;
        /** Inodes of namespaces of those types, seen anywhere. */
        final Set<Long> unknown = new HashSet<>();
        final Map<Long, Found> found = new LinkedHashMap<>();
        /** Mount namespaces whose mountinfo was read. */
        final Set<Long> mountNamespacesRead = new HashSet<>();
        final UserNames users = new UserNames();
        int processesScanned;
        int processesVanished;
        int processesDenied;
        int namespacesVanished;

        Scan(Path proc, Set<NamespaceType> wanted) {
            this.proc = proc;
            this.wanted = wanted;
            this.typeSet = scanned(wanted);
            this.types = typeSet.toArray(NamespaceType[]::new);
            this.unknownNames = unknownTypeNames(proc.resolve("self/ns"));
        }

        /**
         * A user namespace that no process is in lives on through anything it owns: a net
         * namespace kept by a bind mount, an fd on an ipc namespace. It is found as the owner
         * of those, so listing user namespaces means reading every type; the other types are
         * only held by their own kind (processes, fds, mounts, and, for pid, child pid
         * namespaces), so reading them alone finds the same set as a full scan.
         */
        private static Set<NamespaceType> scanned(Set<NamespaceType> wanted) {
            return wanted.contains(NamespaceType.USER) ? EnumSet.allOf(NamespaceType.class) : wanted;
        }

        /** Entries of {@code /proc/self/ns} that name no known type (the {@code *_for_children} links aside). */
        private static List<String> unknownTypeNames(Path selfNs) {
            List<String> names = new ArrayList<>();
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(selfNs)) {
                for (Path entry : entries) {
                    String name = entry.getFileName().toString();
                    if (!name.endsWith("_for_children") && !isKnownType(name)) {
                        names.add(name);
                    }
                }
            } catch (IOException | java.nio.file.DirectoryIteratorException e) {
                // no /proc/self (another pid namespace's procfs): no unknown types to look for
            }
            return names;
        }

        private static boolean isKnownType(String name) {
            for (NamespaceType type : NamespaceType.values()) {
                if (type.procName().equals(name)) {
                    return true;
                }
            }
            return false;
        }

        void processes(int[] pids) {
            for (int pid : pids) {
                Path dir = proc.resolve(Integer.toString(pid));
                try {
                    process(pid, dir);
                    processesScanned++;
                } catch (AccessDeniedException e) {
                    processesDenied++;
                } catch (IOException e) {
                    processesVanished++; // NoSuchFileException, or ESRCH from a process being torn down
                }
            }
        }

        /**
         * Reads one process's namespace links, then counts it in each: a process that exits
         * half-way through is counted nowhere. Then its fds, and the nsfs bind mounts of its
         * mount namespace if no process read before was in that one.
         */
        private void process(int pid, Path dir) throws IOException {
            long[] inodes = new long[types.length];
            boolean any = false;
            boolean denied = false;
            boolean first = false;
            Path nsDir = dir.resolve("ns");
            for (int i = 0; i < types.length; i++) {
                inodes[i] = -1;
                try {
                    inodes[i] = Procfs.nsInode(Procfs.link(nsDir.resolve(types[i].procName())), types[i]);
                } catch (AccessDeniedException e) {
                    denied = true;
                    continue;
                } catch (NoSuchFileException e) {
                    if (!Files.exists(dir)) {
                        throw e;
                    }
                    continue; // a zombie, or a type the kernel lacks
                }
                if (inodes[i] >= 0) {
                    any = true;
                    Found f = found.get(inodes[i]);
                    first |= f == null || f.processCount == 0;
                }
            }
            if (!any && denied) {
                throw new AccessDeniedException(dir.toString());
            }
            for (String name : unknownNames) {
                unknownLink(nsDir.resolve(name));
            }
            String user = "";
            String command = "";
            if (first) {
                user = users.ownerOf(dir); // the process's effective uid, as lsns reports it
                command = Procfs.command(dir); // throws NoSuchFileException if the process is gone by now
            }
            for (int i = 0; i < types.length; i++) {
                if (inodes[i] < 0) {
                    continue;
                }
                NamespaceType type = types[i];
                Found f = found.computeIfAbsent(inodes[i], ino -> new Found(type, ino));
                byte[] link = bytes(nsDir.resolve(type.procName()));
                if (f.processCount++ == 0) {
                    f.lowestPid = pid;
                    f.user = user;
                    f.command = command;
                    f.backup = f.path; // an fd or mount seen before stays the second choice
                    f.path = link;
                } else {
                    f.backup = link; // the latest process: likely alive if the lowest one exits
                }
                f.heldBy.add(DiscoveredNamespace.Holder.PROCESS);
            }
            Procfs.fds(dir, this::fd);
            long mnt = -1;
            for (int i = 0; i < types.length; i++) {
                if (types[i] == NamespaceType.MNT) {
                    mnt = inodes[i];
                }
            }
            if (mnt < 0 && !typeSet.contains(NamespaceType.MNT)) {
                mnt = Procfs.linkInode(nsDir.resolve("mnt"), NamespaceType.MNT);
            }
            if (mnt >= 0 && mountNamespacesRead.add(mnt)) {
                mounts(dir);
            }
            tasks(pid, dir, inodes, mnt);
        }

        /**
         * The other threads of a process: one that called setns or unshare may be in a
         * namespace no process is in. Their links are read and compared with the process's
         * (nothing is opened for a thread where its process already is); a single-threaded
         * process costs one stat. A thread in a mount namespace of its own has its bind
         * mounts read too, so the mount namespace is read whatever the type filter.
         */
        private void tasks(int pid, Path dir, long[] processInodes, long processMnt) {
            int[] tids;
            Path taskDir = dir.resolve("task");
            try {
                if (Procfs.threadCount(dir) < 2) {
                    return;
                }
                tids = Procfs.numericEntries(taskDir);
            } catch (IOException e) {
                return; // it exited after being read: what it held was recorded already
            }
            for (int tid : tids) {
                if (tid == pid) {
                    continue; // the leader: its links are the process's
                }
                Path task = taskDir.resolve(Integer.toString(tid));
                Path nsDir = task.resolve("ns");
                long mnt = -1;
                for (int i = 0; i < types.length; i++) {
                    NamespaceType type = types[i];
                    if (!PER_THREAD.contains(type)) {
                        continue;
                    }
                    Path link = nsDir.resolve(type.procName());
                    long inode = Procfs.linkInode(link, type);
                    if (type == NamespaceType.MNT) {
                        mnt = inode;
                    }
                    if (inode < 0 || inode == processInodes[i]) {
                        continue;
                    }
                    Found f = found.computeIfAbsent(inode, ino -> new Found(type, ino));
                    f.holder(bytes(link));
                    f.heldBy.add(DiscoveredNamespace.Holder.THREAD);
                }
                for (String name : unknownNames) {
                    unknownLink(nsDir.resolve(name));
                }
                if (!typeSet.contains(NamespaceType.MNT)) {
                    mnt = Procfs.linkInode(nsDir.resolve("mnt"), NamespaceType.MNT);
                }
                if (mnt >= 0 && mnt != processMnt && mountNamespacesRead.add(mnt)) {
                    mounts(task);
                }
            }
        }

        /** Counts the namespace a {@code /proc/PID/ns/NAME} link of an unknown type names. */
        private void unknownLink(Path link) {
            try {
                long inode = Procfs.anyInode(Procfs.link(link));
                if (inode >= 0) {
                    unknown.add(inode);
                }
            } catch (IOException e) {
                // gone, or not ours to read: not seen
            }
        }

        private void fd(Path fd, String target) {
            NamespaceType type = Procfs.typeOfLink(target);
            if (type == null) {
                // socket:[N] and pipe:[N] look the same: only names /proc/self/ns has are namespaces
                String name = Procfs.linkName(target);
                if (name != null && unknownNames.contains(name)) {
                    unknown.add(Procfs.anyInode(target));
                }
                return;
            }
            if (!typeSet.contains(type)) {
                return;
            }
            Found f = found.computeIfAbsent(Procfs.nsInode(target, type), i -> new Found(type, i));
            f.holder(bytes(fd));
            f.heldBy.add(DiscoveredNamespace.Holder.FD);
        }

        private void mounts(Path dir) {
            List<Procfs.NsfsMount> mounts;
            try {
                mounts = Procfs.nsfsMounts(dir);
            } catch (IOException e) {
                return;
            }
            for (Procfs.NsfsMount m : mounts) {
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
                byte[] root = bytes(dir.resolve("root"));
                byte[] where = Arrays.copyOf(root, root.length + m.mountPoint().length);
                System.arraycopy(m.mountPoint(), 0, where, root.length, m.mountPoint().length);
                Found f = found.computeIfAbsent(Procfs.nsInode(m.root(), type), i -> new Found(type, i));
                f.holder(where);
                f.heldBy.add(DiscoveredNamespace.Holder.MOUNT);
            }
        }

        /** Opens each namespace once: id, parent and owner; adds ancestors known only through those. */
        void resolve() {
            List<Found> seen = new ArrayList<>(found.values());
            for (Found f : seen) {
                Namespace ns = open(f);
                if (ns == null) {
                    if (!unknown.contains(f.inode)) {
                        namespacesVanished++;
                    }
                    found.remove(f.inode);
                    continue;
                }
                try (ns) {
                    relations(f, ns);
                } catch (NamespaceException e) {
                    // it died between being opened and being asked: keep what the links said
                }
            }
        }

        /**
         * Opens {@code f} through its path, else its backup path; null if neither still names
         * it. A holder's path may name something else by now (an fd number reused for a
         * device): {@link NamespaceHandle#openChecked} opens nothing but that namespace for real.
         */
        private Namespace open(Found f) {
            for (byte[] p : new byte[][] {f.path, f.backup}) {
                if (p == null) {
                    continue;
                }
                try {
                    Namespace ns = NamespaceHandle.openChecked(p, new String(p, StandardCharsets.UTF_8), f.type,
                            f.inode);
                    f.path = p;
                    return ns;
                } catch (UnknownNamespaceTypeException e) {
                    unknown.add(f.inode); // the link said a known type, NS_GET_NSTYPE another: skip, count
                    return null;
                } catch (NamespaceException | IllegalArgumentException e) {
                    // that holder is gone, or names something else now: try the other
                }
            }
            return null;
        }

        /** Fills id, parent, owner (and, with no process in it, the user) of {@code f}; adds unseen ancestors. */
        private void relations(Found f, Namespace ns) throws NamespaceException {
            f.id = ns.id();
            // instanceof, not a pattern switch: its bootstrap would spin a class in every scan's start-up
            Optional<? extends Namespace> parent = ns instanceof PidNamespace pid ? pid.parent()
                    : ns instanceof UserNamespace user ? user.parent() : Optional.empty();
            try {
                f.parentInode = parent.map(Namespace::inode).orElse(0L);
                parent.ifPresent(this::ancestor);
            } finally {
                parent.ifPresent(Namespace::close);
            }
            Optional<UserNamespace> owner = ns.owner();
            try {
                f.ownerInode = owner.map(Namespace::inode).orElse(0L);
                if (f.processCount == 0) {
                    // As lsns shows a namespace no process is in: the user that created it
                    // (a user namespace) or its owning user namespace.
                    if (ns instanceof UserNamespace user) {
                        f.user = users.name((int) user.ownerUid());
                    } else if (owner.isPresent()) {
                        f.user = users.name((int) owner.get().ownerUid());
                    }
                }
                owner.ifPresent(this::ancestor);
            } finally {
                owner.ifPresent(Namespace::close);
            }
        }

        private void ancestor(Namespace ns) {
            if (found.containsKey(ns.inode()) || !typeSet.contains(ns.type())) {
                return;
            }
            Found f = new Found(ns.type(), ns.inode());
            f.heldBy.add(DiscoveredNamespace.Holder.DESCENDANT);
            found.put(f.inode, f);
            try {
                relations(f, ns);
            } catch (NamespaceException e) {
                // its own relations are out of reach: keep what we know
            }
        }

        NamespaceSnapshot snapshot() {
            List<DiscoveredNamespace> list = new ArrayList<>(found.size());
            for (Found f : found.values()) {
                if (wanted.contains(f.type)) {
                    list.add(f.freeze());
                }
            }
            list.sort((a, b) -> Long.compareUnsigned(a.inode(), b.inode()));
            return new NamespaceSnapshot(list, processesScanned, processesVanished, processesDenied,
                    namespacesVanished, unknown.size());
        }
    }
}
