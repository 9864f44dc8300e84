package io.github.nsfs4j.kernel;

import static io.github.nsfs4j.kernel.NsIoctl.Argument.NONE;
import static io.github.nsfs4j.kernel.NsIoctl.Argument.PID_VALUE;
import static io.github.nsfs4j.kernel.NsIoctl.Argument.POINTER;
import static io.github.nsfs4j.kernel.NsIoctl.Result.NEW_FD;
import static io.github.nsfs4j.kernel.NsIoctl.Result.RETURN_VALUE;
import static io.github.nsfs4j.kernel.NsIoctl.Result.WRITTEN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.github.nsfs4j.testing.Proc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link NsIoctl} against kernel-facts §1 ({@code include/uapi/linux/nsfs.h}) and the running
 * kernel. Which of them the kernel has: {@link KernelSupportTest}, {@link PidSupportProbeTest}.
 */
class NsIoctlTest {

    /** One row of the table in kernel-facts §1. */
    record Row(long request, int number, NsIoctl.Argument argument, NsIoctl.Result result, int sinceMajor,
            int sinceMinor) {}

    /** The table of kernel-facts §1, typed in from the kernel's values (never computed). */
    static final Map<String, Row> KERNEL_FACTS = Map.ofEntries(
            Map.entry("NS_GET_USERNS", new Row(0x0000b701L, 1, NONE, NEW_FD, 4, 9)),
            Map.entry("NS_GET_PARENT", new Row(0x0000b702L, 2, NONE, NEW_FD, 4, 9)),
            Map.entry("NS_GET_NSTYPE", new Row(0x0000b703L, 3, NONE, RETURN_VALUE, 4, 11)),
            Map.entry("NS_GET_OWNER_UID", new Row(0x0000b704L, 4, POINTER, WRITTEN, 4, 11)),
            Map.entry("NS_GET_MNTNS_ID", new Row(0x8008b705L, 5, POINTER, WRITTEN, 6, 11)),
            Map.entry("NS_GET_PID_FROM_PIDNS", new Row(0x8004b706L, 6, PID_VALUE, RETURN_VALUE, 6, 11)),
            Map.entry("NS_GET_TGID_FROM_PIDNS", new Row(0x8004b707L, 7, PID_VALUE, RETURN_VALUE, 6, 11)),
            Map.entry("NS_GET_PID_IN_PIDNS", new Row(0x8004b708L, 8, PID_VALUE, RETURN_VALUE, 6, 11)),
            Map.entry("NS_GET_TGID_IN_PIDNS", new Row(0x8004b709L, 9, PID_VALUE, RETURN_VALUE, 6, 11)),
            Map.entry("NS_MNT_GET_INFO", new Row(0x8010b70aL, 10, POINTER, WRITTEN, 6, 12)),
            Map.entry("NS_MNT_GET_NEXT", new Row(0x8010b70bL, 11, POINTER, NEW_FD, 6, 12)),
            Map.entry("NS_MNT_GET_PREV", new Row(0x8010b70cL, 12, POINTER, NEW_FD, 6, 12)),
            Map.entry("NS_GET_ID", new Row(0x8008b70dL, 13, POINTER, WRITTEN, 6, 18)));

    @Test
    void theConstantsAreExactlyTheKernelsThirteenRequests() {
        Set<String> names = new HashSet<>();
        for (NsIoctl r : NsIoctl.values()) {
            names.add(r.name());
        }
        assertEquals(KERNEL_FACTS.keySet(), names);
        assertEquals(0xb7, NsIoctl.NSIO);
    }

    @ParameterizedTest
    @EnumSource(NsIoctl.class)
    void requestNumberArgumentResultAndSinceMatchTheKernel(NsIoctl request) {
        Row row = KERNEL_FACTS.get(request.name());
        assertNotNull(row, request.name());
        assertEquals(row.request(), request.request(),
                () -> request.name() + " is 0x" + Long.toHexString(request.request()) + ", the kernel's is 0x"
                        + Long.toHexString(row.request()));
        assertEquals(row.number(), request.number(), request.name());
        assertEquals(row.argument(), request.argument(), request.name());
        assertEquals(row.result(), request.result(), request.name());
        assertEquals(new KernelVersion(row.sinceMajor(), row.sinceMinor()), request.since(), request.name());
    }

    @ParameterizedTest
    @EnumSource(NsIoctl.class)
    void encodedFieldsDecodeConsistently(NsIoctl request) {
        long r = request.request();
        assertEquals(0xb7, (r >>> 8) & 0xff, "type");
        assertEquals(request.number(), r & 0xff, "nr");
        assertEquals(request.encodedSize(), (r >>> 16) & 0x3fff, "size");
        long dir = r >>> 30;
        assertEquals(request.encodedSize() == 0 ? 0 : 2, dir, "direction: _IO or _IOR");
        assertTrue(r >= 0 && r < 1L << 32, "an unsigned 32-bit value");
    }

    @Test
    void requestNumbersAreDistinct() {
        Set<Long> seen = new HashSet<>();
        for (NsIoctl r : NsIoctl.values()) {
            assertTrue(seen.add(r.request()), r.name());
        }
    }

    @Test
    void describeNamesTheRequestAndItsNumber() {
        assertEquals("NS_GET_PID_FROM_PIDNS (0x8004b706)", NsIoctl.NS_GET_PID_FROM_PIDNS.describe());
        assertEquals("NS_GET_USERNS (0xb701)", NsIoctl.NS_GET_USERNS.describe());
    }

    @Test
    void kernelVersionParsesReleases() {
        assertEquals(new KernelVersion(6, 18), KernelVersion.parse("6.18.44-fc-v595"));
        assertEquals(new KernelVersion(4, 9), KernelVersion.parse("4.9"));
        assertEquals(new KernelVersion(0, 0), KernelVersion.parse("garbage"));
        assertEquals(new KernelVersion(10, 1), KernelVersion.parse("10.1.2"));
        assertEquals(new KernelVersion(10, 0), KernelVersion.parse("10.0-rc1"));
        for (String bad : new String[] {"", "6", "6.", ".6", "6.x", "-6.1", "99999999999.1", "6.99999999999"}) {
            assertEquals(new KernelVersion(0, 0), KernelVersion.parse(bad), bad);
        }
        assertTrue(new KernelVersion(6, 11).atLeast(new KernelVersion(6, 9)));
        assertFalse(new KernelVersion(5, 19).atLeast(new KernelVersion(6, 0)));
        assertEquals("6.12", new KernelVersion(6, 12).toString());
        int[] v = Proc.kernelVersion();
        assertEquals(new KernelVersion(v[0], v[1]), KernelVersion.running());
    }
}
