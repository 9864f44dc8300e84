package io.github.nsfs4j.linux;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.StructLayout;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * Every kernel structure of {@link Structs} against the offsets and sizes of its uapi header
 * (what {@code offsetof} and {@code sizeof} print on x86-64). How the kernel fills them is
 * tested with the bindings that use them ({@link LibCBindingTest}, {@link ActiveIdsTest},
 * {@link NamespaceReferenceTest}, {@link MountNamespaceInfoTest}).
 */
class StructsTest {

    private static void check(StructLayout layout, long size, Map<String, Long> offsets) {
        assertEquals(size, layout.byteSize(), layout.toString());
        offsets.forEach((field, offset) -> assertEquals(offset, layout.byteOffset(groupElement(field)), field));
    }

    @Test
    void statx() {
        check(Structs.STATX, 256, Map.of("stx_mask", 0L, "stx_nlink", 16L, "stx_mode", 28L, "stx_ino", 32L,
                "stx_atime", 64L, "stx_mtime", 112L, "stx_rdev_major", 128L, "stx_dev_major", 136L,
                "stx_dev_minor", 140L));
    }

    @Test
    void statfsIsSixtyFourBitExceptOnS390x() {
        check(Structs.statfs(Arch.X86_64), 120, Map.of("f_type", 0L));
        assertEquals(8, Structs.statfs(Arch.AARCH64).memberLayouts().getFirst().byteSize());
        StructLayout s390x = Structs.statfs(Arch.S390X);
        check(s390x, 88, Map.of("f_type", 0L));
        assertEquals(4, s390x.memberLayouts().getFirst().byteSize(), "unsigned int f_type");
        assertEquals(Structs.statfs(Arch.RUNNING), Structs.STATFS);
    }

    @Test
    void mntNsInfo() {
        check(Structs.MNT_NS_INFO, 16, Map.of("size", 0L, "nr_mounts", 4L, "mnt_ns_id", 8L));
    }

    @Test
    void nsIdReq() {
        check(Structs.NS_ID_REQ, 32, Map.of("size", 0L, "spare", 4L, "ns_id", 8L, "ns_type", 16L, "spare2", 20L,
                "user_ns_id", 24L));
    }

    @Test
    void nsfsFileHandle() {
        check(Structs.NSFS_FILE_HANDLE, 24, Map.of("handle_bytes", 0L, "handle_type", 4L, "ns_id", 8L,
                "ns_type", 16L, "ns_inum", 20L));
        assertEquals(8, Structs.FILE_HANDLE_HEADER);
        assertEquals(16, Structs.NSFS_HANDLE_BYTES);
    }

    @Test
    void pollfd() {
        check(Structs.POLLFD, 8, Map.of("fd", 0L, "events", 4L, "revents", 6L));
    }
}
