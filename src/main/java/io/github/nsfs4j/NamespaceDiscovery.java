package io.github.nsfs4j;

import io.github.nsfs4j.internal.Failure;
import io.github.nsfs4j.internal.ListNs;
import io.github.nsfs4j.internal.Procfs;
import io.github.nsfs4j.internal.Scan;
import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.kernel.NsIoctl;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Finds every namespace visible on the machine, in one pass over {@code /proc}: those that
 * processes are in ({@code /proc/PID/ns/*}), those that only some thread is in
 * ({@code /proc/PID/task/TID/ns/*}: a thread that called setns or unshare; lsns does not see
 * these), those that processes hold open fds on
 * ({@code /proc/PID/fd/*}), those kept alive by bind mounts ({@code nsfs} entries of
 * {@code /proc/PID/mountinfo}, read once per mount namespace), and net namespaces kept alive
 * by sockets (each socket fd of each process: a copy of it through pidfd_getfd(2), then
 * SIOCGSKNS; Linux 5.6, and root: what the kernel or the permissions refuse is counted in
 * {@link NamespaceSnapshot#socketsRefused()}). Each namespace found is
 * opened once, to read its id and the inodes of its parent and owner; ancestors that only
 * those relations reveal are added too, as lsns does in its tree views.
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
 * A namespace whose file the kernel (or a sandbox: a seccomp filter, qemu-user) refuses to
 * open or to answer on is not "vanished": it is left out and counted as refused
 * ({@link NamespaceSnapshot#namespacesRefused()}, with the first refusal); when every
 * namespace found was refused, or no process at all could be read, the scan throws: an empty
 * snapshot would say "none" where the truth is "could not look".
 * Namespaces of a type this library does not know (one a newer kernel adds: a name under
 * {@code /proc/PID/ns} beyond the eight of {@link io.github.nsfs4j.kernel.NamespaceType}, or an nsfs bind mount of
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
     * @throws NamespaceException if {@code /proc} itself cannot be listed, or nothing could be
     *     looked at (every namespace refused, or every process)
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
     * @throws NamespaceException if {@code /proc} itself cannot be listed, or nothing could be
     *     looked at (every namespace refused, or every process)
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
        try {
            Scan.Result<DiscoveredNamespace> found = Scan.run(proc, types, NamespaceDiscovery::row, afterListing,
                    afterProcesses);
            return new NamespaceSnapshot(found.namespaces(), found.processesScanned(), found.processesVanished(),
                    found.processesDenied(), found.namespacesVanished(), found.namespacesOfUnknownType(),
                    found.namespacesRefused(), java.util.Optional.ofNullable(found.refusal()), found.socketsRefused(),
                    java.util.Optional.ofNullable(found.socketRefusal()));
        } catch (Failure f) {
            throw Failures.of(f);
        }
    }

    private static DiscoveredNamespace row(NamespaceType type, long inode, OptionalLong id,
            int processCount, OptionalInt lowestPid, String user, byte[] command, long parentInode,
            long ownerInode, int heldBy, byte[] path, String socket, long uid, List<byte[]> mountPoints) {
        List<String> points = new ArrayList<>(mountPoints.size());
        for (byte[] point : mountPoints) {
            points.add(DiscoveredNamespace.text(point));
        }
        return new DiscoveredNamespace(type, inode, id, processCount, lowestPid, user, command, parentInode,
                ownerInode, DiscoveredNamespace.Holder.of(heldBy), path, socket, uid, points);
    }

    /**
     * The inodes of the namespaces of process {@code pid} ({@code readlink /proc/PID/ns/*}),
     * the eight types', for {@code lsns -p PID}: what it is in.
     *
     * @param pid a process of the caller's pid namespace
     * @return the inodes, by type; a type the kernel lacks is missing
     * @throws NoSuchNamespaceException if there is no such process
     * @throws NamespaceAccessDeniedException if the caller may not inspect it
     */
    public static java.util.Map<NamespaceType, Long> inodesOf(int pid) throws NamespaceException {
        if (pid <= 0) {
            throw new IllegalArgumentException("pid must be positive, got " + pid);
        }
        java.util.Map<NamespaceType, Long> inodes = new java.util.EnumMap<>(NamespaceType.class);
        Path dir = Procfs.PROC.resolve(Integer.toString(pid)).resolve("ns");
        for (NamespaceType type : NamespaceType.values()) {
            try {
                long inode = Procfs.nsInode(Procfs.link(dir.resolve(type.procName())), type);
                if (inode >= 0) {
                    inodes.put(type, inode);
                }
            } catch (java.nio.file.AccessDeniedException e) {
                throw new NamespaceAccessDeniedException("readlink", dir.toString(), 0,
                        "may not inspect process " + pid + " (EACCES): its user's, or root's, right");
            } catch (java.io.IOException e) {
                // gone, or a type the kernel lacks: told below
            }
        }
        if (inodes.isEmpty()) {
            throw new NoSuchNamespaceException("readlink", dir.toString(), 0, "no process " + pid);
        }
        return inodes;
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
        int mask = 0;
        for (NamespaceType type : types) {
            mask |= type.cloneFlag();
        }
        long ownerId = 0;
        if (owner != null) {
            ownerId = owner.id().orElseThrow(() -> new UnsupportedRequestException(NsIoctl.NS_GET_ID, owner.toString()));
        }
        List<Long> ids;
        try {
            ids = ListNs.activeIds(mask, ownerId);
        } catch (Failure f) {
            throw Failures.of(f);
        }
        return ids != null ? ids : activeIdsByScan(types, owner);
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
}
