package io.github.nsfs4j.linux;

/**
 * The numbers of the system calls that {@link LibC} makes through syscall(2), on the
 * architecture this JVM runs on. They come from each architecture's table in the kernel:
 * {@code arch/x86/entry/syscalls/syscall_64.tbl}; {@code include/uapi/asm-generic/unistd.h},
 * which arm64 and riscv64 share; {@code arch/s390/kernel/syscalls/syscall.tbl};
 * {@code arch/powerpc/kernel/syscalls/syscall.tbl} (its 64-bit and common rows). Calls
 * numbered 424 and up have one number on all of them ({@link Constants}).
 *
 * <p>Why not the C library's wrappers: each has a downcall shape of its own, and a JVM links
 * each shape once, slowly (docs/design.md, "Start-up"); through syscall(2) they share one.
 * On an architecture {@link Arch} does not know, every number is -1 and
 * {@link Downcalls#link} refuses before any call is made.
 */
public final class SyscallNumbers {
    private SyscallNumbers() {}

    // Columns: x86-64, asm-generic (aarch64, riscv64), s390x, ppc64le.
    public static final long SYS_openat = pick(257, 56, 288, 286);
    public static final long SYS_close = pick(3, 57, 6, 6);
    public static final long SYS_ioctl = pick(16, 29, 54, 54);
    public static final long SYS_fcntl = pick(72, 25, 55, 55);
    public static final long SYS_fstatfs = pick(138, 44, 100, 100);
    public static final long SYS_statx = pick(332, 291, 379, 383);
    public static final long SYS_readlinkat = pick(267, 78, 298, 296);
    public static final long SYS_name_to_handle_at = pick(303, 264, 335, 345);
    public static final long SYS_open_by_handle_at = pick(304, 265, 336, 346);
    public static final long SYS_setns = pick(308, 268, 339, 350);
    public static final long SYS_unshare = pick(272, 97, 303, 282);
    public static final long SYS_pipe2 = pick(293, 59, 325, 317);
    public static final long SYS_read = pick(0, 63, 3, 3);
    public static final long SYS_write = pick(1, 64, 4, 4);
    public static final long SYS_waitid = pick(247, 95, 281, 272);
    public static final long SYS_kill = pick(62, 129, 37, 37);
    public static final long SYS_getdents64 = pick(217, 61, 220, 202);
    public static final long SYS_socket = pick(41, 198, 359, 326);
    public static final long SYS_sendto = pick(44, 206, 369, 335);
    public static final long SYS_recvfrom = pick(45, 207, 371, 337);
    public static final long SYS_memfd_create = pick(319, 279, 350, 360);

    private static long pick(int x86_64, int asmGeneric, int s390x, int ppc64le) {
        Arch arch = Arch.RUNNING;
        if (arch == Arch.X86_64) {
            return x86_64;
        } else if (arch == Arch.AARCH64 || arch == Arch.RISCV64) {
            return asmGeneric;
        } else if (arch == Arch.S390X) {
            return s390x;
        } else if (arch == Arch.PPC64LE) {
            return ppc64le;
        }
        return -1;
    }
}
