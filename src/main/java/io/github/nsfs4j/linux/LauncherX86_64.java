package io.github.nsfs4j.linux;

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
import static io.github.nsfs4j.linux.X86_64Assembler.*;

import io.github.nsfs4j.linux.Launcher.Signals;

/**
 * The launcher ({@link Launcher}) in x86-64 machine code, written with {@link X86_64Assembler}
 * (whose listing {@code LauncherCodeTest} compares with objdump); the relay, the parent's part
 * after the fork into a pid namespace, is {@link LauncherRelayX86_64}'s. The program is the
 * same, step by step and label by label, as {@link LauncherAarch64}'s.
 *
 * <p>Registers that live across system calls: rbx the initial stack pointer (argc, then
 * argv[]), rbp the environment, r12 to r15 loop state. The frame ({@link Launcher#FRAME} bytes
 * below the initial stack pointer) holds the decoded control words and the scratch memory the
 * system calls read.
 */
final class LauncherX86_64 {
    private LauncherX86_64() {}

    /**
     * Jumps to "fail" with {@code step}, the -errno the last system call returned (eax) and a
     * constant detail: the same four instructions after every step that can fail.
     */
    private static void failed(X86_64Assembler a, int step, int detail) {
        a.movImm(RDI, step);                                // edi: the step
        a.mov32(RSI, RAX);                                  // esi: the -errno
        if (detail == 0) {
            a.alu32rr(XOR, RDX, RDX);                       // edx: detail 0
        } else {
            a.movImm(RDX, detail);                          // edx: the detail
        }
        a.jmp("fail");
    }

    /**
     * setgid or setuid, when flag {@code flag} asks for it: system call {@code number} with
     * control word {@code id}; a failure is reported as {@code step}. Ends at label {@code done}.
     */
    private static void credential(X86_64Assembler a, int flag, int number, int id, int step, String done) {
        a.load32(RAX, RSP, word(Launcher.W_FLAGS));
        a.testImm32(RAX, flag);
        a.jcc(E, done);                                     // not asked for
        a.load32(RDI, RSP, word(id));                       // setgid(gid), setuid(uid)
        checked(a, number, step, 0, done);
    }

    /** System call {@code number}, its arguments set: 0 goes on at label {@code done}, else fails as {@code step}. */
    private static void checked(X86_64Assembler a, int number, int step, int detail, String done) {
        a.syscall(number);
        a.test32(RAX, RAX);
        a.jcc(E, done);                                     // 0: done
        failed(a, step, detail);
        a.label(done);
    }

    static MachineCode.Assembled program() {
        X86_64Assembler a = new X86_64Assembler();
        // ---- entry: rsp points at argc, argv[0..argc-1], NULL, envp[], NULL, auxv
        a.mov64(RBX, RSP);                                  // rbx: argc; argv[i] is at rbx + 8 + 8i
        a.alu64(SUB, RSP, FRAME);                           // the frame, below argc (stays 16-aligned)

        // ---- decode argv[1]: 8 letters 'a'..'p' per 32-bit word, most significant first
        a.load64(RSI, RBX, 16);                             // rsi: argv[1]
        a.storeImm32(RSP, word(Launcher.W_REPORT_FD), -1);  // no report fd until decoded: a failure before writes nowhere
        a.lea(R8, RSP, word(0));                            // r8: the next word's slot
        a.lea(R9, RSP, word(MAX_WORDS));                    // r9: past the last slot
        a.label("word");
        a.loadByte(RAX, RSI, 0);                            // the word's first letter, or the string's end
        a.test32(RAX, RAX);                                 // NUL?
        a.jcc(E, "decoded");                                // all words decoded
        a.cmp64(R8, R9);                                    // room for another word?
        a.jcc(AE, "bad_arguments");                         // more words than the frame holds
        a.movImm(RDX, 8);                                   // edx: letters left in this word
        a.alu32rr(XOR, RDI, RDI);                           // edi: the word so far
        a.label("letter");
        a.loadByte(RAX, RSI, 0);                            // the letter
        a.alu32(SUB, RAX, 'a');                             // 'a'..'p' -> 0..15
        a.alu32(CMP, RAX, 15);                              // a nibble? (the NUL and others become large)
        a.jcc(A, "bad_arguments");                          // not a letter of the code: refuse
        a.shift32(SHL, RDI, 4);                             // make room for the nibble
        a.alu32rr(OR, RDI, RAX);                            // add it
        a.alu64(ADD, RSI, 1);                               // next letter
        a.alu32(SUB, RDX, 1);                               // one letter fewer in this word
        a.jcc(NE, "letter");                                // until the word has its 8
        a.store32(R8, 0, RDI);                              // keep the word
        a.alu64(ADD, R8, 4);                                // the next slot
        a.jmp("word");                                      // and the next word
        a.label("decoded");
        a.load32(RAX, RSP, word(Launcher.W_COUNT));         // eax: how many namespace entries
        a.alu32(CMP, RAX, MAX_ENTRIES);                     // at most one per type
        a.jcc(A, "bad_arguments");                          // more: malformed
        a.loadSx32(RDI, RSP, word(Launcher.W_REPORT_FD));   // the report fd (posix_spawn's dup2 cleared its close-on-exec)
        a.movImm(RSI, Signals.F_SETFD);                     // fcntl(fd, F_SETFD, FD_CLOEXEC):
        a.movImm(RDX, Signals.FD_CLOEXEC);                  // so the command never inherits it, and the JVM sees EOF at exec
        a.syscall(SYS_fcntl);                               // (a bad fd fails here and at the report: nothing to do about it)

        // ---- the cgroup first: before any setns, with the JVM's credentials and cgroup namespace
        a.loadSx32(RDI, RSP, word(Launcher.W_CGROUP_FD));   // a cgroup.procs file the JVM opened, or -1
        a.test32(RDI, RDI);
        a.jcc(S, "no_cgroup");                              // none
        a.storeImm32(RSP, FRAME_CGROUP_PID, '0');           // the C string "0": the writing process
        a.lea(RSI, RSP, FRAME_CGROUP_PID);                  // write(fd, "0", 1) moves this process, so the
        a.movImm(RDX, 1);                                   // relay and the command are in the cgroup too
        a.syscall(SYS_write);
        a.alu32(CMP, RAX, 1);                               // the one byte written: joined
        a.jcc(E, "no_cgroup");
        failed(a, Launcher.STEP_CGROUP, 0);
        a.label("no_cgroup");

        // ---- setns, two passes: r13d the pass, r12 the entry, r14d entries left, r15d the entry's index
        a.alu32rr(XOR, R13, R13);                           // pass 0: every namespace but the user namespace
        a.label("pass");
        a.lea(R12, RSP, word(Launcher.W_ENTRIES));          // the first entry (fd, type)
        a.load32(R14, RSP, word(Launcher.W_COUNT));         // entries left in this pass
        a.alu32rr(XOR, R15, R15);                           // index 0
        a.label("entry");
        a.test32(R14, R14);                                 // any left?
        a.jcc(E, "pass_done");                              // no: this pass is over
        a.loadSx32(RDI, R12, 0);                            // rdi: the namespace fd
        a.test32(RDI, RDI);                                 // -1: entered already
        a.jcc(S, "next_entry");                             // skip it
        a.load32(RSI, R12, 4);                              // esi: its CLONE_NEW* type
        a.test32(R13, R13);                                 // pass 1 enters whatever is left
        a.jcc(NE, "setns");                                 // so no test of the type then
        a.alu32(CMP, RSI, Signals.CLONE_NEWUSER);           // pass 0 leaves the user namespace
        a.jcc(E, "next_entry");                             // for pass 1
        a.label("setns");
        a.syscall(SYS_setns);                               // setns(fd, type)
        a.test32(RAX, RAX);                                 // 0: entered
        a.jcc(NE, "setns_failed");
        a.storeImm32(R12, 0, -1);                           // mark the entry as entered
        a.jmp("next_entry");
        a.label("setns_failed");
        a.test32(R13, R13);                                 // in pass 0 a refusal may be lifted by the user
        a.jcc(E, "next_entry");                             // namespace's capabilities: try again in pass 1
        a.movImm(RDI, Launcher.STEP_SETNS);                 // in pass 1 it is final: report step,
        a.mov32(RSI, RAX);                                  // the -errno,
        a.mov32(RDX, R15);                                  // and which entry
        a.jmp("fail");
        a.label("next_entry");
        a.alu64(ADD, R12, 8);                               // the next entry
        a.alu32(ADD, R15, 1);                               // its index
        a.alu32(SUB, R14, 1);                               // one fewer left
        a.jmp("entry");
        a.label("pass_done");
        a.alu32(ADD, R13, 1);                               // the next pass
        a.alu32(CMP, R13, 2);                               // there are two
        a.jcc(NE, "pass");

        // ---- root and working directory
        a.loadSx32(RDI, RSP, word(Launcher.W_ROOT_FD));     // a root directory fd, or -1
        a.test32(RDI, RDI);
        a.jcc(S, "no_root");                                // none
        a.syscall(SYS_fchdir);                              // go there,
        a.test32(RAX, RAX);
        a.jcc(NE, "root_failed");
        a.storeImm32(RSP, FRAME_DOT, '.');                  // the C string "." (little-endian: '.', then NULs)
        a.lea(RDI, RSP, FRAME_DOT);
        a.syscall(SYS_chroot);                              // and make it the root: chroot(".")
        a.test32(RAX, RAX);
        a.jcc(E, "no_root");
        a.label("root_failed");
        failed(a, Launcher.STEP_CHROOT, 0);
        a.label("no_root");
        a.loadSx32(RDI, RSP, word(Launcher.W_WD_FD));       // a working directory fd, or -1
        a.test32(RDI, RDI);
        a.jcc(S, "no_wd");
        checked(a, SYS_fchdir, Launcher.STEP_CHDIR, 0, "no_wd"); // fchdir(wd); detail 0: the fd
        a.load64(RDI, RBX, 24);                             // argv[2]: a directory in the new tree, or ""
        a.loadByte(RAX, RDI, 0);
        a.test32(RAX, RAX);
        a.jcc(E, "no_dir");                                 // "": none
        checked(a, SYS_chdir, Launcher.STEP_CHDIR, 1, "no_dir"); // chdir(argv[2]); detail 1: the path

        // ---- a pid namespace: fork; the parent becomes the relay
        a.load32(RAX, RSP, word(Launcher.W_FLAGS));
        a.testImm32(RAX, Launcher.F_RELAY);
        a.jcc(E, "credentials");                            // no pid namespace: exec in place
        a.storeImm64(RSP, FRAME_RELAY_SIGNALS, Launcher.RELAY_SIGNALS); // HUP INT QUIT TERM CHLD
        a.movImm(RDI, Signals.SIG_BLOCK);                   // blocked before the fork, so none is lost:
        a.lea(RSI, RSP, FRAME_RELAY_SIGNALS);               // the relay takes them with rt_sigtimedwait
        a.alu32rr(XOR, RDX, RDX);                           // no old set wanted
        a.movImm(R10, 8);                                   // sizeof the kernel's sigset_t
        a.syscall(SYS_rt_sigprocmask);
        a.syscall(SYS_getpid);                              // the relay's pid, for its child's check
        a.store32(RSP, Launcher.FRAME_RELAY_PID, RAX);
        a.movImm(RDI, Signals.SIGCHLD);                     // clone(SIGCHLD, 0, 0, 0, 0): a plain fork
        a.alu32rr(XOR, RSI, RSI);
        a.alu32rr(XOR, RDX, RDX);
        a.alu32rr(XOR, R10, R10);
        a.alu32rr(XOR, R8, R8);
        a.syscall(SYS_clone);
        a.test64(RAX, RAX);
        a.jcc(E, "credentials");                            // the child goes on to exec the command
        a.jcc(NS, "relay");                                 // the parent relays
        failed(a, Launcher.STEP_FORK, 0);                   // no child

        LauncherRelayX86_64.emit(a);                        // the parent: relays until the command ends

        // ---- credentials
        a.label("credentials");
        a.load32(RAX, RSP, word(Launcher.W_FLAGS));
        a.testImm32(RAX, Launcher.F_SETGROUPS);
        a.jcc(E, "no_groups");
        a.alu32rr(XOR, RDI, RDI);                           // setgroups(0, NULL): no supplementary groups
        a.alu32rr(XOR, RSI, RSI);
        a.syscall(SYS_setgroups);
        a.test32(RAX, RAX);
        a.jcc(E, "no_groups");
        a.alu32(CMP, RAX, -Signals.EPERM);                  // EPERM where the user namespace says "deny":
        a.jcc(NE, "groups_failed");
        a.load32(RCX, RSP, word(Launcher.W_FLAGS));
        a.testImm32(RCX, Launcher.F_SETGROUPS_DENIED_OK);   // accepted when the caller said so
        a.jcc(NE, "no_groups");
        a.label("groups_failed");
        failed(a, Launcher.STEP_SETGROUPS, 0);
        a.label("no_groups");
        credential(a, Launcher.F_SETGID, SYS_setgid, Launcher.W_GID, Launcher.STEP_SETGID, "no_gid");
        // setuid(uid) last: it may drop the right to the rest
        credential(a, Launcher.F_SETUID, SYS_setuid, Launcher.W_UID, Launcher.STEP_SETUID, "no_uid");

        // ---- keep the capabilities across execve: inheritable := permitted, then each effective one ambient
        a.load32(RAX, RSP, word(Launcher.W_FLAGS));
        a.testImm32(RAX, Launcher.F_KEEP_CAPS);
        a.jcc(E, "no_keep_caps");                           // not asked for (or no user namespace entered)
        a.storeImm32(RSP, FRAME_CAP_HEADER, Launcher.CAPABILITY_VERSION_3); // header: version 3 (two words a set),
        a.storeImm32(RSP, FRAME_CAP_HEADER + 4, 0);         // pid 0: this process
        a.lea(RDI, RSP, FRAME_CAP_HEADER);                  // capget(&header, data); detail 0
        a.lea(RSI, RSP, FRAME_CAP_DATA);
        checked(a, SYS_capget, Launcher.STEP_CAPABILITIES, 0, "caps_read");
        a.load32(RAX, RSP, FRAME_CAP_DATA + 4);             // data[0].permitted
        a.store32(RSP, FRAME_CAP_DATA + 8, RAX);            // becomes data[0].inheritable:
        a.load32(RAX, RSP, FRAME_CAP_DATA + 16);            // data[1].permitted
        a.store32(RSP, FRAME_CAP_DATA + 20, RAX);           // data[1].inheritable (ambient needs both sets)
        a.lea(RDI, RSP, FRAME_CAP_HEADER);                  // capset(&header, data); detail 1
        a.lea(RSI, RSP, FRAME_CAP_DATA);
        checked(a, SYS_capset, Launcher.STEP_CAPABILITIES, 1, "caps_set");
        a.alu32rr(XOR, R13, R13);                           // r13d: the capability number, from 0
        a.load32(R14, RSP, FRAME_CAP_DATA);                 // r14d: data[0].effective, its bit 0 the current one
        a.label("ambient");
        a.cmpMem32(R13, RSP, word(Launcher.W_CAP_LAST));    // past cap_last_cap?
        a.jcc(G, "no_keep_caps");                           // done
        a.alu32(CMP, R13, 32);                              // capability 32: the second word
        a.jcc(NE, "same_word");
        a.load32(R14, RSP, FRAME_CAP_DATA + 12);            // r14d: data[1].effective
        a.label("same_word");
        a.testImm32(R14, 1);                                // effective?
        a.jcc(E, "next_cap");                               // no: not raised
        a.movImm(RDI, Signals.PR_CAP_AMBIENT);              // prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0)
        a.movImm(RSI, Signals.PR_CAP_AMBIENT_RAISE);
        a.mov32(RDX, R13);
        a.alu32rr(XOR, R10, R10);
        a.alu32rr(XOR, R8, R8);
        a.syscall(SYS_prctl);
        a.test32(RAX, RAX);
        a.jcc(E, "next_cap");
        a.movImm(RDI, Launcher.STEP_AMBIENT);               // report the step,
        a.mov32(RSI, RAX);                                  // the -errno,
        a.mov32(RDX, R13);                                  // and the capability
        a.jmp("fail");
        a.label("next_cap");
        a.shift32(SHR, R14, 1);                             // the next capability's bit to bit 0
        a.alu32(ADD, R13, 1);                               // its number
        a.jmp("ambient");
        a.label("no_keep_caps");

        // ---- the relay's child: die with the relay; unblock the relay's signals
        a.load32(RAX, RSP, word(Launcher.W_FLAGS));
        a.testImm32(RAX, Launcher.F_RELAY);
        a.jcc(E, "fds");
        a.movImm(RDI, Signals.PR_SET_PDEATHSIG);            // prctl(PR_SET_PDEATHSIG, SIGKILL): after setuid,
        a.movImm(RSI, Signals.SIGKILL);                     // which would clear it
        a.syscall(SYS_prctl);
        a.syscall(SYS_getppid);                             // 0 while the relay lives outside our pid namespace,
        a.test32(RAX, RAX);
        a.jcc(E, "unblock");
        a.cmpMem32(RAX, RSP, Launcher.FRAME_RELAY_PID);     // its pid while it lives in ours
        a.jcc(E, "unblock");
        a.movImm(RDI, Launcher.FAILED_STATUS);              // it died before the prctl: nobody waits for the command
        a.syscall(SYS_exit_group);
        a.label("unblock");
        a.storeImm64(RSP, FRAME_NO_SIGNALS, 0);             // rt_sigprocmask(SIG_SETMASK, {}, NULL, 8): the command
        a.movImm(RDI, Signals.SIG_SETMASK);                 // starts with nothing blocked, as posix_spawn left it
        a.lea(RSI, RSP, FRAME_NO_SIGNALS);
        a.alu32rr(XOR, RDX, RDX);
        a.movImm(R10, 8);
        a.syscall(SYS_rt_sigprocmask);

        // ---- fds: everything from 3 up is close-on-exec
        a.label("fds");
        a.movImm(RDI, 3);                                   // close_range(3, ~0U, CLOSE_RANGE_CLOEXEC)
        a.movImm(RSI, -1);
        a.movImm(RDX, Signals.CLOSE_RANGE_CLOEXEC);
        a.syscall(SYS_close_range);
        a.test32(RAX, RAX);
        a.jcc(E, "exec");
        a.movImm(R13, 3);                                   // before 5.11: close 3..max but the report fd
        a.label("close");
        a.cmpMem32(R13, RSP, word(Launcher.W_MAX_FD));
        a.jcc(G, "exec");
        a.cmpMem32(R13, RSP, word(Launcher.W_REPORT_FD));
        a.jcc(E, "close_next");                             // (it is close-on-exec already)
        a.mov32(RDI, R13);
        a.syscall(SYS_close);
        a.label("close_next");
        a.alu32(ADD, R13, 1);
        a.jmp("close");

        // ---- exec: the candidates from argv[3] to "", then the command's argv
        a.label("exec");
        a.lea(R14, RBX, 32);                                // r14: &argv[3], the first candidate
        a.mov64(R12, R14);
        a.label("find_argv");
        a.load64(RAX, R12, 0);                              // the next argument
        a.test64(RAX, RAX);
        a.jcc(E, "bad_arguments");                          // no "" before the end: malformed
        a.alu64(ADD, R12, 8);
        a.loadByte(RCX, RAX, 0);
        a.test32(RCX, RCX);
        a.jcc(NE, "find_argv");                             // r12: just past "": the command's argv
        a.mov64(R9, R12);
        a.label("find_envp");
        a.load64(RAX, R9, 0);                               // to the NULL that ends argv
        a.alu64(ADD, R9, 8);
        a.test64(RAX, RAX);
        a.jcc(NE, "find_envp");
        a.mov64(RBP, R9);                                   // rbp: envp, right after it
        a.movImm(R13, -Signals.ENOENT);                     // r13d: the error to report if all fail
        a.alu32rr(XOR, R15, R15);                           // r15d: the candidate's index
        a.label("candidate");
        a.load64(RDI, R14, 0);                              // the candidate path
        a.loadByte(RAX, RDI, 0);
        a.test32(RAX, RAX);
        a.jcc(E, "exec_failed");                            // "": none left
        a.mov64(RSI, R12);                                  // execve(path, argv, envp)
        a.mov64(RDX, RBP);
        a.syscall(SYS_execve);
        a.alu32(CMP, RAX, -Signals.EACCES);                 // as execvp: EACCES is remembered, the search goes on
        a.jcc(NE, "not_eacces");
        a.mov32(R13, RAX);
        a.jmp("next_candidate");
        a.label("not_eacces");
        a.alu32(CMP, RAX, -Signals.ENOENT);                 // not there: the next
        a.jcc(E, "next_candidate");
        a.alu32(CMP, RAX, -Signals.ENOTDIR);                // a PATH entry that is not a directory: the next
        a.jcc(E, "next_candidate");
        a.movImm(RDI, Launcher.STEP_EXEC);                  // anything else is final (ENOEXEC, E2BIG, ...)
        a.mov32(RSI, RAX);
        a.mov32(RDX, R15);
        a.jmp("fail");
        a.label("next_candidate");
        a.alu64(ADD, R14, 8);
        a.alu32(ADD, R15, 1);
        a.jmp("candidate");
        a.label("exec_failed");
        a.movImm(RDI, Launcher.STEP_EXEC);                  // every candidate failed: EACCES if one said so, else ENOENT
        a.mov32(RSI, R13);
        a.mov32(RDX, R15);
        a.jmp("fail");

        a.label("bad_arguments");
        a.movImm(RDI, Launcher.STEP_ARGUMENTS);
        a.movImm(RSI, -Signals.EINVAL);
        a.alu32rr(XOR, RDX, RDX);
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
}
