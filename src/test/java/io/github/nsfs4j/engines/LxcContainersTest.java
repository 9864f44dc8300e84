package io.github.nsfs4j.engines;

import static io.github.nsfs4j.engines.EngineFixture.must;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
 * {@code nsfs exec -a} and {@code NamespaceSet.start} against LXC's containers (issue 18, item
 * 6): a privileged one, and an id-mapped one (root's subordinate ids) with a time namespace
 * whose boot and monotonic clocks run {@value #OFFSET} s ahead ({@code lxc.time.offset.*}). Each
 * is a config written here over a busybox tree ({@code lxc.rootfs.path}; no template, no
 * download), started with {@code lxc-start -d -P DIR}. The probe runs through nsfs, nsenter 2.41
 * and {@code lxc-attach}; each result must be what the kernel shows of the init
 * ({@code lxc-info -p}), and nsfs's must equal nsenter's.
 */
@ExtendWith(HostCgroups.class)
class LxcContainersTest {
    /** The time namespace's clock offset, in seconds: far above any machine's uptime. */
    static final long OFFSET = 1_000_000;

    private static Path work;
    private static final List<String> STARTED = new ArrayList<>();

    @BeforeAll
    static void setUp() throws Exception {
        EngineFixture.requireRoot();
        Tools.lxc();
        LsnsRelease.root();
        work = EngineFixture.workDir("nsfs4j-lxc-");
    }

    @AfterAll
    static void tearDown() {
        try {
            for (String name : STARTED) {
                lxc("lxc-stop", "-k", "-n", name);
                lxc("lxc-destroy", "-n", name);
            }
        } finally {
            EngineFixture.deleteTree(work);
        }
    }

    private static Commands.Result lxc(String tool, String... args) {
        List<String> cmd = new ArrayList<>(List.of(tool, "-P", work.toString()));
        cmd.addAll(List.of(args));
        return EngineFixture.run(work, Map.of(), cmd);
    }

    /** Writes the container's config (its lines after the common ones), starts it, returns its init's pid (lxc-info). */
    private static long start(String name, String hostname, Path rootfs, String... lines) throws Exception {
        Files.createDirectories(work.resolve(name));
        List<String> config = new ArrayList<>(List.of("lxc.uts.name = " + hostname, "lxc.rootfs.path = dir:" + rootfs,
                "lxc.net.0.type = empty", "lxc.mount.auto = proc:mixed sys:ro", "lxc.autodev = 1", "lxc.tty.max = 0",
                "lxc.pty.max = 16", "lxc.apparmor.profile = unconfined", "lxc.init.cmd = /bin/sleep 100000"));
        config.addAll(List.of(lines));
        Files.write(work.resolve(name).resolve("config"), config);
        STARTED.add(name);
        must(lxc("lxc-start", "-d", "-n", name, "-l", "INFO", "-o", work.resolve(name + ".log").toString()));
        return Long.parseLong(must(lxc("lxc-info", "-n", name, "-p", "-H")).stdout().trim());
    }

    private static void probe(String name, Probe.Container c) {
        double uptime = Probe.assertRootEntersAsNsenter(c, work);
        Probe.Output attach = Probe.Output.of("lxc-attach", "root", lxc("lxc-attach", "-n", name,
                "--", "sh", "-c", Probe.SCRIPT));
        Probe.assertInside(c, attach, uptime);
    }

    /** A privileged container: the host's user and time namespaces, the rest its own. */
    @Test
    void privilegedContainer() throws Exception {
        Path rootfs = EngineFixture.rootfs(work.resolve("rootfs-privileged"), "lxc-privileged-marker");
        long pid = start("nsfs4j-privileged", "lxcbox", rootfs);
        Probe.Container c = Probe.Container.of("LXC, privileged", pid, "lxcbox",
                "lxc-privileged-marker");
        assertEquals(Proc.nsLink(ProcessHandle.current().pid(), "user"), c.links().get("user"));
        probe("nsfs4j-privileged", c);
    }

    /**
     * An id-mapped container with its own time namespace: root's subordinate ids (added to
     * /etc/subuid and /etc/subgid when missing, as LXC's newuidmap needs them) own the tree; the
     * uptime every tool reads inside is the host's plus the offset /proc/PID/timens_offsets shows.
     */
    @Test
    void idMappedContainerWithTimeOffsets() throws Exception {
        long first = EngineFixture.subordinateIds("root", 1_000_000);
        Path rootfs = EngineFixture.rootfs(work.resolve("rootfs-mapped"), "lxc-mapped-marker");
        EngineFixture.chownTree(rootfs, first, first);
        long pid = start("nsfs4j-mapped", "mappedbox", rootfs, "lxc.idmap = u 0 " + first + " 65536",
                "lxc.idmap = g 0 " + first + " 65536", "lxc.time.offset.boot = " + OFFSET + "s",
                "lxc.time.offset.monotonic = " + OFFSET + "s");
        Probe.Container c = Probe.Container.of("LXC, id-mapped, time offsets", pid, "mappedbox",
                "lxc-mapped-marker");
        assertNotEquals(Proc.nsLink(ProcessHandle.current().pid(), "user"), c.links().get("user"));
        assertNotEquals(Proc.nsLink(ProcessHandle.current().pid(), "time"), c.links().get("time"));
        assertEquals(OFFSET, (long) c.boottimeOffset(), "the kernel's boottime offset of the container");
        assertTrue(Probe.hostUptime() < OFFSET, "the host's uptime is below the offset, so the check below means something");
        assertEquals(List.of("0 " + first + " 65536"), Proc.readLines(Path.of("/proc", Long.toString(pid), "uid_map"))
                .stream().map(l -> l.trim().replaceAll("\\s+", " ")).toList());
        probe("nsfs4j-mapped", c);
    }
}
