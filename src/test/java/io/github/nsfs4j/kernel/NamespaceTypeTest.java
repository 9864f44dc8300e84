package io.github.nsfs4j.kernel;

import io.github.nsfs4j.linux.LibC;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@link NamespaceType} against kernel-facts §3 and the kernel's own answers. */
class NamespaceTypeTest {

    /** CLONE_NEW* flags, kernel-facts §3 ({@code include/uapi/linux/sched.h}). */
    static final Map<String, Integer> CLONE_FLAGS = Map.of("time", 0x80, "mnt", 0x20000, "cgroup", 0x2000000,
            "uts", 0x4000000, "ipc", 0x8000000, "user", 0x10000000, "pid", 0x20000000, "net", 0x40000000);

    @ParameterizedTest
    @EnumSource(NamespaceType.class)
    void flagAndNameAreTheKernels(NamespaceType type) {
        assertEquals(CLONE_FLAGS.get(type.procName()), type.cloneFlag(), type.name());
        assertEquals(type.name().toLowerCase(java.util.Locale.ROOT), type.procName());
        assertEquals(type.procName(), type.toString());
    }

    @Test
    void theEightTypesAreTheFilesInProcSelfNs() throws IOException {
        Set<String> files;
        try (Stream<Path> list = Files.list(Path.of("/proc/self/ns"))) {
            files = list.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith("_for_children"))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
        Set<String> names = Stream.of(NamespaceType.values()).map(NamespaceType::procName)
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(files, names);
    }

    /** NS_GET_NSTYPE on the own namespace file of each type answers the type's flag. */
    @ParameterizedTest
    @EnumSource(NamespaceType.class)
    void theKernelReportsTheFlag(NamespaceType type) {
        int fd = LibC.open("/proc/self/ns/" + type.procName(), 0x80000 /* O_RDONLY|O_CLOEXEC */);
        assertTrue(fd >= 0, "open: " + fd);
        try {
            int flag = LibC.ioctl(fd, NsIoctl.NS_GET_NSTYPE.request(), 0L);
            assertEquals(type.cloneFlag(), flag);
            assertSame(type, NamespaceType.fromCloneFlag(flag));
        } finally {
            LibC.close(fd);
        }
    }

    @ParameterizedTest
    @EnumSource(NamespaceType.class)
    void lookupsRoundTrip(NamespaceType type) {
        assertSame(type, NamespaceType.fromCloneFlag(type.cloneFlag()));
        assertSame(type, NamespaceType.fromName(type.procName()));
        assertSame(type, NamespaceType.fromName(type.procName().toUpperCase(java.util.Locale.ROOT)));
    }

    @Test
    void unknownFlagsAreRejectedClearly() {
        for (int flag : new int[] {0, 0x100 /* CLONE_VM */, 0x40000000 | 0x20000000, -1, 0x00000400}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> NamespaceType.fromCloneFlag(flag));
            assertTrue(e.getMessage().contains("0x" + Integer.toHexString(flag)), e.getMessage());
        }
    }

    @Test
    void unknownNamesAreRejectedClearly() {
        for (String name : new String[] {"", "pid_for_children", "network", "mount", "nett", " net"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> NamespaceType.fromName(name));
            assertTrue(e.getMessage().contains("'" + name + "'"), e.getMessage());
            for (String known : CLONE_FLAGS.keySet()) {
                assertTrue(e.getMessage().contains(known), "the message lists " + known + ": " + e.getMessage());
            }
        }
        assertThrows(NullPointerException.class, () -> NamespaceType.fromName(null));
    }

    @ParameterizedTest
    @EnumSource(NamespaceType.class)
    void onlyPidAndUserAreHierarchical(NamespaceType type) {
        boolean expected = type == NamespaceType.PID || type == NamespaceType.USER;
        assertEquals(expected, type.isHierarchical());
        if (!expected) {
            assertFalse(type.isHierarchical());
        }
    }

    /** The kernel agrees: NS_GET_PARENT on a non-hierarchical type is EINVAL, on pid/user it is not. */
    @ParameterizedTest
    @EnumSource(NamespaceType.class)
    void hierarchyAgreesWithTheKernel(NamespaceType type) {
        int fd = LibC.open("/proc/self/ns/" + type.procName(), 0x80000);
        assertTrue(fd >= 0, "open: " + fd);
        try {
            int rc = LibC.ioctl(fd, NsIoctl.NS_GET_PARENT.request(), 0L);
            if (rc >= 0) {
                LibC.close(rc);
            }
            assertEquals(!type.isHierarchical(), rc == -22 /* EINVAL */, type + ": NS_GET_PARENT gave " + rc);
        } finally {
            LibC.close(fd);
        }
    }
}
