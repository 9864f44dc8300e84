package io.github.nsfs4j;

import io.github.nsfs4j.internal.NamespaceFiles;
import io.github.nsfs4j.linux.LibC;
import io.github.nsfs4j.kernel.NamespaceType;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.function.IntUnaryOperator;

import io.github.nsfs4j.testing.Proc;
import org.junit.jupiter.api.Test;

/**
 * A namespace type newer than the library (issue 9, item 11): the kernel's NS_GET_NSTYPE is
 * faked to answer a CLONE_NEW* flag no {@link NamespaceType} has, on a real namespace fd.
 * The outcome is the checked {@link UnknownNamespaceTypeException} naming the flag, never an
 * IllegalArgumentException, and the fd is closed where the library opened it and left
 * open where the caller owns it.
 */
class UnknownNamespaceTypeTest {

    /** A flag no namespace type has: CLONE_NEWUSER's neighbour bits are all taken, 0x100 (CLONE_VM) is not a namespace. */
    private static final int NEW_FLAG = 0x100;
    private static final IntUnaryOperator FUTURE_KERNEL = fd -> NEW_FLAG;

    @Test
    void theFlagIsKnownToNoType() {
        for (NamespaceType type : NamespaceType.values()) {
            assertTrue(type.cloneFlag() != NEW_FLAG);
        }
        assertThrows(IllegalArgumentException.class, () -> NamespaceType.fromCloneFlag(NEW_FLAG),
                "as an argument from a caller, an unknown flag stays a bad argument");
    }

    @Test
    void openingAnUnknownTypeIsACheckedOutcomeAndClosesTheFd() {
        for (NamespaceType expected : new NamespaceType[] {null, NamespaceType.PID}) {
            int fd = LibC.open("/proc/self/ns/uts", NamespaceFiles.OPEN_FLAGS);
            assertTrue(fd >= 0);
            UnknownNamespaceTypeException e = assertThrows(UnknownNamespaceTypeException.class,
                    () -> Internals.handle(() -> NamespaceFiles.adoptOrClose(fd, "/proc/self/ns/uts", expected, FUTURE_KERNEL)));
            assertEquals(NEW_FLAG, e.cloneFlag());
            assertTrue(e.getMessage().contains("0x100"), e.getMessage());
            assertTrue(e.getMessage().contains("/proc/self/ns/uts"), e.getMessage());
            assertTrue(e instanceof NamespaceException);
            assertEquals(Optional.empty(), Proc.fdLink(fd), "the library's fd is closed");
        }
    }

    @Test
    void adoptingAnUnknownTypeLeavesTheCallersFdOpen() {
        int fd = LibC.open("/proc/self/ns/uts", NamespaceFiles.OPEN_FLAGS);
        try {
            String link = Proc.fdLink(fd).orElseThrow();
            UnknownNamespaceTypeException e = assertThrows(UnknownNamespaceTypeException.class,
                    () -> Internals.handle(() -> NamespaceFiles.adopt(fd, FUTURE_KERNEL)));
            assertEquals(NEW_FLAG, e.cloneFlag());
            assertEquals(Optional.of(link), Proc.fdLink(fd), "the caller's fd stays open");
        } finally {
            LibC.close(fd);
        }
    }
}
