package io.github.nsfs4j.linux;

import static io.github.nsfs4j.linux.IoctlCodes.Encoding.ASM_GENERIC;
import static io.github.nsfs4j.linux.IoctlCodes.Encoding.POWERPC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import io.github.nsfs4j.testing.Commands;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * The ioctl encoder of both families against request numbers from kernel headers (x86-64's
 * for asm-generic, powerpc's for the other family), and the architecture guard.
 */
class IoctlCodesTest {

    // ------------------------------------------------------------------ asm-generic (x86-64 headers)

    @Test
    void asmGenericIoHasNoDirectionAndNoSize() {
        assertEquals(0xb701L, ASM_GENERIC.io(0xb7, 1), "NS_GET_USERNS");
        assertEquals(0xb703L, ASM_GENERIC.io(0xb7, 3), "NS_GET_NSTYPE");
        assertEquals(0xff01L, ASM_GENERIC.io(0xff, 1), "PIDFD_GET_CGROUP_NAMESPACE");
        assertEquals(0xff0aL, ASM_GENERIC.io(0xff, 10), "PIDFD_GET_UTS_NAMESPACE");
        assertEquals(0x125dL, ASM_GENERIC.io(0x12, 93), "BLKROSET");
    }

    @Test
    void asmGenericIorIsReadWithTheArgumentSize() {
        assertEquals(0x8004b706L, ASM_GENERIC.ior(0xb7, 6, 4), "NS_GET_PID_FROM_PIDNS");
        assertEquals(0x8008b705L, ASM_GENERIC.ior(0xb7, 5, 8), "NS_GET_MNTNS_ID");
        assertEquals(0x8010b70aL, ASM_GENERIC.ior(0xb7, 10, 16), "NS_MNT_GET_INFO");
        assertEquals(0x8008b70dL, ASM_GENERIC.ior(0xb7, 13, 8), "NS_GET_ID");
        assertEquals(0x802c542aL, ASM_GENERIC.ior('T', 0x2A, 44), "TCGETS2");
        assertEquals(0x80086601L, ASM_GENERIC.ior('f', 1, 8), "FS_IOC_GETFLAGS");
        assertEquals(0x80081272L, ASM_GENERIC.ior(0x12, 114, 8), "BLKGETSIZE64");
    }

    @Test
    void asmGenericIowIsWriteWithTheArgumentSize() {
        assertEquals(0x402c542bL, ASM_GENERIC.ioc(false, true, 'T', 0x2B, 44), "TCSETS2");
        assertEquals(0x40049409L, ASM_GENERIC.ioc(false, true, 0x94, 9, 4), "FICLONE");
        assertEquals(0x40086602L, ASM_GENERIC.ioc(false, true, 'f', 2, 8), "FS_IOC_SETFLAGS");
    }

    @Test
    void asmGenericIowrIsReadAndWrite() {
        assertEquals(0xc040ff0bL, ASM_GENERIC.ioc(true, true, 0xff, 11, 64), "PIDFD_GET_INFO for the 64-byte struct");
        assertEquals(0xc0c0583bL, ASM_GENERIC.ioc(true, true, 'X', 59, 192), "FS_IOC_GETFSMAP");
    }

    @Test
    void asmGenericLargestFieldsFitAndStayUnsigned() {
        assertEquals(0xffffffffL, ASM_GENERIC.ioc(true, true, 0xff, 0xff, 0x3fff));
        assertEquals(0xbfffffffL, ASM_GENERIC.ior(0xff, 0xff, 0x3fff));
        assertThrows(IllegalArgumentException.class, () -> ASM_GENERIC.ior(0xb7, 1, 0x4000), "14 size bits");
    }

    // ------------------------------------------------------------------ powerpc, mips, sparc (powerpc headers)

    @Test
    void powerpcIoHasTheNoneBit() {
        assertEquals(0x2000746eL, POWERPC.io('t', 110), "TIOCSTART");
        assertEquals(0x2000746fL, POWERPC.io('t', 111), "TIOCSTOP");
        assertEquals(0x2000125dL, POWERPC.io(0x12, 93), "BLKROSET");
    }

    @Test
    void powerpcReadAndWriteAreSwappedAgainstAsmGeneric() {
        assertEquals(0x4004667fL, POWERPC.ior('f', 127, 4), "FIONREAD");
        assertEquals(0x40045430L, POWERPC.ior('T', 0x30, 4), "TIOCGPTN");
        assertEquals(0x40086601L, POWERPC.ior('f', 1, 8), "FS_IOC_GETFLAGS");
        assertEquals(0x40081272L, POWERPC.ior(0x12, 114, 8), "BLKGETSIZE64");
        assertEquals(0x8004667eL, POWERPC.ioc(false, true, 'f', 126, 4), "FIONBIO");
        assertEquals(0x80086602L, POWERPC.ioc(false, true, 'f', 2, 8), "FS_IOC_SETFLAGS");
        assertEquals(0xc040ff0bL, POWERPC.ioc(true, true, 0xff, 11, 64), "PIDFD_GET_INFO");
    }

    @Test
    void powerpcHasThirteenSizeBits() {
        assertEquals(0xdfffffffL, POWERPC.ioc(true, true, 0xff, 0xff, 0x1fff));
        assertThrows(IllegalArgumentException.class, () -> POWERPC.ior(0xb7, 1, 0x2000));
    }

    @Test
    void outOfRangeFieldsAreRejected() {
        for (IoctlCodes.Encoding encoding : IoctlCodes.Encoding.values()) {
            Map<String, Executable> cases = Map.of(
                    "type 0x100", () -> encoding.io(0x100, 1),
                    "type -1", () -> encoding.io(-1, 1),
                    "nr 0x100", () -> encoding.io(0xb7, 0x100),
                    "nr -1", () -> encoding.ior(0xb7, -1, 4),
                    "size -1", () -> encoding.ioc(false, true, 0xb7, 1, -1));
            cases.forEach((what, call) -> {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call, what);
                assertTrue(e.getMessage().contains("out of range"), what + ": " + e.getMessage());
            });
        }
    }

    // ------------------------------------------------------------------ the running architecture

    /** The static shortcuts encode for the architecture {@code uname -m} names. */
    @Test
    void theShortcutsUseTheRunningArchitecture() throws Exception {
        String machine = Commands.run(java.util.List.of("uname", "-m")).stdout().trim();
        Arch arch = Arch.of(machine);
        assertSame(Arch.RUNNING, arch, "os.arch " + Arch.OS_ARCH + " and uname -m " + machine);
        assertSame(arch.ioctlEncoding(), IoctlCodes.RUNNING);
        assertEquals(IoctlCodes.RUNNING.ior(0xb7, 6, 4), IoctlCodes._IOR(0xb7, 6, 4));
        assertEquals(IoctlCodes.RUNNING.io(0xb7, 3), IoctlCodes._IO(0xb7, 3));
            }

    @Test
    void architecturesByTheirJvmAndKernelNames() {
        Map<String, Arch> known = Map.of("amd64", Arch.X86_64, "x86_64", Arch.X86_64, "aarch64", Arch.AARCH64,
                "arm64", Arch.AARCH64, "riscv64", Arch.RISCV64, "s390x", Arch.S390X, "ppc64le", Arch.PPC64LE);
        known.forEach((name, arch) -> assertSame(arch, Arch.of(name), name));
        for (String other : new String[] {"mips64el", "mips", "sparcv9", "ppc64", "ppc", "arm", "x86", "alpha", ""}) {
            assertNull(Arch.of(other), other);
        }
        assertSame(ASM_GENERIC, Arch.S390X.ioctlEncoding());
        assertSame(POWERPC, Arch.PPC64LE.ioctlEncoding());
        assertEquals(4, Arch.S390X.statfsTypeBytes(), "s390x's statfs.f_type is an unsigned int");
        assertEquals(8, Arch.AARCH64.statfsTypeBytes());
    }

    @Test
    void anUnknownArchitectureIsRefusedNamingTheSupportedOnes() {
        UnsupportedOperationException e = Arch.unsupported("mips64el");
        assertTrue(e.getMessage().startsWith("nsfs4j supports Linux on x86-64, aarch64, riscv64, s390x, ppc64le;"),
                e.getMessage());
        assertTrue(e.getMessage().contains("mips64el"), e.getMessage());
        assertSame(Arch.RUNNING, Arch.require(), "this machine's architecture passes");
    }

}
