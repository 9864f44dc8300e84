package io.github.nsfs4j.engines;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import io.github.nsfs4j.testing.Commands;
import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Tools;
import io.github.nsfs4j.testing.Unshared;

/**
 * What the engine tests share: a work directory others may enter (a rootless engine runs as
 * another user), a root filesystem built from busybox-static (no image registry is reachable),
 * commands run in a chosen directory with a chosen environment, and the test user with
 * subordinate ids that rootless podman and id-mapped LXC need.
 */
final class EngineFixture {
    private EngineFixture() {}

    /** The user that owns the rootless container, made by the test when missing. */
    static final String ROOTLESS_USER = "nsfs4j-rootless";

    /** Root, Linux namespaces, and the machine's engines usable (else the test fails under CI, or is skipped). */
    static void requireRoot() {
        Unshared.requireNamespaces();
        Unshared.require(Proc.euid() == 0, "engine tests start containers as root");
        Unshared.requireCommand("setpriv");
    }

    /**
     * A fresh directory {@code PREFIX-PID} under java.io.tmpdir, mode 0755 so that the rootless
     * user and mapped ids reach inside; its name is short, as podman refuses a run root path
     * longer than 50 characters. One of an earlier JVM with the same pid is deleted first.
     */
    static Path workDir(String prefix) throws IOException {
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), prefix + ProcessHandle.current().pid());
        deleteTree(dir);
        Files.createDirectory(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        return dir;
    }

    /**
     * A root filesystem at {@code dir}: busybox-static and a link per applet in /bin, the
     * directories an engine mounts on, /etc/hostname and /marker holding {@code marker}.
     */
    static Path rootfs(Path dir, String marker) throws IOException {
        Path busybox = Tools.busybox();
        for (String d : List.of("bin", "etc", "proc", "sys", "dev", "tmp", "root", "run")) {
            Files.createDirectories(dir.resolve(d));
        }
        Files.copy(busybox, dir.resolve("bin/busybox"));
        Files.setPosixFilePermissions(dir.resolve("bin/busybox"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(dir.resolve("tmp"), PosixFilePermissions.fromString("rwxrwxrwx"));
        Commands.Result list = must(run(dir, Map.of(), List.of(busybox.toString(), "--list")));
        for (String applet : list.stdout().split("\n")) {
            Path link = dir.resolve("bin").resolve(applet);
            if (!applet.isBlank() && !Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                Files.createSymbolicLink(link, Path.of("busybox"));
            }
        }
        Files.writeString(dir.resolve("etc/hostname"), "nsfs4j-probe\n");
        Files.writeString(dir.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
        Files.writeString(dir.resolve("etc/group"), "root:x:0:\n");
        Files.writeString(dir.resolve("marker"), marker + "\n");
        return dir;
    }

    /** Runs {@code command} in {@code cwd} with {@code env} added, stdin from /dev/null; fails after a minute. */
    static Commands.Result run(Path cwd, Map<String, String> env, List<String> command) {
        return Commands.run(command, null, cwd, env);
    }

    /** The run, after asserting it succeeded. */
    static Commands.Result must(Commands.Result r) {
        assertEquals(0, r.exitCode(), r::toString);
        return r;
    }

    /** {@code command} prefixed so that it runs as {@code uid}/{@code gid} with no supplementary groups. */
    static List<String> as(long uid, long gid, List<String> command) {
        List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=" + uid, "--regid=" + gid, "--clear-groups",
                "--"));
        cmd.addAll(command);
        return cmd;
    }

    /** The rootless user's uid, made (no home, no login shell) with 65536 subordinate uids and gids when missing. */
    static long rootlessUser() {
        Path root = Path.of("/");
        if (run(root, Map.of(), List.of("id", "-u", ROOTLESS_USER)).exitCode() != 0) {
            must(run(root, Map.of(), List.of("useradd", "-M", "-d", "/nonexistent", "-s", "/usr/sbin/nologin",
                    ROOTLESS_USER)));
        }
        subordinateIds(ROOTLESS_USER, 100000);
        return Long.parseLong(must(run(root, Map.of(), List.of("id", "-u", ROOTLESS_USER))).stdout().trim());
    }

    /** The rootless user's primary gid. */
    static long rootlessGroup() {
        return Long.parseLong(must(run(Path.of("/"), Map.of(), List.of("id", "-g", ROOTLESS_USER))).stdout().trim());
    }

    /**
     * The first of 65536 subordinate uids (and as many gids, from the same number) of {@code user}
     * in /etc/subuid and /etc/subgid, added from {@code firstIfMissing} when either file lacks them.
     */
    static long subordinateIds(String user, long firstIfMissing) {
        long uid = subordinate(Path.of("/etc/subuid"), user);
        long gid = subordinate(Path.of("/etc/subgid"), user);
        if (uid >= 0 && uid == gid) {
            return uid;
        }
        String range = firstIfMissing + "-" + (firstIfMissing + 65535);
        must(run(Path.of("/"), Map.of(), List.of("usermod", "--add-subuids", range, "--add-subgids", range, user)));
        return firstIfMissing;
    }

    private static long subordinate(Path file, String user) {
        if (!Files.exists(file)) {
            return -1;
        }
        for (String line : Proc.readLines(file)) {
            String[] f = line.split(":");
            if (f.length == 3 && f[0].equals(user) && Long.parseLong(f[2]) >= 65536) {
                return Long.parseLong(f[1]);
            }
        }
        return -1;
    }

    /** Changes the owner of every file under {@code dir} (links themselves, not their targets). */
    static void chownTree(Path dir, long uid, long gid) {
        must(run(dir, Map.of(), List.of("chown", "-R", "-h", uid + ":" + gid, dir.toString())));
    }

    /** Deletes a tree, whoever owns its files (the test is root); a missing tree is no error. */
    static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(EngineFixture::delete);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }

    private static void delete(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot delete " + p, e);
            }
        }
    }
}
