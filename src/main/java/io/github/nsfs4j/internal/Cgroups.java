package io.github.nsfs4j.internal;

import io.github.nsfs4j.linux.LibC;

import java.nio.file.NoSuchFileException;
import java.util.List;

/**
 * Where a cgroup v2 cgroup is in the JVM's file tree, for nsenter's {@code --join-cgroup}: under
 * a {@code cgroup2} mount of {@code /proc/self/mountinfo} (on a hybrid layout, beside the v1
 * hierarchies, often {@code /sys/fs/cgroup/unified}; on a unified one, {@code /sys/fs/cgroup}).
 * The v1 hierarchies are left alone: only the v2 one is joined.
 */
public final class Cgroups {
    private Cgroups() {}

    /**
     * The {@code cgroup.procs} file of cgroup {@code path} (as {@code /proc/PID/cgroup} names it
     * in the JVM's cgroup namespace) under the first {@code cgroup2} mount whose root holds it.
     *
     * @throws NoSuchFileException in words if no cgroup2 hierarchy is mounted where the JVM sees
     *         it, or the cgroup is outside the JVM's cgroup namespace or every such mount
     * @throws Failure if {@code /proc/self/mountinfo} cannot be read
     */
    public static String procsFile(String path) throws NoSuchFileException, Failure {
        if (!path.startsWith("/") || path.equals("/..") || path.startsWith("/../")) {
            throw new NoSuchFileException(path, null, "the cgroup is outside nsfs4j's cgroup namespace, so nsfs4j"
                    + " cannot join it");
        }
        List<Mountinfo.Mount> mounts = Mountinfo.cgroup2Mounts(Procfs.readAll("/proc/self/mountinfo",
                "cannot read the JVM's mounts"));
        if (mounts.isEmpty()) {
            throw new NoSuchFileException(path, null, "no cgroup v2 hierarchy is mounted in nsfs4j's mount namespace"
                    + " (no cgroup2 line in /proc/self/mountinfo), so it cannot join the cgroup; cgroup v1"
                    + " hierarchies are not joined");
        }
        for (Mountinfo.Mount m : mounts) {
            String root = m.root();
            String rest;
            if (root.equals("/")) {
                rest = path.equals("/") ? "" : path;
            } else if (path.equals(root) || path.startsWith(root + "/")) {
                rest = path.substring(root.length());
            } else {
                continue;
            }
            String point = new String(m.mountPoint(), LibC.PATH_CHARSET);
            return (point.equals("/") ? "" : point) + rest + "/cgroup.procs";
        }
        Mountinfo.Mount first = mounts.getFirst();
        throw new NoSuchFileException(path, null, "the cgroup is not under any cgroup2 mount nsfs4j sees (the first,"
                + " " + new String(first.mountPoint(), LibC.PATH_CHARSET) + ", holds " + first.root()
                + "), so it cannot join it");
    }
}
