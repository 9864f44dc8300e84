package io.github.nsfs4j.linux;

/**
 * An assembler of the x86-64 instructions the launcher ({@link LauncherX86_64},
 * {@link LauncherRelayX86_64}) uses, on {@link MachineCode}: one method per instruction form,
 * each encoding it by hand (Intel SDM volume 2) and writing the text {@code objdump -M intel}
 * prints for it, which {@code LauncherCodeTest} checks. Memory operands are
 * {@code [base + displacement]}; rbp and r13 are never a base here (their zero displacement
 * needs a byte of its own).
 *
 * <p>With it, Linux's system-call convention on x86-64: the numbers of the calls the launcher
 * makes; the number in eax ({@link #syscall}), arguments in rdi, rsi, rdx, r10, r8; the result
 * (or -errno) in rax; rcx and r11 are clobbered.
 */
final class X86_64Assembler {
    // The calls the launcher makes: arch/x86/entry/syscalls/syscall_64.tbl
    static final int SYS_write = 1;
    static final int SYS_close = 3;
    static final int SYS_rt_sigaction = 13;
    static final int SYS_rt_sigprocmask = 14;
    static final int SYS_getpid = 39;
    static final int SYS_clone = 56;
    static final int SYS_execve = 59;
    static final int SYS_wait4 = 61;
    static final int SYS_kill = 62;
    static final int SYS_fcntl = 72;
    static final int SYS_chdir = 80;
    static final int SYS_fchdir = 81;
    static final int SYS_setuid = 105;
    static final int SYS_setgid = 106;
    static final int SYS_getppid = 110;
    static final int SYS_setgroups = 116;
    static final int SYS_capget = 125;
    static final int SYS_capset = 126;
    static final int SYS_rt_sigtimedwait = 128;
    static final int SYS_prctl = 157;
    static final int SYS_chroot = 161;
    static final int SYS_exit_group = 231;
    static final int SYS_setns = 308;
    static final int SYS_close_range = 436;

    /** The registers, by the number that encodes them. */
    static final int RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7;
    static final int R8 = 8, R9 = 9, R10 = 10, R12 = 12, R13 = 13, R14 = 14, R15 = 15;

    private static final String[] R64 = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11",
        "r12", "r13", "r14", "r15"};
    private static final String[] R32 = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "r8d", "r9d", "r10d",
        "r11d", "r12d", "r13d", "r14d", "r15d"};

    /** Group-1 operations: the /digit of 0x81/0x83, and the opcode of the register form. */
    static final int ADD = 0, OR = 1, AND = 4, SUB = 5, XOR = 6, CMP = 7;
    private static final String[] ALU = {"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"};
    /** Shifts: the /digit of 0xC1. */
    static final int SHL = 4, SHR = 5;
    /** Condition codes of Jcc. */
    static final int B = 2, AE = 3, E = 4, NE = 5, BE = 6, A = 7, S = 8, NS = 9, L = 12, GE = 13, LE = 14, G = 15;
    private static final String[] CC = {"o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge",
        "le", "g"};

    final MachineCode code = new MachineCode(true);

    /** A REX prefix, or nothing when it would be the plain 0x40 and none is needed. */
    private static int[] rex(boolean w, int reg, int base) {
        int rex = 0x40 | (w ? 8 : 0) | ((reg >> 3) << 2) | (base >> 3);
        return rex == 0x40 ? new int[0] : new int[] {rex};
    }

    private static int[] cat(int[]... parts) {
        int n = 0;
        for (int[] p : parts) {
            n += p.length;
        }
        int[] out = new int[n];
        int i = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, out, i, p.length);
            i += p.length;
        }
        return out;
    }

    private static int[] imm32(int v) {
        return new int[] {v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24};
    }

    /** ModRM (and SIB, displacement) of {@code [base + disp]} with {@code reg} in the reg field. */
    private static int[] mem(int reg, int base, int disp) {
        if ((base & 7) == 5) {
            throw new IllegalArgumentException("rbp/r13 as a base is not used here");
        }
        int mod = disp == 0 ? 0 : (disp >= -128 && disp <= 127 ? 1 : 2);
        int[] modrm = {(mod << 6) | ((reg & 7) << 3) | (base & 7)};
        int[] sib = (base & 7) == 4 ? new int[] {0x24} : new int[0]; // rsp/r12: base only, no index
        int[] d = mod == 0 ? new int[0] : mod == 1 ? new int[] {disp & 0xff} : imm32(disp);
        return cat(modrm, sib, d);
    }

    private static String memText(String size, int base, int disp) {
        return size + "[" + R64[base] + (disp == 0 ? "" : "+0x" + Integer.toHexString(disp)) + "]";
    }

    private static int modrmRR(int reg, int rm) {
        return 0xC0 | ((reg & 7) << 3) | (rm & 7);
    }

    private static String hex32(int v) {
        return "0x" + Integer.toHexString(v);
    }

    private static String hex64(long v) {
        return "0x" + Long.toHexString(v);
    }

    /** mov r32, imm32 (B8+r): zero-extends into the 64-bit register. */
    void movImm(int r, int imm) {
        code.emit("mov " + R32[r] + "," + hex32(imm), cat(rex(false, 0, r), new int[] {0xB8 + (r & 7)},
                imm32(imm)));
    }

    /** mov r64, r64 (89 /r). */
    void mov64(int dst, int src) {
        code.emit("mov " + R64[dst] + "," + R64[src], cat(rex(true, src, dst), new int[] {0x89,
            modrmRR(src, dst)}));
    }

    /** mov r32, r32 (89 /r). */
    void mov32(int dst, int src) {
        code.emit("mov " + R32[dst] + "," + R32[src], cat(rex(false, src, dst), new int[] {0x89,
            modrmRR(src, dst)}));
    }

    /** mov r64, [base + disp] (8B /r). */
    void load64(int dst, int base, int disp) {
        code.emit("mov " + R64[dst] + "," + memText("QWORD PTR ", base, disp), cat(rex(true, dst, base),
                new int[] {0x8B}, mem(dst, base, disp)));
    }

    /** mov r32, [base + disp] (8B /r): zero-extends. */
    void load32(int dst, int base, int disp) {
        code.emit("mov " + R32[dst] + "," + memText("DWORD PTR ", base, disp), cat(rex(false, dst, base),
                new int[] {0x8B}, mem(dst, base, disp)));
    }

    /** movsxd r64, [base + disp] (REX.W 63 /r): an int, sign-extended (an fd of -1 stays negative). */
    void loadSx32(int dst, int base, int disp) {
        code.emit("movsxd " + R64[dst] + "," + memText("DWORD PTR ", base, disp), cat(rex(true, dst, base),
                new int[] {0x63}, mem(dst, base, disp)));
    }

    /** movzx r32, byte [base + disp] (0F B6 /r). */
    void loadByte(int dst, int base, int disp) {
        code.emit("movzx " + R32[dst] + "," + memText("BYTE PTR ", base, disp), cat(rex(false, dst, base),
                new int[] {0x0F, 0xB6}, mem(dst, base, disp)));
    }

    /** mov [base + disp], r32 (89 /r). */
    void store32(int base, int disp, int src) {
        code.emit("mov " + memText("DWORD PTR ", base, disp) + "," + R32[src], cat(rex(false, src, base),
                new int[] {0x89}, mem(src, base, disp)));
    }

    /** mov dword [base + disp], imm32 (C7 /0 id). */
    void storeImm32(int base, int disp, int imm) {
        code.emit("mov " + memText("DWORD PTR ", base, disp) + "," + hex32(imm), cat(rex(false, 0, base),
                new int[] {0xC7}, mem(0, base, disp), imm32(imm)));
    }

    /** mov qword [base + disp], imm32 sign-extended (REX.W C7 /0 id). */
    void storeImm64(int base, int disp, long imm) {
        if (imm != (int) imm) {
            throw new IllegalArgumentException("not a sign-extended imm32: " + imm);
        }
        code.emit("mov " + memText("QWORD PTR ", base, disp) + "," + hex64(imm), cat(rex(true, 0, base),
                new int[] {0xC7}, mem(0, base, disp), imm32((int) imm)));
    }

    /** lea r64, [base + disp] (REX.W 8D /r). */
    void lea(int dst, int base, int disp) {
        code.emit("lea " + R64[dst] + "," + memText("", base, disp), cat(rex(true, dst, base), new int[] {0x8D},
                mem(dst, base, disp)));
    }

    /** add/or/and/sub/xor/cmp r32, imm (83 /op ib, or 81 /op id). */
    void alu32(int op, int r, int imm) {
        alu(op, r, imm, false);
    }

    /** The same on a 64-bit register (REX.W). */
    void alu64(int op, int r, int imm) {
        alu(op, r, imm, true);
    }

    private void alu(int op, int r, int imm, boolean w) {
        boolean small = imm >= -128 && imm <= 127;
        String text = ALU[op] + " " + (w ? R64[r] : R32[r]) + "," + (w ? hex64(imm) : hex32(imm));
        int[] operand = small ? new int[] {imm & 0xff} : imm32(imm);
        code.emit(text, cat(rex(w, 0, r), new int[] {small ? 0x83 : 0x81, modrmRR(op, r)}, operand));
    }

    /** add/or/and/sub/xor/cmp r32, r32 (the "r/m, r" opcode: op * 8 + 1). */
    void alu32rr(int op, int dst, int src) {
        code.emit(ALU[op] + " " + R32[dst] + "," + R32[src], cat(rex(false, src, dst), new int[] {op * 8 + 1,
            modrmRR(src, dst)}));
    }

    /** cmp r64, r64 (REX.W 39 /r). */
    void cmp64(int a, int b) {
        code.emit("cmp " + R64[a] + "," + R64[b], cat(rex(true, b, a), new int[] {0x39, modrmRR(b, a)}));
    }

    /** cmp r32, [base + disp] (3B /r). */
    void cmpMem32(int r, int base, int disp) {
        code.emit("cmp " + R32[r] + "," + memText("DWORD PTR ", base, disp), cat(rex(false, r, base),
                new int[] {0x3B}, mem(r, base, disp)));
    }

    /** test r32, r32 (85 /r). */
    void test32(int a, int b) {
        code.emit("test " + R32[a] + "," + R32[b], cat(rex(false, b, a), new int[] {0x85, modrmRR(b, a)}));
    }

    /** test r64, r64 (REX.W 85 /r). */
    void test64(int a, int b) {
        code.emit("test " + R64[a] + "," + R64[b], cat(rex(true, b, a), new int[] {0x85, modrmRR(b, a)}));
    }

    /** test r32, imm32 (F7 /0 id). */
    void testImm32(int r, int imm) {
        code.emit("test " + R32[r] + "," + hex32(imm), cat(rex(false, 0, r), new int[] {0xF7, modrmRR(0, r)},
                imm32(imm)));
    }

    /** shl/shr r32, imm8 (C1 /4 or /5 ib). */
    void shift32(int kind, int r, int count) {
        code.emit((kind == SHL ? "shl " : "shr ") + R32[r] + "," + hex32(count), cat(rex(false, 0, r),
                new int[] {0xC1, modrmRR(kind, r), count}));
    }

    /** neg r32 (F7 /3). */
    void neg32(int r) {
        code.emit("neg " + R32[r], cat(rex(false, 0, r), new int[] {0xF7, modrmRR(3, r)}));
    }

    /** Jcc rel32 (0F 80+cc cd) to a label. */
    void jcc(int cc, String label) {
        code.emit("j" + CC[cc] + " %s", 0x0F, 0x80 + cc, 0, 0, 0, 0);
        code.branchTo(label, X86_64Assembler::rel32);
    }

    /** jmp rel32 (E9 cd) to a label. */
    void jmp(String label) {
        code.emit("jmp %s", 0xE9, 0, 0, 0, 0);
        code.branchTo(label, X86_64Assembler::rel32);
    }

    /** The rel32 that ends an instruction: from its end to the target. */
    private static void rel32(byte[] bytes, int instruction, int target) {
        int end = instruction + (bytes[instruction] == (byte) 0x0F ? 6 : 5);
        int rel = target - end;
        for (int i = 0; i < 4; i++) {
            bytes[end - 4 + i] = (byte) (rel >>> (8 * i));
        }
    }

    /** mov eax, number; syscall (0F 05). */
    void syscall(int number) {
        movImm(RAX, number);
        code.emit("syscall", 0x0F, 0x05);
    }

    /** hlt (F4): faults in user mode, so a fall-through would not go unnoticed. */
    void hlt() {
        code.emit("hlt", 0xF4);
    }

    void label(String name) {
        code.label(name);
    }
}
