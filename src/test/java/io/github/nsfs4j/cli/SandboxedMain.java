package io.github.nsfs4j.cli;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.Arrays;

/**
 * Not a test: runs {@code nsfs ARGS...} in this JVM behind a seccomp filter that answers every
 * nsfs ioctl (request type 0xb7) with one errno, as a sandbox does that filters ioctls (a
 * seccomp profile; qemu-user answers "Unsupported ioctl" likewise). Arguments: the errno
 * number, then nsfs's arguments. x86-64 only (the filter checks the audit arch and lets other
 * architectures' calls through); exits 3 if the filter cannot be installed.
 */
@SuppressWarnings("restricted")
public final class SandboxedMain {
    private SandboxedMain() {}

    private static final int PR_SET_NO_NEW_PRIVS = 38;
    private static final long SYS_prctl = 157;
    private static final long SYS_seccomp = 317;
    private static final long SYS_ioctl = 16;
    private static final int SECCOMP_SET_MODE_FILTER = 1;
    private static final int SECCOMP_FILTER_FLAG_TSYNC = 1;
    private static final int AUDIT_ARCH_X86_64 = 0xc000003e;
    private static final int SECCOMP_RET_ALLOW = 0x7fff0000;
    private static final int SECCOMP_RET_ERRNO = 0x00050000;
    // classic BPF opcodes
    private static final short LD_W_ABS = 0x20;
    private static final short JEQ_K = 0x15;
    private static final short AND_K = 0x54;
    private static final short RET_K = 0x06;

    public static void main(String[] args) throws Throwable {
        int errno = Integer.parseInt(args[0]);
        long rc = install(errno);
        if (rc != 0) {
            System.err.println("cannot install the seccomp filter: " + rc);
            System.exit(3);
        }
        System.exit(Main.run(Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
    }

    private static long install(int errno) throws Throwable {
        Linker linker = Linker.nativeLinker();
        MethodHandle syscall = linker.downcallHandle(linker.defaultLookup().find("syscall").orElseThrow(),
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
                Linker.Option.firstVariadicArg(1));
        // struct seccomp_data: int nr @0, u32 arch @4, u64 ip @8, u64 args[6] @16 (args[1] @24, low word first)
        int[][] program = {
            {LD_W_ABS, 0, 0, 4},
            {JEQ_K, 0, 5, AUDIT_ARCH_X86_64},
            {LD_W_ABS, 0, 0, 0},
            {JEQ_K, 0, 3, (int) SYS_ioctl},
            {LD_W_ABS, 0, 0, 24},
            {AND_K, 0, 0, 0xff00},
            {JEQ_K, 1, 0, 0xb700},
            {RET_K, 0, 0, SECCOMP_RET_ALLOW},
            {RET_K, 0, 0, SECCOMP_RET_ERRNO | errno},
        };
        Arena arena = Arena.global();
        MemorySegment filter = arena.allocate(8L * program.length, 8);
        for (int i = 0; i < program.length; i++) {
            filter.set(JAVA_SHORT, 8L * i, (short) program[i][0]);
            filter.set(JAVA_BYTE, 8L * i + 2, (byte) program[i][1]);
            filter.set(JAVA_BYTE, 8L * i + 3, (byte) program[i][2]);
            filter.set(JAVA_INT, 8L * i + 4, program[i][3]);
        }
        MemorySegment prog = arena.allocate(16, 8);
        prog.set(JAVA_SHORT, 0, (short) program.length);
        prog.set(ADDRESS, 8, filter);
        long rc = (long) syscall.invokeExact(SYS_prctl, (long) PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L);
        if (rc != 0) {
            return rc;
        }
        return (long) syscall.invokeExact(SYS_seccomp, (long) SECCOMP_SET_MODE_FILTER,
                (long) SECCOMP_FILTER_FLAG_TSYNC, prog.address(), 0L, 0L);
    }
}
