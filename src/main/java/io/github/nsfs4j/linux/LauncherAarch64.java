package io.github.nsfs4j.linux;

import static io.github.nsfs4j.linux.Aarch64Assembler.*;
import static io.github.nsfs4j.linux.Launcher.FRAME;
import static io.github.nsfs4j.linux.Launcher.FRAME_CAP_DATA;
import static io.github.nsfs4j.linux.Launcher.FRAME_CAP_HEADER;
import static io.github.nsfs4j.linux.Launcher.FRAME_CGROUP_PID;
import static io.github.nsfs4j.linux.Launcher.FRAME_DOT;
import static io.github.nsfs4j.linux.Launcher.FRAME_NO_SIGNALS;
import static io.github.nsfs4j.linux.Launcher.FRAME_RELAY_SIGNALS;
import static io.github.nsfs4j.linux.Launcher.FRAME_REPORT;
import static io.github.nsfs4j.linux.Launcher.MAX_ENTRIES;
import static io.github.nsfs4j.linux.Launcher.MAX_WORDS;
import static io.github.nsfs4j.linux.Launcher.word;

import io.github.nsfs4j.linux.Launcher.Signals;

/**
 * The launcher ({@link Launcher}) in AArch64 machine code, written with {@link Aarch64Assembler}
 * (whose listing {@code LauncherCodeTest} compares with objdump); the relay, the parent's part
 * after the fork into a pid namespace, is {@link LauncherRelayAarch64}'s. The program is the
 * same, step by step and label by label, as {@link LauncherX86_64}'s.
 *
 * <p>Registers that live across system calls: x19 the initial stack pointer (argc, then
 * argv[]), x20 to x27 loop state; w9, w10, w11 carry a failure's step, -errno and detail to
 * {@code fail}. sp stays 16-aligned (the kernel checks it on every access through sp).
 */
final class LauncherAarch64 {
    private LauncherAarch64() {}

    /**
     * Branches to "fail" with {@code step}, the -errno the last system call returned (w0) and a
     * constant detail: the same four instructions after every step that can fail.
     */
    private static void failed(Aarch64Assembler a, int step, int detail) {
        a.movz(false, 9, step, 0);                          // w9: the step
        a.mov(false, 10, 0);                                // w10: the -errno
        a.movz(false, 11, detail, 0);                       // w11: the detail
        a.b("fail");
    }

    /**
     * setgid or setuid, when flag {@code flag} asks for it: system call {@code number} with
     * control word {@code id}; a failure is reported as {@code step}. Ends at label {@code done}.
     */
    private static void credential(Aarch64Assembler a, int flag, int number, int id, int step, String done) {
        a.ldr32(0, SP, word(Launcher.W_FLAGS));
        a.tbz(0, Integer.numberOfTrailingZeros(flag), done); // not asked for
        a.ldr32(0, SP, word(id));                           // setgid(gid), setuid(uid)
        checked(a, number, step, 0, done);
    }

    /** System call {@code number}, its arguments set: 0 goes on at label {@code done}, else fails as {@code step}. */
    private static void checked(Aarch64Assembler a, int number, int step, int detail, String done) {
        a.syscall(number);
        a.cbz(false, 0, done);                              // 0: done
        failed(a, step, detail);
        a.label(done);
    }

    static MachineCode.Assembled program() {
        Aarch64Assembler a = new Aarch64Assembler();
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
        a.bcond(CS, "bad_arguments");                       // more words than the frame holds
        a.movz(false, 4, 8, 0);                             // w4: letters left in this word
        a.movz(false, 5, 0, 0);                             // w5: the word so far
        a.label("letter");
        a.ldrb(0, 1, 0);                                    // the letter
        a.subImm(false, 0, 0, 'a');                         // 'a'..'p' -> 0..15
        a.cmpImm(false, 0, 15);                             // a nibble? (the NUL and others become large)
        a.bcond(HI, "bad_arguments");                       // not a letter of the code: refuse
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
        a.bcond(HI, "bad_arguments");                       // more: malformed
        a.ldrsw(0, SP, word(Launcher.W_REPORT_FD));         // the report fd (posix_spawn's dup2 cleared its close-on-exec)
        a.movz(false, 1, Signals.F_SETFD, 0);               // fcntl(fd, F_SETFD, FD_CLOEXEC):
        a.movz(false, 2, Signals.FD_CLOEXEC, 0);            // so the command never inherits it, and the JVM sees EOF at exec
        a.syscall(SYS_fcntl);                               // (a bad fd fails here and at the report: nothing to do about it)

        // ---- the cgroup first: before any setns, with the JVM's credentials and cgroup namespace
        a.ldrsw(0, SP, word(Launcher.W_CGROUP_FD));         // a cgroup.procs file the JVM opened, or -1
        a.tbnz(0, 31, "no_cgroup");                         // none
        a.movz(false, 1, '0', 0);                           // the C string "0": the writing process
        a.str32(1, SP, FRAME_CGROUP_PID);
        a.addImm(true, 1, SP, FRAME_CGROUP_PID);            // write(fd, "0", 1) moves this process, so the
        a.movz(false, 2, 1, 0);                             // relay and the command are in the cgroup too
        a.syscall(SYS_write);
        a.cmpImm(false, 0, 1);                              // the one byte written: joined
        a.bcond(EQ, "no_cgroup");
        failed(a, Launcher.STEP_CGROUP, 0);
        a.label("no_cgroup");

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
        a.bcond(EQ, "next_entry");                          // for pass 1
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
        a.bcond(NE, "pass");

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
        checked(a, SYS_fchdir, Launcher.STEP_CHDIR, 0, "no_wd"); // fchdir(wd); detail 0: the fd
        a.ldr(0, 19, 24);                                   // argv[2]: a directory in the new tree, or ""
        a.ldrb(1, 0, 0);
        a.cbz(false, 1, "no_dir");                          // "": none
        checked(a, SYS_chdir, Launcher.STEP_CHDIR, 1, "no_dir"); // chdir(argv[2]); detail 1: the path

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

        LauncherRelayAarch64.emit(a);                       // the parent: relays until the command ends

        // ---- credentials
        a.label("credentials");
        a.ldr32(0, SP, word(Launcher.W_FLAGS));
        a.tbz(0, Integer.numberOfTrailingZeros(Launcher.F_SETGROUPS), "no_groups");
        a.movz(false, 0, 0, 0);                             // setgroups(0, NULL): no supplementary groups
        a.movz(false, 1, 0, 0);
        a.syscall(SYS_setgroups);
        a.cbz(false, 0, "no_groups");
        a.cmnImm(false, 0, Signals.EPERM);                  // EPERM where the user namespace says "deny":
        a.bcond(NE, "groups_failed");
        a.ldr32(1, SP, word(Launcher.W_FLAGS));
        a.tbnz(1, Integer.numberOfTrailingZeros(Launcher.F_SETGROUPS_DENIED_OK), "no_groups"); // accepted when asked
        a.label("groups_failed");
        failed(a, Launcher.STEP_SETGROUPS, 0);
        a.label("no_groups");
        credential(a, Launcher.F_SETGID, SYS_setgid, Launcher.W_GID, Launcher.STEP_SETGID, "no_gid");
        // setuid(uid) last: it may drop the right to the rest
        credential(a, Launcher.F_SETUID, SYS_setuid, Launcher.W_UID, Launcher.STEP_SETUID, "no_uid");

        // ---- keep the capabilities across execve: inheritable := permitted, then each effective one ambient
        a.ldr32(0, SP, word(Launcher.W_FLAGS));
        a.tbz(0, Integer.numberOfTrailingZeros(Launcher.F_KEEP_CAPS), "no_keep_caps"); // not asked for
        a.movz(false, 0, Launcher.CAPABILITY_VERSION_3 & 0xffff, 0); // header: version 3 (two words a set),
        a.movk(false, 0, Launcher.CAPABILITY_VERSION_3 >>> 16, 16);
        a.str32(0, SP, FRAME_CAP_HEADER);
        a.str32(ZR, SP, FRAME_CAP_HEADER + 4);              // pid 0: this process
        a.addImm(true, 0, SP, FRAME_CAP_HEADER);            // capget(&header, data); detail 0
        a.addImm(true, 1, SP, FRAME_CAP_DATA);
        checked(a, SYS_capget, Launcher.STEP_CAPABILITIES, 0, "caps_read");
        a.ldr32(1, SP, FRAME_CAP_DATA + 4);                 // data[0].permitted
        a.str32(1, SP, FRAME_CAP_DATA + 8);                 // becomes data[0].inheritable:
        a.ldr32(1, SP, FRAME_CAP_DATA + 16);                // data[1].permitted
        a.str32(1, SP, FRAME_CAP_DATA + 20);                // data[1].inheritable (ambient needs both sets)
        a.addImm(true, 0, SP, FRAME_CAP_HEADER);            // capset(&header, data); detail 1
        a.addImm(true, 1, SP, FRAME_CAP_DATA);
        checked(a, SYS_capset, Launcher.STEP_CAPABILITIES, 1, "caps_set");
        a.movz(false, 20, 0, 0);                            // w20: the capability number, from 0
        a.ldr32(21, SP, FRAME_CAP_DATA);                    // w21: data[0].effective, its bit 0 the current one
        a.label("ambient");
        a.ldr32(1, SP, word(Launcher.W_CAP_LAST));          // past cap_last_cap?
        a.cmp(false, 20, 1);
        a.bcond(GT, "no_keep_caps");                        // done
        a.cmpImm(false, 20, 32);                            // capability 32: the second word
        a.bcond(NE, "same_word");
        a.ldr32(21, SP, FRAME_CAP_DATA + 12);               // w21: data[1].effective
        a.label("same_word");
        a.tbz(21, 0, "next_cap");                           // not effective: not raised
        a.movz(false, 0, Signals.PR_CAP_AMBIENT, 0);        // prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0)
        a.movz(false, 1, Signals.PR_CAP_AMBIENT_RAISE, 0);
        a.mov(false, 2, 20);
        a.movz(false, 3, 0, 0);
        a.movz(false, 4, 0, 0);
        a.syscall(SYS_prctl);
        a.cbz(false, 0, "next_cap");
        a.movz(false, 9, Launcher.STEP_AMBIENT, 0);         // report the step,
        a.mov(false, 10, 0);                                // the -errno,
        a.mov(false, 11, 20);                               // and the capability
        a.b("fail");
        a.label("next_cap");
        a.lsr(21, 21, 1);                                   // the next capability's bit to bit 0
        a.addImm(false, 20, 20, 1);                         // its number
        a.b("ambient");
        a.label("no_keep_caps");

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
        a.bcond(EQ, "unblock");
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
        a.bcond(GT, "exec");
        a.ldr32(1, SP, word(Launcher.W_REPORT_FD));
        a.cmp(false, 27, 1);
        a.bcond(EQ, "close_next");                          // (it is close-on-exec already)
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
        a.bcond(NE, "not_eacces");
        a.mov(false, 27, 0);
        a.b("next_candidate");
        a.label("not_eacces");
        a.cmnImm(false, 0, Signals.ENOENT);                 // not there: the next
        a.bcond(EQ, "next_candidate");
        a.cmnImm(false, 0, Signals.ENOTDIR);                // a PATH entry that is not a directory: the next
        a.bcond(EQ, "next_candidate");
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
}
