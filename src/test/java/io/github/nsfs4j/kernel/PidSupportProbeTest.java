package io.github.nsfs4j.kernel;

import io.github.nsfs4j.linux.Constants;
import io.github.nsfs4j.linux.Errno;
import io.github.nsfs4j.linux.LibC;

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

/** {@link KernelSupport#probe} with a fake native layer: kernels simulated by what the fake ioctl answers. */
class PidSupportProbeTest {

    static final int ENOTTY = 25, EINVAL = 22, EPERM = 1, ENOENT = 2, ESRCH = 3;
    static final long OWN_PID = 4242;

    static final List<NsIoctl> TRANSLATIONS = List.of(NsIoctl.NS_GET_PID_FROM_PIDNS, NsIoctl.NS_GET_TGID_FROM_PIDNS,
            NsIoctl.NS_GET_PID_IN_PIDNS, NsIoctl.NS_GET_TGID_IN_PIDNS);

    @Test
    void errnoConstantsAreLinuxs() {
        assertEquals(ENOTTY, Errno.ENOTTY);
        assertEquals(EINVAL, Errno.EINVAL);
        assertEquals(ESRCH, Errno.ESRCH);
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
}
