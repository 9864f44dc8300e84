package io.github.nsfs4j.linux;

/**
 * An assembler of the AArch64 instructions the launcher ({@link LauncherAarch64},
 * {@link LauncherRelayAarch64}) uses, on {@link MachineCode}: one method per instruction form,
 * each encoding it by hand (Arm ARM, A64 base instructions) and writing the text
 * {@code objdump} prints for it, which {@code LauncherCodeTest} checks. Registers are numbers:
 * 0 to 30, and 31 for sp or the zero register, as the operand allows.
 *
 * <p>With it, Linux's system-call convention on arm64: the numbers of the calls the launcher
 * makes; the number in w8, arguments in x0 to x4, {@code svc #0} ({@link #syscall}); the result
 * (or -errno) in x0, no other register clobbered.
 */
final class Aarch64Assembler {
    // The calls the launcher makes: include/uapi/asm-generic/unistd.h
    static final int SYS_fcntl = 25;
    static final int SYS_chdir = 49;
    static final int SYS_fchdir = 50;
    static final int SYS_chroot = 51;
    static final int SYS_close = 57;
    static final int SYS_write = 64;
    static final int SYS_capget = 90;
    static final int SYS_capset = 91;
    static final int SYS_exit_group = 94;
    static final int SYS_kill = 129;
    static final int SYS_rt_sigaction = 134;
    static final int SYS_rt_sigprocmask = 135;
    static final int SYS_rt_sigtimedwait = 137;
    static final int SYS_setgid = 144;
    static final int SYS_setuid = 146;
    static final int SYS_setgroups = 159;
    static final int SYS_prctl = 167;
    static final int SYS_getpid = 172;
    static final int SYS_getppid = 173;
    static final int SYS_clone = 220;
    static final int SYS_execve = 221;
    static final int SYS_wait4 = 260;
    static final int SYS_setns = 268;
    static final int SYS_close_range = 436;

    /** Register 31: sp or the zero register, as the operand allows. */
    static final int SP = 31;
    static final int ZR = 31;

    /** Condition codes of b.cond, as objdump names them. */
    static final int EQ = 0, NE = 1, CS = 2, CC = 3, HI = 8, LS = 9, GE = 10, LT = 11, GT = 12, LE = 13;
    private static final String[] COND = {"eq", "ne", "cs", "cc", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt",
        "gt", "le", "al", "nv"};

    final MachineCode code = new MachineCode(true);

    /** A register's name: x0..x30 or w0..w30; 31 is sp or the zero register, as the operand allows. */
    private static String r(boolean x, int n, boolean spNotZero) {
        if (n == 31) {
            return spNotZero ? (x ? "sp" : "wsp") : (x ? "xzr" : "wzr");
        }
        return (x ? "x" : "w") + n;
    }

    private static String hex(long v) {
        return "#0x" + Long.toHexString(v);
    }

    private static String mem(int base, int offset) {
        return "[" + r(true, base, true) + (offset == 0 ? "" : ", #" + offset) + "]";
    }

    /** movz: rd = imm16 << shift; objdump shows it as mov of the value. */
    void movz(boolean x, int rd, int imm16, int shift) {
        check(imm16, 0xffff);
        long value = ((long) imm16) << shift;
        code.word("mov " + r(x, rd, false) + ", " + hex(value), (x ? 0xD2800000 : 0x52800000) | (shift / 16) << 21
                | imm16 << 5 | rd);
    }

    /** movk: insert imm16 at shift, keep the other bits. */
    void movk(boolean x, int rd, int imm16, int shift) {
        check(imm16, 0xffff);
        code.word("movk " + r(x, rd, false) + ", " + hex(imm16) + (shift == 0 ? "" : ", lsl #" + shift),
                (x ? 0xF2800000 : 0x72800000) | (shift / 16) << 21 | imm16 << 5 | rd);
    }

    /** movn: rd = ~imm16 (so -1 - imm16); objdump shows it as mov of the value. */
    void movn(boolean x, int rd, int imm16) {
        check(imm16, 0xffff);
        long value = x ? ~(long) imm16 : (~imm16) & 0xffffffffL;
        code.word("mov " + r(x, rd, false) + ", " + hex(value), (x ? 0x92800000 : 0x12800000) | imm16 << 5 | rd);
    }

    /** mov rd, rm (orr rd, zr, rm). */
    void mov(boolean x, int rd, int rm) {
        code.word("mov " + r(x, rd, false) + ", " + r(x, rm, false), (x ? 0xAA0003E0 : 0x2A0003E0) | rm << 16 | rd);
    }

    /** mov xd, sp (add xd, sp, #0). */
    void movFromSp(int rd) {
        code.word("mov " + r(true, rd, true) + ", sp", 0x91000000 | SP << 5 | rd);
    }

    /** add rd, rn, #imm12. */
    void addImm(boolean x, int rd, int rn, int imm) {
        check(imm, 0xfff);
        code.word("add " + r(x, rd, true) + ", " + r(x, rn, true) + ", " + hex(imm), (x ? 0x91000000 : 0x11000000)
                | imm << 10 | rn << 5 | rd);
    }

    /** sub rd, rn, #imm12. */
    void subImm(boolean x, int rd, int rn, int imm) {
        check(imm, 0xfff);
        code.word("sub " + r(x, rd, true) + ", " + r(x, rn, true) + ", " + hex(imm), (x ? 0xD1000000 : 0x51000000)
                | imm << 10 | rn << 5 | rd);
    }

    /** cmp rn, #imm12 (subs zr, rn, #imm). */
    void cmpImm(boolean x, int rn, int imm) {
        check(imm, 0xfff);
        code.word("cmp " + r(x, rn, true) + ", " + hex(imm), (x ? 0xF100001F : 0x7100001F) | imm << 10 | rn << 5);
    }

    /** cmn rn, #imm12 (adds zr, rn, #imm): compares with -imm. */
    void cmnImm(boolean x, int rn, int imm) {
        check(imm, 0xfff);
        code.word("cmn " + r(x, rn, true) + ", " + hex(imm), (x ? 0xB100001F : 0x3100001F) | imm << 10 | rn << 5);
    }

    /** cmp rn, rm (subs zr, rn, rm). */
    void cmp(boolean x, int rn, int rm) {
        code.word("cmp " + r(x, rn, false) + ", " + r(x, rm, false), (x ? 0xEB00001F : 0x6B00001F) | rm << 16
                | rn << 5);
    }

    /** orr wd, wn, wm, lsl #shift. */
    void orrLsl(int rd, int rn, int rm, int shift) {
        code.word("orr " + r(false, rd, false) + ", " + r(false, rn, false) + ", " + r(false, rm, false) + ", lsl #"
                + shift, 0x2A000000 | rm << 16 | shift << 10 | rn << 5 | rd);
    }

    /** and wd, wn, #(2^bits - 1): a logical immediate of {@code bits} ones, not rotated. */
    void andMask(int rd, int rn, int bits) {
        code.word("and " + r(false, rd, true) + ", " + r(false, rn, false) + ", " + hex((1L << bits) - 1),
                0x12000000 | (bits - 1) << 10 | rn << 5 | rd);
    }

    /** ubfx wd, wn, #lsb, #width (ubfm). */
    void ubfx(int rd, int rn, int lsb, int width) {
        code.word("ubfx " + r(false, rd, false) + ", " + r(false, rn, false) + ", #" + lsb + ", #" + width,
                0x53000000 | lsb << 16 | (lsb + width - 1) << 10 | rn << 5 | rd);
    }

    /** lsr wd, wn, #shift (ubfm wd, wn, #shift, #31). */
    void lsr(int rd, int rn, int shift) {
        code.word("lsr " + r(false, rd, false) + ", " + r(false, rn, false) + ", #" + shift,
                0x53000000 | shift << 16 | 31 << 10 | rn << 5 | rd);
    }

    /** neg wd, wm (sub wd, wzr, wm). */
    void neg(int rd, int rm) {
        code.word("neg " + r(false, rd, false) + ", " + r(false, rm, false), 0x4B0003E0 | rm << 16 | rd);
    }

    /** ldr xt, [xn, #offset] (unsigned offset, a multiple of 8). */
    void ldr(int rt, int rn, int offset) {
        unsignedOffset("ldr", true, 0xF9400000, 8, rt, rn, offset);
    }

    /** ldr wt, [xn, #offset] (a multiple of 4): zero-extends. */
    void ldr32(int rt, int rn, int offset) {
        unsignedOffset("ldr", false, 0xB9400000, 4, rt, rn, offset);
    }

    /** ldrsw xt, [xn, #offset]: an int, sign-extended (an fd of -1 stays negative). */
    void ldrsw(int rt, int rn, int offset) {
        unsignedOffset("ldrsw", true, 0xB9800000, 4, rt, rn, offset);
    }

    /** ldrb wt, [xn, #offset]. */
    void ldrb(int rt, int rn, int offset) {
        unsignedOffset("ldrb", false, 0x39400000, 1, rt, rn, offset);
    }

    /** str wt, [xn, #offset] (a multiple of 4). */
    void str32(int rt, int rn, int offset) {
        unsignedOffset("str", false, 0xB9000000, 4, rt, rn, offset);
    }

    /** str xt, [xn, #offset] (a multiple of 8); xzr stores zero. */
    void str64(int rt, int rn, int offset) {
        unsignedOffset("str", true, 0xF9000000, 8, rt, rn, offset);
    }

    /**
     * A load or store of {@code size} bytes at {@code [xn, #offset]}, the unsigned-offset form:
     * the offset scaled by the size into imm12 (bits 10-21), xn at bit 5, the x or w register rt.
     */
    private void unsignedOffset(String name, boolean x, int opcode, int size, int rt, int rn, int offset) {
        code.word(name + " " + r(x, rt, false) + ", " + mem(rn, offset), opcode | scaled(offset, size) << 10 | rn << 5
                | rt);
    }

    private static int scaled(int offset, int size) {
        if (offset % size != 0 || offset / size > 0xfff || offset < 0) {
            throw new IllegalArgumentException("offset " + offset + " is not an unsigned multiple of " + size);
        }
        return offset / size;
    }

    private static void check(int v, int max) {
        if (v < 0 || v > max) {
            throw new IllegalArgumentException("immediate " + v + " out of 0.." + max);
        }
    }

    /** b label (imm26, in instructions). */
    void b(String label) {
        code.word("b %s", 0x14000000);
        code.branchTo(label, (c, at, target) -> patch(c, at, target, 0, 26));
    }

    /** b.cond label (imm19 at bit 5). */
    void bcond(int cond, String label) {
        code.word("b." + COND[cond] + " %s", 0x54000000 | cond);
        code.branchTo(label, (c, at, target) -> patch(c, at, target, 5, 19));
    }

    /** cbz rt, label. */
    void cbz(boolean x, int rt, String label) {
        code.word("cbz " + r(x, rt, false) + ", %s", (x ? 0xB4000000 : 0x34000000) | rt);
        code.branchTo(label, (c, at, target) -> patch(c, at, target, 5, 19));
    }

    /** cbnz rt, label. */
    void cbnz(boolean x, int rt, String label) {
        code.word("cbnz " + r(x, rt, false) + ", %s", (x ? 0xB5000000 : 0x35000000) | rt);
        code.branchTo(label, (c, at, target) -> patch(c, at, target, 5, 19));
    }

    /** tbz rt, #bit, label: branch if the bit is 0 (a w register below bit 32, an x register above). */
    void tbz(int rt, int bit, String label) {
        testBranch(0x36000000, "tbz", rt, bit, label);
    }

    /** tbnz rt, #bit, label: branch if the bit is 1. */
    void tbnz(int rt, int bit, String label) {
        testBranch(0x37000000, "tbnz", rt, bit, label);
    }

    private void testBranch(int op, String name, int rt, int bit, String label) {
        code.word(name + " " + r(bit >= 32, rt, false) + ", #" + bit + ", %s", op | (bit >> 5) << 31
                | (bit & 31) << 19 | rt);
        code.branchTo(label, (c, at, target) -> patch(c, at, target, 5, 14));
    }

    /** Writes (target - instruction) / 4 into {@code bits} bits at {@code shift}. */
    private static void patch(byte[] c, int at, int target, int shift, int bits) {
        int delta = (target - at) / 4;
        if (delta >= 1 << (bits - 1) || delta < -(1 << (bits - 1))) {
            throw new IllegalStateException("branch out of range");
        }
        int w = (c[at] & 0xff) | (c[at + 1] & 0xff) << 8 | (c[at + 2] & 0xff) << 16 | (c[at + 3] & 0xff) << 24;
        int mask = ((1 << bits) - 1) << shift;
        w = (w & ~mask) | ((delta << shift) & mask);
        for (int i = 0; i < 4; i++) {
            c[at + i] = (byte) (w >>> (8 * i));
        }
    }

    /** mov w8, #number; svc #0. */
    void syscall(int number) {
        movz(false, 8, number, 0);
        code.word("svc #0x0", 0xD4000001);
    }

    /** brk #0: traps, so a fall-through would not go unnoticed. */
    void brk() {
        code.word("brk #0x0", 0xD4200000);
    }

    void label(String name) {
        code.label(name);
    }
}
