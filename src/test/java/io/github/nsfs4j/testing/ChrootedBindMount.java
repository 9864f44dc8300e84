package io.github.nsfs4j.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The fixture of "bind mounts found whatever the roots": a new mount namespace (its mounts
 * private: nothing reaches the host's table) whose first process, the lowest pid in it, is
 * chrooted into an empty folder, as a chrooted daemon with a low pid, a container init that
 * chroots or a pid 1 that kept an initramfs root is; a later process of the same namespace at
 * its root ({@code nsenter -m}); and a net namespace bind-mounted on a file outside the jail,
 * which the first process's mountinfo does not show. The kernel's truth is {@link #bound}: the
 * inode {@code stat} gives for the mount point inside the namespace. Needs unshare(1),
 * nsenter(1), perl, stat(1), and root.
 */
public final class ChrootedBindMount implements AutoCloseable {
    /** The mount point (in the new mount namespace only). */
    public final Path file;
    /** The chrooted first process. */
    public final int first;
    /** The later process, at the namespace's root. */
    public final int later;
    /** The inode of the bind-mounted net namespace. */
    public final long bound;

    private final Unshared chrooted;
    private final Unshared atRoot;
    private final Path jail;

    private ChrootedBindMount(Path file, Path jail, Unshared chrooted, Unshared atRoot, long bound) {
        this.file = file;
        this.jail = jail;
        this.chrooted = chrooted;
        this.atRoot = atRoot;
        this.first = chrooted.leafPid();
        this.later = atRoot.leafPid();
        this.bound = bound;
    }

    /** Makes it under {@code dir} (a folder of the test's own, which it deletes). */
    public static ChrootedBindMount start(Path dir) throws IOException {
        Unshared.requireCommand("perl");
        Unshared.requireCommand("nsenter");
        Path jail = Files.createDirectory(dir.resolve("jail"));
        Path file = Files.createFile(dir.resolve("netns"));
        // unshare(1) makes the mount namespace (mounts private) and execs perl, which chroots:
        // the first process of the namespace, and no system call number of an architecture's.
        Unshared chrooted = Unshared.builder().start(List.of("unshare", "--mount", "--propagation", "private", "perl",
                "-e", "chroot('" + jail + "') or die \"chroot: $!\"; chdir('/'); $| = 1; print \"ready\\n\"; sleep 100000"));
        Unshared atRoot = null;
        try {
            int first = chrooted.leafPid();
            assertEquals(jail.toString(), Proc.readLink(Path.of("/proc/" + first + "/root")));
            atRoot = Unshared.builder().start(List.of("nsenter", "-t", Integer.toString(first), "-m",
                    "sh", "-c", "echo ready; exec sleep 100000"));
            int later = atRoot.leafPid();
            assertEquals(Proc.nsInode(first, "mnt"), Proc.nsInode(later, "mnt"));
            assertTrue(later > first, "the chrooted process is the lower pid: " + first + ", " + later);
            Unshared.bindMountIn(first, "net", file);
            Commands.Result stat = Unshared.enter(first, "mnt", List.of("stat", "-c", "%i", file.toString()));
            assertEquals(0, stat.exitCode(), stat::toString);
            assertTrue(Proc.mountinfo(later).stream().anyMatch(l -> l.contains(" nsfs ")),
                    "the mount is in the namespace's table");
            assertTrue(Proc.mountinfo(first).stream().noneMatch(l -> l.contains(" nsfs ")),
                    "the chrooted first process does not see it");
            ChrootedBindMount made = new ChrootedBindMount(file, jail, chrooted, atRoot,
                    Long.parseLong(stat.stdout().trim()));
            atRoot = null;
            chrooted = null;
            return made;
        } finally {
            if (atRoot != null) {
                atRoot.close();
            }
            if (chrooted != null) {
                chrooted.close();
                Files.deleteIfExists(file);
                Files.deleteIfExists(jail);
            }
        }
    }

    /** Kills both processes (the mount namespace, and with it the bind mount, goes with them); deletes the files. */
    @Override
    public void close() throws IOException {
        atRoot.close();
        chrooted.close();
        Files.deleteIfExists(file);
        Files.deleteIfExists(jail);
    }
}
