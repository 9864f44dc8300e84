package io.github.nsfs4j.engines;

import static io.github.nsfs4j.engines.EngineFixture.must;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.github.nsfs4j.testing.LsnsRelease;
import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Tools;

/**
 * {@code nsfs exec -a} and {@code NamespaceSet.start} against podman's containers (issue 18,
 * item 6): a rootful one, and a rootless one of a user made for the test (its user namespace
 * maps the user's subordinate ids), each from an image imported from a busybox tree. The probe
 * runs through nsfs, nsenter 2.41 and {@code podman exec} (and runc's own exec, rootful); each
 * result must be what the kernel shows of the init, and nsfs's must equal nsenter's.
 */
@ExtendWith(HostCgroups.class)
class PodmanContainersTest {
    private static Path work;
    private static Podman rootful;
    private static Podman rootless;

    @BeforeAll
    static void setUp() throws Exception {
        EngineFixture.requireRoot();
        Tools.podman();
        LsnsRelease.root();
        work = EngineFixture.workDir("nsfs4j-podman-");
        Path tree = EngineFixture.rootfs(work.resolve("rootfs"), "podman-marker");
        must(EngineFixture.run(work, Map.of(), List.of("tar", "-C", tree.toString(), "-cf",
                work.resolve("rootfs.tar").toString(), ".")));
    }

    @AfterAll
    static void tearDown() {
        try {
            if (rootful != null) {
                rootful.close();
            }
        } finally {
            try {
                if (rootless != null) {
                    rootless.close();
                }
            } finally {
                EngineFixture.deleteTree(work);
            }
        }
    }

    /** Root enters a rootful container: nsfs (CLI and API), nsenter 2.41, podman exec and runc exec agree with the kernel. */
    @Test
    void rootfulContainer() throws Exception {
        rootful = new Podman(work.resolve("rootful"), 0, 0);
        rootful.importImage(work.resolve("rootfs.tar"), "localhost/nsfs4j-probe:test");
        long pid = rootful.start("localhost/nsfs4j-probe:test", "nsfs4j-rootful", "podbox");
        Probe.Container c = Probe.Container.of("podman, rootful", pid, "podbox", "podman-marker");
        assertEquals(Proc.nsLink(ProcessHandle.current().pid(), "user"), c.links().get("user"), "rootful: the host's user namespace");

        double uptime = Probe.assertRootEntersAsNsenter(c, work);
        Probe.Output engine = Probe.Output.of("podman exec", "root", rootful.podman("exec", "nsfs4j-rootful", "sh",
                "-c", Probe.SCRIPT));
        Probe.assertInside(c, engine, uptime);
        Probe.Output runc = Probe.Output.of("runc exec", "root", EngineFixture.run(work, Map.of(), List.of("runc",
                "--root", rootful.runcRoot().toString(), "exec", rootful.id("nsfs4j-rootful"), "sh", "-c",
                Probe.SCRIPT)));
        Probe.assertInside(c, runc, uptime);
    }

    /**
     * A rootless container, entered by root and by its unprivileged owner: nsfs exec -a as the
     * owner joins the six namespaces podman made (user first, as nsenter orders it) and skips the
     * cgroup and time namespaces it shares with the host; nsenter 2.41 -a as the owner is refused
     * (it calls setns for those two too, which needs CAP_SYS_ADMIN over the host's), so the owner's
     * comparison names the differing types to nsenter explicitly.
     */
    @Test
    void rootlessContainerAsRootAndAsItsOwner() throws Exception {
        long uid = EngineFixture.rootlessUser();
        long gid = EngineFixture.rootlessGroup();
        long subordinate = EngineFixture.subordinateIds(EngineFixture.ROOTLESS_USER, 100000);
        rootless = new Podman(work.resolve("rootless"), uid, gid);
        rootless.importImage(work.resolve("rootfs.tar"), "localhost/nsfs4j-probe:test");
        long pid = rootless.start("localhost/nsfs4j-probe:test", "nsfs4j-rootless", "rlbox");
        Probe.Container c = Probe.Container.of("podman, rootless", pid, "rlbox", "podman-marker");
        assertNotEquals(Proc.nsLink(ProcessHandle.current().pid(), "user"), c.links().get("user"));
        List<String> uidMap = Proc.readLines(Path.of("/proc", Long.toString(pid), "uid_map"));
        assertEquals(List.of("0 " + uid + " 1", "1 " + subordinate + " 65536"),
                uidMap.stream().map(l -> l.trim().replaceAll("\\s+", " ")).toList(), "podman's map of the user's ids");

        double uptime = Probe.assertRootEntersAsNsenter(c, work);

        String owner = EngineFixture.ROOTLESS_USER + " (uid " + uid + ")";
        List<String> asOwner = EngineFixture.as(uid, gid, List.of());
        Probe.Output ownerCli = Probe.nsfsCli(c, asOwner, rootless.dir, owner, "-a");
        Probe.assertInside(c, ownerCli, uptime);
        Probe.Output ownerAll = Probe.nsenter(c, asOwner, rootless.dir, owner, "-a");
        assertNotEquals(0, ownerAll.run().exitCode(), ownerAll.run()::toString);
        assertTrue(ownerAll.run().stderr().contains("Operation not permitted"), ownerAll.run()::toString);
        Probe.refused(c, ownerAll);
        List<String> types = c.differingTypeOptions();
        Probe.Output ownerNsenter = Probe.nsenter(c, asOwner, rootless.dir, owner, types.toArray(String[]::new));
        Probe.assertInside(c, ownerNsenter, uptime);
        Probe.assertSameAsNsenter(c, ownerCli, ownerNsenter);
        Probe.Output engine = Probe.Output.of("podman exec", owner, rootless.podman("exec", "nsfs4j-rootless", "sh",
                "-c", Probe.SCRIPT));
        Probe.assertInside(c, engine, uptime);
    }
}
