package io.github.nsfs4j.internal;

import io.github.nsfs4j.linux.Downcalls;
import io.github.nsfs4j.kernel.NamespaceType;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;

/**
 * One pass over {@code /proc} that finds every namespace the caller can see: those that
 * processes are in ({@code /proc/PID/ns/*}), those only a thread is in
 * ({@code /proc/PID/task/TID/ns/*}), those processes hold fds on ({@code /proc/PID/fd/*}),
 * the net namespaces of their sockets, and those bind-mounted ({@code nsfs} entries of
 * {@code mountinfo}): {@link ScanProcesses}, with {@link ScanSockets} and {@link ScanMounts};
 * then each is opened once, for its id and the inodes of its parent and owner (an ioctl, a
 * statx and a close each), and ancestors only those relations reveal are added
 * ({@link ScanRelations}). This class runs the phases and assembles their result. The counts
 * follow lsns ({@code io.github.nsfs4j.NamespaceDiscovery} says how).
 */
public final class Scan {
    private Scan() {}

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
        Set<NamespaceType> asked = wanted.isEmpty() ? EnumSet.noneOf(NamespaceType.class) : EnumSet.copyOf(wanted);
        Set<NamespaceType> read = scanned(asked);
        ScanProcesses scan = new ScanProcesses(proc, read);
        int[] pids;
        try {
            pids = Procfs.numericEntries(proc);
        } catch (IOException e) {
            throw Failure.of(Failure.Kind.FAILED, "scan", proc.toString(), 0, "cannot list " + proc + ": "
                    + e.getMessage());
        }
        afterListing.run();
        scan.run(pids);
        if (scan.processesScanned == 0 && scan.processesDenied > 0) {
            throw Failure.of(Failure.Kind.DENIED, "scan", proc.toString(), 0, "every process of " + proc
                    + " refused reading its namespaces (" + scan.processesDenied + " refused, not even this"
                    + " process's own): is " + proc + " mounted with hidepid, or is a sandbox in the way?");
        }
        afterProcesses.run();
        ScanRelations relations = new ScanRelations(proc, scan.found, read, scan.unknown, scan.users);
        relations.resolve();
        if (relations.namespacesRefused > 0 && relations.namespacesOpened == 0) {
            Failure first = relations.firstRefusal;
            throw Failure.of(first.kind(), first.operation(), first.target(), first.errno(), first.detail()
                    + "; every namespace found was refused (" + relations.namespacesRefused + "), so nothing could"
                    + " be listed");
        }
        return result(asked, rows, scan, relations);
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

    private static <T> Result<T> result(Set<NamespaceType> wanted, Rows<T> rows, ScanProcesses scan,
            ScanRelations relations) {
        List<FoundNamespace> list = new ArrayList<>(scan.found.size());
        for (FoundNamespace f : scan.found.values()) {
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
        return new Result<>(out, scan.processesScanned, scan.processesVanished, scan.processesDenied,
                relations.namespacesVanished, scan.unknown.size(), relations.namespacesRefused,
                relations.firstRefusal == null ? null : relations.firstRefusal.getMessage(),
                scan.sockets.socketsRefused,
                scan.sockets.socketRefusal == null ? null : scan.sockets.socketRefusal.getMessage());
    }
}
