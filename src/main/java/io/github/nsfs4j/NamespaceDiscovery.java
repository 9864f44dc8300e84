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
 * are added too, as lsns does.
 *
 * <p>Processes that exit during the scan, {@code /proc} entries the caller may not read, and
 * namespaces that die before they are opened are skipped and counted in the snapshot, never
 * an error. What the caller may not inspect (for example another user's processes, for an
 * unprivileged caller) is simply not seen.
 *
 * <p>Thread-safe: each scan is independent and holds no fd after it returns.
 */
public final class NamespaceDiscovery {
    private NamespaceDiscovery() {}

    private static final Path PROC = Path.of("/proc");

    /** Scans for namespaces of every type. */
    public static NamespaceSnapshot scan() throws NamespaceException {
        return scan(EnumSet.allOf(NamespaceType.class));
    }

    /**
     * Scans for namespaces of the given types.
     *
     * @throws NamespaceException only if {@code /proc} itself cannot be listed
     */
    public static NamespaceSnapshot scan(Set<NamespaceType> types) throws NamespaceException {
        Objects.requireNonNull(types, "types");
        LibC.requireNativeAccess();
        Scan scan = new Scan(types.isEmpty() ? EnumSet.noneOf(NamespaceType.class) : EnumSet.copyOf(types));
        scan.processes();
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
     * @param owner the owning user namespace, or null for any owner
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
            java.lang.foreign.MemorySegment req = arena.allocate(LibC.NS_ID_REQ_SIZE, 8);
            int batch = 256;
            java.lang.foreign.MemorySegment out = arena.allocate((long) batch * Long.BYTES, 8);
            long cursor = 0;
            for (;;) {
                int n = LibC.listns(LibC.nsIdRequest(req, cursor, mask, ownerId), out, batch, 0);
                if (n == -Errnos.ENOSYS) {
                    return activeIdsByScan(types, owner);
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
        Path path;
        OptionalLong id = OptionalLong.empty();
        long parentInode;
        long ownerInode;

        Found(NamespaceType type, long inode) {
            this.type = type;
            this.inode = inode;
        }

        DiscoveredNamespace freeze() {
            return new DiscoveredNamespace(type, inode, id, processCount,
                    lowestPid > 0 ? OptionalInt.of(lowestPid) : OptionalInt.empty(), user, command,
                    parentInode, ownerInode, heldBy, path);
        }
    }

    private static final class Scan {
        final Set<NamespaceType> types;
        final Map<Long, Found> found = new LinkedHashMap<>();
        int processesScanned;
        int processesVanished;
        int processesDenied;
        int namespacesVanished;

        Scan(Set<NamespaceType> types) {
            this.types = types;
        }

        void processes() throws NamespaceException {
            for (int pid : pids()) {
                Path dir = PROC.resolve(Integer.toString(pid));
                try {
                    process(pid, dir);
                    processesScanned++;
                } catch (NoSuchFileException e) {
                    processesVanished++;
                } catch (AccessDeniedException e) {
                    processesDenied++;
                } catch (IOException e) {
                    processesVanished++;
                }
            }
        }

        private void process(int pid, Path dir) throws IOException {
            boolean any = false;
            boolean denied = false;
            boolean newMountNamespace = false;
            String user = null;
            String command = null;
            for (NamespaceType type : types) {
                Path link = dir.resolve("ns").resolve(type.procName());
                long inode;
                try {
                    inode = nsInode(Files.readSymbolicLink(link).toString(), type);
                } catch (AccessDeniedException e) {
                    denied = true;
                    continue;
                } catch (NoSuchFileException e) {
                    if (!Files.exists(dir)) {
                        throw e;
                    }
                    continue; // this type is not configured in the kernel
                }
                if (inode < 0) {
                    continue;
                }
                any = true;
                Found f = found.computeIfAbsent(inode, i -> new Found(type, i));
                if (f.processCount++ == 0) {
                    if (user == null) {
                        user = userOf(dir);
                        command = commandOf(dir);
                    }
                    f.lowestPid = pid;
                    f.user = user;
                    f.command = command;
                    f.path = link;
                    newMountNamespace |= type == NamespaceType.MNT;
                }
                f.heldBy.add(DiscoveredNamespace.Holder.PROCESS);
            }
            if (!any && denied) {
                throw new AccessDeniedException(dir.toString());
            }
            fds(dir);
            if (newMountNamespace || readsMountsOfNewMountNamespace(dir)) {
                mounts(dir);
            }
        }

        /** Mount namespaces whose mountinfo was read, when mount namespaces are not scanned as such. */
        private final java.util.HashSet<Long> mountNamespacesRead = new java.util.HashSet<>();

        private boolean readsMountsOfNewMountNamespace(Path dir) {
            if (types.contains(NamespaceType.MNT)) {
                return false; // the scan above already saw whether this mount namespace is new
            }
            try {
                long mnt = nsInode(Files.readSymbolicLink(dir.resolve("ns/mnt")).toString(), NamespaceType.MNT);
                return mnt >= 0 && mountNamespacesRead.add(mnt);
            } catch (IOException e) {
                return false;
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
                    NamespaceType type = typeOfLink(target);
                    if (type == null || !types.contains(type)) {
                        continue;
                    }
                    long inode = nsInode(target, type);
                    Found f = found.computeIfAbsent(inode, i -> new Found(type, i));
                    if (f.path == null) {
                        f.path = fd;
                    }
                    f.heldBy.add(DiscoveredNamespace.Holder.FD);
                }
            } catch (IOException e) {
                // no fd access (another user's process), or it exited: nothing held that we may see
            }
        }

        private void mounts(Path dir) {
            List<String> lines;
            try {
                lines = Files.readAllLines(dir.resolve("mountinfo"), StandardCharsets.UTF_8);
            } catch (IOException e) {
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
                NamespaceType type = typeOfLink(root);
                if (type == null || !types.contains(type)) {
                    continue;
                }
                long inode = nsInode(root, type);
                Found f = found.computeIfAbsent(inode, i -> new Found(type, i));
                if (f.path == null) {
                    f.path = Path.of(dir.resolve("root").toString() + unescapeMountPoint(fields[4]));
                }
                f.heldBy.add(DiscoveredNamespace.Holder.MOUNT);
            }
        }

        /** Opens each namespace once: id, parent and owner; adds ancestors known only through those. */
        void resolve() {
            List<Found> initial = new ArrayList<>(found.values());
            for (Found f : initial) {
                Namespace ns;
                try {
                    ns = Namespace.openAs(f.path.toString(), f.type);
                } catch (NamespaceException | IllegalArgumentException e) {
                    vanished(f);
                    continue;
                }
                try (ns) {
                    if (ns.inode() != f.inode) {
                        vanished(f); // the holder now names another namespace
                        continue;
                    }
                    relations(f, ns);
                } catch (NamespaceException e) {
                    vanished(f);
                }
            }
        }

        private void vanished(Found f) {
            namespacesVanished++;
            found.remove(f.inode);
        }

        /** Fills id, parent and owner of {@code f} from {@code ns}, and adds unseen ancestors. */
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
                owner.ifPresent(this::ancestor);
            } finally {
                owner.ifPresent(Namespace::close);
            }
        }

        private void ancestor(Namespace ns) {
            if (found.containsKey(ns.inode()) || !types.contains(ns.type())) {
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
                list.add(f.freeze());
            }
            list.sort((a, b) -> Long.compareUnsigned(a.inode(), b.inode()));
            return new NamespaceSnapshot(list, processesScanned, processesVanished, processesDenied,
                    namespacesVanished);
        }
    }

    /** Every numeric entry of /proc, ascending, so the first process seen in a namespace is its lowest pid. */
    private static int[] pids() throws NamespaceException {
        int[] pids = new int[256];
        int n = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(PROC)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (!name.isEmpty() && name.chars().allMatch(c -> c >= '0' && c <= '9')) {
                    if (n == pids.length) {
                        pids = Arrays.copyOf(pids, n * 2);
                    }
                    pids[n++] = Integer.parseInt(name);
                }
            }
        } catch (IOException e) {
            throw new NamespaceException("scan", PROC.toString(), 0, "cannot list /proc: " + e.getMessage());
        }
        int[] sorted = Arrays.copyOf(pids, n);
        Arrays.sort(sorted);
        return sorted;
    }

    /** The type named by a {@code type:[inode]} link text, or null if it is not a namespace link. */
    static NamespaceType typeOfLink(String target) {
        int colon = target.indexOf(":[");
        if (colon <= 0 || !target.endsWith("]")) {
            return null;
        }
        String name = target.substring(0, colon);
        for (NamespaceType type : NamespaceType.values()) {
            if (type.procName().equals(name)) {
                return type;
            }
        }
        return null;
    }

    /** The inode of a {@code type:[inode]} link text of the given type, or -1. */
    static long nsInode(String target, NamespaceType type) {
        String prefix = type.procName() + ":[";
        if (!target.startsWith(prefix) || !target.endsWith("]")) {
            return -1;
        }
        try {
            return Long.parseLong(target, prefix.length(), target.length() - 1, 10);
        } catch (NumberFormatException e) {
            return -1;
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

    /** The command line with NULs as spaces, as lsns shows it; {@code comm} for a kernel thread. */
    private static String commandOf(Path dir) {
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
        } catch (IOException e) {
            return "";
        }
    }
}
