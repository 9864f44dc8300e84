package io.github.nsfs4j.testing;

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
import java.util.ArrayList;
import java.util.List;

/**
 * A seccomp filter for the calling JVM (all its threads, TSYNC), as a sandbox between a program
 * and the kernel sets one up: ioctl requests answered with an errno instead of reaching the
 * kernel. For child JVMs that play a sandboxed nsfs; x86-64 only (other architectures' calls
 * pass). The filter cannot be removed: install it only in a JVM made for it.
 */
@SuppressWarnings("restricted")
public final class Seccomp {
    private Seccomp() {}

    private static final long SYS_prctl = 157;
    private static final long SYS_seccomp = 317;
    private static final int SYS_ioctl = 16;
    private static final int PR_SET_NO_NEW_PRIVS = 38;
    private static final int SECCOMP_SET_MODE_FILTER = 1;
    private static final int SECCOMP_FILTER_FLAG_TSYNC = 1;
    private static final int AUDIT_ARCH_X86_64 = 0xc000003e;
    private static final int SECCOMP_RET_ALLOW = 0x7fff0000;
    private static final int SECCOMP_RET_ERRNO = 0x00050000;
    // classic BPF opcodes
    private static final int LD_W_ABS = 0x20;
    private static final int JEQ_K = 0x15;
    private static final int AND_K = 0x54;
    private static final int RET_K = 0x06;

    /**
     * Answers ioctls with {@code errno}: those whose request is one of {@code requests}, or,
     * with none given, every nsfs request (type 0xb7). Returns 0, or the failing call's -errno.
     */
    public static long refuseIoctls(int errno, long... requests) throws Throwable {
        // struct seccomp_data: int nr @0, u32 arch @4, u64 ip @8, u64 args[6] @16 (args[1] @24, low word first)
        List<int[]> p = new ArrayList<>();
        p.add(new int[] {LD_W_ABS, 0, 0, 4});
        p.add(new int[] {JEQ_K, 0, 0, AUDIT_ARCH_X86_64}); // jf patched: to ALLOW
        p.add(new int[] {LD_W_ABS, 0, 0, 0});
        p.add(new int[] {JEQ_K, 0, 0, SYS_ioctl}); // jf patched: to ALLOW
        p.add(new int[] {LD_W_ABS, 0, 0, 24});
        if (requests.length == 0) {
            p.add(new int[] {AND_K, 0, 0, 0xff00});
            p.add(new int[] {JEQ_K, 1, 0, 0xb700});
        } else {
            for (int i = 0; i < requests.length; i++) {
                // on a match, jump to the ERRNO return: past the remaining checks and the ALLOW
                p.add(new int[] {JEQ_K, requests.length - i, 0, (int) requests[i]});
            }
        }
        int allow = p.size();
        p.add(new int[] {RET_K, 0, 0, SECCOMP_RET_ALLOW});
        p.add(new int[] {RET_K, 0, 0, SECCOMP_RET_ERRNO | errno});
        p.get(1)[2] = allow - 2;
        p.get(3)[2] = allow - 4;
        return install(p);
    }

    /**
     * Answers system call {@code nr} (x86-64's number) with {@code errno}, as a kernel that
     * lacks it (ENOSYS) or a sandbox that forbids it does. Returns 0, or the failing call's -errno.
     */
    public static long refuseSyscall(int nr, int errno) throws Throwable {
        List<int[]> p = new ArrayList<>();
        p.add(new int[] {LD_W_ABS, 0, 0, 4});
        p.add(new int[] {JEQ_K, 0, 2, AUDIT_ARCH_X86_64}); // another architecture: ALLOW
        p.add(new int[] {LD_W_ABS, 0, 0, 0});
        p.add(new int[] {JEQ_K, 1, 0, nr});
        p.add(new int[] {RET_K, 0, 0, SECCOMP_RET_ALLOW});
        p.add(new int[] {RET_K, 0, 0, SECCOMP_RET_ERRNO | errno});
        return install(p);
    }

    private static long install(List<int[]> p) throws Throwable {
        Arena arena = Arena.global();
        MemorySegment filter = arena.allocate(8L * p.size(), 8);
        for (int i = 0; i < p.size(); i++) {
            int[] insn = p.get(i);
            filter.set(JAVA_SHORT, 8L * i, (short) insn[0]);
            filter.set(JAVA_BYTE, 8L * i + 2, (byte) insn[1]);
            filter.set(JAVA_BYTE, 8L * i + 3, (byte) insn[2]);
            filter.set(JAVA_INT, 8L * i + 4, insn[3]);
        }
        MemorySegment prog = arena.allocate(16, 8);
        prog.set(JAVA_SHORT, 0, (short) p.size());
        prog.set(ADDRESS, 8, filter);
        Linker linker = Linker.nativeLinker();
        MethodHandle syscall = linker.downcallHandle(linker.defaultLookup().find("syscall").orElseThrow(),
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
                Linker.Option.firstVariadicArg(1));
        long rc = (long) syscall.invokeExact(SYS_prctl, (long) PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L);
        if (rc != 0) {
            return rc;
        }
        return (long) syscall.invokeExact(SYS_seccomp, (long) SECCOMP_SET_MODE_FILTER,
                (long) SECCOMP_FILTER_FLAG_TSYNC, prog.address(), 0L, 0L);
    }
}
