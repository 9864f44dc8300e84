package io.github.nsfs4j.engines;

import static io.github.nsfs4j.engines.EngineFixture.must;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.github.nsfs4j.testing.Commands;
import io.github.nsfs4j.testing.LsnsRelease;
import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Tools;

/**
 * An unprivileged LXC container (issue 18, item 6): made and started by the user
 * {@value EngineFixture#ROOTLESS_USER}, its user namespace mapping that user's subordinate ids,
 * with boot and monotonic clocks {@value LxcContainersTest#OFFSET} s ahead. LXC, run by a user,
 * puts the container in cgroups below the one it starts in, so root first delegates a cgroup to
 * the user ({@link DelegatedCgroups}, what pam_cgfs does at login) and the user's LXC commands
 * start inside it. Every namespace of the container, cgroup and time included, belongs to its
 * user namespace, so the owner may join all eight: the probe runs through nsfs exec -a, nsenter
 * 2.41 -a and lxc-attach as the owner and as root, each result must be what the kernel shows of
 * the init, and nsfs's must equal nsenter's.
 */
@ExtendWith(HostCgroups.class)
class LxcUnprivilegedContainerTest {
    private static final String NAME = "nsfs4j-unprivileged";
    private static final String MARKER = "lxc-unprivileged-marker";

    private static Path work;
    private static long uid;
    private static long gid;
    private static DelegatedCgroups cgroups;
    private static boolean started;

    @BeforeAll
    static void setUp() throws Exception {
        EngineFixture.requireRoot();
        Tools.lxc();
        LsnsRelease.root();
        work = EngineFixture.workDir("nsfs4j-lxcu-");
        uid = EngineFixture.rootlessUser();
        gid = EngineFixture.rootlessGroup();
    }

    @AfterAll
    static void tearDown() {
        try {
            if (started) {
                owner("lxc-stop", "-k", "-n", NAME);
            }
        } finally {
            try {
                if (cgroups != null) {
                    cgroups.close(); // kills what lxc-stop left, then removes LXC's cgroups and ours
                }
            } finally {
                EngineFixture.deleteTree(work);
            }
        }
    }

    /**
     * An LXC tool run by the owner from inside the delegated cgroups, with its HOME and
     * XDG_RUNTIME_DIR (LXC's lock directory) in the work directory. No lxc-destroy: as the
     * user it cannot delete the tree its ids do not all own; root deletes the work directory.
     */
    private static Commands.Result owner(String tool, String... args) {
        List<String> cmd = new ArrayList<>(cgroups.session(uid, gid));
        cmd.addAll(List.of(tool, "-P", work.toString()));
        cmd.addAll(List.of(args));
        String home = work.resolve("home").toString();
        return EngineFixture.run(work, Map.of("HOME", home, "XDG_RUNTIME_DIR", home), cmd);
    }

    @Test
    void unprivilegedContainerEnteredByItsOwnerAndByRoot() throws Exception {
        long first = EngineFixture.subordinateIds(EngineFixture.ROOTLESS_USER, 100000);
        Path rootfs = EngineFixture.rootfs(work.resolve("rootfs"), MARKER);
        EngineFixture.chownTree(rootfs, first, first);
        Files.createDirectories(work.resolve("home"));
        Path dir = Files.createDirectories(work.resolve(NAME));
        Files.write(dir.resolve("config"), List.of("lxc.uts.name = unprivbox", "lxc.rootfs.path = dir:" + rootfs,
                "lxc.net.0.type = empty", "lxc.mount.auto = proc:mixed sys:ro", "lxc.autodev = 1", "lxc.tty.max = 0",
                "lxc.pty.max = 16", "lxc.apparmor.profile = unconfined", "lxc.init.cmd = /bin/sleep 100000",
                "lxc.idmap = u 0 " + first + " 65536", "lxc.idmap = g 0 " + first + " 65536",
                "lxc.time.offset.boot = " + LxcContainersTest.OFFSET + "s",
                "lxc.time.offset.monotonic = " + LxcContainersTest.OFFSET + "s"));
        EngineFixture.chownTree(work.resolve("home"), uid, gid);
        EngineFixture.chownTree(dir, uid, gid);
        cgroups = DelegatedCgroups.create("nsfs4j-lxcu-" + ProcessHandle.current().pid(), uid, gid);
        started = true;
        must(owner("lxc-start", "-d", "-n", NAME, "-l", "INFO", "-o", dir.resolve("lxc.log").toString()));
        long pid = Long.parseLong(must(owner("lxc-info", "-n", NAME, "-p", "-H")).stdout().trim());
        Probe.Container c = Probe.Container.of("LXC, unprivileged, time offsets", pid, "unprivbox", MARKER);

        // How it was made, as the kernel shows it: LXC's monitor (the init's parent) runs as the
        // user, the user's subordinate ids are mapped, the clocks are offset, the cgroups are the
        // delegated ones, and not one namespace is the host's.
        long monitor = Proc.task(pid).ppid();
        assertEquals(uid, (long) Proc.uids(monitor).get(0), () -> "LXC's monitor " + Proc.args(monitor));
        assertEquals(List.of("0 " + first + " 65536"), Proc.readLines(Path.of("/proc", Long.toString(pid), "uid_map"))
                .stream().map(l -> l.trim().replaceAll("\\s+", " ")).toList());
        assertEquals(LxcContainersTest.OFFSET, (long) c.boottimeOffset(), "the kernel's boottime offset");
        assertTrue(Probe.hostUptime() < LxcContainersTest.OFFSET, "the offset shows above the host's uptime");
        cgroups.assertHolds(pid);
        assertEquals(List.of("-C", "-T", "-U", "-i", "-m", "-n", "-p", "-u"), c.differingTypeOptions(),
                "every namespace type is the container's own");

        double uptime = Probe.assertRootEntersAsNsenter(c, work);
        Probe.assertInside(c, Probe.Output.of("lxc-attach", "root", EngineFixture.run(work, Map.of(), List.of(
                "lxc-attach", "-P", work.toString(), "-n", NAME, "--", "sh", "-c", Probe.SCRIPT))), uptime);

        // The owner, from its session (the delegated cgroups): nsenter 2.41 -a is not refused, as
        // the container's user namespace, which the owner made, owns every other namespace.
        String runAs = EngineFixture.ROOTLESS_USER + " (uid " + uid + ")";
        List<String> session = cgroups.session(uid, gid);
        Probe.Output cli = Probe.nsfsCli(c, session, work, runAs, "-a");
        Probe.assertInside(c, cli, uptime);
        Probe.Output nsenter = Probe.nsenter(c, session, work, runAs, "-a");
        Probe.assertInside(c, nsenter, uptime);
        Probe.assertSameAsNsenter(c, cli, nsenter);
        Probe.assertInside(c, Probe.Output.of("lxc-attach", runAs, owner("lxc-attach", "-n", NAME, "--", "sh", "-c",
                Probe.SCRIPT)), uptime);
    }
}
