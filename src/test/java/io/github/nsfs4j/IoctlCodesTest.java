package io.github.nsfs4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** The asm-generic {@code _IO/_IOR/_IOW/_IOWR} encoder against values from kernel headers. */
class IoctlCodesTest {

    @Test
    void ioHasNoDirectionAndNoSize() {
        assertEquals(0xb701L, IoctlCodes._IO(0xb7, 1));
        assertEquals(0xb703L, IoctlCodes._IO(0xb7, 3));
        assertEquals(0xff01L, IoctlCodes._IO(0xff, 1), "PIDFD_GET_CGROUP_NAMESPACE");
        assertEquals(0xff0aL, IoctlCodes._IO(0xff, 10), "PIDFD_GET_UTS_NAMESPACE");
        assertEquals(0L, IoctlCodes._IO(0, 0));
    }

    @Test
    void iorIsReadWithTheArgumentSize() {
        assertEquals(0x8004b706L, IoctlCodes._IOR(0xb7, 6, 4), "NS_GET_PID_FROM_PIDNS");
        assertEquals(0x8008b705L, IoctlCodes._IOR(0xb7, 5, 8), "NS_GET_MNTNS_ID");
        assertEquals(0x8010b70aL, IoctlCodes._IOR(0xb7, 10, 16), "NS_MNT_GET_INFO");
        assertEquals(0x8008b70dL, IoctlCodes._IOR(0xb7, 13, 8), "NS_GET_ID");
        assertEquals(0x802c542aL, IoctlCodes._IOR('T', 0x2A, 44), "TCGETS2");
    }

    @Test
    void iowIsWriteWithTheArgumentSize() {
        assertEquals(0x4004b701L, IoctlCodes._IOW(0xb7, 1, 4));
        assertEquals(0x402c542bL, IoctlCodes._IOW('T', 0x2B, 44), "TCSETS2");
        assertEquals(0x40049409L, IoctlCodes._IOW(0x94, 9, 4), "BTRFS_IOC_CLONE / FICLONE");
    }

    @Test
    void iowrIsReadAndWrite() {
        assertEquals(0xc040ff0bL, IoctlCodes._IOWR(0xff, 11, 64), "PIDFD_GET_INFO for the 64-byte struct");
        assertEquals(0xc0c0583bL, IoctlCodes._IOWR('X', 59, 192), "FS_IOC_GETFSMAP (struct fsmap_head, 192 bytes)");
    }

    @Test
    void theLargestFieldsStillFitAndStayUnsigned() {
        long max = IoctlCodes._IOWR(0xff, 0xff, 0x3fff);
        assertEquals(0xffffffffL, max);
        assertTrue(max > 0, "the encoder returns the unsigned 32-bit value");
        assertEquals(0xbfffffffL, IoctlCodes._IOR(0xff, 0xff, 0x3fff));
    }

    @Test
    void ioctlGeneralFormMatchesTheShortcuts() {
        assertEquals(IoctlCodes._IO(0xb7, 2), IoctlCodes._IOC(IoctlCodes.IOC_NONE, 0xb7, 2, 0));
        assertEquals(IoctlCodes._IOR(0xb7, 2, 8), IoctlCodes._IOC(IoctlCodes.IOC_READ, 0xb7, 2, 8));
        assertEquals(IoctlCodes._IOW(0xb7, 2, 8), IoctlCodes._IOC(IoctlCodes.IOC_WRITE, 0xb7, 2, 8));
        assertEquals(IoctlCodes._IOWR(0xb7, 2, 8),
                IoctlCodes._IOC(IoctlCodes.IOC_READ | IoctlCodes.IOC_WRITE, 0xb7, 2, 8));
        assertEquals(0, IoctlCodes.IOC_NONE);
        assertEquals(1, IoctlCodes.IOC_WRITE);
        assertEquals(2, IoctlCodes.IOC_READ);
    }

    @Test
    void outOfRangeFieldsAreRejected() {
        Map<String, Executable> cases = Map.of(
                "type 0x100", () -> IoctlCodes._IO(0x100, 1),
                "type -1", () -> IoctlCodes._IO(-1, 1),
                "nr 0x100", () -> IoctlCodes._IO(0xb7, 0x100),
                "nr -1", () -> IoctlCodes._IOR(0xb7, -1, 4),
                "size 0x4000", () -> IoctlCodes._IOR(0xb7, 1, 0x4000),
                "size -1", () -> IoctlCodes._IOW(0xb7, 1, -1),
                "dir 4", () -> IoctlCodes._IOC(4, 0xb7, 1, 0),
                "dir -1", () -> IoctlCodes._IOC(-1, 0xb7, 1, 0));
        cases.forEach((what, call) -> {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call, what);
            assertTrue(e.getMessage().contains("out of range"), what + ": " + e.getMessage());
        });
    }

    /** The pidfd namespace requests, kernel-facts §4: _IO(0xFF, n), CGROUP 1 ... UTS 10. */
    @Test
    void pidfdNamespaceRequests() {
        Map<NamespaceType, Long> expected = Map.of(NamespaceType.CGROUP, 0xff01L, NamespaceType.IPC, 0xff02L,
                NamespaceType.MNT, 0xff03L, NamespaceType.NET, 0xff04L, NamespaceType.PID, 0xff05L,
                NamespaceType.TIME, 0xff07L, NamespaceType.USER, 0xff09L, NamespaceType.UTS, 0xff0aL);
        for (NamespaceType type : NamespaceType.values()) {
            assertEquals(expected.get(type), LibC.PIDFD_GET_NAMESPACE(type), type.name());
        }
    }
}
