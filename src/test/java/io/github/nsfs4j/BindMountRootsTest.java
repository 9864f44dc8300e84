package io.github.nsfs4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.testing.Commands;
import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Unshared;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bind mounts found whatever the roots: in a mount namespace whose lowest-pid process is
 * chrooted (as a chrooted daemon with a low pid, a container init that chroots, a pid 1 that
 * kept an initramfs root), a net namespace bind-mounted outside that root is found all the same,
 * through another process of the namespace whose root is the namespace's own. The kernel's
 * truth: the inode of the mount point, stat'ed inside the namespace (nsenter).
 */
class BindMountRootsTest {

    @TempDir
    Path tmp;

    @Test
    void aBindMountOutsideTheFirstProcessesRootIsFound() throws Exception {
        Unshared.requireCommand("perl");
        Unshared.requireCommand("nsenter");
        Path jail = Files.createDirectory(tmp.resolve("jail"));
        Path file = Files.createFile(tmp.resolve("netns"));
        // The first process of the new mount namespace makes it (mounts private, so nothing
        // reaches the host's table), then chroots; the harness's unshare above it has no namespace.
        String script = "syscall(272, 0x20000) == 0 or die \"unshare: $!\";"
                + " system('mount', '--make-rprivate', '/') == 0 or die 'mount';"
                + " chroot('" + jail + "') or die \"chroot: $!\"; chdir('/'); $| = 1; print \"ready\\n\"; sleep 100000";
        try (Unshared chrooted = Unshared.builder().start(List.of("perl", "-e", script))) {
            int first = chrooted.leafPid();
            assertEquals(jail.toString(), Proc.readLink(Path.of("/proc/" + first + "/root")));
            long mnt = Proc.nsInode(first, "mnt");
            // a later process of the same mount namespace, at its root (nsenter -m: no chroot)
            try (Unshared later = Unshared.builder().start(List.of("nsenter", "-t", Integer.toString(first), "-m",
                    "sh", "-c", "echo ready; exec sleep 100000"))) {
                assertEquals(mnt, Proc.nsInode(later.leafPid(), "mnt"));
                assertTrue(later.leafPid() > first);
                Unshared.bindMountIn(first, "net", file);
                Commands.Result stat = Unshared.enter(first, "mnt", List.of("stat", "-c", "%i", file.toString()));
                assertEquals(0, stat.exitCode(), stat::toString);
                long bound = Long.parseLong(stat.stdout().trim());
                assertTrue(Proc.mountinfo(later.leafPid()).stream().anyMatch(l -> l.contains(" nsfs ")),
                        "the mount is in the namespace's table");
                assertTrue(Proc.mountinfo(first).stream().noneMatch(l -> l.contains(" nsfs ")),
                        "the chrooted first process does not see it");

                NamespaceSnapshot snapshot = NamespaceDiscovery.scan(Set.of(NamespaceType.NET));
                DiscoveredNamespace ns = snapshot.byInode(bound).orElseThrow(() -> new AssertionError(
                        "net:[" + bound + "], bind-mounted outside the root of pid " + first + ", not found: "
                                + snapshot.namespaces()));
                assertEquals(Set.of(DiscoveredNamespace.Holder.MOUNT), ns.heldBy());
                assertEquals("/proc/" + later.leafPid() + "/root" + file, ns.pathString());
                try (Namespace opened = ns.open()) {
                    assertEquals(bound, opened.inode());
                }
            }
        }
    }
}
