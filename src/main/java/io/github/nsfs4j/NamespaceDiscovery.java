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
 * processes are in ({@code /proc/PID/ns/*}), those that processes hold open fds on
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


    /** Scans for namespaces of every type. */
    public static NamespaceSnapshot scan() throws NamespaceException {
        return scan(EnumSet.allOf(NamespaceType.class));
    }

    /**
     * Scans for namespaces of the given types (an empty set finds none). Parents and owners
     * of other types are not listed, but their inodes still appear as
     * {@link DiscoveredNamespace#parentInode()} and {@link DiscoveredNamespace#ownerInode()}.
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
        Objects.requireNonNull(types, "types");
        LibC.requireNativeAccess();
        Scan scan = new Scan(types.isEmpty() ? EnumSet.noneOf(NamespaceType.class) : EnumSet.copyOf(types));
        int[] pids;
        try {
            pids = Procfs.pids();
        } catch (IOException e) {
            throw new NamespaceException("scan", Procfs.PROC.toString(), 0, "cannot list /proc: " + e.getMessage());
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
        /** The first holder's path: the lowest pid's link, else the first fd or mount seen. */
        Path path;
        /** Another holder's path, tried when {@link #path} no longer opens (that holder is gone). */
        Path backup;
        OptionalLong id = OptionalLong.empty();
        long parentInode;
        long ownerInode;

        Found(NamespaceType type, long inode) {
            this.type = type;
            this.inode = inode;
        }

        void holder(Path where) {
            if (path == null) {
                path = where;
            } else if (!where.equals(path)) {
                backup = where;
            }
        }

        DiscoveredNamespace freeze() {
            return new DiscoveredNamespace(type, inode, id, processCount,
                    lowestPid > 0 ? OptionalInt.of(lowestPid) : OptionalInt.empty(), user, command,
                    parentInode, ownerInode, heldBy, path);
        }
    }

    private static final class Scan {
        final NamespaceType[] types;
        final Set<NamespaceType> typeSet;
        final Map<Long, Found> found = new LinkedHashMap<>();
        /** Mount namespaces whose mountinfo was read. */
        final Set<Long> mountNamespacesRead = new HashSet<>();
        Map<Integer, String> userNames;
        int processesScanned;
        int processesVanished;
        int processesDenied;
        int namespacesVanished;

        Scan(Set<NamespaceType> types) {
            this.typeSet = types;
            this.types = types.toArray(NamespaceType[]::new);
        }

        void processes(int[] pids) {
            for (int pid : pids) {
                Path dir = Procfs.PROC.resolve(Integer.toString(pid));
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
            for (int i = 0; i < types.length; i++) {
                inodes[i] = -1;
                try {
                    inodes[i] = Procfs.nsInode(Files.readSymbolicLink(dir.resolve("ns").resolve(types[i].procName()))
                            .toString(), types[i]);
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
            String user = "";
            String command = "";
            if (first) {
                user = userOf(dir);
                command = commandOf(dir); // throws NoSuchFileException if the process is gone by now
            }
            for (int i = 0; i < types.length; i++) {
                if (inodes[i] < 0) {
                    continue;
                }
                NamespaceType type = types[i];
                Found f = found.computeIfAbsent(inodes[i], ino -> new Found(type, ino));
                Path link = dir.resolve("ns").resolve(type.procName());
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
            fds(dir);
            long mnt = -1;
            for (int i = 0; i < types.length; i++) {
                if (types[i] == NamespaceType.MNT) {
                    mnt = inodes[i];
                }
            }
            if (mnt < 0 && !typeSet.contains(NamespaceType.MNT)) {
                mnt = Procfs.linkInode(dir.resolve("ns/mnt"), NamespaceType.MNT);
            }
            if (mnt >= 0 && mountNamespacesRead.add(mnt)) {
                mounts(dir);
            }
        }

        private void fds(Path dir) {
            try (DirectoryStream<Path> fds = Files.newDirectoryStream(dir.resolve("fd"))) {
                for (Path fd : fds) {
                    String target;
                    try {
                        target = Files.readSymbolicLink(fd).toString();
                    } catch (IOException e) {
                        continue; // closed meanwhile
                    }
                    NamespaceType type = Procfs.typeOfLink(target);
                    if (type == null || !typeSet.contains(type)) {
                        continue;
                    }
                    long inode = Procfs.nsInode(target, type);
                    if (inode < 0) {
                        continue;
                    }
                    Found f = found.computeIfAbsent(inode, i -> new Found(type, i));
                    f.holder(fd);
                    f.heldBy.add(DiscoveredNamespace.Holder.FD);
                }
            } catch (IOException | java.nio.file.DirectoryIteratorException e) {
                // no fd access (another user's process), or it exited: nothing held that we may see
            }
        }

        private void mounts(Path dir) {
            List<String> lines;
            try {
                lines = Files.readAllLines(dir.resolve("mountinfo"), StandardCharsets.UTF_8);
            } catch (IOException | java.io.UncheckedIOException e) {
                return;
            }
            for (String line : lines) {
                int dash = line.indexOf(" - ");
                if (dash < 0 || !line.startsWith("nsfs ", dash + 3)) {
                    continue;
                }
                String[] fields = line.substring(0, dash).split(" ");
                if (fields.length < 5) {
                    continue;
                }
                String root = fields[3];
                NamespaceType type = Procfs.typeOfLink(root);
                if (type == null || !typeSet.contains(type)) {
                    continue;
                }
                long inode = Procfs.nsInode(root, type);
                if (inode < 0) {
                    continue;
                }
                Found f = found.computeIfAbsent(inode, i -> new Found(type, i));
                f.holder(Path.of(dir.resolve("root") + unescapeMountPoint(fields[4])));
                f.heldBy.add(DiscoveredNamespace.Holder.MOUNT);
            }
        }

        /** Opens each namespace once: id, parent and owner; adds ancestors known only through those. */
        void resolve() {
            List<Found> seen = new ArrayList<>(found.values());
            for (Found f : seen) {
                Namespace ns = open(f);
                if (ns == null) {
                    namespacesVanished++;
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

        /** Opens {@code f} through its path, else its backup path; null if neither still names it. */
        private static Namespace open(Found f) {
            for (Path p : new Path[] {f.path, f.backup}) {
                if (p == null) {
                    continue;
                }
                try {
                    Namespace ns = NamespaceHandle.openAs(p.toString(), f.type);
                    if (ns.inode() == f.inode) {
                        f.path = p;
                        return ns;
                    }
                    ns.close(); // the holder now names another namespace
                } catch (NamespaceException | IllegalArgumentException e) {
                    // that holder is gone: try the other
                }
            }
            return null;
        }

        /** Fills id, parent, owner (and, with no process in it, the user) of {@code f}; adds unseen ancestors. */
        private void relations(Found f, Namespace ns) throws NamespaceException {
            f.id = ns.id();
            Optional<? extends Namespace> parent = switch (ns) {
                case PidNamespace pid -> pid.parent();
                case UserNamespace user -> user.parent();
                default -> Optional.empty();
            };
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
                        f.user = userName((int) user.ownerUid());
                    } else if (owner.isPresent()) {
                        f.user = userName((int) owner.get().ownerUid());
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

        /** The user name of a uid, from /etc/passwd (read once per scan), else the number. */
        private String userName(int uid) {
            if (userNames == null) {
                userNames = new HashMap<>();
                try {
                    for (String line : Files.readAllLines(Path.of("/etc/passwd"), StandardCharsets.UTF_8)) {
                        String[] fields = line.split(":", 4);
                        if (fields.length >= 3) {
                            try {
                                userNames.putIfAbsent(Integer.parseUnsignedInt(fields[2]), fields[0]);
                            } catch (NumberFormatException e) {
                                // not a passwd entry
                            }
                        }
                    }
                } catch (IOException | java.io.UncheckedIOException e) {
                    // no /etc/passwd: numbers only
                }
            }
            String name = userNames.get(uid);
            return name != null ? name : Integer.toUnsignedString(uid);
        }

        NamespaceSnapshot snapshot() {
            List<DiscoveredNamespace> list = new ArrayList<>(found.size());
            for (Found f : found.values()) {
                list.add(f.freeze());
            }
            list.sort((a, b) -> Long.compareUnsigned(a.inode(), b.inode()));
            return new NamespaceSnapshot(list, processesScanned, processesVanished, processesDenied,
                    namespacesVanished);
        }
    }

    /** mountinfo escapes space, tab, newline and backslash as {@code \ooo}. */
    static String unescapeMountPoint(String field) {
        if (field.indexOf('\\') < 0) {
            return field;
        }
        StringBuilder sb = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length()) {
                try {
                    sb.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                    i += 3;
                    continue;
                } catch (NumberFormatException | IndexOutOfBoundsException e) {
                    // not an escape: keep the backslash
                }
            }
            sb.append(c);
        }
        return sb.toString();
    }

    private static String userOf(Path dir) {
        try {
            return Files.getOwner(dir).getName();
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * The command line with NULs as spaces, as lsns shows it; {@code comm} for a kernel thread.
     *
     * @throws NoSuchFileException if the process is gone
     */
    private static String commandOf(Path dir) throws NoSuchFileException {
        try {
            byte[] raw = Files.readAllBytes(dir.resolve("cmdline"));
            int end = raw.length;
            while (end > 0 && raw[end - 1] == 0) {
                end--;
            }
            if (end > 0) {
                for (int i = 0; i < end; i++) {
                    if (raw[i] == 0) {
                        raw[i] = ' ';
                    }
                }
                return new String(raw, 0, end, StandardCharsets.UTF_8);
            }
            return Files.readString(dir.resolve("comm")).strip();
        } catch (NoSuchFileException e) {
            throw e;
        } catch (IOException e) {
            return "";
        }
    }
}
