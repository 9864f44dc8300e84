package io.github.nsfs4j.linux;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * nsfs4j's launcher: a tiny static program whose machine code Java generates for the running
 * architecture ({@link LauncherX86_64}, {@link LauncherAarch64}). The JVM writes it to a memfd
 * and starts it with posix_spawn(3); being a fresh single-threaded process of its own, it may
 * join every kind of namespace, user and time included, which no thread of the JVM can. It
 * then sets the credentials, root and working directory and execs the command
 * (docs/design.md, "Entering namespaces", says why this design).
 *
 * <p>What it does, in order:
 * <ol>
 * <li>decodes its control words ({@code argv[1]}) onto its stack, and makes the report fd
 *     close-on-exec;
 * <li>with a {@link #W_CGROUP_FD}: writes "0" (the writing process) to that {@code cgroup.procs}
 *     file, opened by the JVM, so that it joins that cgroup before it enters anything (with the
 *     JVM's credentials and cgroup namespace; the relay and the command are then in it too);
 * <li>setns(2) on each namespace fd, in two passes as nsenter does: every namespace but the
 *     user namespace, then the user namespace and whatever failed before. So a privileged
 *     caller enters the others with its own capabilities, and an unprivileged owner of the user
 *     namespace enters them with the capabilities the user namespace gives it;
 * <li>{@code fchdir(root); chroot(".")}, then {@code fchdir(wd)} and {@code chdir(directory)};
 * <li>with {@link #F_RELAY}: forks, since setns of a pid namespace only places children
 *     there. The first process stays as the relay: it closes every fd, forwards HUP, INT,
 *     QUIT and TERM to the command, waits for it and ends as it ended (its exit status, or
 *     killed by its signal). The child gets {@code PR_SET_PDEATHSIG(SIGKILL)}, so the command
 *     does not outlive a relay killed by SIGKILL (and checks that its parent is still the
 *     relay: 0 from getppid(2) when the relay is outside its pid namespace, the relay's pid
 *     when not);
 * <li>{@code setgroups(0, NULL)}, {@code setgid}, {@code setuid} as the flags say (EPERM of
 *     setgroups is accepted with {@link #F_SETGROUPS_DENIED_OK}: a user namespace whose
 *     {@code setgroups} file says "deny");
 * <li>with {@link #F_KEEP_CAPS} (a user namespace was entered): capget(2), the inheritable set
 *     made the permitted one, capset(2), then {@code prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE)}
 *     of each capability up to {@link #W_CAP_LAST} in the effective set, so that the command
 *     keeps them across its execve as an unprivileged user (nsenter's {@code --keep-caps});
 * <li>marks every fd from 3 up close-on-exec (close_range(2) with {@code CLOSE_RANGE_CLOEXEC},
 *     Linux 5.11; where that fails it closes 3 to {@link #W_MAX_FD} but the report fd, one by one);
 * <li>execve(2) of each candidate path in turn (the command looked up on the PATH, as execvp
 *     does: ENOENT and ENOTDIR go on to the next, EACCES is remembered), with the command's
 *     arguments and its environment (the launcher's own {@code envp}).
 * </ol>
 * A failed step writes {@link #REPORT_SIZE} bytes to the report fd: the step, the errno and a
 * detail (the namespace's index, the candidate's), and exits with status 127. On success the
 * report pipe sees end-of-file at the exec (it is close-on-exec) and nothing else. Standard
 * streams are not its business: posix_spawn's file actions have set fds 0 to 2 already.
 *
 * <p>Its arguments: {@code argv[0]} its name, {@code argv[1]} the control words,
 * {@code argv[2]} a working directory to chdir(2) to after entering (empty: none), then the
 * candidate paths, an empty string, and the command's own {@code argv}. Each control word is
 * eight letters {@code a} to {@code p}, one per 4 bits, the most significant first (an
 * argument cannot hold a NUL byte, and this needs no table to decode).
 */
public final class Launcher {
    private Launcher() {}

    // ---------------------------------------------------------------- control words (argv[1])

    /** {@code F_*} bits. */
    public static final int W_FLAGS = 0;
    /** The pipe to write a failure to (close-on-exec at once). */
    public static final int W_REPORT_FD = 1;
    public static final int W_UID = 2;
    public static final int W_GID = 3;
    /** A directory fd to chroot to, or -1. */
    public static final int W_ROOT_FD = 4;
    /** A directory fd to make the working directory, or -1. */
    public static final int W_WD_FD = 5;
    /** The highest fd to close one by one where close_range(2) cannot mark them close-on-exec. */
    public static final int W_MAX_FD = 6;
    /** A {@code cgroup.procs} file open for writing, to join that cgroup first, or -1. */
    public static final int W_CGROUP_FD = 7;
    /** The highest capability number ({@code /proc/sys/kernel/cap_last_cap}, at most 63), for {@link #F_KEEP_CAPS}. */
    public static final int W_CAP_LAST = 8;
    /** How many namespace entries follow. */
    public static final int W_COUNT = 9;
    /** The first entry: pairs of (fd, {@code CLONE_NEW*} type) in nsenter's order, user first. */
    public static final int W_ENTRIES = 10;
    /** At most one entry per namespace type. */
    public static final int MAX_ENTRIES = 8;
    /** Room for the decoded words on the launcher's stack: it refuses more. */
    public static final int MAX_WORDS = 32;

    public static final int F_SETGROUPS = 1;
    public static final int F_SETGROUPS_DENIED_OK = 2;
    public static final int F_SETGID = 4;
    public static final int F_SETUID = 8;
    /** A pid namespace is entered: fork, and stay as the relay. */
    public static final int F_RELAY = 16;
    /** Raise the effective capabilities into the ambient set after the credentials (nsenter's --keep-caps). */
    public static final int F_KEEP_CAPS = 32;

    // ---------------------------------------------------------------- the report

    /** The failure record: three ints, step, errno, detail. */
    public static final int REPORT_SIZE = 12;
    public static final int STEP_SETNS = 1;
    public static final int STEP_SETGROUPS = 2;
    public static final int STEP_SETGID = 3;
    public static final int STEP_SETUID = 4;
    public static final int STEP_CHROOT = 5;
    public static final int STEP_CHDIR = 6;
    public static final int STEP_FORK = 7;
    public static final int STEP_EXEC = 8;
    /** Its arguments were malformed (a bug in nsfs4j, or someone else started it). */
    public static final int STEP_ARGUMENTS = 9;
    /** capget(2) (detail 0) or capset(2) (detail 1) of {@link #F_KEEP_CAPS}. */
    public static final int STEP_CAPABILITIES = 10;
    /** {@code PR_CAP_AMBIENT_RAISE} of {@link #F_KEEP_CAPS}; the detail is the capability's number. */
    public static final int STEP_AMBIENT = 11;
    /** The write to {@link #W_CGROUP_FD}. */
    public static final int STEP_CGROUP = 12;

    /** The exit status of a launcher that failed (the command's "not run" status, as env uses it). */
    public static final int FAILED_STATUS = 127;

    /** {@code argv[0]}; also the relay's name (comm) in ps. */
    public static final String NAME = "nsfs4j-launch";

    // ---------------------------------------------------------------- the stack frame

    /** Bytes the launcher takes below its initial stack pointer (16-aligned). */
    static final int FRAME = 0x110;
    /** The decoded words: {@link #MAX_WORDS} ints from the bottom of the frame. */
    static final int FRAME_WORDS = 0;
    /** {@code sigset_t} (the kernel's 8 bytes) of the signals the relay waits for. */
    static final int FRAME_RELAY_SIGNALS = 0x80;
    /** An empty {@code sigset_t}. */
    static final int FRAME_NO_SIGNALS = 0x88;
    /** The status wait4(2) writes. */
    static final int FRAME_STATUS = 0x90;
    /** A zeroed kernel {@code struct sigaction} (SIG_DFL), 32 bytes. */
    static final int FRAME_SIGACTION = 0xa0;
    /** The failure record. */
    static final int FRAME_REPORT = 0xc0;
    /** The C string ".". */
    static final int FRAME_DOT = 0xd0;
    /** The relay's pid, as its child sees its parent when both are in one pid namespace. */
    static final int FRAME_RELAY_PID = 0xd8;
    /** The capability header ({@code struct __user_cap_header_struct}: version, pid), 8 bytes. */
    static final int FRAME_CAP_HEADER = 0xe0;
    /** Two {@code struct __user_cap_data_struct} (effective, permitted, inheritable), 24 bytes. */
    static final int FRAME_CAP_DATA = 0xe8;
    /** The C string "0" written to {@code cgroup.procs}. */
    static final int FRAME_CGROUP_PID = 0x100;

    /** {@code _LINUX_CAPABILITY_VERSION_3}: two 32-bit words per set. */
    static final int CAPABILITY_VERSION_3 = 0x20080522;

    /** The relay's signals as a {@code sigset_t}: HUP, INT, QUIT, TERM forwarded; CHLD its child's end. */
    static final long RELAY_SIGNALS = bit(1) | bit(2) | bit(3) | bit(15) | bit(Signals.SIGCHLD);

    private static long bit(int signal) {
        return 1L << (signal - 1);
    }

    /** The frame offset of control word {@code i} (one of the {@code W_} indexes). */
    static int word(int i) {
        return FRAME_WORDS + 4 * i;
    }

    /** Signal numbers and the few other numbers the launcher uses, the same on x86-64 and aarch64. */
    static final class Signals {
        private Signals() {}

        static final int SIGKILL = 9;
        static final int SIGCHLD = 17;
        static final int SIG_BLOCK = 0;
        static final int SIG_SETMASK = 2;
        static final int WNOHANG = 1;
        static final int PR_SET_PDEATHSIG = 1;
        static final int PR_SET_NAME = 15;
        static final int PR_CAP_AMBIENT = 47;
        static final int PR_CAP_AMBIENT_RAISE = 2;
        static final int F_SETFD = 2;
        static final int FD_CLOEXEC = 1;
        static final int CLOSE_RANGE_CLOEXEC = 4;
        static final int CLONE_NEWUSER = 0x10000000;
        static final int EPERM = 1;
        static final int ENOENT = 2;
        static final int EACCES = 13;
        static final int ENOTDIR = 20;
        static final int EINVAL = 22;
    }

    // ---------------------------------------------------------------- the program

    /** Whether nsfs4j generates the launcher for this architecture. */
    public static boolean generatedFor(Arch arch) {
        return arch == Arch.X86_64 || arch == Arch.AARCH64;
    }

    /** The architectures it is generated for, for messages. */
    public static final String ARCHITECTURES = "x86-64 and aarch64";

    /**
     * The launcher's machine code for {@code arch} with its listing (for the tests).
     *
     * @throws UnsupportedOperationException for an architecture without a generator
     */
    static MachineCode.Assembled code(Arch arch) {
        if (arch == Arch.X86_64) {
            return LauncherX86_64.program();
        }
        if (arch == Arch.AARCH64) {
            return LauncherAarch64.program();
        }
        throw new UnsupportedOperationException("nsfs4j generates its launcher for " + ARCHITECTURES + " only, not "
                + arch);
    }

    /**
     * The launcher as an ELF executable for {@code arch}: a 64-bit static program of one
     * read-and-execute segment, no sections, a non-executable stack.
     *
     * @throws UnsupportedOperationException for an architecture without a generator
     */
    public static byte[] elf(Arch arch) {
        return elf(arch == Arch.X86_64 ? EM_X86_64 : EM_AARCH64, code(arch).code());
    }

    /** The code alone, as the tests disassemble it. */
    static byte[] machineCode(Arch arch) {
        return code(arch).code();
    }

    static final int EM_X86_64 = 62;
    static final int EM_AARCH64 = 183;
    /** Where the file is mapped: above any vm.mmap_min_addr, aligned for 64 KiB pages. */
    static final long BASE = 0x400000;
    private static final int EHDR = 64;
    private static final int PHDR = 56;
    /** The code's file offset: after the header and its two program headers. */
    static final int CODE_OFFSET = EHDR + 2 * PHDR;

    static byte[] elf(int machine, byte[] code) {
        int size = CODE_OFFSET + code.length;
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7f, 'E', 'L', 'F', 2 /* 64-bit */, 1 /* little-endian */, 1 /* version */, 0 /* SysV */});
        b.put(new byte[8]); // EI_ABIVERSION and padding
        b.putShort((short) 2); // e_type: ET_EXEC, not relocatable: the code uses no absolute address anyway
        b.putShort((short) machine);
        b.putInt(1); // e_version
        b.putLong(BASE + CODE_OFFSET); // e_entry: the first instruction
        b.putLong(EHDR); // e_phoff
        b.putLong(0); // e_shoff: no section headers
        b.putInt(0); // e_flags
        b.putShort((short) EHDR);
        b.putShort((short) PHDR);
        b.putShort((short) 2); // e_phnum
        b.putShort((short) 0); // e_shentsize
        b.putShort((short) 0); // e_shnum
        b.putShort((short) 0); // e_shstrndx
        // PT_LOAD: the whole file, read and execute
        b.putInt(1).putInt(5).putLong(0).putLong(BASE).putLong(BASE).putLong(size).putLong(size).putLong(0x10000);
        // PT_GNU_STACK: the stack is not executable
        b.putInt(0x6474e551).putInt(6).putLong(0).putLong(0).putLong(0).putLong(0).putLong(0).putLong(16);
        b.put(code);
        return b.array();
    }

    /** The control words as {@code argv[1]}: eight letters {@code a}-{@code p} per word, most significant first. */
    public static String control(int[] words) {
        if (words.length > MAX_WORDS) {
            throw new IllegalArgumentException(words.length + " control words, at most " + MAX_WORDS);
        }
        StringBuilder sb = new StringBuilder(words.length * 8);
        for (int w : words) {
            for (int shift = 28; shift >= 0; shift -= 4) {
                sb.append((char) ('a' + ((w >>> shift) & 0xf)));
            }
        }
        return sb.toString();
    }

}
