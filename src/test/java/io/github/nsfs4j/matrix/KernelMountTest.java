package io.github.nsfs4j.matrix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.nsfs4j.MountNamespace;
import io.github.nsfs4j.MountNamespaceInfo;
import io.github.nsfs4j.UnsupportedRequestException;
import io.github.nsfs4j.kernel.NsIoctl;
import io.github.nsfs4j.testing.Commands;
import io.github.nsfs4j.testing.Json;
import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Unshared;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Kernel suite: mount namespaces. NS_MNT_GET_INFO and the NS_MNT_GET_NEXT/PREV walk where the
 * kernel has them (a refusal naming 6.12 elsewhere), and {@code nsfs mntns}, which must list
 * every mount namespace that a process is in on every kernel (walked, or found through /proc
 * before 6.12), with the number of mounts of the kernel's mountinfo.
 */
class KernelMountTest {
    private static Unshared child;

    /** A tmpfs mounted in the child's mount namespace only: its table has one mount more than ours. */
    private static Path extraMount;

    @BeforeAll
    static void start() throws Exception {
        Unshared.requireNamespaces();
        Unshared.requireCommand("nsenter");
        child = Unshared.start("mnt");
        extraMount = Files.createTempDirectory("nsfs4j-kernel-mnt");
        Commands.Result mounted = Unshared.enter(child.pid(1), "mnt",
                List.of("mount", "-t", "tmpfs", "nsfs4j-kernel", extraMount.toString()));
        assertEquals(0, mounted.exitCode(), "a tmpfs in the child's mount namespace: " + mounted);
    }

    @AfterAll
    static void stop() throws java.io.IOException {
        if (child != null) {
            child.close();
        }
        if (extraMount != null) {
            Files.deleteIfExists(extraMount);
        }
    }

    /**
     * The kernel's count of mounts that mountinfo does not show is the same in the caller's
     * mount namespace and in the child's, which was copied from it (under kernels/run the old
     * root below the switch_root, and on 7.0 and later one more, lie outside every process's
     * root): so the difference of the two counts must be the difference of the two mountinfo
     * tables, one (the child's tmpfs).
     */
    private static long mountinfoDifference() {
        long self = ProcessHandle.current().pid();
        long difference = Proc.mountinfo(child.pid(1)).size() - Proc.mountinfo(self).size();
        assertEquals(1, difference, "the child's mountinfo has its tmpfs more than ours");
        return difference;
    }

    @Test
    void info() throws Exception {
        Cells.check("mount ns info (id, mounts)", () -> {
            long pid = child.pid(1);
            try (MountNamespace ns = MountNamespace.ofProcess((int) pid)) {
                MountNamespaceInfo info;
                try {
                    info = ns.info();
                } catch (UnsupportedRequestException e) {
                    assertTrue(!KernelOracle.has(NsIoctl.NS_MNT_GET_INFO), "refused, but the kernel has it: " + e);
                    return Cells.refused(e);
                }
                RawKernel.U64 id = RawKernel.ioctlU64("/proc/" + pid + "/ns/mnt", NsIoctl.NS_GET_MNTNS_ID.request());
                assertEquals(0, id.rc(), "NS_GET_MNTNS_ID raw");
                assertEquals(id.value(), info.id(), "info id vs NS_GET_MNTNS_ID");
                try (MountNamespace own = MountNamespace.current()) {
                    MountNamespaceInfo ownInfo = own.info();
                    assertEquals(mountinfoDifference(), info.mountCount() - ownInfo.mountCount(),
                            "mounts of the child's namespace minus ours, vs their mountinfo tables");
                    long hidden = ownInfo.mountCount() - Proc.mountinfo(ProcessHandle.current().pid()).size();
                    assertTrue(hidden >= 0, "the kernel counts at least the mounts mountinfo shows");
                    return Cells.works(hidden == 0 ? "" : hidden + " outside the root");
                }
            }
        });
    }

    @Test
    void walk() throws Exception {
        Cells.check("mount ns walk (NEXT/PREV)", () -> {
            try (MountNamespace own = MountNamespace.current();
                    MountNamespace other = MountNamespace.ofProcess((int) child.pid(1))) {
                List<Long> ids = new ArrayList<>();
                List<Long> inodes = new ArrayList<>();
                try {
                    own.walkAll(ns -> {
                        ids.add(ns.id().orElseThrow());
                        inodes.add(ns.inode());
                        return true;
                    });
                } catch (UnsupportedRequestException e) {
                    assertTrue(!KernelOracle.has(NsIoctl.NS_MNT_GET_NEXT), "refused, but the kernel has it: " + e);
                    return Cells.refused(e);
                }
                assertTrue(inodes.contains(own.inode()), "the walk meets the caller's own " + own + ": " + inodes);
                assertTrue(inodes.contains(other.inode()), "the walk meets the child's " + other + ": " + inodes);
                List<Long> sorted = new ArrayList<>(ids);
                sorted.sort(Long::compareUnsigned);
                assertEquals(sorted, ids, "in id order");
                assertEquals(ids.size(), ids.stream().distinct().count(), "no namespace twice: " + ids);
                return Cells.works(ids.size() + " namespaces");
            }
        });
    }

    /** The mount namespaces processes are in, each with its lowest pid: the kernel's truth for a list of them. */
    private static Map<Long, Long> mountNamespacesOfProcesses() throws java.io.IOException {
        Map<Long, Long> member = new TreeMap<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) procs::iterator) {
                String name = p.getFileName().toString();
                if (name.chars().allMatch(Character::isDigit)) {
                    try {
                        member.merge(Proc.nsInode(Long.parseLong(name), "mnt"), Long.parseLong(name), Math::min);
                    } catch (RuntimeException gone) {
                        // exited meanwhile, or not ours to read
                    }
                }
            }
        }
        return member;
    }

    /**
     * MountNamespace.listAll(), the library's form of nsfs mntns: the walk where the kernel has
     * it (every entry from the kernel, the child's count one more than ours: its tmpfs), else
     * the same fallback as the command (every mount namespace a process is in, marked PROC,
     * the count that of the lowest member's mountinfo): never a refusal.
     */
    @Test
    void listAllListsEveryMountNamespace() throws Exception {
        Cells.check("MountNamespace.listAll()", () -> {
            Map<Long, Long> member = mountNamespacesOfProcesses();
            long childNs = Proc.nsInode(child.pid(1), "mnt");
            Map<Long, MountNamespaceInfo> listed = new TreeMap<>();
            try (MountNamespace own = MountNamespace.current()) {
                for (MountNamespaceInfo info : own.listAll()) {
                    listed.put(info.inode(), info);
                }
            }
            List<Long> missing = new ArrayList<>(member.keySet());
            missing.removeAll(listed.keySet());
            assertEquals(List.of(), missing, "mount namespaces processes are in, missing from listAll(): " + listed);
            boolean walked = KernelOracle.has(NsIoctl.NS_MNT_GET_NEXT);
            MountNamespaceInfo.Source expected = walked ? MountNamespaceInfo.Source.KERNEL : MountNamespaceInfo.Source.PROC;
            for (MountNamespaceInfo info : listed.values()) {
                assertEquals(expected, info.source(), info::toString);
            }
            MountNamespaceInfo childInfo = listed.get(childNs);
            MountNamespaceInfo ownInfo = listed.get(Proc.selfNsInode("mnt"));
            if (walked) {
                assertEquals(mountinfoDifference(), childInfo.mountCount() - ownInfo.mountCount(),
                        "the kernel's counts: " + childInfo + ", ours " + ownInfo);
                return Cells.works(listed.size() + " namespaces (walk)");
            }
            long lowest = member.get(childNs);
            assertEquals(Proc.mountinfo(lowest).size(), childInfo.mountCount(),
                    "the count of the lowest member's (pid " + lowest + ") mountinfo: " + childInfo);
            return Cells.fallback("/proc, marked PROC");
        });
    }

    @Test
    void nsfsMntnsListsEveryMountNamespace() throws Exception {
        Cells.check("nsfs mntns: every mount ns", () -> {
            // The kernel's truth: the mount namespaces that processes are in, and one member each.
            Map<Long, Long> member = mountNamespacesOfProcesses();
            long childNs = Proc.nsInode(child.pid(1), "mnt");
            assertTrue(member.containsKey(childNs));
            Nsfs run = Nsfs.run("mntns", "--json");
            assertEquals(0, run.status(), run::toString);
            Map<Long, Long> listed = new TreeMap<>();
            for (Object o : (List<?>) Json.object(run.out()).get("mount_namespaces")) {
                Map<?, ?> row = (Map<?, ?>) o;
                Object mounts = row.get("nr_mounts");
                listed.put(((BigInteger) row.get("ns")).longValue(), mounts == null ? -1 : ((BigInteger) mounts).longValue());
            }
            List<String> wrong = new ArrayList<>();
            for (Map.Entry<Long, Long> e : member.entrySet()) {
                if (!listed.containsKey(e.getKey())) {
                    wrong.add("mnt:[" + e.getKey() + "] (pid " + e.getValue() + ") missing");
                }
            }
            long ownNs = Proc.selfNsInode("mnt");
            if (listed.containsKey(childNs) && listed.containsKey(ownNs)
                    && listed.get(childNs) - listed.get(ownNs) != mountinfoDifference()) {
                wrong.add("nr_mounts: the child's mnt:[" + childNs + "] " + listed.get(childNs) + ", ours "
                        + listed.get(ownNs) + "; their mountinfo tables differ by " + mountinfoDifference());
            }
            assertEquals(List.of(), wrong, "nsfs mntns vs /proc/*/ns/mnt; " + run);
            boolean walked = KernelOracle.has(NsIoctl.NS_MNT_GET_NEXT);
            if (!walked) {
                assertTrue(run.err().contains("/proc"), "stderr says the list comes from /proc: " + run);
            }
            return walked ? Cells.works("walk") : Cells.fallback("/proc");
        });
    }
}
