package io.github.nsfs4j.linux;

import static io.github.nsfs4j.linux.Launcher.FRAME;
import static io.github.nsfs4j.linux.Launcher.FRAME_DOT;
import static io.github.nsfs4j.linux.Launcher.FRAME_NO_SIGNALS;
import static io.github.nsfs4j.linux.Launcher.FRAME_RELAY_SIGNALS;
import static io.github.nsfs4j.linux.Launcher.FRAME_REPORT;
import static io.github.nsfs4j.linux.Launcher.FRAME_SIGACTION;
import static io.github.nsfs4j.linux.Launcher.FRAME_STATUS;
import static io.github.nsfs4j.linux.Launcher.FRAME_WORDS;
import static io.github.nsfs4j.linux.Launcher.MAX_ENTRIES;
import static io.github.nsfs4j.linux.Launcher.MAX_WORDS;

import io.github.nsfs4j.linux.Launcher.Signals;

/**
 * The launcher ({@link Launcher}) in x86-64 machine code, every instruction encoded here by
 * hand (Intel SDM volume 2) with the text {@code objdump -M intel} prints for it, which
 * {@code LauncherCodeTest} checks. The program is the same, step by step and label by label,
 * as {@link LauncherAarch64}'s.
 *
 * <p>System calls: number in eax, arguments in rdi, rsi, rdx, r10, r8; the result (or
 * -errno) in rax; rcx and r11 are clobbered. Registers that live across calls: rbx the
 * initial stack pointer (argc, then argv[]), rbp the environment, r12 to r15 loop state.
 * The frame ({@link Launcher#FRAME} bytes below the initial stack pointer) holds the
 * decoded control words and the scratch memory the system calls read.
 */
final class LauncherX86_64 {
    private LauncherX86_64() {}

    // arch/x86/entry/syscalls/syscall_64.tbl
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
    static final int SYS_rt_sigtimedwait = 128;
    static final int SYS_prctl = 157;
    static final int SYS_chroot = 161;
    static final int SYS_exit_group = 231;
    static final int SYS_setns = 308;
    static final int SYS_close_range = 436;

    static final int RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7;
    static final int R8 = 8, R9 = 9, R10 = 10, R12 = 12, R13 = 13, R14 = 14, R15 = 15;

    /** The offset of control word {@code i} in the frame. */
    private static int word(int i) {
        return FRAME_WORDS + 4 * i;
    }

    /**
     * Jumps to "fail" with {@code step}, the -errno the last system call returned (eax) and a
     * constant detail: the same four instructions after every step that can fail.
     */
    private static void failed(X a, int step, int detail) {
        a.movImm(RDI, step);                                // edi: the step
        a.mov32(RSI, RAX);                                  // esi: the -errno
        if (detail == 0) {
            a.alu32rr(X.XOR, RDX, RDX);                     // edx: detail 0
        } else {
            a.movImm(RDX, detail);                          // edx: the detail
        }
        a.jmp("fail");
    }

    static MachineCode.Assembled program() {
        X a = new X();
        // ---- entry: rsp points at argc, argv[0..argc-1], NULL, envp[], NULL, auxv
        a.mov64(RBX, RSP);                                  // rbx: argc; argv[i] is at rbx + 8 + 8i
        a.alu64(X.SUB, RSP, FRAME);                         // the frame, below argc (stays 16-aligned)

        // ---- decode argv[1]: 8 letters 'a'..'p' per 32-bit word, most significant first
        a.load64(RSI, RBX, 16);                             // rsi: argv[1]
        a.storeImm32(RSP, word(Launcher.W_REPORT_FD), -1);  // no report fd until decoded: a failure before writes nowhere
        a.lea(R8, RSP, word(0));                            // r8: the next word's slot
        a.lea(R9, RSP, word(MAX_WORDS));                    // r9: past the last slot
        a.label("word");
        a.loadByte(RAX, RSI, 0);                            // the word's first letter, or the string's end
        a.test32(RAX, RAX);                                 // NUL?
        a.jcc(X.E, "decoded");                              // all words decoded
        a.cmp64(R8, R9);                                    // room for another word?
        a.jcc(X.AE, "bad_arguments");                       // more words than the frame holds
        a.movImm(RDX, 8);                                   // edx: letters left in this word
        a.alu32rr(X.XOR, RDI, RDI);                         // edi: the word so far
        a.label("letter");
        a.loadByte(RAX, RSI, 0);                            // the letter
        a.alu32(X.SUB, RAX, 'a');                           // 'a'..'p' -> 0..15
        a.alu32(X.CMP, RAX, 15);                            // a nibble? (the NUL and others become large)
        a.jcc(X.A, "bad_arguments");                        // not a letter of the code: refuse
        a.shift32(X.SHL, RDI, 4);                           // make room for the nibble
        a.alu32rr(X.OR, RDI, RAX);                          // add it
        a.alu64(X.ADD, RSI, 1);                             // next letter
        a.alu32(X.SUB, RDX, 1);                             // one letter fewer in this word
        a.jcc(X.NE, "letter");                              // until the word has its 8
        a.store32(R8, 0, RDI);                              // keep the word
        a.alu64(X.ADD, R8, 4);                              // the next slot
        a.jmp("word");                                      // and the next word
        a.label("decoded");
        a.load32(RAX, RSP, word(Launcher.W_COUNT));         // eax: how many namespace entries
        a.alu32(X.CMP, RAX, MAX_ENTRIES);                   // at most one per type
        a.jcc(X.A, "bad_arguments");                        // more: malformed
        a.loadSx32(RDI, RSP, word(Launcher.W_REPORT_FD));   // the report fd (posix_spawn's dup2 cleared its close-on-exec)
        a.movImm(RSI, Signals.F_SETFD);                     // fcntl(fd, F_SETFD, FD_CLOEXEC):
        a.movImm(RDX, Signals.FD_CLOEXEC);                  // so the command never inherits it, and the JVM sees EOF at exec
        a.syscall(SYS_fcntl);                               // (a bad fd fails here and at the report: nothing to do about it)

        // ---- setns, two passes: r13d the pass, r12 the entry, r14d entries left, r15d the entry's index
        a.alu32rr(X.XOR, R13, R13);                         // pass 0: every namespace but the user namespace
        a.label("pass");
        a.lea(R12, RSP, word(Launcher.W_ENTRIES));          // the first entry (fd, type)
        a.load32(R14, RSP, word(Launcher.W_COUNT));         // entries left in this pass
        a.alu32rr(X.XOR, R15, R15);                         // index 0
        a.label("entry");
        a.test32(R14, R14);                                 // any left?
        a.jcc(X.E, "pass_done");                            // no: this pass is over
        a.loadSx32(RDI, R12, 0);                            // rdi: the namespace fd
        a.test32(RDI, RDI);                                 // -1: entered already
        a.jcc(X.S, "next_entry");                           // skip it
        a.load32(RSI, R12, 4);                              // esi: its CLONE_NEW* type
        a.test32(R13, R13);                                 // pass 1 enters whatever is left
        a.jcc(X.NE, "setns");                               // so no test of the type then
        a.alu32(X.CMP, RSI, Signals.CLONE_NEWUSER);         // pass 0 leaves the user namespace
        a.jcc(X.E, "next_entry");                           // for pass 1
        a.label("setns");
        a.syscall(SYS_setns);                               // setns(fd, type)
        a.test32(RAX, RAX);                                 // 0: entered
        a.jcc(X.NE, "setns_failed");
        a.storeImm32(R12, 0, -1);                           // mark the entry as entered
        a.jmp("next_entry");
        a.label("setns_failed");
        a.test32(R13, R13);                                 // in pass 0 a refusal may be lifted by the user
        a.jcc(X.E, "next_entry");                           // namespace's capabilities: try again in pass 1
        a.movImm(RDI, Launcher.STEP_SETNS);                 // in pass 1 it is final: report step,
        a.mov32(RSI, RAX);                                  // the -errno,
        a.mov32(RDX, R15);                                  // and which entry
        a.jmp("fail");
        a.label("next_entry");
        a.alu64(X.ADD, R12, 8);                             // the next entry
        a.alu32(X.ADD, R15, 1);                             // its index
        a.alu32(X.SUB, R14, 1);                             // one fewer left
        a.jmp("entry");
        a.label("pass_done");
        a.alu32(X.ADD, R13, 1);                             // the next pass
        a.alu32(X.CMP, R13, 2);                             // there are two
        a.jcc(X.NE, "pass");

        // ---- root and working directory
        a.loadSx32(RDI, RSP, word(Launcher.W_ROOT_FD));     // a root directory fd, or -1
        a.test32(RDI, RDI);
        a.jcc(X.S, "no_root");                              // none
        a.syscall(SYS_fchdir);                              // go there,
        a.test32(RAX, RAX);
        a.jcc(X.NE, "root_failed");
        a.storeImm32(RSP, FRAME_DOT, '.');                  // the C string "." (little-endian: '.', then NULs)
        a.lea(RDI, RSP, FRAME_DOT);
        a.syscall(SYS_chroot);                              // and make it the root: chroot(".")
        a.test32(RAX, RAX);
        a.jcc(X.E, "no_root");
        a.label("root_failed");
        failed(a, Launcher.STEP_CHROOT, 0);
        a.label("no_root");
        a.loadSx32(RDI, RSP, word(Launcher.W_WD_FD));       // a working directory fd, or -1
        a.test32(RDI, RDI);
        a.jcc(X.S, "no_wd");
        a.syscall(SYS_fchdir);                              // fchdir(wd)
        a.test32(RAX, RAX);
        a.jcc(X.E, "no_wd");
        failed(a, Launcher.STEP_CHDIR, 0);                  // detail 0: the fd
        a.label("no_wd");
        a.load64(RDI, RBX, 24);                             // argv[2]: a directory in the new tree, or ""
        a.loadByte(RAX, RDI, 0);
        a.test32(RAX, RAX);
        a.jcc(X.E, "no_dir");                               // "": none
        a.syscall(SYS_chdir);                               // chdir(argv[2])
        a.test32(RAX, RAX);
        a.jcc(X.E, "no_dir");
        failed(a, Launcher.STEP_CHDIR, 1);                  // detail 1: the path
        a.label("no_dir");

        // ---- a pid namespace: fork; the parent becomes the relay
        a.load32(RAX, RSP, word(Launcher.W_FLAGS));
        a.testImm32(RAX, Launcher.F_RELAY);
        a.jcc(X.E, "credentials");                          // no pid namespace: exec in place
        a.storeImm64(RSP, FRAME_RELAY_SIGNALS, Launcher.RELAY_SIGNALS); // HUP INT QUIT TERM CHLD
        a.movImm(RDI, Signals.SIG_BLOCK);                   // blocked before the fork, so none is lost:
        a.lea(RSI, RSP, FRAME_RELAY_SIGNALS);               // the relay takes them with rt_sigtimedwait
        a.alu32rr(X.XOR, RDX, RDX);                         // no old set wanted
        a.movImm(R10, 8);                                   // sizeof the kernel's sigset_t
        a.syscall(SYS_rt_sigprocmask);
        a.syscall(SYS_getpid);                              // the relay's pid, for its child's check
        a.store32(RSP, Launcher.FRAME_RELAY_PID, RAX);
        a.movImm(RDI, Signals.SIGCHLD);                     // clone(SIGCHLD, 0, 0, 0, 0): a plain fork
        a.alu32rr(X.XOR, RSI, RSI);
        a.alu32rr(X.XOR, RDX, RDX);
        a.alu32rr(X.XOR, R10, R10);
        a.alu32rr(X.XOR, R8, R8);
        a.syscall(SYS_clone);
        a.test64(RAX, RAX);
        a.jcc(X.E, "credentials");                          // the child goes on to exec the command
        a.jcc(X.NS, "relay");                               // the parent relays
        failed(a, Launcher.STEP_FORK, 0);                   // no child

        a.label("relay");
        a.mov64(R12, RAX);                                  // r12: the child's pid
        a.alu32rr(X.XOR, RDI, RDI);                         // close_range(0, ~0U, 0): the relay holds nothing,
        a.movImm(RSI, -1);                                  // not the report pipe, not the command's stdio
        a.alu32rr(X.XOR, RDX, RDX);                         // (a pipe's reader must see its end when the command's
        a.syscall(SYS_close_range);                         // writers are gone)
        a.test32(RAX, RAX);
        a.jcc(X.E, "relay_named");
        a.alu32rr(X.XOR, R13, R13);                         // no close_range: close 0..max one by one
        a.label("relay_close");
        a.cmpMem32(R13, RSP, word(Launcher.W_MAX_FD));      // past the highest fd?
        a.jcc(X.G, "relay_named");
        a.mov32(RDI, R13);
        a.syscall(SYS_close);
        a.alu32(X.ADD, R13, 1);
        a.jmp("relay_close");
        a.label("relay_named");
        a.movImm(RDI, Signals.PR_SET_NAME);                 // prctl(PR_SET_NAME, argv[0]): ps shows nsfs4j-launch
        a.load64(RSI, RBX, 8);
        a.syscall(SYS_prctl);
        a.label("relay_wait");
        a.lea(RDI, RSP, FRAME_RELAY_SIGNALS);               // rt_sigtimedwait(&set, NULL, NULL, 8): the next signal
        a.alu32rr(X.XOR, RSI, RSI);
        a.alu32rr(X.XOR, RDX, RDX);
        a.movImm(R10, 8);
        a.syscall(SYS_rt_sigtimedwait);
        a.test32(RAX, RAX);
        a.jcc(X.S, "relay_wait");                           // EINTR (a stop and continue): wait again
        a.alu32(X.CMP, RAX, Signals.SIGCHLD);
        a.jcc(X.E, "relay_reap");
        a.mov64(RDI, R12);                                  // HUP INT QUIT TERM: kill(child, signal)
        a.mov32(RSI, RAX);
        a.syscall(SYS_kill);
        a.jmp("relay_wait");
        a.label("relay_reap");
        a.mov64(RDI, R12);                                  // wait4(child, &status, WNOHANG, NULL)
        a.lea(RSI, RSP, FRAME_STATUS);
        a.movImm(RDX, Signals.WNOHANG);
        a.alu32rr(X.XOR, R10, R10);
        a.syscall(SYS_wait4);
        a.cmp64(RAX, R12);                                  // it has ended?
        a.jcc(X.NE, "relay_wait");                          // not yet (a stop): wait again
        a.load32(RAX, RSP, FRAME_STATUS);
        a.mov32(RCX, RAX);
        a.alu32(X.AND, RCX, 0x7f);                          // the signal that killed it, or 0
        a.jcc(X.NE, "relay_signaled");
        a.shift32(X.SHR, RAX, 8);                           // its exit status:
        a.alu32(X.AND, RAX, 0xff);
        a.mov32(RDI, RAX);                                  // end with the same
        a.syscall(SYS_exit_group);
        a.label("relay_signaled");
        a.mov32(R13, RCX);                                  // r13d: the signal
        a.storeImm64(RSP, FRAME_SIGACTION, 0);              // struct sigaction {SIG_DFL}: the relay may have
        a.storeImm64(RSP, FRAME_SIGACTION + 8, 0);          // inherited it ignored
        a.storeImm64(RSP, FRAME_SIGACTION + 16, 0);
        a.storeImm64(RSP, FRAME_SIGACTION + 24, 0);
        a.mov32(RDI, R13);                                  // rt_sigaction(signal, &dfl, NULL, 8)
        a.lea(RSI, RSP, FRAME_SIGACTION);
        a.alu32rr(X.XOR, RDX, RDX);
        a.movImm(R10, 8);
        a.syscall(SYS_rt_sigaction);
        a.storeImm64(RSP, FRAME_NO_SIGNALS, 0);             // nothing blocked
        a.movImm(RDI, Signals.SIG_SETMASK);
        a.lea(RSI, RSP, FRAME_NO_SIGNALS);
        a.alu32rr(X.XOR, RDX, RDX);
        a.movImm(R10, 8);
        a.syscall(SYS_rt_sigprocmask);
        a.syscall(SYS_getpid);                              // kill(getpid(), signal): end as the command did
        a.mov32(RDI, RAX);
        a.mov32(RSI, R13);
        a.syscall(SYS_kill);
        a.mov32(RDI, R13);                                  // a signal that does not kill: 128 + N, as a shell says it
        a.alu32(X.ADD, RDI, 128);
        a.syscall(SYS_exit_group);

        // ---- credentials
        a.label("credentials");
        a.load32(RAX, RSP, word(Launcher.W_FLAGS));
        a.testImm32(RAX, Launcher.F_SETGROUPS);
        a.jcc(X.E, "no_groups");
        a.alu32rr(X.XOR, RDI, RDI);                         // setgroups(0, NULL): no supplementary groups
        a.alu32rr(X.XOR, RSI, RSI);
        a.syscall(SYS_setgroups);
        a.test32(RAX, RAX);
        a.jcc(X.E, "no_groups");
        a.alu32(X.CMP, RAX, -Signals.EPERM);                // EPERM where the user namespace says "deny":
        a.jcc(X.NE, "groups_failed");
        a.load32(RCX, RSP, word(Launcher.W_FLAGS));
        a.testImm32(RCX, Launcher.F_SETGROUPS_DENIED_OK);   // accepted when the caller said so
        a.jcc(X.NE, "no_groups");
        a.label("groups_failed");
        failed(a, Launcher.STEP_SETGROUPS, 0);
        a.label("no_groups");
        a.load32(RAX, RSP, word(Launcher.W_FLAGS));
        a.testImm32(RAX, Launcher.F_SETGID);
        a.jcc(X.E, "no_gid");
        a.load32(RDI, RSP, word(Launcher.W_GID));           // setgid(gid)
        a.syscall(SYS_setgid);
        a.test32(RAX, RAX);
        a.jcc(X.E, "no_gid");
        failed(a, Launcher.STEP_SETGID, 0);
        a.label("no_gid");
        a.load32(RAX, RSP, word(Launcher.W_FLAGS));
        a.testImm32(RAX, Launcher.F_SETUID);
        a.jcc(X.E, "no_uid");
        a.load32(RDI, RSP, word(Launcher.W_UID));           // setuid(uid), last: it may drop the right to the rest
        a.syscall(SYS_setuid);
        a.test32(RAX, RAX);
        a.jcc(X.E, "no_uid");
        failed(a, Launcher.STEP_SETUID, 0);
        a.label("no_uid");

        // ---- the relay's child: die with the relay; unblock the relay's signals
        a.load32(RAX, RSP, word(Launcher.W_FLAGS));
        a.testImm32(RAX, Launcher.F_RELAY);
        a.jcc(X.E, "fds");
        a.movImm(RDI, Signals.PR_SET_PDEATHSIG);            // prctl(PR_SET_PDEATHSIG, SIGKILL): after setuid,
        a.movImm(RSI, Signals.SIGKILL);                     // which would clear it
        a.syscall(SYS_prctl);
        a.syscall(SYS_getppid);                             // 0 while the relay lives outside our pid namespace,
        a.test32(RAX, RAX);
        a.jcc(X.E, "unblock");
        a.cmpMem32(RAX, RSP, Launcher.FRAME_RELAY_PID);     // its pid while it lives in ours
        a.jcc(X.E, "unblock");
        a.movImm(RDI, Launcher.FAILED_STATUS);              // it died before the prctl: nobody waits for the command
        a.syscall(SYS_exit_group);
        a.label("unblock");
        a.storeImm64(RSP, FRAME_NO_SIGNALS, 0);             // rt_sigprocmask(SIG_SETMASK, {}, NULL, 8): the command
        a.movImm(RDI, Signals.SIG_SETMASK);                 // starts with nothing blocked, as posix_spawn left it
        a.lea(RSI, RSP, FRAME_NO_SIGNALS);
        a.alu32rr(X.XOR, RDX, RDX);
        a.movImm(R10, 8);
        a.syscall(SYS_rt_sigprocmask);

        // ---- fds: everything from 3 up is close-on-exec
        a.label("fds");
        a.movImm(RDI, 3);                                   // close_range(3, ~0U, CLOSE_RANGE_CLOEXEC)
        a.movImm(RSI, -1);
        a.movImm(RDX, Signals.CLOSE_RANGE_CLOEXEC);
        a.syscall(SYS_close_range);
        a.test32(RAX, RAX);
        a.jcc(X.E, "exec");
        a.movImm(R13, 3);                                   // before 5.11: close 3..max but the report fd
        a.label("close");
        a.cmpMem32(R13, RSP, word(Launcher.W_MAX_FD));
        a.jcc(X.G, "exec");
        a.cmpMem32(R13, RSP, word(Launcher.W_REPORT_FD));
        a.jcc(X.E, "close_next");                           // (it is close-on-exec already)
        a.mov32(RDI, R13);
        a.syscall(SYS_close);
        a.label("close_next");
        a.alu32(X.ADD, R13, 1);
        a.jmp("close");

        // ---- exec: the candidates from argv[3] to "", then the command's argv
        a.label("exec");
        a.lea(R14, RBX, 32);                                // r14: &argv[3], the first candidate
        a.mov64(R12, R14);
        a.label("find_argv");
        a.load64(RAX, R12, 0);                              // the next argument
        a.test64(RAX, RAX);
        a.jcc(X.E, "bad_arguments");                        // no "" before the end: malformed
        a.alu64(X.ADD, R12, 8);
        a.loadByte(RCX, RAX, 0);
        a.test32(RCX, RCX);
        a.jcc(X.NE, "find_argv");                           // r12: just past "": the command's argv
        a.mov64(R9, R12);
        a.label("find_envp");
        a.load64(RAX, R9, 0);                               // to the NULL that ends argv
        a.alu64(X.ADD, R9, 8);
        a.test64(RAX, RAX);
        a.jcc(X.NE, "find_envp");
        a.mov64(RBP, R9);                                   // rbp: envp, right after it
        a.movImm(R13, -Signals.ENOENT);                     // r13d: the error to report if all fail
        a.alu32rr(X.XOR, R15, R15);                         // r15d: the candidate's index
        a.label("candidate");
        a.load64(RDI, R14, 0);                              // the candidate path
        a.loadByte(RAX, RDI, 0);
        a.test32(RAX, RAX);
        a.jcc(X.E, "exec_failed");                          // "": none left
        a.mov64(RSI, R12);                                  // execve(path, argv, envp)
        a.mov64(RDX, RBP);
        a.syscall(SYS_execve);
        a.alu32(X.CMP, RAX, -Signals.EACCES);               // as execvp: EACCES is remembered, the search goes on
        a.jcc(X.NE, "not_eacces");
        a.mov32(R13, RAX);
        a.jmp("next_candidate");
        a.label("not_eacces");
        a.alu32(X.CMP, RAX, -Signals.ENOENT);               // not there: the next
        a.jcc(X.E, "next_candidate");
        a.alu32(X.CMP, RAX, -Signals.ENOTDIR);              // a PATH entry that is not a directory: the next
        a.jcc(X.E, "next_candidate");
        a.movImm(RDI, Launcher.STEP_EXEC);                  // anything else is final (ENOEXEC, E2BIG, ...)
        a.mov32(RSI, RAX);
        a.mov32(RDX, R15);
        a.jmp("fail");
        a.label("next_candidate");
        a.alu64(X.ADD, R14, 8);
        a.alu32(X.ADD, R15, 1);
        a.jmp("candidate");
        a.label("exec_failed");
        a.movImm(RDI, Launcher.STEP_EXEC);                  // every candidate failed: EACCES if one said so, else ENOENT
        a.mov32(RSI, R13);
        a.mov32(RDX, R15);
        a.jmp("fail");

        a.label("bad_arguments");
        a.movImm(RDI, Launcher.STEP_ARGUMENTS);
        a.movImm(RSI, -Signals.EINVAL);
        a.alu32rr(X.XOR, RDX, RDX);
        // ---- fail: edi the step, esi the -errno, edx the detail; report them and exit 127
        a.label("fail");
        a.neg32(RSI);                                       // errno
        a.store32(RSP, FRAME_REPORT, RDI);                  // the record: step,
        a.store32(RSP, FRAME_REPORT + 4, RSI);              // errno,
        a.store32(RSP, FRAME_REPORT + 8, RDX);              // detail
        a.loadSx32(RDI, RSP, word(Launcher.W_REPORT_FD));   // write(report, &record, 12)
        a.lea(RSI, RSP, FRAME_REPORT);
        a.movImm(RDX, Launcher.REPORT_SIZE);
        a.syscall(SYS_write);
        a.movImm(RDI, Launcher.FAILED_STATUS);              // exit_group(127)
        a.syscall(SYS_exit_group);
        a.hlt();                                            // not reached
        return a.code.finish();
    }

    /**
     * The instructions the launcher uses, each encoded with its text as {@code objdump -M intel}
     * prints it. Memory operands are {@code [base + displacement]}; rbp and r13 are never a base
     * here (their zero displacement needs a byte of its own).
     */
    static final class X {
        final MachineCode code = new MachineCode(true);

        static final String[] R64 = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11",
            "r12", "r13", "r14", "r15"};
        static final String[] R32 = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "r8d", "r9d", "r10d",
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
            code.branchTo(label, X::rel32);
        }

        /** jmp rel32 (E9 cd) to a label. */
        void jmp(String label) {
            code.emit("jmp %s", 0xE9, 0, 0, 0, 0);
            code.branchTo(label, X::rel32);
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
}
