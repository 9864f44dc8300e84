package io.github.nsfs4j.engines;

import static io.github.nsfs4j.engines.EngineFixture.must;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import io.github.nsfs4j.testing.Commands;

/**
 * A podman of the test's own: storage, run root, temporary files and runc's state all under one
 * directory, so nothing of the host's podman is read or changed, removed by {@link #close}. Run
 * by root, or (rootless) by a user through setpriv, with its own HOME and XDG_RUNTIME_DIR.
 * The options suit this machine's kind: the cgroupfs manager and runc (cgroup v1 controllers,
 * with cgroup2 only at /sys/fs/cgroup/unified, which crun's defaults do not expect), no network
 * (a rootless user has no /dev/net/tun), and rlimits no higher than the test's own (podman's
 * defaults for nofile and nproc exceed what root here may raise to).
 */
final class Podman implements AutoCloseable {
    final Path dir;
    final long uid;
    final long gid;

    /** A podman that keeps its files in {@code dir} (made, and owned by {@code uid}:{@code gid}). */
    Podman(Path dir, long uid, long gid) throws IOException {
        this.dir = Files.createDirectories(dir);
        this.uid = uid;
        this.gid = gid;
        Files.createDirectories(dir.resolve("home"));
        Files.createDirectories(dir.resolve("x"));
        Files.setPosixFilePermissions(dir.resolve("x"), PosixFilePermissions.fromString("rwx------"));
        EngineFixture.chownTree(dir, uid, gid);
    }

    /** As the podman user, in {@code dir}. */
    List<String> asUser(List<String> command) {
        return uid == 0 ? command : EngineFixture.as(uid, gid, command);
    }

    /** Runs {@code podman GLOBAL-OPTIONS ARGS}. */
    Commands.Result podman(String... args) {
        List<String> cmd = new ArrayList<>(List.of("podman", "--root", dir.resolve("storage").toString(), "--runroot",
                dir.resolve("x/r").toString(), "--tmpdir", dir.resolve("x/t").toString(),
                "--cgroup-manager=cgroupfs", "--runtime", "runc", "--runtime-flag", "root=" + runcRoot(),
                "--storage-driver", "vfs", "--events-backend=file"));
        cmd.addAll(List.of(args));
        return EngineFixture.run(dir, Map.of("HOME", dir.resolve("home").toString(), "XDG_RUNTIME_DIR",
                dir.resolve("x").toString()), asUser(cmd));
    }

    /** runc's state directory for this podman's containers. */
    Path runcRoot() {
        return dir.resolve("x/runc");
    }

    /** Imports the tarball of a root filesystem as image {@code name}. */
    void importImage(Path tarball, String name) {
        must(podman("import", tarball.toString(), name));
    }

    /** Starts a container of {@code image} that sleeps, with {@code hostname}; returns its init's host pid (podman inspect). */
    long start(String image, String name, String hostname) {
        long limit = 1024; // under the hard limits of nofile and nproc here, which root cannot raise
        must(podman("run", "-d", "--name", name, "--hostname", hostname, "--network=none", "--ulimit",
                "nofile=" + limit + ":" + limit, "--ulimit", "nproc=" + limit + ":" + limit, image, "/bin/sleep",
                "100000"));
        return Long.parseLong(must(podman("inspect", "--format", "{{.State.Pid}}", name)).stdout().trim());
    }

    /** The container's id (podman inspect), as runc names it. */
    String id(String name) {
        return must(podman("inspect", "--format", "{{.Id}}", name)).stdout().trim();
    }

    /**
     * Removes every container and image of this podman, ends its rootless pause process (the
     * user namespace holder podman leaves behind), and deletes the directory.
     */
    @Override
    public void close() {
        try {
            podman("rm", "--force", "--time", "0", "--all");
            podman("rmi", "--all", "--force");
            try (Stream<Path> files = Files.walk(dir)) {
                files.filter(f -> f.getFileName().toString().equals("pause.pid")).forEach(Podman::kill);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        } finally {
            EngineFixture.deleteTree(dir);
        }
    }

    private static void kill(Path pidFile) {
        try {
            String text = Files.readString(pidFile).trim();
            if (!text.isEmpty()) {
                ProcessHandle.of(Long.parseLong(text)).ifPresent(ProcessHandle::destroyForcibly);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
