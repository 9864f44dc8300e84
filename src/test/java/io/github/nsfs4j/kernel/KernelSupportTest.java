package io.github.nsfs4j.kernel;

import io.github.nsfs4j.linux.Constants;
import io.github.nsfs4j.linux.LibC;
import io.github.nsfs4j.linux.ProcessCalls;
import io.github.nsfs4j.linux.Structs;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import io.github.nsfs4j.testing.Proc;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link KernelSupport} against what each request does when made elsewhere than where the
 * probe makes it (the caller's own namespaces and pid): on a child process, through
 * {@code /proc/CHILD/ns} for nsfs requests (with the child's pid for translations) and a
 * pidfd of it for pidfd requests. Where the kernel has a request
 * it works (its fd is the namespace readlink shows, its pid is the child's); where it does
 * not, it answers ENOTTY. No kernel version is consulted. Also the {@link PidfdIoctl} table
 * against {@code include/uapi/linux/pidfd.h}.
 */
class KernelSupportTest {

    static final int ENOTTY = 25;
    static final int O_RDONLY_CLOEXEC = 0x80000;

    static Process child;

    @BeforeAll
    static void startChild() throws Exception {
        child = new ProcessBuilder("sleep", "300").start();
    }

    @AfterAll
    static void stopChild() throws Exception {
        child.destroyForcibly();
        child.waitFor(10, TimeUnit.SECONDS);
    }

    /** Where the request is made here, by what it takes. */
    private static String namespaceFor(NsIoctl request) {
        return switch (request) {
            case NS_GET_PID_FROM_PIDNS, NS_GET_TGID_FROM_PIDNS, NS_GET_PID_IN_PIDNS, NS_GET_TGID_IN_PIDNS -> "pid";
            case NS_GET_OWNER_UID -> "user";
            case NS_GET_MNTNS_ID, NS_MNT_GET_INFO, NS_MNT_GET_NEXT, NS_MNT_GET_PREV, NS_GET_ID -> "mnt";
            case NS_GET_USERNS, NS_GET_PARENT, NS_GET_NSTYPE -> "net";
        };
    }

    @ParameterizedTest
    @EnumSource(NsIoctl.class)
    void nsfsSupportAgreesWithWhatTheRequestDoes(NsIoctl request) {
        String type = namespaceFor(request);
        String path = "/proc/" + child.pid() + "/ns/" + type;
        int fd = LibC.open(path, O_RDONLY_CLOEXEC);
        assertTrue(fd >= 0, "open " + path + ": " + fd);
        try (Arena arena = Arena.ofConfined()) {
            // the child shares the caller's pid namespace: its pid is the same in both directions
            boolean pid = request.argument() == NsIoctl.Argument.PID_VALUE;
            int result = pid || request.argument() == NsIoctl.Argument.NONE
                    ? LibC.ioctl(fd, request.request(), pid ? child.pid() : 0)
                    : LibC.ioctl(fd, request.request(), arena.allocate(64, 8));
            if (result >= 0 && request.result() == NsIoctl.Result.NEW_FD) {
                assertTrue(Proc.fdLink(result).orElseThrow().matches("(user|mnt):\\[\\d+\\]"), request.name());
                LibC.close(result);
            }
            if (request.argument() == NsIoctl.Argument.PID_VALUE && result != -ENOTTY) {
                assertEquals(child.pid(), result, request.name());
            }
            assertEquals(result != -ENOTTY, KernelSupport.has(request), request.name() + " answered " + result);
            assertEquals(KernelSupport.has(request), KernelSupport.has(request), "asked twice, one answer");
        } finally {
            LibC.close(fd);
        }
    }

    @ParameterizedTest
    @EnumSource(PidfdIoctl.class)
    void pidfdSupportAgreesWithWhatTheRequestDoes(PidfdIoctl request) {
        int pidfd = ProcessCalls.pidfd_open((int) child.pid(), 0);
        assertTrue(pidfd >= 0, "pidfd_open: " + pidfd);
        try {
            int result = LibC.ioctl(pidfd, request.request(), 0L); // every one takes no argument and makes an fd
            if (result >= 0) {
                String link = request.name().contains("FOR_CHILDREN")
                        ? Proc.nsLink(child.pid(), request.namespaceType().procName() + "_for_children")
                        : Proc.nsLink(child.pid(), request.namespaceType().procName());
                try {
                    assertEquals(Optional.of(link), Proc.fdLink(result), request.name());
                } finally {
                    LibC.close(result);
                }
            }
            assertEquals(result != -ENOTTY, KernelSupport.has(request), request.name() + " answered " + result);
        } finally {
            LibC.close(pidfd);
        }
    }

    /** include/uapi/linux/pidfd.h: _IO(PIDFS_IOCTL_MAGIC, 1..10), the namespace requests. */
    @Test
    void pidfdTableMatchesTheHeader() {
        record Row(long request, NamespaceType type, int sinceMinor) {}
        Map<String, Row> header = Map.ofEntries(
                Map.entry("PIDFD_GET_CGROUP_NAMESPACE", new Row(0xff01L, NamespaceType.CGROUP, 11)),
                Map.entry("PIDFD_GET_IPC_NAMESPACE", new Row(0xff02L, NamespaceType.IPC, 11)),
                Map.entry("PIDFD_GET_MNT_NAMESPACE", new Row(0xff03L, NamespaceType.MNT, 11)),
                Map.entry("PIDFD_GET_NET_NAMESPACE", new Row(0xff04L, NamespaceType.NET, 11)),
                Map.entry("PIDFD_GET_PID_NAMESPACE", new Row(0xff05L, NamespaceType.PID, 11)),
                Map.entry("PIDFD_GET_PID_FOR_CHILDREN_NAMESPACE", new Row(0xff06L, NamespaceType.PID, 11)),
                Map.entry("PIDFD_GET_TIME_NAMESPACE", new Row(0xff07L, NamespaceType.TIME, 11)),
                Map.entry("PIDFD_GET_TIME_FOR_CHILDREN_NAMESPACE", new Row(0xff08L, NamespaceType.TIME, 11)),
                Map.entry("PIDFD_GET_USER_NAMESPACE", new Row(0xff09L, NamespaceType.USER, 11)),
                Map.entry("PIDFD_GET_UTS_NAMESPACE", new Row(0xff0aL, NamespaceType.UTS, 11)));
        Set<String> names = new HashSet<>();
        for (PidfdIoctl r : PidfdIoctl.values()) {
            names.add(r.name());
            Row row = header.get(r.name());
            assertNotNull(row, r.name());
            assertEquals(row.request(), r.request(), r.name());
            assertEquals(row.type(), r.namespaceType(), r.name());
            assertEquals(new KernelVersion(6, row.sinceMinor()), r.since(), r.name());
            assertEquals(PidfdIoctl.PIDFS_IOCTL_MAGIC, (r.request() >> 8) & 0xff);
            assertEquals(r.request() & 0xff, r.number());
        }
        assertEquals(header.keySet(), names);
        for (NamespaceType type : NamespaceType.values()) {
            PidfdIoctl r = PidfdIoctl.namespaceOf(type);
            assertSame(type, r.namespaceType());
            assertTrue(!r.name().contains("FOR_CHILDREN"), r.name());
        }
        assertEquals("PIDFD_GET_NET_NAMESPACE (0xff04)", PidfdIoctl.PIDFD_GET_NET_NAMESPACE.describe());
    }

    /** Every request of both tables has its own answer slot; nsfs and pidfd numbers never collide. */
    @Test
    void bothTablesAreOneFamily() {
        List<IoctlRequest> all = new java.util.ArrayList<>(List.of(NsIoctl.values()));
        all.addAll(List.of(PidfdIoctl.values()));
        Set<Long> numbers = new HashSet<>();
        for (IoctlRequest r : all) {
            assertTrue(numbers.add(r.request()), r.name());
            KernelSupport.has(r); // every one can be asked
        }
    }
}
