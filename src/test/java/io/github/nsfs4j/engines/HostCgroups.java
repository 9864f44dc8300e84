package io.github.nsfs4j.engines;

import io.github.nsfs4j.testing.Proc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The host's cgroup directories before a test's engines ran, so that what they leave behind is
 * removed after: rootful podman with the cgroupfs manager leaves an empty
 * {@code libpod_parent/libpod-ID} in every hierarchy per container, LXC its {@code lxc.pivot}.
 * Only directories that are new and empty of processes are removed, deepest first.
 */
final class HostCgroups {
    private final Set<Path> before;

    private HostCgroups(Set<Path> before) {
        this.before = before;
    }

    /** Every cgroup directory of every hierarchy mounted now. */
    static HostCgroups snapshot() {
        return new HostCgroups(new HashSet<>(all()));
    }

    /** Removes the directories made since the snapshot (a cgroup gone meanwhile is no error). */
    void removeNew() {
        List<Path> made = new ArrayList<>(all());
        made.removeAll(before);
        made.sort(Comparator.comparingInt(Path::getNameCount).reversed());
        for (int attempt = 0; attempt < 50 && !made.isEmpty(); attempt++) {
            made.removeIf(HostCgroups::removed);
            if (!made.isEmpty()) {
                try {
                    Thread.sleep(100); // a task that just ended leaves its cgroup busy for a moment
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
        if (!made.isEmpty()) {
            throw new AssertionError("cgroups the engines made and left, still busy: " + made);
        }
    }

    private static boolean removed(Path cgroup) {
        try {
            Files.deleteIfExists(cgroup);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static List<Path> all() {
        List<Path> dirs = new ArrayList<>();
        for (String line : Proc.readLines(Path.of("/proc/self/mountinfo"))) {
            String[] sides = line.split(" - ", 2);
            String fs = sides[1].split(" ")[0];
            if (fs.equals("cgroup") || fs.equals("cgroup2")) {
                try (Stream<Path> walk = Files.walk(Path.of(sides[0].split(" ")[4]))) {
                    walk.filter(Files::isDirectory).forEach(dirs::add);
                } catch (NoSuchFileException | UncheckedIOException e) {
                    // a cgroup removed while walked
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        return dirs;
    }
}
