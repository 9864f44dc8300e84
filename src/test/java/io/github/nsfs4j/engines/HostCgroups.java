package io.github.nsfs4j.engines;

import io.github.nsfs4j.testing.Cgroup2;

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

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A test class's extension ({@code @ExtendWith(HostCgroups.class)}) that removes the cgroup
 * directories its engines made in the host's hierarchies and left: rootful podman with the
 * cgroupfs manager leaves an empty {@code libpod_parent/libpod-ID} and {@code conmon} in every
 * hierarchy, LXC its {@code lxc.pivot}. It lists them before the class's {@code @BeforeAll} and
 * compares after its {@code @AfterAll} (which stops the engines); only directories that are
 * new and empty of processes are removed, deepest first.
 */
final class HostCgroups implements BeforeAllCallback, AfterAllCallback {
    private static final ExtensionContext.Namespace STORE = ExtensionContext.Namespace.create(HostCgroups.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        context.getStore(STORE).put("before", Set.copyOf(all()));
    }

    @Override
    public void afterAll(ExtensionContext context) {
        @SuppressWarnings("unchecked")
        Set<Path> before = context.getStore(STORE).get("before", Set.class);
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

    /** Every cgroup directory of every hierarchy mounted now. */
    private static Set<Path> all() {
        Set<Path> dirs = new HashSet<>();
        for (Cgroup2.Hierarchy h : Cgroup2.hierarchies()) {
            try (Stream<Path> walk = Files.walk(h.mountPoint())) {
                walk.filter(Files::isDirectory).forEach(dirs::add);
            } catch (NoSuchFileException | UncheckedIOException e) {
                // a cgroup removed while walked
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return dirs;
    }
}
