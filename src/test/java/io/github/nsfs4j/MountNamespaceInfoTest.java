package io.github.nsfs4j;

import io.github.nsfs4j.internal.Failure;
import io.github.nsfs4j.internal.MountWalk;
import io.github.nsfs4j.linux.IoctlCodes;
import io.github.nsfs4j.linux.LibC;
import io.github.nsfs4j.linux.Structs;
import io.github.nsfs4j.kernel.NsIoctl;
import io.github.nsfs4j.testing.Commands;
import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Unshared;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

import org.junit.jupiter.api.Test;

/**
 * {@link MountNamespace#info()} (NS_MNT_GET_INFO): the mount count against the kernel's own
 * text ({@code /proc/PID/mountinfo} of a member), the three ways to the mount namespace id
 * (NS_GET_ID, NS_GET_MNTNS_ID, {@code mnt_ns_info.mnt_ns_id}), and the extensible
 * {@code struct mnt_ns_info}.
 */
class MountNamespaceInfoTest {

    /**
     * The mount count of a namespace whose mounts may change meanwhile (the machine's own):
     * the count of {@code info()} taken between two equal line counts.
     */
    private static void assertMountCountMatches(MountNamespace ns, String proc) throws Exception {
        long before = -1;
        long info = -2;
        long after = -3;
        for (int attempt = 0; attempt < 20; attempt++) {
            before = Proc.mountinfo(proc).size();
            info = ns.info().mountCount();
            after = Proc.mountinfo(proc).size();
            if (before == after && info == before) {
                break;
            }
            Thread.sleep(20);
        }
        assertEquals(before, after, "the mounts of " + ns + " kept changing");
        assertEquals(before, info, "nr_mounts of " + ns + " vs the lines of /proc/" + proc + "/mountinfo");
    }

    @Test
    void mountCountOfOwnMountNamespaceIsTheLineCountOfOwnMountinfo() throws Exception {
        try (MountNamespace own = MountNamespace.current()) {
            assertMountCountMatches(own, "thread-self");
        }
    }

    @Test
    void mountCountOfAChildMountNamespaceIsTheLineCountOfItsMountinfo() throws Exception {
        Path dir = Files.createTempDirectory("nsfs4j-mnt-info");
        try (Unshared child = Unshared.start("mnt");
             MountNamespace ns = MountNamespace.ofProcess(child.pid(1));
             MountNamespace own = MountNamespace.current()) {
            // Three tmpfs mounts that exist only in the child's mount namespace (unshare made it private).
            for (String source : List.of("a", "b", "c")) {
                Commands.Result r = Unshared.enter(child.pid(1), "mnt",
                        List.of("mount", "-t", "tmpfs", source, dir.toString()));
                assertEquals(0, r.exitCode(), r::toString);
            }
            List<String> mountinfo = Proc.mountinfo(child.pid(1));
            long childLines = mountinfo.size();
            MountNamespaceInfo info = ns.info();
            assertEquals(childLines, info.mountCount(), "nr_mounts of the child vs its mountinfo");
            assertEquals(3, mountinfo.stream().filter(l -> l.contains(" " + dir + " ")).count(),
                    "the child sees its three tmpfs mounts");
            assertEquals(0, Proc.mountinfo("self").stream()
                    .filter(l -> l.contains(" " + dir + " ")).count(), "the test's namespace does not");
            assertNotEquals(own.info().id(), info.id(), "the child's info is its own, not the caller's");
        } finally {
            Files.deleteIfExists(dir);
        }
    }

    @Test
    void mountNamespaceIdEqualsInfoIdEqualsNsGetId() throws Exception {
        try (Unshared child = Unshared.start("mnt")) {
            for (Path path : new Path[] {Path.of("/proc/self/ns/mnt"), Path.of("/proc/" + child.pid(1) + "/ns/mnt")}) {
                try (MountNamespace ns = MountNamespace.open(path)) {
                    OptionalLong id = ns.id();
                    assertTrue(id.isPresent(), "NS_GET_ID works on 6.18+");
                    assertNotEquals(0L, id.getAsLong());
                    assertEquals(id.getAsLong(), ns.mountNamespaceId(), "NS_GET_MNTNS_ID vs NS_GET_ID of " + path);
                    assertEquals(id.getAsLong(), ns.info().id(), "mnt_ns_info.mnt_ns_id vs NS_GET_ID of " + path);
                    // And straight from the kernel, bypassing the library's readers.
                    assertEquals(id.getAsLong(), rawU64(ns, NsIoctl.NS_GET_ID.request()));
                    assertEquals(id.getAsLong(), rawU64(ns, 0x8008b705L /* NS_GET_MNTNS_ID */));
                }
            }
        }
    }

    private static long rawU64(Namespace ns, long request) throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_LONG);
            out.set(JAVA_LONG, 0, 0);
            int rc = Internals.onFd(ns, fd -> LibC.ioctl(fd, request, out));
            assertEquals(0, rc, "ioctl 0x" + Long.toHexString(request));
            return out.get(JAVA_LONG, 0);
        }
    }

    @Test
    void theKernelTakesTheStructSizeFromTheRequestAndWritesOnlyVersionZero() throws Exception {
        try (MountNamespace ns = MountNamespace.current(); Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(32, 8).fill((byte) 0xff);
            long request = IoctlCodes._IOR(0xb7, 10, 32); // a future, larger struct mnt_ns_info
            assertEquals(0, Internals.onFd(ns, fd -> LibC.ioctl(fd, request, buf)));
            assertEquals((int) Structs.MNT_NS_INFO.byteSize(), buf.get(JAVA_INT, 0), "size reports what was filled");
            assertEquals(ns.id().getAsLong(), buf.get(JAVA_LONG, 8));
            for (long i = 16; i < 32; i++) {
                assertEquals((byte) 0xff, buf.get(java.lang.foreign.ValueLayout.JAVA_BYTE, i), "byte " + i + " untouched");
            }
            // The library's own request is exactly version 0.
            assertEquals(0x8010b70aL, NsIoctl.NS_MNT_GET_INFO.request());
            assertEquals(0x8010b70bL, NsIoctl.NS_MNT_GET_NEXT.request());
            assertEquals(0x8010b70cL, NsIoctl.NS_MNT_GET_PREV.request());
        }
    }

    @Test
    void readInfoChecksTheReturnedSize() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(32, 8);
            buf.set(JAVA_INT, 0, 16);
            buf.set(JAVA_INT, 4, -1); // nr_mounts 0xffffffff: unsigned
            buf.set(JAVA_LONG, 8, 0x8000000000000005L);
            MountNamespaceInfo info = MountWalk.read(buf, 42, "test", MountNamespaceInfo::new);
            assertEquals(0xffffffffL, info.mountCount());
            assertEquals(0x8000000000000005L, info.id());
            assertTrue(info.toString().contains("id=" + Long.toUnsignedString(0x8000000000000005L)), info.toString());

            buf.set(JAVA_INT, 0, 24); // a later kernel that filled more: still readable
            buf.set(JAVA_INT, 4, 7);
            assertEquals(new MountNamespaceInfo(0x8000000000000005L, 42, 7), MountWalk.read(buf, 42, "test", MountNamespaceInfo::new));

            for (int size : new int[] {0, 8, 15}) {
                buf.set(JAVA_INT, 0, size);
                Failure e = assertThrows(Failure.class, () -> MountWalk.read(buf, 42, "test", MountNamespaceInfo::new),
                        "size " + size);
                assertTrue(e.getMessage().contains("mnt_ns_info"), e.getMessage());
            }
        }
    }
}
