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
 * The launcher ({@link Launcher}) in AArch64 machine code, every instruction encoded here by
 * hand (Arm ARM, A64 base instructions) with the text {@code objdump} prints for it, which
 * {@code LauncherCodeTest} checks. The program is the same, step by step and label by label,
 * as {@link LauncherX86_64}'s.
 *
 * <p>System calls: number in w8, arguments in x0 to x4, {@code svc #0}; the result (or
 * -errno) in x0, no other register clobbered. Registers that live across calls: x19 the
 * initial stack pointer (argc, then argv[]), x20 to x27 loop state; w9, w10, w11 carry a
 * failure's step, -errno and detail to {@code fail}. sp stays 16-aligned (the kernel checks
 * it on every access through sp).
 */
final class LauncherAarch64 {
    private LauncherAarch64() {}

    // include/uapi/asm-generic/unistd.h
    static final int SYS_fcntl = 25;
    static final int SYS_chdir = 49;
    static final int SYS_fchdir = 50;
    static final int SYS_chroot = 51;
    static final int SYS_close = 57;
    static final int SYS_write = 64;
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

    static final int SP = 31;
    static final int ZR = 31;

    private static int word(int i) {
        return FRAME_WORDS + 4 * i;
    }

    /**
     * Branches to "fail" with {@code step}, the -errno the last system call returned (w0) and a
     * constant detail: the same four instructions after every step that can fail.
     */
    private static void failed(A a, int step, int detail) {
        a.movz(false, 9, step, 0);                          // w9: the step
        a.mov(false, 10, 0);                                // w10: the -errno
        a.movz(false, 11, detail, 0);                       // w11: the detail
        a.b("fail");
    }

    static MachineCode.Assembled program() {
        A a = new A();
        // ---- entry: sp points at argc, argv[0..argc-1], NULL, envp[], NULL, auxv
        a.movFromSp(19);                                    // x19: argc; argv[i] is at x19 + 8 + 8i
        a.subImm(true, SP, SP, FRAME);                      // the frame, below argc (stays 16-aligned)

        // ---- decode argv[1]: 8 letters 'a'..'p' per 32-bit word, most significant first
        a.ldr(1, 19, 16);                                   // x1: argv[1]
        a.movn(false, 0, 0);                                // no report fd until decoded: a failure before writes nowhere
        a.str32(0, SP, word(Launcher.W_REPORT_FD));
        a.movFromSp(2);                                     // x2: the next word's slot
        a.addImm(true, 3, SP, word(MAX_WORDS));             // x3: past the last slot
        a.label("word");
        a.ldrb(0, 1, 0);                                    // the word's first letter, or the string's end
        a.cbz(false, 0, "decoded");                         // NUL: all words decoded
        a.cmp(true, 2, 3);                                  // room for another word?
        a.bcond(A.CS, "bad_arguments");                     // more words than the frame holds
        a.movz(false, 4, 8, 0);                             // w4: letters left in this word
        a.movz(false, 5, 0, 0);                             // w5: the word so far
        a.label("letter");
        a.ldrb(0, 1, 0);                                    // the letter
        a.subImm(false, 0, 0, 'a');                         // 'a'..'p' -> 0..15
        a.cmpImm(false, 0, 15);                             // a nibble? (the NUL and others become large)
        a.bcond(A.HI, "bad_arguments");                     // not a letter of the code: refuse
        a.orrLsl(5, 0, 5, 4);                               // w5 = w0 | w5 << 4: add the nibble
        a.addImm(true, 1, 1, 1);                            // next letter
        a.subImm(false, 4, 4, 1);                           // one letter fewer in this word
        a.cbnz(false, 4, "letter");                         // until the word has its 8
        a.str32(5, 2, 0);                                   // keep the word
        a.addImm(true, 2, 2, 4);                            // the next slot
        a.b("word");                                        // and the next word
        a.label("decoded");
        a.ldr32(0, SP, word(Launcher.W_COUNT));             // w0: how many namespace entries
        a.cmpImm(false, 0, MAX_ENTRIES);                    // at most one per type
        a.bcond(A.HI, "bad_arguments");                     // more: malformed
        a.ldrsw(0, SP, word(Launcher.W_REPORT_FD));         // the report fd (posix_spawn's dup2 cleared its close-on-exec)
        a.movz(false, 1, Signals.F_SETFD, 0);               // fcntl(fd, F_SETFD, FD_CLOEXEC):
        a.movz(false, 2, Signals.FD_CLOEXEC, 0);            // so the command never inherits it, and the JVM sees EOF at exec
        a.syscall(SYS_fcntl);                               // (a bad fd fails here and at the report: nothing to do about it)

        // ---- setns, two passes: w20 the pass, x21 the entry, w22 entries left, w23 the entry's index
        a.movz(false, 20, 0, 0);                            // pass 0: every namespace but the user namespace
        a.label("pass");
        a.addImm(true, 21, SP, word(Launcher.W_ENTRIES));   // the first entry (fd, type)
        a.ldr32(22, SP, word(Launcher.W_COUNT));            // entries left in this pass
        a.movz(false, 23, 0, 0);                            // index 0
        a.label("entry");
        a.cbz(false, 22, "pass_done");                      // none left: this pass is over
        a.ldrsw(0, 21, 0);                                  // x0: the namespace fd
        a.tbnz(0, 31, "next_entry");                        // -1: entered already
        a.ldr32(1, 21, 4);                                  // w1: its CLONE_NEW* type
        a.cbnz(false, 20, "setns");                         // pass 1 enters whatever is left
        a.movz(false, 2, Signals.CLONE_NEWUSER >>> 16, 16); // CLONE_NEWUSER
        a.cmp(false, 1, 2);                                 // pass 0 leaves the user namespace
        a.bcond(A.EQ, "next_entry");                        // for pass 1
        a.label("setns");
        a.syscall(SYS_setns);                               // setns(fd, type)
        a.cbnz(false, 0, "setns_failed");                   // 0: entered
        a.movn(false, 0, 0);                                // -1
        a.str32(0, 21, 0);                                  // marks the entry as entered
        a.b("next_entry");
        a.label("setns_failed");
        a.cbz(false, 20, "next_entry");                     // in pass 0 a refusal may be lifted by the user
        a.movz(false, 9, Launcher.STEP_SETNS, 0);           // namespace's capabilities; in pass 1 it is final:
        a.mov(false, 10, 0);                                // the -errno,
        a.mov(false, 11, 23);                               // and which entry
        a.b("fail");
        a.label("next_entry");
        a.addImm(true, 21, 21, 8);                          // the next entry
        a.addImm(false, 23, 23, 1);                         // its index
        a.subImm(false, 22, 22, 1);                         // one fewer left
        a.b("entry");
        a.label("pass_done");
        a.addImm(false, 20, 20, 1);                         // the next pass
        a.cmpImm(false, 20, 2);                             // there are two
        a.bcond(A.NE, "pass");

        // ---- root and working directory
        a.ldrsw(0, SP, word(Launcher.W_ROOT_FD));           // a root directory fd, or -1
        a.tbnz(0, 31, "no_root");                           // none
        a.syscall(SYS_fchdir);                              // go there,
        a.cbnz(false, 0, "root_failed");
        a.movz(false, 0, '.', 0);                           // the C string "." (little-endian: '.', then NULs)
        a.str32(0, SP, FRAME_DOT);
        a.addImm(true, 0, SP, FRAME_DOT);
        a.syscall(SYS_chroot);                              // and make it the root: chroot(".")
        a.cbz(false, 0, "no_root");
        a.label("root_failed");
        failed(a, Launcher.STEP_CHROOT, 0);
        a.label("no_root");
        a.ldrsw(0, SP, word(Launcher.W_WD_FD));             // a working directory fd, or -1
        a.tbnz(0, 31, "no_wd");
        a.syscall(SYS_fchdir);                              // fchdir(wd)
        a.cbz(false, 0, "no_wd");
        failed(a, Launcher.STEP_CHDIR, 0);                  // detail 0: the fd
        a.label("no_wd");
        a.ldr(0, 19, 24);                                   // argv[2]: a directory in the new tree, or ""
        a.ldrb(1, 0, 0);
        a.cbz(false, 1, "no_dir");                          // "": none
        a.syscall(SYS_chdir);                               // chdir(argv[2])
        a.cbz(false, 0, "no_dir");
        failed(a, Launcher.STEP_CHDIR, 1);                  // detail 1: the path
        a.label("no_dir");

        // ---- a pid namespace: fork; the parent becomes the relay
        a.ldr32(0, SP, word(Launcher.W_FLAGS));
        a.tbz(0, Integer.numberOfTrailingZeros(Launcher.F_RELAY), "credentials"); // no pid namespace: exec in place
        a.movz(true, 0, (int) (Launcher.RELAY_SIGNALS & 0xffff), 0);  // HUP INT QUIT TERM CHLD
        a.movk(true, 0, (int) (Launcher.RELAY_SIGNALS >>> 16), 16);
        a.str64(0, SP, FRAME_RELAY_SIGNALS);
        a.movz(false, 0, Signals.SIG_BLOCK, 0);             // blocked before the fork, so none is lost:
        a.addImm(true, 1, SP, FRAME_RELAY_SIGNALS);         // the relay takes them with rt_sigtimedwait
        a.movz(false, 2, 0, 0);                             // no old set wanted
        a.movz(false, 3, 8, 0);                             // sizeof the kernel's sigset_t
        a.syscall(SYS_rt_sigprocmask);
        a.syscall(SYS_getpid);                              // the relay's pid, for its child's check
        a.str32(0, SP, Launcher.FRAME_RELAY_PID);
        a.movz(false, 0, Signals.SIGCHLD, 0);               // clone(SIGCHLD, 0, 0, 0, 0): a plain fork
        a.movz(false, 1, 0, 0);
        a.movz(false, 2, 0, 0);
        a.movz(false, 3, 0, 0);
        a.movz(false, 4, 0, 0);
        a.syscall(SYS_clone);
        a.cbz(true, 0, "credentials");                      // the child goes on to exec the command
        a.tbz(0, 63, "relay");                              // the parent relays
        failed(a, Launcher.STEP_FORK, 0);                   // no child

        a.label("relay");
        a.mov(true, 24, 0);                                 // x24: the child's pid
        a.movz(false, 0, 0, 0);                             // close_range(0, ~0U, 0): the relay holds nothing,
        a.movn(false, 1, 0);                                // not the report pipe, not the command's stdio
        a.movz(false, 2, 0, 0);                             // (a pipe's reader must see its end when the command's
        a.syscall(SYS_close_range);                         // writers are gone)
        a.cbz(false, 0, "relay_named");
        a.movz(false, 27, 0, 0);                            // no close_range: close 0..max one by one
        a.label("relay_close");
        a.ldr32(1, SP, word(Launcher.W_MAX_FD));
        a.cmp(false, 27, 1);                                // past the highest fd?
        a.bcond(A.GT, "relay_named");
        a.mov(false, 0, 27);
        a.syscall(SYS_close);
        a.addImm(false, 27, 27, 1);
        a.b("relay_close");
        a.label("relay_named");
        a.movz(false, 0, Signals.PR_SET_NAME, 0);           // prctl(PR_SET_NAME, argv[0]): ps shows nsfs4j-launch
        a.ldr(1, 19, 8);
        a.syscall(SYS_prctl);
        a.label("relay_wait");
        a.addImm(true, 0, SP, FRAME_RELAY_SIGNALS);         // rt_sigtimedwait(&set, NULL, NULL, 8): the next signal
        a.movz(false, 1, 0, 0);
        a.movz(false, 2, 0, 0);
        a.movz(false, 3, 8, 0);
        a.syscall(SYS_rt_sigtimedwait);
        a.tbnz(0, 31, "relay_wait");                        // EINTR (a stop and continue): wait again
        a.cmpImm(false, 0, Signals.SIGCHLD);
        a.bcond(A.EQ, "relay_reap");
        a.mov(false, 1, 0);                                 // HUP INT QUIT TERM: kill(child, signal)
        a.mov(true, 0, 24);
        a.syscall(SYS_kill);
        a.b("relay_wait");
        a.label("relay_reap");
        a.mov(true, 0, 24);                                 // wait4(child, &status, WNOHANG, NULL)
        a.addImm(true, 1, SP, FRAME_STATUS);
        a.movz(false, 2, Signals.WNOHANG, 0);
        a.movz(false, 3, 0, 0);
        a.syscall(SYS_wait4);
        a.cmp(true, 0, 24);                                 // it has ended?
        a.bcond(A.NE, "relay_wait");                        // not yet (a stop): wait again
        a.ldr32(0, SP, FRAME_STATUS);
        a.andMask(1, 0, 7);                                 // w1: the signal that killed it (status & 0x7f), or 0
        a.cbnz(false, 1, "relay_signaled");
        a.ubfx(0, 0, 8, 8);                                 // its exit status: (status >> 8) & 0xff,
        a.syscall(SYS_exit_group);                          // end with the same
        a.label("relay_signaled");
        a.mov(false, 27, 1);                                // w27: the signal
        a.str64(ZR, SP, FRAME_SIGACTION);                   // struct sigaction {SIG_DFL}: the relay may have
        a.str64(ZR, SP, FRAME_SIGACTION + 8);               // inherited it ignored
        a.str64(ZR, SP, FRAME_SIGACTION + 16);
        a.str64(ZR, SP, FRAME_SIGACTION + 24);
        a.mov(false, 0, 27);                                // rt_sigaction(signal, &dfl, NULL, 8)
        a.addImm(true, 1, SP, FRAME_SIGACTION);
        a.movz(false, 2, 0, 0);
        a.movz(false, 3, 8, 0);
        a.syscall(SYS_rt_sigaction);
        a.str64(ZR, SP, FRAME_NO_SIGNALS);                  // nothing blocked
        a.movz(false, 0, Signals.SIG_SETMASK, 0);
        a.addImm(true, 1, SP, FRAME_NO_SIGNALS);
        a.movz(false, 2, 0, 0);
        a.movz(false, 3, 8, 0);
        a.syscall(SYS_rt_sigprocmask);
        a.syscall(SYS_getpid);                              // kill(getpid(), signal): end as the command did
        a.mov(false, 1, 27);
        a.syscall(SYS_kill);
        a.addImm(false, 0, 27, 128);                        // a signal that does not kill: 128 + N, as a shell says it
        a.syscall(SYS_exit_group);

        // ---- credentials
        a.label("credentials");
        a.ldr32(0, SP, word(Launcher.W_FLAGS));
        a.tbz(0, Integer.numberOfTrailingZeros(Launcher.F_SETGROUPS), "no_groups");
        a.movz(false, 0, 0, 0);                             // setgroups(0, NULL): no supplementary groups
        a.movz(false, 1, 0, 0);
        a.syscall(SYS_setgroups);
        a.cbz(false, 0, "no_groups");
        a.cmnImm(false, 0, Signals.EPERM);                  // EPERM where the user namespace says "deny":
        a.bcond(A.NE, "groups_failed");
        a.ldr32(1, SP, word(Launcher.W_FLAGS));
        a.tbnz(1, Integer.numberOfTrailingZeros(Launcher.F_SETGROUPS_DENIED_OK), "no_groups"); // accepted when asked
        a.label("groups_failed");
        failed(a, Launcher.STEP_SETGROUPS, 0);
        a.label("no_groups");
        a.ldr32(0, SP, word(Launcher.W_FLAGS));
        a.tbz(0, Integer.numberOfTrailingZeros(Launcher.F_SETGID), "no_gid");
        a.ldr32(0, SP, word(Launcher.W_GID));               // setgid(gid)
        a.syscall(SYS_setgid);
        a.cbz(false, 0, "no_gid");
        failed(a, Launcher.STEP_SETGID, 0);
        a.label("no_gid");
        a.ldr32(0, SP, word(Launcher.W_FLAGS));
        a.tbz(0, Integer.numberOfTrailingZeros(Launcher.F_SETUID), "no_uid");
        a.ldr32(0, SP, word(Launcher.W_UID));               // setuid(uid), last: it may drop the right to the rest
        a.syscall(SYS_setuid);
        a.cbz(false, 0, "no_uid");
        failed(a, Launcher.STEP_SETUID, 0);
        a.label("no_uid");

        // ---- the relay's child: die with the relay; unblock the relay's signals
        a.ldr32(0, SP, word(Launcher.W_FLAGS));
        a.tbz(0, Integer.numberOfTrailingZeros(Launcher.F_RELAY), "fds");
        a.movz(false, 0, Signals.PR_SET_PDEATHSIG, 0);      // prctl(PR_SET_PDEATHSIG, SIGKILL): after setuid,
        a.movz(false, 1, Signals.SIGKILL, 0);               // which would clear it
        a.syscall(SYS_prctl);
        a.syscall(SYS_getppid);                             // 0 while the relay lives outside our pid namespace,
        a.cbz(false, 0, "unblock");
        a.ldr32(1, SP, Launcher.FRAME_RELAY_PID);           // its pid while it lives in ours
        a.cmp(false, 0, 1);
        a.bcond(A.EQ, "unblock");
        a.movz(false, 0, Launcher.FAILED_STATUS, 0);        // it died before the prctl: nobody waits for the command
        a.syscall(SYS_exit_group);
        a.label("unblock");
        a.str64(ZR, SP, FRAME_NO_SIGNALS);                  // rt_sigprocmask(SIG_SETMASK, {}, NULL, 8): the command
        a.movz(false, 0, Signals.SIG_SETMASK, 0);           // starts with nothing blocked, as posix_spawn left it
        a.addImm(true, 1, SP, FRAME_NO_SIGNALS);
        a.movz(false, 2, 0, 0);
        a.movz(false, 3, 8, 0);
        a.syscall(SYS_rt_sigprocmask);

        // ---- fds: everything from 3 up is close-on-exec
        a.label("fds");
        a.movz(false, 0, 3, 0);                             // close_range(3, ~0U, CLOSE_RANGE_CLOEXEC)
        a.movn(false, 1, 0);
        a.movz(false, 2, Signals.CLOSE_RANGE_CLOEXEC, 0);
        a.syscall(SYS_close_range);
        a.cbz(false, 0, "exec");
        a.movz(false, 27, 3, 0);                            // before 5.11: close 3..max but the report fd
        a.label("close");
        a.ldr32(1, SP, word(Launcher.W_MAX_FD));
        a.cmp(false, 27, 1);
        a.bcond(A.GT, "exec");
        a.ldr32(1, SP, word(Launcher.W_REPORT_FD));
        a.cmp(false, 27, 1);
        a.bcond(A.EQ, "close_next");                        // (it is close-on-exec already)
        a.mov(false, 0, 27);
        a.syscall(SYS_close);
        a.label("close_next");
        a.addImm(false, 27, 27, 1);
        a.b("close");

        // ---- exec: the candidates from argv[3] to "", then the command's argv
        a.label("exec");
        a.addImm(true, 26, 19, 32);                         // x26: &argv[3], the first candidate
        a.mov(true, 24, 26);
        a.label("find_argv");
        a.ldr(0, 24, 0);                                    // the next argument
        a.cbz(true, 0, "bad_arguments");                    // no "" before the end: malformed
        a.addImm(true, 24, 24, 8);
        a.ldrb(1, 0, 0);
        a.cbnz(false, 1, "find_argv");                      // x24: just past "": the command's argv
        a.mov(true, 25, 24);
        a.label("find_envp");
        a.ldr(0, 25, 0);                                    // to the NULL that ends argv
        a.addImm(true, 25, 25, 8);
        a.cbnz(true, 0, "find_envp");                       // x25: envp, right after it
        a.movn(false, 27, Signals.ENOENT - 1);              // w27: the error to report if all fail (-ENOENT)
        a.movz(false, 23, 0, 0);                            // w23: the candidate's index
        a.label("candidate");
        a.ldr(0, 26, 0);                                    // the candidate path
        a.ldrb(1, 0, 0);
        a.cbz(false, 1, "exec_failed");                     // "": none left
        a.mov(true, 1, 24);                                 // execve(path, argv, envp)
        a.mov(true, 2, 25);
        a.syscall(SYS_execve);
        a.cmnImm(false, 0, Signals.EACCES);                 // as execvp: EACCES is remembered, the search goes on
        a.bcond(A.NE, "not_eacces");
        a.mov(false, 27, 0);
        a.b("next_candidate");
        a.label("not_eacces");
        a.cmnImm(false, 0, Signals.ENOENT);                 // not there: the next
        a.bcond(A.EQ, "next_candidate");
        a.cmnImm(false, 0, Signals.ENOTDIR);                // a PATH entry that is not a directory: the next
        a.bcond(A.EQ, "next_candidate");
        a.movz(false, 9, Launcher.STEP_EXEC, 0);            // anything else is final (ENOEXEC, E2BIG, ...)
        a.mov(false, 10, 0);
        a.mov(false, 11, 23);
        a.b("fail");
        a.label("next_candidate");
        a.addImm(true, 26, 26, 8);
        a.addImm(false, 23, 23, 1);
        a.b("candidate");
        a.label("exec_failed");
        a.movz(false, 9, Launcher.STEP_EXEC, 0);            // every candidate failed: EACCES if one said so, else ENOENT
        a.mov(false, 10, 27);
        a.mov(false, 11, 23);
        a.b("fail");

        a.label("bad_arguments");
        a.movz(false, 9, Launcher.STEP_ARGUMENTS, 0);
        a.movn(false, 10, Signals.EINVAL - 1);              // -EINVAL
        a.movz(false, 11, 0, 0);
        // ---- fail: w9 the step, w10 the -errno, w11 the detail; report them and exit 127
        a.label("fail");
        a.neg(10, 10);                                      // errno
        a.str32(9, SP, FRAME_REPORT);                       // the record: step,
        a.str32(10, SP, FRAME_REPORT + 4);                  // errno,
        a.str32(11, SP, FRAME_REPORT + 8);                  // detail
        a.ldrsw(0, SP, word(Launcher.W_REPORT_FD));         // write(report, &record, 12)
        a.addImm(true, 1, SP, FRAME_REPORT);
        a.movz(false, 2, Launcher.REPORT_SIZE, 0);
        a.syscall(SYS_write);
        a.movz(false, 0, Launcher.FAILED_STATUS, 0);        // exit_group(127)
        a.syscall(SYS_exit_group);
        a.brk();                                            // not reached
        return a.code.finish();
    }

    /** The instructions the launcher uses, each encoded with its text as {@code objdump} prints it. */
    static final class A {
        final MachineCode code = new MachineCode(true);

        /** Condition codes of b.cond, as objdump names them. */
        static final int EQ = 0, NE = 1, CS = 2, CC = 3, HI = 8, LS = 9, GE = 10, LT = 11, GT = 12, LE = 13;
        private static final String[] COND = {"eq", "ne", "cs", "cc", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt",
            "gt", "le", "al", "nv"};

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

        /** neg wd, wm (sub wd, wzr, wm). */
        void neg(int rd, int rm) {
            code.word("neg " + r(false, rd, false) + ", " + r(false, rm, false), 0x4B0003E0 | rm << 16 | rd);
        }

        /** ldr xt, [xn, #offset] (unsigned offset, a multiple of 8). */
        void ldr(int rt, int rn, int offset) {
            code.word("ldr " + r(true, rt, false) + ", " + mem(rn, offset), 0xF9400000 | scaled(offset, 8) << 10
                    | rn << 5 | rt);
        }

        /** ldr wt, [xn, #offset] (a multiple of 4): zero-extends. */
        void ldr32(int rt, int rn, int offset) {
            code.word("ldr " + r(false, rt, false) + ", " + mem(rn, offset), 0xB9400000 | scaled(offset, 4) << 10
                    | rn << 5 | rt);
        }

        /** ldrsw xt, [xn, #offset]: an int, sign-extended (an fd of -1 stays negative). */
        void ldrsw(int rt, int rn, int offset) {
            code.word("ldrsw " + r(true, rt, false) + ", " + mem(rn, offset), 0xB9800000 | scaled(offset, 4) << 10
                    | rn << 5 | rt);
        }

        /** ldrb wt, [xn, #offset]. */
        void ldrb(int rt, int rn, int offset) {
            code.word("ldrb " + r(false, rt, false) + ", " + mem(rn, offset), 0x39400000 | scaled(offset, 1) << 10
                    | rn << 5 | rt);
        }

        /** str wt, [xn, #offset] (a multiple of 4). */
        void str32(int rt, int rn, int offset) {
            code.word("str " + r(false, rt, false) + ", " + mem(rn, offset), 0xB9000000 | scaled(offset, 4) << 10
                    | rn << 5 | rt);
        }

        /** str xt, [xn, #offset] (a multiple of 8); xzr stores zero. */
        void str64(int rt, int rn, int offset) {
            code.word("str " + r(true, rt, false) + ", " + mem(rn, offset), 0xF9000000 | scaled(offset, 8) << 10
                    | rn << 5 | rt);
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
}
