package io.github.nsfs4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.nsfs4j.kernel.NsIoctl;
import io.github.nsfs4j.testing.Commands;
import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Seccomp;
import io.github.nsfs4j.testing.Unshared;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@link MountNamespace#listAll()} on a kernel without NS_MNT_GET_INFO and the walk (before
 * 6.12; here a seccomp filter answers them ENOTTY, as such a kernel does, in a child JVM):
 * it falls back as {@code nsfs mntns} does, to every mount namespace a process is in, marked
 * {@link MountNamespaceInfo.Source#PROC}, with the count of a member's mountinfo. The truth:
 * readlink /proc/PID/ns/mnt and mountinfo.
 */
class MountListFallbackTest {

    /** Run in a child JVM: the filter, then listAll(), one line per entry: {@code inode id count source}. */
    public static void main(String[] args) throws Throwable {
        long rc = Seccomp.refuseIoctls(25, NsIoctl.NS_MNT_GET_INFO.request(), NsIoctl.NS_MNT_GET_NEXT.request(),
                NsIoctl.NS_MNT_GET_PREV.request());
        if (rc != 0) {
            System.out.println("no filter " + rc);
            System.exit(3);
        }
        try (MountNamespace own = MountNamespace.current()) {
            for (MountNamespaceInfo info : own.listAll()) {
                System.out.println(info.inode() + " " + Long.toUnsignedString(info.id()) + " " + info.mountCount() + " "
                        + info.source());
            }
        }
    }

    @Test
    void beforeTheWalkListAllFallsBackToProc() throws Exception {
        Assumptions.assumeTrue(System.getProperty("os.arch").equals("amd64"), "the filter is x86-64's");
        try (Unshared child = Unshared.start("mnt")) {
            long childNs = Proc.nsInode(child.leafPid(), "mnt");
            Commands.Result r = Commands.run(Commands.javaCommand(List.of("--enable-native-access=ALL-UNNAMED"),
                    MountListFallbackTest.class));
            assertEquals(0, r.exitCode(), r::toString);
            Map<Long, String[]> listed = new HashMap<>();
            for (String line : r.stdout().lines().toList()) {
                String[] f = line.split(" ");
                listed.put(Long.parseLong(f[0]), f);
                assertEquals("PROC", f[3], () -> "marked as found through /proc: " + line);
            }
            String[] entry = listed.get(childNs);
            assertTrue(entry != null, () -> "the child's mnt:[" + childNs + "] is listed: " + r.stdout());
            long lowest = Proc.pids().stream().filter(p -> {
                try {
                    return Proc.nsInode(p, "mnt") == childNs;
                } catch (RuntimeException e) {
                    return false;
                }
            }).min(Long::compare).orElseThrow();
            assertEquals(Proc.mountinfo(lowest).size(), Long.parseLong(entry[2]), "mounts: its member's mountinfo");
            assertTrue(listed.containsKey(Proc.selfNsInode("mnt")), "ours too");
        }
    }
}
