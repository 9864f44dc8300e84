package io.github.nsfs4j.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * A cgroup v2 cgroup made for a test: a directory of a unique name under the {@code cgroup2}
 * mount that {@code /proc/self/mountinfo} shows (on a hybrid layout beside the v1 hierarchies),
 * removed at {@link #close()} once its processes are gone. Needs root.
 */
public final class Cgroup2 implements AutoCloseable {
    private final Path dir;
    private final String path;

    private Cgroup2(Path dir, String path) {
        this.dir = dir;
        this.path = path;
    }

    /**
     * A cgroup hierarchy mounted at its root in this process's mount namespace: the v2 one
     * ({@code cgroup2}), or a v1 one ({@code cgroup}) with its super options, its controllers
     * among them.
     */
    public record Hierarchy(boolean v2, Set<String> options, Path mountPoint) {}

    /** Every cgroup hierarchy mounted at its root, in mountinfo's order ("- TYPE SOURCE OPTIONS" after the optional fields). */
    public static List<Hierarchy> hierarchies() {
        List<Hierarchy> found = new ArrayList<>();
        for (String line : Proc.readLines(Path.of("/proc/self/mountinfo"))) {
            String[] sides = line.split(" - ", 2);
            String[] mount = sides[0].split(" ");
            String[] fs = sides[1].split(" ");
            boolean v2 = fs[0].equals("cgroup2");
            if ((v2 || fs[0].equals("cgroup")) && mount[3].equals("/")) {
                found.add(new Hierarchy(v2, Set.of(fs[2].split(",")), Path.of(mount[4])));
            }
        }
        return found;
    }

    /** Where cgroup2 is mounted, or null. */
    public static Path mountPoint() {
        return hierarchies().stream().filter(Hierarchy::v2).map(Hierarchy::mountPoint).findFirst().orElse(null);
    }

    /** A new empty cgroup; the test is skipped (or fails under CI) without root or a cgroup2 mount. */
    public static Cgroup2 create() {
        Unshared.require(Proc.euid() == 0, "making a cgroup needs root");
        Path mount = mountPoint();
        Unshared.require(mount != null, "no cgroup2 mounted (/proc/self/mountinfo)");
        String name = "nsfs4j-test-" + UUID.randomUUID();
        try {
            return new Cgroup2(Files.createDirectory(mount.resolve(name)), "/" + name);
        } catch (IOException e) {
            throw new IllegalStateException("cannot make a cgroup under " + mount, e);
        }
    }

    /** Its directory. */
    public Path dir() {
        return dir;
    }

    /** Its path as /proc/PID/cgroup shows it ({@code 0::PATH}). */
    public String path() {
        return path;
    }

    /** Moves process {@code pid} into it. */
    public void add(long pid) throws IOException {
        Files.writeString(dir.resolve("cgroup.procs"), Long.toString(pid));
    }

    /** The pids in it, as {@code cgroup.procs} lists them. */
    public List<Long> procs() throws IOException {
        return Files.readAllLines(dir.resolve("cgroup.procs")).stream().map(Long::parseLong).toList();
    }

    /** The {@code 0::} line of process {@code pid}'s {@code /proc/PID/cgroup}, or null. */
    public static String lineOf(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "cgroup"))) {
            if (line.startsWith("0::")) {
                return line;
            }
        }
        return null;
    }

    /** Removes it, waiting up to 10 s for its processes to end. */
    @Override
    public void close() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (true) {
            try {
                Files.delete(dir);
                return;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("cannot remove the test's cgroup " + dir + " (still " + procs() + ")", e);
                }
                Thread.sleep(20);
            }
        }
    }
}
