package io.github.nsfs4j.linux;

import java.util.Locale;

/**
 * The processor architectures nsfs4j knows the Linux ABI of: how ioctl requests are encoded,
 * how wide {@code statfs.f_type} is, and ({@link SyscallNumbers}) the numbers of the system
 * calls below 424. Everything else the library depends on (the {@code O_*} flags it uses,
 * {@code O_PATH}, the numbers of the unified syscalls 424, 434 and 470, {@code struct statx})
 * is the same on all of them.
 *
 * <p>On any other architecture (mips, sparc, alpha, 32-bit ARM, ...) the first native call
 * refuses with one message naming the supported ones: a wrong request number would not fail
 * loudly, the kernel would just answer ENOTTY and every request would look missing.
 */
public enum Arch {
    X86_64("x86-64", IoctlCodes.Encoding.ASM_GENERIC, Long.BYTES, "amd64", "x86_64"),
    AARCH64("aarch64", IoctlCodes.Encoding.ASM_GENERIC, Long.BYTES, "aarch64", "arm64"),
    RISCV64("riscv64", IoctlCodes.Encoding.ASM_GENERIC, Long.BYTES, "riscv64"),
    /** s390x has a 32-bit {@code f_type} ({@code unsigned int}) in its {@code struct statfs}. */
    S390X("s390x", IoctlCodes.Encoding.ASM_GENERIC, Integer.BYTES, "s390x"),
    /** powerpc encodes ioctls with 3 direction bits and a 13-bit size. */
    PPC64LE("ppc64le", IoctlCodes.Encoding.POWERPC, Long.BYTES, "ppc64le");

    private final String displayName;
    private final IoctlCodes.Encoding ioctlEncoding;
    private final int statfsTypeBytes;
    private final String[] osArchNames;

    Arch(String displayName, IoctlCodes.Encoding ioctlEncoding, int statfsTypeBytes, String... osArchNames) {
        this.displayName = displayName;
        this.ioctlEncoding = ioctlEncoding;
        this.statfsTypeBytes = statfsTypeBytes;
        this.osArchNames = osArchNames;
    }

    /** The {@code os.arch} this JVM reports. */
    public static final String OS_ARCH = System.getProperty("os.arch", "");

    /** The running architecture, or null when nsfs4j does not know its ABI. */
    public static final Arch RUNNING = of(OS_ARCH);

    /** The architecture with this {@code os.arch} name, or null. */
    public static Arch of(String osArch) {
        String name = osArch.toLowerCase(Locale.ROOT);
        for (Arch arch : values()) {
            for (String known : arch.osArchNames) {
                if (known.equals(name)) {
                    return arch;
                }
            }
        }
        return null;
    }

    /** The ioctl encoding of this architecture. */
    public IoctlCodes.Encoding ioctlEncoding() {
        return ioctlEncoding;
    }

    /** {@code sizeof(statfs.f_type)}: 8, or 4 on s390x. */
    public int statfsTypeBytes() {
        return statfsTypeBytes;
    }

    /** The running architecture; refuses other systems and architectures with one message. */
    public static Arch require() {
        if (RUNNING == null || !System.getProperty("os.name", "").equals("Linux")) {
            throw unsupported(OS_ARCH);
        }
        return RUNNING;
    }

    /**
     * {@code value}, a number computed for the running architecture (an ioctl request), once
     * the architecture is known to be one nsfs4j supports; else the refusal.
     */
    public static long checked(long value) {
        if (RUNNING == null) { // a constant: the JIT drops the test
            require();
        }
        return value;
    }

    /** The refusal for an architecture whose ABI nsfs4j does not know. */
    public static UnsupportedOperationException unsupported(String osArch) {
        StringBuilder names = new StringBuilder();
        for (Arch arch : values()) {
            names.append(names.isEmpty() ? "" : ", ").append(arch.displayName);
        }
        return new UnsupportedOperationException("nsfs4j supports Linux on " + names + "; this JVM runs on "
                + System.getProperty("os.name", "?") + " " + osArch
                + ", whose ioctl encoding and structure layouts nsfs4j does not know");
    }

    @Override
    public String toString() {
        return displayName;
    }
}
