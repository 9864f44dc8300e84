package io.github.nsfs4j;

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
 * {@link KernelSupport#probe} with a fake native layer (kernels simulated by what the fake
 * ioctl answers), and the ENOTTY branches of pid translation on a handle whose ioctls answer
 * ENOTTY.
 */
class PidSupportProbeTest {

    static final int ENOTTY = 25, EINVAL = 22, EPERM = 1, ENOENT = 2, ESRCH = 3;
    static final long OWN_PID = 4242;

    static final List<NsIoctl> TRANSLATIONS = List.of(NsIoctl.NS_GET_PID_FROM_PIDNS, NsIoctl.NS_GET_TGID_FROM_PIDNS,
            NsIoctl.NS_GET_PID_IN_PIDNS, NsIoctl.NS_GET_TGID_IN_PIDNS);

    @Test
    void errnoConstantsAreLinuxs() {
        assertEquals(ENOTTY, Errnos.ENOTTY);
        assertEquals(EINVAL, Errnos.EINVAL);
        assertEquals(ESRCH, Errnos.ESRCH);
    }

    /** 6.11-6.17 quirk: ENOTTY for any pid that is not found. The own pid is found, so: supported. */
    @Test
    void enottyForUnknownPidsButTheOwnPidWorksIsSupported() {
        for (NsIoctl request : TRANSLATIONS) {
            List<Long> args = new ArrayList<>();
            boolean supported = KernelSupport.probe(request, OWN_PID, (req, arg) -> {
                assertEquals(request, req);
                args.add(arg);
                return arg == OWN_PID ? (int) OWN_PID : -ENOTTY;
            });
            assertTrue(supported, request.name());
            assertEquals(List.of(OWN_PID), args, request + " must be probed once, with the own pid");
        }
    }

    /** A kernel without the requests: ENOTTY for everything, whichever of the thirteen is probed. */
    @ParameterizedTest
    @EnumSource(NsIoctl.class)
    void enottyForEverythingIsUnsupported(NsIoctl request) {
        assertFalse(KernelSupport.probe(request, OWN_PID, (req, arg) -> -ENOTTY), request.name());
    }

    /** Any answer but ENOTTY (success, EINVAL, EPERM, ENOENT, ESRCH) proves the request exists. */
    @ParameterizedTest
    @EnumSource(NsIoctl.class)
    void anyAnswerButEnottyIsSupported(NsIoctl request) {
        for (int answer : new int[] {0, 7, -EINVAL, -EPERM, -ENOENT, -ESRCH}) {
            assertTrue(KernelSupport.probe(request, OWN_PID, (req, arg) -> answer), request.name() + " answering " + answer);
        }
    }

    @Test
    void probeArgumentIsTheOwnPidForTranslationsAndZeroOtherwise() {
        for (NsIoctl request : NsIoctl.values()) {
            List<Long> args = new ArrayList<>();
            KernelSupport.probe(request, OWN_PID, (req, arg) -> {
                args.add(arg);
                return 0;
            });
            long expected = request.argument() == NsIoctl.Argument.PID_VALUE ? OWN_PID : 0;
            assertEquals(List.of(expected), args, request.name());
        }
        assertEquals(EnumSet.copyOf(TRANSLATIONS), EnumSet.copyOf(List.of(NsIoctl.values()).stream()
                .filter(r -> r.argument() == NsIoctl.Argument.PID_VALUE).toList()));
    }

    /** NS_GET_PARENT probed on a mount namespace says EINVAL: the request exists. */
    @Test
    void einvalForNsGetParentIsSupported() {
        assertEquals(NamespaceType.MNT, KernelSupport.probeType(NsIoctl.NS_GET_PARENT));
        List<Long> args = new ArrayList<>();
        assertTrue(KernelSupport.probe(NsIoctl.NS_GET_PARENT, OWN_PID, (req, arg) -> {
            args.add(arg);
            return req == NsIoctl.NS_GET_PARENT ? -EINVAL : -ENOTTY;
        }));
        assertEquals(List.of(0L), args, "NS_GET_PARENT takes no argument: 0 is passed");
    }

    @Test
    void translationsAreProbedOnThePidNamespace() {
        for (NsIoctl request : TRANSLATIONS) {
            assertEquals(NamespaceType.PID, KernelSupport.probeType(request), request.name());
            assertEquals(NsIoctl.Argument.PID_VALUE, request.argument());
        }
    }

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
        try (PidNamespace fake = new PidNamespace(fd, 0, 1, OptionalLong.empty())) {
            for (PidNamespace.Translation translation : PidNamespace.Translation.values()) {
                assertEquals(-ENOTTY, fake.call(translation.request(), unknownPid), "the fake answers ENOTTY");
                try (AutoCloseable probed = KernelSupport.assume(translation.request(), true)) {
                    assertEquals(0, fake.translate(translation, unknownPid), translation.name());
                    assertArrayEquals(new int[] {0, 0}, fake.translate(translation, unknownPid, 1), translation.name());
                }
                try (AutoCloseable probed = KernelSupport.assume(translation.request(), false)) {
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
                int result = own.call(translation.request(), (int) ProcessHandle.current().pid());
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
                assumed.add(KernelSupport.assume(request, supported));
            }
            return call.run();
        } finally {
            for (AutoCloseable a : assumed.reversed()) {
                a.close();
            }
        }
    }
}
