package io.github.nsfs4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.nsfs4j.testing.Cgroup2;
import io.github.nsfs4j.testing.Commands;
import io.github.nsfs4j.testing.LsnsRelease;
import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Unshared;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code nsfs exec --keep-caps} and {@code -c/--join-cgroup} (issue 18), through the jar,
 * against util-linux 2.41's nsenter doing the same and the kernel's own record: the capability
 * sets of /proc/self/status, the {@code 0::} line of /proc/self/cgroup.
 */
class ExecKeepCapsJoinCgroupTest {
    private static final List<String> NOBODY = List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups");
    private static final String CAPS = "grep -E '^Cap(Inh|Prm|Eff|Amb)' /proc/self/status";

    /** The jar in a directory uid 65534 may read. */
    private static Path jar(Path tmp) throws Exception {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path jar = TestJar.build(tmp.resolve("jar"));
        Files.setPosixFilePermissions(tmp.resolve("jar"), PosixFilePermissions.fromString("rwxr-xr-x"));
        return jar;
    }

    /** nsfs exec through the jar, or nsenter 2.41, with {@code args}, behind {@code prefix}. */
    private static Commands.Result run(List<String> prefix, Path jar, boolean nsenter, List<String> args) {
        List<String> cmd = new ArrayList<>(prefix);
        if (nsenter) {
            cmd.addAll(LsnsRelease.nsenter(args.toArray(String[]::new)));
        } else {
            cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                    jar.toString(), "exec"));
            cmd.addAll(args);
        }
        return Commands.run(cmd);
    }

    private static List<String> args(String pid, List<String> options, String... command) {
        List<String> all = new ArrayList<>(List.of("-t", pid));
        all.addAll(options);
        all.add("--");
        all.addAll(List.of(command));
        return all;
    }

    /**
     * uid 65534 owns a user namespace (mapped to itself: it stays 65534 inside) and a net
     * namespace: with --preserve-credentials the command runs as 65534 there, so the kernel
     * drops its capabilities at execve unless --keep-caps made them ambient. nsenter 2.41 and
     * nsfs give the same four sets, with and without. With -U alone nsenter 2.41 enters the
     * user namespace in its first pass through the pidfd, and then forgets that it did: its
     * --keep-caps does nothing there; nsfs keeps them, as with -U -n (docs/cli.md).
     */
    @Test
    void keepCapsAsNsenterGivesThem(@TempDir Path tmp) throws Exception {
        Unshared.requireCommand("setpriv");
        Path jar = jar(tmp);
        try (Unshared own = Unshared.builder().prefix(NOBODY.toArray(String[]::new)).types("user", "net")
                .mapRootUser(false).options("--map-current-user").start()) {
            String pid = Long.toString(own.leafPid());
            assertEquals(65534L, Proc.uids(own.leafPid()).get(0));
            for (List<String> options : List.of(List.of("--preserve-credentials", "-U", "-n"),
                    List.of("--preserve-credentials", "--keep-caps", "-U", "-n"))) {
                Commands.Result expected = run(NOBODY, jar, true, args(pid, options, "sh", "-c", CAPS));
                assertEquals(0, expected.exitCode(), expected.toString());
                Commands.Result actual = run(NOBODY, jar, false, args(pid, options, "sh", "-c", CAPS));
                assertEquals(0, actual.exitCode(), actual.toString());
                assertEquals(expected.stdout(), actual.stdout(), String.valueOf(options));
                assertEquals("", actual.stderr(), actual::toString);
                boolean kept = options.contains("--keep-caps");
                long eff = Proc.capabilities(actual.stdout(), "CapEff");
                assertEquals(kept ? eff : 0, Proc.capabilities(actual.stdout(), "CapAmb"), actual.stdout());
                assertTrue(!kept || eff != 0, "the user namespace's capabilities kept: " + actual.stdout());
            }
            List<String> userOnly = List.of("--preserve-credentials", "--keep-caps", "-U");
            Commands.Result nsenter = run(NOBODY, jar, true, args(pid, userOnly, "sh", "-c", CAPS));
            assertEquals(0, Proc.capabilities(nsenter.stdout(), "CapAmb"), "nsenter 2.41 with -U alone: " + nsenter);
            Commands.Result ours = run(NOBODY, jar, false, args(pid, userOnly, "sh", "-c", CAPS));
            Commands.Result withNet = run(NOBODY, jar, false, args(pid, List.of("--preserve-credentials",
                    "--keep-caps", "-U", "-n"), "sh", "-c", CAPS));
            assertEquals(withNet.stdout(), ours.stdout(), "-U alone keeps them as -U -n does");
        }
    }

    /**
     * -c puts COMMAND in the target's cgroup v2 cgroup (a cgroup made for the test), alone and
     * with -a into real namespaces; nsenter 2.41 does the same where /sys/fs/cgroup is the v2
     * hierarchy, and refuses on a hybrid layout. Without -t it is a usage error; where no
     * cgroup2 is mounted (a mount namespace without it) a failure in words; both 125.
     */
    @Test
    void joinCgroupPutsTheCommandInTheTargetsCgroup(@TempDir Path tmp) throws Exception {
        Path jar = jar(tmp);
        try (Cgroup2 cgroup = Cgroup2.create();
                Unshared target = Unshared.builder().types("mnt", "net", "pid", "uts").mountProc().start()) {
            cgroup.add(target.leafPid());
            String pid = Long.toString(target.leafPid());
            String line = "0::" + cgroup.path();
            assertEquals(line, Cgroup2.lineOf(target.leafPid()), "the kernel's truth: the target is in it");
            for (List<String> options : List.of(List.of("-c", "-n"), List.of("--join-cgroup", "-a"))) {
                Commands.Result r = run(List.of(), jar, false, args(pid, options, "sh", "-c",
                        "grep ^0:: /proc/self/cgroup; readlink /proc/self/ns/net"));
                assertEquals(0, r.exitCode(), r.toString());
                assertEquals(line + "\n" + Proc.nsLink(target.leafPid(), "net") + "\n", r.stdout(), r.toString());
            }
            Commands.Result nsenter = run(List.of(), jar, true, args(pid, List.of("-c", "-n"), "grep", "^0::",
                    "/proc/self/cgroup"));
            if (Cgroup2.mountPoint().equals(Path.of("/sys/fs/cgroup"))) {
                assertEquals(line + "\n", nsenter.stdout(), "nsenter 2.41 on the unified layout: " + nsenter);
            } else {
                assertTrue(nsenter.stderr().contains("--join-cgroup is only supported in cgroup v2"), nsenter::toString);
            }
            CliRun.of("exec", "-c", "-n/proc/" + pid + "/ns/net", "--", "true").assertFailure(125);
            Commands.Result noCgroup2 = Commands.run(List.of("unshare", "-m", "sh", "-c", "umount -l \"$0\" && exec \"$@\"",
                    Cgroup2.mountPoint().toString(), Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-jar", jar.toString(), "exec", "-t", pid, "-c", "-n", "--", "true"));
            assertEquals(125, noCgroup2.exitCode(), noCgroup2.toString());
            assertTrue(noCgroup2.stderr().contains("no cgroup v2 hierarchy is mounted"), noCgroup2.toString());
        }
    }

    /**
     * uid 65534 may not move itself into a cgroup of root's: refused when nsfs opens its
     * cgroup.procs (EACCES), and, once that file is its own, by the kernel at the launcher's
     * write (it needs cgroup.procs of the common ancestor too): 125 and a message in words.
     */
    @Test
    void joinCgroupRefusedByPermissionsSaysSo(@TempDir Path tmp) throws Exception {
        Unshared.requireCommand("setpriv");
        Path jar = jar(tmp);
        try (Cgroup2 cgroup = Cgroup2.create();
                Unshared own = Unshared.builder().prefix(NOBODY.toArray(String[]::new)).types("user", "net")
                        .mapRootUser(true).start()) {
            cgroup.add(own.leafPid());
            String pid = Long.toString(own.leafPid());
            Commands.Result open = run(NOBODY, jar, false, args(pid, List.of("-c", "-U", "-n"), "true"));
            assertEquals(125, open.exitCode(), open.toString());
            assertEquals("nsfs exec: " + cgroup.dir().resolve("cgroup.procs") + ": cannot join the cgroup "
                    + cgroup.path() + ": EACCES: Permission denied\n", open.stderr());
            Commands.run(List.of("chown", "65534", cgroup.dir().resolve("cgroup.procs").toString()));
            Commands.Result write = run(NOBODY, jar, false, args(pid, List.of("-c", "-U", "-n"), "true"));
            assertEquals(125, write.exitCode(), write.toString());
            assertTrue(write.stderr().contains("the launcher's write of its pid to it was refused")
                    && write.stderr().contains("Permission denied"), write.toString());
            assertEquals(List.of((long) own.leafPid()), cgroup.procs(), "nothing else joined");
        }
    }
}
