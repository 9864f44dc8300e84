package io.github.nsfs4j;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.testing.ChrootedBindMount;

import java.nio.file.Path;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bind mounts found whatever the roots: in a mount namespace whose lowest-pid process is
 * chrooted (as a chrooted daemon with a low pid, a container init that chroots, a pid 1 that
 * kept an initramfs root), a net namespace bind-mounted outside that root is found all the same,
 * through another process of the namespace whose root is the namespace's own. The kernel's
 * truth: the inode of the mount point, stat'ed inside the namespace ({@link ChrootedBindMount}).
 */
class BindMountRootsTest {

    @TempDir
    Path tmp;

    @Test
    void aBindMountOutsideTheFirstProcessesRootIsFound() throws Exception {
        try (ChrootedBindMount fixture = ChrootedBindMount.start(tmp)) {
            NamespaceSnapshot snapshot = NamespaceDiscovery.scan(Set.of(NamespaceType.NET));
            DiscoveredNamespace ns = snapshot.byInode(fixture.bound).orElseThrow(() -> new AssertionError(
                    "net:[" + fixture.bound + "], bind-mounted outside the root of pid " + fixture.first + ", not found: "
                            + snapshot.namespaces()));
            assertEquals(Set.of(DiscoveredNamespace.Holder.MOUNT), ns.heldBy());
            assertEquals("/proc/" + fixture.later + "/root" + fixture.file, ns.pathString());
            try (Namespace opened = ns.open()) {
                assertEquals(fixture.bound, opened.inode());
            }
        }
    }
}
