package io.github.nsfs4j.engines;

import static io.github.nsfs4j.engines.EngineFixture.must;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import io.github.nsfs4j.testing.Cgroup2;
import io.github.nsfs4j.testing.Proc;

/**
 * A cgroup that a user may write, in every hierarchy this JVM belongs to: what pam_cgfs makes at
 * login on a host without systemd (and systemd's {@code Delegate=} on cgroup2). Root makes
 * {@code NAME} under this JVM's own cgroup of each hierarchy (so the JVM's limits still hold),
 * gives the directory and the files that move processes to the user, and starts the user's
 * commands from inside it ({@link #session}), as a login shell would be. LXC run by the user
 * needs this: it makes its containers' cgroups below the cgroup it starts in, and skips a
 * hierarchy it may not write (the container then stays in its starter's cgroups).
 */
final class DelegatedCgroups implements AutoCloseable {
    /** The files a delegated cgroup's owner must write to move processes and enable controllers. */
    private static final List<String> DELEGATED_FILES = List.of("cgroup.procs", "tasks", "cgroup.threads",
            "cgroup.subtree_control");

    /** Moves the shell into each directory given before {@code --}, then runs what follows. */
    private static final String ENTER = "while [ \"$1\" != -- ]; do echo $$ > \"$1/cgroup.procs\" || exit 125;"
            + " shift; done; shift; exec \"$@\"";

    /** Per hierarchy ({@code ID:CONTROLLERS} of /proc/self/cgroup), the path of the delegated cgroup in it. */
    private final Map<String, String> paths = new LinkedHashMap<>();
    private final List<Path> dirs = new ArrayList<>();

    private DelegatedCgroups() {}

    /** Makes {@code name} under this JVM's cgroup in each hierarchy, owned by {@code uid}:{@code gid}. */
    static DelegatedCgroups create(String name, long uid, long gid) throws IOException {
        DelegatedCgroups cgroups = new DelegatedCgroups();
        try {
            for (String line : Proc.readLines(Path.of("/proc/self/cgroup"))) {
                String[] f = line.split(":", 3);
                Path dir = mountOf(f[1]).resolve(f[2].substring(1)).resolve(name);
                Files.createDirectory(dir);
                cgroups.dirs.add(dir);
                cgroups.paths.put(f[0] + ":" + f[1], f[2].replaceAll("/$", "") + "/" + name);
                if (Files.exists(dir.resolve("cpuset.cpus"))) {
                    // cgroup v1 cpuset: a new cgroup has no cpus or memory nodes, so no task may enter
                    // it; clone_children gives LXC's cgroups below it the same.
                    for (String file : List.of("cpuset.cpus", "cpuset.mems")) {
                        Files.writeString(dir.resolve(file), Files.readString(dir.getParent().resolve(file)));
                    }
                    Files.writeString(dir.resolve("cgroup.clone_children"), "1");
                }
                List<String> chown = new ArrayList<>(List.of("chown", uid + ":" + gid, dir.toString()));
                for (String file : DELEGATED_FILES) {
                    if (Files.exists(dir.resolve(file))) {
                        chown.add(dir.resolve(file).toString());
                    }
                }
                must(EngineFixture.run(dir, Map.of(), chown));
            }
        } catch (IOException | RuntimeException | Error e) {
            cgroups.close();
            throw e;
        }
        return cgroups;
    }

    /** Where the hierarchy of {@code controllers} (a /proc/self/cgroup field; empty: cgroup2) is mounted. */
    private static Path mountOf(String controllers) {
        Set<String> wanted = Set.of(controllers.split(","));
        for (Cgroup2.Hierarchy h : Cgroup2.hierarchies()) {
            if (controllers.isEmpty() ? h.v2() : !h.v2() && h.options().containsAll(wanted)) {
                return h.mountPoint();
            }
        }
        throw new AssertionError("no mount of the cgroup hierarchy '" + controllers + "' in /proc/self/mountinfo");
    }

    /**
     * The prefix that runs a command as {@code uid}/{@code gid} (setpriv) from inside the
     * delegated cgroups: root moves the starting shell in first, as a cgroup v1 task may be moved
     * only by root or its own uid, and a cgroup2 one only by a writer of the common ancestor.
     */
    List<String> session(long uid, long gid) {
        List<String> cmd = new ArrayList<>(List.of("sh", "-c", ENTER, "sh"));
        dirs.forEach(d -> cmd.add(d.toString()));
        cmd.add("--");
        cmd.addAll(EngineFixture.as(uid, gid, List.of()));
        return cmd;
    }

    /** That each of {@code pid}'s cgroups lies below the delegated one of its hierarchy. */
    void assertHolds(long pid) {
        List<String> lines = Proc.readLines(Path.of("/proc", Long.toString(pid), "cgroup"));
        assertEquals(paths.size(), lines.size(), lines::toString);
        for (String line : lines) {
            String[] f = line.split(":", 3);
            String delegated = paths.get(f[0] + ":" + f[1]);
            assertTrue(delegated != null && f[2].startsWith(delegated + "/"), () -> "cgroup " + line + " of " + pid
                    + " is not below the delegated " + paths);
        }
    }

    /**
     * Removes the delegated cgroups and what LXC made below them, deepest first. A process still
     * inside (a container that did not stop) is the test's own and is killed first; LXC's monitor
     * may remove its cgroups meanwhile, so a cgroup that vanishes is no error.
     */
    @Override
    public void close() {
        for (int attempt = 0;; attempt++) {
            List<Path> left = new ArrayList<>();
            for (Path dir : dirs) {
                left.addAll(tree(dir));
            }
            if (left.isEmpty()) {
                return;
            }
            left.forEach(DelegatedCgroups::killInside);
            IOException last = null;
            for (Path cgroup : left) {
                try {
                    Files.deleteIfExists(cgroup);
                } catch (IOException e) {
                    last = e; // EBUSY: a killed task leaves its cgroup a moment after it dies
                }
            }
            if (last != null && attempt == 50) {
                throw new UncheckedIOException("cannot remove the cgroups " + left, last);
            }
            pause();
        }
    }

    /** The cgroup directories at and below {@code dir}, deepest first; empty if it is gone. */
    private static List<Path> tree(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList();
        } catch (NoSuchFileException | UncheckedIOException e) {
            return Files.exists(dir) ? List.of(dir) : List.of(); // one below vanished while listed: next round
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the cgroup " + dir, e);
        }
    }

    private static void killInside(Path cgroup) {
        List<String> pids;
        try {
            pids = Files.readAllLines(cgroup.resolve("cgroup.procs"));
        } catch (IOException e) {
            return; // removed meanwhile
        }
        for (String pid : pids) {
            ProcessHandle.of(Long.parseLong(pid.trim())).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    private static void pause() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while removing cgroups", e);
        }
    }
}
