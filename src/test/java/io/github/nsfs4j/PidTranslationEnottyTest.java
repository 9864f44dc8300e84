package io.github.nsfs4j;

import io.github.nsfs4j.internal.NsFile;
import io.github.nsfs4j.internal.ProcfsPidTranslation;
import io.github.nsfs4j.kernel.KernelAssumptions;
import io.github.nsfs4j.linux.Constants;
import io.github.nsfs4j.linux.Errno;
import io.github.nsfs4j.linux.LibC;
import io.github.nsfs4j.kernel.KernelSupport;
import io.github.nsfs4j.kernel.KernelVersion;
import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.kernel.NsIoctl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The ENOTTY branches of pid translation on a handle whose ioctls answer ENOTTY: after a
 * probe that found the request, an ordinary empty answer (the 6.11-6.17 quirk); where the
 * probe found it missing, an {@link UnsupportedRequestException} naming the kernel that has it.
 */
class PidTranslationEnottyTest {

    static final int ENOTTY = 25;
    static final List<NsIoctl> TRANSLATIONS = List.of(NsIoctl.NS_GET_PID_FROM_PIDNS, NsIoctl.NS_GET_TGID_FROM_PIDNS,
            NsIoctl.NS_GET_PID_IN_PIDNS, NsIoctl.NS_GET_TGID_IN_PIDNS);

    // ------------------------------------------------------------------ the ENOTTY branches themselves

    /**
     * A "pid namespace" over a regular file: every ioctl on it answers ENOTTY, as a 6.11-6.17
     * kernel answers a translation of a pid it does not find. After a successful probe that
     * is an ordinary empty answer; where the probe found the request missing it is an
     * {@link UnsupportedRequestException} naming the kernel that has it.
     */
    @Test
    void enottyFromATranslationIsEmptyAfterASuccessfulProbeAndUnsupportedOtherwise(@TempDir Path dir)
            throws Exception {
        assertFalse(ProcfsPidTranslation.Mode.PROCFS, "the ioctl path is under test"); // also fixes the mode first
        Path file = Files.writeString(dir.resolve("not-a-namespace"), "x");
        int fd = LibC.open(file.toString(), Constants.O_RDONLY | Constants.O_CLOEXEC);
        assertTrue(fd >= 0, "open: " + fd);
        int unknownPid = 4_000_000; // above any pid_max: a pid no namespace has
        try (PidNamespace fake = new PidNamespace(new NsFile(fd, NamespaceType.PID, 0, 1, OptionalLong.empty()))) {
            for (PidNamespace.Translation translation : PidNamespace.Translation.values()) {
                assertEquals(-ENOTTY, fake.file.translate(translation.request(), unknownPid), "the fake answers ENOTTY");
                try (AutoCloseable probed = KernelAssumptions.assume(translation.request(), true)) {
                    assertEquals(0, fake.translate(translation, unknownPid), translation.name());
                    assertArrayEquals(new int[] {0, 0}, fake.translate(translation, unknownPid, 1), translation.name());
                }
                try (AutoCloseable probed = KernelAssumptions.assume(translation.request(), false)) {
                    UnsupportedRequestException e = assertThrows(UnsupportedRequestException.class,
                            () -> fake.translate(translation, unknownPid), translation.name());
                    assertEquals(translation.request(), e.request());
                    assertEquals(new KernelVersion(6, 11), e.since());
                    assertTrue(e.getMessage().contains("it needs Linux 6.11 or newer"), e.getMessage());
                }
            }
            assertEquals(OptionalInt.empty(), withProbe(true, () -> fake.pidFromNamespace(unknownPid)));
            assertEquals(OptionalInt.empty(), withProbe(true, () -> fake.pidInNamespace(unknownPid)));
        }
        // assume() restored the real state: the real probe answers again, and the real kernel agrees
        for (PidNamespace.Translation translation : PidNamespace.Translation.values()) {
            try (PidNamespace own = PidNamespace.current()) {
                int result = own.file.translate(translation.request(), (int) ProcessHandle.current().pid());
                assertEquals(KernelSupport.has(translation.request()), result != -ENOTTY, translation.name());
            }
        }
    }

    private interface Call<T> {
        T run() throws Exception;
    }

    private static <T> T withProbe(boolean supported, Call<T> call) throws Exception {
        List<AutoCloseable> assumed = new ArrayList<>();
        try {
            for (NsIoctl request : TRANSLATIONS) {
                assumed.add(KernelAssumptions.assume(request, supported));
            }
            return call.run();
        } finally {
            for (AutoCloseable a : assumed.reversed()) {
                a.close();
            }
        }
    }
}
