package io.github.nsfs4j.matrix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.nsfs4j.DiscoveredNamespace;
import io.github.nsfs4j.Namespace;
import io.github.nsfs4j.NamespaceDiscovery;
import io.github.nsfs4j.NamespaceException;
import io.github.nsfs4j.NamespaceSnapshot;
import io.github.nsfs4j.kernel.KernelVersion;
import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.kernel.NsIoctl;
import io.github.nsfs4j.testing.ChrootedBindMount;
import io.github.nsfs4j.testing.Commands;
import io.github.nsfs4j.testing.Json;
import io.github.nsfs4j.testing.Lsns;
import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Unshared;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Kernel suite: discovery. listns(2) with paging (more namespaces than one page of the
 * library), the fixed ids of the initial namespaces, namespaces that only an open fd or a bind
 * mount keeps alive (compared with what the test made), a net namespace that only a socket
 * keeps alive, a bind mount that the lowest process of its mount namespace cannot see (it is
 * chrooted), and {@code nsfs ls --json} against {@code lsns -J}.
 */
class KernelDiscoveryTest {
    /** More than one page (256) of the library's listns calls. */
    private static final int HELD = 300;
    private static final int CLONE_NEWUTS = 0x04000000;

    /** One process that made HELD uts namespaces in turn and holds an fd on each. */
    private static Unshared holder;
    private static List<Long> heldInodes;
    private static Path bindFile;
    private static boolean mounted;

    @BeforeAll
    static void start() throws Exception {
        Unshared.requireNamespaces();
        Unshared.requireCommand("perl");
        // unshare(2)'s number on this architecture, from its headers (272 on x86-64, 97 on
        // arm64, where 272 is kcmp); each fd keeps the namespace it was opened on.
        long unshare = ArchHeaders.syscall("unshare").orElseThrow();
        String script = "for (1.." + HELD + ") { syscall(" + unshare + ", " + CLONE_NEWUTS + ") == 0 or die \"unshare: $!\";"
                + " open(my $f, '<', '/proc/self/ns/uts') or die \"open: $!\"; push @fds, $f }"
                + " $| = 1; print \"ready\\n\"; sleep 100000";
        holder = Unshared.builder().start(List.of("perl", "-e", script)); // no namespaces of the harness's
        heldInodes = new ArrayList<>();
        for (String link : Proc.fds(holder.leafPid()).values()) {
            if (link.startsWith("uts:[")) {
                heldInodes.add(Proc.nsInode(link));
            }
        }
        assertEquals(HELD, heldInodes.size(), "uts namespaces held by fds");
        bindFile = Files.createTempFile("nsfs4j-kernel-uts", "");
        Unshared.bindMount("uts", bindFile);
        mounted = true;
    }

    @AfterAll
    static void stop() throws Exception {
        if (holder != null) {
            holder.close();
        }
        if (mounted) {
            Commands.run(List.of("umount", bindFile.toString()));
        }
        if (bindFile != null) {
            Files.deleteIfExists(bindFile);
        }
    }

    /** The raw answer of listns(2) for one id of any type: a count, or -errno (ENOSYS before 6.19). */
    private static long rawListns() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment req = arena.allocate(32, 8);
            req.set(java.lang.foreign.ValueLayout.JAVA_INT, 0, 32);
            MemorySegment ids = arena.allocate(8, 8);
            return RawKernel.syscall(RawKernel.SYS_LISTNS, req.address(), ids.address(), 1, 0);
        }
    }

    /** The ids of the held namespaces, by the raw NS_GET_ID; empty on a kernel without it. */
    private static List<Long> heldIds() throws java.io.IOException {
        List<Long> ids = new ArrayList<>();
        for (var fd : Proc.fds(holder.leafPid()).entrySet()) {
            String path = "/proc/" + holder.leafPid() + "/fd/" + fd.getKey();
            if (fd.getValue().startsWith("uts:[")) {
                RawKernel.U64 id = RawKernel.ioctlU64(path, NsIoctl.NS_GET_ID.request());
                if (id.rc() == 0) {
                    ids.add(id.value());
                }
            }
        }
        return ids;
    }

    @Test
    void listnsWithPaging() throws Exception {
        Cells.check("listns: active ids, paged", () -> {
            long raw = rawListns();
            List<Long> expected = heldIds();
            List<Long> listed = NamespaceDiscovery.activeIds(Set.of(NamespaceType.UTS), null);
            List<Long> sorted = new ArrayList<>(listed);
            sorted.sort(Long::compareUnsigned);
            assertEquals(sorted, listed, "ascending");
            assertEquals(listed.size(), listed.stream().distinct().count(), "no id twice");
            if (expected.isEmpty()) {
                assertEquals(-RawKernel.ENOSYS, raw, "listns without NS_GET_ID");
                assertEquals(List.of(), listed, "no ids on a kernel without NS_GET_ID");
                return Cells.refused(NsIoctl.NS_GET_ID, "no ids to list");
            }
            List<Long> missing = new ArrayList<>(expected);
            missing.removeAll(listed);
            assertEquals(List.of(), missing, "ids of the " + HELD + " fd-held uts namespaces missing from activeIds");
            assertTrue(listed.size() > 256, "more than one page: " + listed.size());
            if (raw == -RawKernel.ENOSYS) {
                return Cells.fallback("scan");
            }
            assertTrue(raw >= 0, "listns: " + RawKernel.errnoName(raw));
            return Cells.works(listed.size() + " ids");
        });
    }

    private static final Map<NamespaceType, Long> FIXED_IDS = new LinkedHashMap<>();

    static {
        // enum init_ns_id of include/uapi/linux/nsfs.h
        FIXED_IDS.put(NamespaceType.IPC, 1L);
        FIXED_IDS.put(NamespaceType.UTS, 2L);
        FIXED_IDS.put(NamespaceType.USER, 3L);
        FIXED_IDS.put(NamespaceType.PID, 4L);
        FIXED_IDS.put(NamespaceType.CGROUP, 5L);
        FIXED_IDS.put(NamespaceType.TIME, 6L);
        FIXED_IDS.put(NamespaceType.NET, 7L);
        FIXED_IDS.put(NamespaceType.MNT, 8L);
    }

    @Test
    void initialIds() throws Exception {
        Cells.check("initial ids fixed 1..8", () -> {
            long init = Proc.initialProcess();
            Map<NamespaceType, Long> ids = new LinkedHashMap<>();
            for (NamespaceType type : NamespaceType.values()) {
                try (Namespace ns = Namespace.ofProcess((int) init, type)) {
                    String path = "/proc/" + init + "/ns/" + type.procName();
                    RawKernel.U64 raw = RawKernel.ioctlU64(path, NsIoctl.NS_GET_ID.request());
                    if (raw.rc() != 0 && type == NamespaceType.MNT) {
                        // 6.11 to 6.17: a mount namespace's id comes from NS_GET_MNTNS_ID
                        raw = RawKernel.ioctlU64(path, NsIoctl.NS_GET_MNTNS_ID.request());
                    }
                    assertEquals(raw.rc() == 0 ? java.util.OptionalLong.of(raw.value()) : java.util.OptionalLong.empty(),
                            ns.id(), type + " id vs the raw NS_GET_ID (NS_GET_MNTNS_ID for mnt)");
                    ns.id().ifPresent(id -> ids.put(type, id));
                }
            }
            if (ids.equals(FIXED_IDS)) {
                return Cells.works("");
            }
            assertEquals(-RawKernel.ENOSYS, rawListns(), "a kernel with listns has the fixed ids: " + ids);
            // The library documents the fixed ids as Linux 6.19's; this kernel must be older.
            KernelVersion running = KernelVersion.running();
            assertTrue(running.compareTo(new KernelVersion(6, 19)) < 0, "no fixed ids on " + running + ": " + ids);
            return new Cells.Cell(Cells.Status.REFUSED, "needs 6.19" + (ids.isEmpty() ? "" : " (ids from " + ids.values()
                    .stream().min(Long::compareUnsigned).orElseThrow() + ")"));
        });
    }

    @Test
    void fdAndMountHeldNamespaces() throws Exception {
        Cells.check("discovery: fd- and mount-held", () -> {
            NamespaceSnapshot snapshot = NamespaceDiscovery.scan(Set.of(NamespaceType.UTS));
            long current = Proc.nsInode(holder.leafPid(), "uts");
            int fdOnly = 0;
            for (long inode : heldInodes) {
                DiscoveredNamespace ns = snapshot.byInode(inode).orElseThrow(
                        () -> new AssertionError("uts:[" + inode + "], held by an fd of pid " + holder.leafPid() + ", not found"));
                assertTrue(ns.heldBy().contains(DiscoveredNamespace.Holder.FD), ns + " is held by an fd");
                if (inode != current) {
                    assertEquals(0, ns.processCount(), ns + " has no process");
                    fdOnly++;
                }
            }
            long bound = Proc.statIno(bindFile);
            DiscoveredNamespace byMount = snapshot.byInode(bound).orElseThrow(
                    () -> new AssertionError("uts:[" + bound + "], held by the bind mount " + bindFile + ", not found"));
            assertTrue(byMount.heldBy().contains(DiscoveredNamespace.Holder.MOUNT), byMount + " is held by a mount");
            assertEquals(0, byMount.processCount());
            return Cells.works(fdOnly + " by fd, 1 by mount");
        });
    }

    /** The row of {@code nsfs ls --json -t net} for namespace {@code inode}; fails if the command does. */
    private static Optional<Map<?, ?>> netRow(long inode) throws Exception {
        Nsfs ls = Nsfs.run("ls", "--json", "-t", "net");
        assertEquals(0, ls.status(), ls::toString);
        for (Object o : (List<?>) Json.object(ls.out()).get("namespaces")) {
            if (((BigInteger) ((Map<?, ?>) o).get("ns")).longValue() == inode) {
                return Optional.of((Map<?, ?>) o);
            }
        }
        return Optional.empty();
    }

    /**
     * A net namespace only a socket keeps: a process unshares one, makes a socket in it, goes
     * back and keeps the socket (the truth: the inode of its /proc/self/ns/net while inside,
     * and no process in it after). Found through pidfd_getfd (5.6) and SIOCGSKNS (4.9), named
     * {@code net:PID:FD} by the library and the command; a kernel without pidfd_getfd (checked
     * raw: ENOSYS) must leave it out, count the socket as refused and name the kernel needed.
     */
    @Test
    void socketHeldNetNamespace() throws Exception {
        Cells.check("discovery: socket-held net", () -> {
            long unshare = ArchHeaders.syscall("unshare").orElseThrow();
            long setns = ArchHeaders.syscall("setns").orElseThrow();
            String script = "use Socket; open(my $o, '<', '/proc/self/ns/net') or die \"open: $!\";"
                    + " syscall(" + unshare + ", 0x40000000) == 0 or die \"unshare: $!\";"
                    + " my @st = stat('/proc/self/ns/net'); socket(S, PF_INET, SOCK_DGRAM, 0) or die \"socket: $!\";"
                    + " syscall(" + setns + ", fileno($o), 0x40000000) == 0 or die \"setns: $!\"; close $o;"
                    + " $| = 1; print 'netns ', $st[1], ' fd ', fileno(S), \"\\n\"; print \"ready\\n\"; sleep 100000";
            try (Unshared holder = Unshared.builder().start(List.of("perl", "-e", script))) {
                // The output holds stderr too: perl warns when the guest's root has no locale data.
                Matcher line = Pattern.compile("(?m)^netns (\\d+) fd (\\d+)$").matcher(holder.output());
                assertTrue(line.find(), () -> "no 'netns INODE fd FD' line in: " + holder.output());
                long inode = Long.parseLong(line.group(1));
                int fd = Integer.parseInt(line.group(2));
                int pid = holder.leafPid();
                String ref = "net:" + pid + ":" + fd;
                assertEquals(0, Proc.processesIn("net", inode), "no process is in it: only the socket keeps it");
                long raw = RawKernel.syscall(RawKernel.SYS_PIDFD_GETFD, -1, 0, 0, 0);
                NamespaceSnapshot snapshot = NamespaceDiscovery.scan(Set.of(NamespaceType.NET));
                if (raw == -RawKernel.ENOSYS) {
                    assertTrue(snapshot.byInode(inode).isEmpty(), "found without pidfd_getfd? " + snapshot);
                    assertTrue(snapshot.socketsRefused() > 0, snapshot::toString);
                    String why = snapshot.socketRefusal().orElseThrow();
                    assertTrue(why.contains("pidfd_getfd") && why.contains("Linux 5.6"), why);
                    assertTrue(netRow(inode).isEmpty(), "nsfs ls lists it");
                    try (Namespace opened = Namespace.ofSocket(pid, fd)) {
                        throw new AssertionError("Namespace.ofSocket opened " + opened + " without pidfd_getfd");
                    } catch (NamespaceException e) {
                        return Cells.refused(e);
                    }
                }
                assertEquals(-RawKernel.EBADF, raw, "pidfd_getfd on no pidfd: " + RawKernel.errnoName(raw));
                DiscoveredNamespace ns = snapshot.byInode(inode).orElseThrow(() -> new AssertionError(
                        "net:[" + inode + "], held only by socket " + ref + ", not found: " + snapshot));
                assertEquals(Set.of(DiscoveredNamespace.Holder.SOCKET), ns.heldBy(), ns::toString);
                assertEquals(0, ns.processCount(), ns::toString);
                assertEquals(ref, ns.socket(), ns::toString);
                assertEquals(0, snapshot.socketsRefused(), snapshot::toString);
                try (Namespace opened = ns.open(); Namespace bySocket = Namespace.ofSocket(pid, fd)) {
                    assertEquals(inode, opened.inode());
                    assertEquals(inode, bySocket.inode());
                }
                Map<?, ?> row = netRow(inode).orElseThrow(() -> new AssertionError("nsfs ls does not list net:[" + inode + "]"));
                assertEquals(List.of("socket"), row.get("held_by"), row::toString);
                assertEquals(ref, row.get("socket"), row::toString);
                Nsfs info = Nsfs.run("info", "--json", ref);
                assertEquals(0, info.status(), info::toString);
                assertEquals(BigInteger.valueOf(inode), Json.object(info.out()).get("ns"), info::toString);
                return Cells.works("pidfd_getfd + SIOCGSKNS, opened as net:PID:FD");
            }
        });
    }

    /**
     * A bind mount outside the root of the lowest process of its mount namespace: that process
     * chroots (a chrooted daemon, a container init that chroots, a pid 1 that kept its
     * initramfs root), so its mountinfo does not show the mount; a later process of the same
     * namespace at its root does. The truth: the inode of the mount point, stat'ed in the
     * namespace (nsenter). The same answer on every kernel: mountinfo through a process whose
     * root is the namespace's.
     */
    @Test
    void bindMountOutsideTheFirstProcessesRoot() throws Exception {
        Cells.check("discovery: bind mount outside a chroot", () -> {
            Path tmp = Files.createTempDirectory("nsfs4j-kernel-roots");
            try (ChrootedBindMount fixture = ChrootedBindMount.start(tmp)) {
                long bound = fixture.bound;
                NamespaceSnapshot snapshot = NamespaceDiscovery.scan(Set.of(NamespaceType.NET));
                DiscoveredNamespace ns = snapshot.byInode(bound).orElseThrow(() -> new AssertionError("net:[" + bound
                        + "], bind-mounted outside the root of pid " + fixture.first + ", not found: " + snapshot));
                assertEquals(Set.of(DiscoveredNamespace.Holder.MOUNT), ns.heldBy(), ns::toString);
                assertEquals("/proc/" + fixture.later + "/root" + fixture.file, ns.pathString());
                try (Namespace opened = ns.open()) {
                    assertEquals(bound, opened.inode());
                }
                Map<?, ?> row = netRow(bound).orElseThrow(() -> new AssertionError("nsfs ls does not list net:[" + bound + "]"));
                assertEquals(List.of("mount"), row.get("held_by"), row::toString);
                return Cells.works("mountinfo through a process at the namespace's root");
            } finally {
                Files.deleteIfExists(tmp);
            }
        });
    }

    @Test
    void nsfsLsAgreesWithLsns() throws Exception {
        Cells.check("nsfs ls --json vs lsns -J", () -> {
            try (Unshared child = Unshared.builder().types("user", "pid", "net", "uts", "ipc", "mnt").start()) {
                Map<Long, Lsns.Row> before = Lsns.snapshot();
                Nsfs ls = Nsfs.run("ls", "--json");
                Map<Long, Lsns.Row> after = Lsns.snapshot();
                assertEquals(0, ls.status(), ls::toString);
                Map<Long, Map<?, ?>> rows = new LinkedHashMap<>();
                for (Object o : (List<?>) Json.object(ls.out()).get("namespaces")) {
                    Map<?, ?> row = (Map<?, ?>) o;
                    rows.put(((BigInteger) row.get("ns")).longValue(), row);
                }
                List<String> wrong = new ArrayList<>();
                int compared = 0;
                for (Lsns.Row e : before.values()) {
                    if (!e.equals(after.get(e.ns()))) {
                        continue; // came or went meanwhile
                    }
                    Map<?, ?> row = rows.get(e.ns());
                    if (row == null) {
                        wrong.add(e + " missing");
                        continue;
                    }
                    compared++;
                    if (!e.type().equals(row.get("type")) || e.pns() != ((BigInteger) row.get("pns")).longValue()
                            || e.ons() != ((BigInteger) row.get("ons")).longValue()) {
                        wrong.add("lsns " + e + " vs nsfs " + row);
                    }
                }
                for (String type : List.of("user", "pid", "net")) {
                    long inode = Proc.nsInode(child.pid(1), type);
                    Map<?, ?> row = rows.get(inode);
                    assertTrue(row != null, "the child's " + type + " namespace is listed");
                    assertEquals(BigInteger.valueOf(Proc.processesIn(type, inode)), row.get("nprocs"),
                            "processes in the child's " + type + " namespace (readlink /proc/*/ns): " + row);
                }
                assertEquals(List.of(), wrong, "nsfs ls vs lsns");
                assertTrue(compared >= 10, "compared " + compared);
                return Cells.works(compared + " namespaces");
            }
        });
    }
}
