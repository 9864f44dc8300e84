package io.github.nsfs4j.linux;

import static io.github.nsfs4j.linux.Launcher.FRAME_NO_SIGNALS;
import static io.github.nsfs4j.linux.Launcher.FRAME_RELAY_SIGNALS;
import static io.github.nsfs4j.linux.Launcher.FRAME_SIGACTION;
import static io.github.nsfs4j.linux.Launcher.FRAME_STATUS;
import static io.github.nsfs4j.linux.Launcher.word;
import static io.github.nsfs4j.linux.X86_64Assembler.*;

import io.github.nsfs4j.linux.Launcher.Signals;

/**
 * The launcher's relay in x86-64 machine code: what the first process does after the launcher
 * forked into a pid namespace ({@link Launcher#F_RELAY}). It closes every fd, names itself
 * {@code nsfs4j-launch}, forwards HUP, INT, QUIT and TERM to the command, reaps it, and ends
 * as it ended: its exit status, or killed by its signal. A part of {@link LauncherX86_64}'s
 * program, the same step by step and label by label as {@link LauncherRelayAarch64}'s.
 *
 * <p>On entry: eax the child's pid (clone's result), rbx the initial stack pointer, the relay's
 * signals blocked and their set at {@link Launcher#FRAME_RELAY_SIGNALS}. It never returns:
 * every path ends in exit_group.
 */
final class LauncherRelayX86_64 {
    private LauncherRelayX86_64() {}

    /** Emits the relay, from its label "relay" to its end. */
    static void emit(X86_64Assembler a) {
        a.label("relay");
        a.mov64(R12, RAX);                                  // r12: the child's pid
        a.alu32rr(XOR, RDI, RDI);                           // close_range(0, ~0U, 0): the relay holds nothing,
        a.movImm(RSI, -1);                                  // not the report pipe, not the command's stdio
        a.alu32rr(XOR, RDX, RDX);                           // (a pipe's reader must see its end when the command's
        a.syscall(SYS_close_range);                         // writers are gone)
        a.test32(RAX, RAX);
        a.jcc(E, "relay_named");
        a.alu32rr(XOR, R13, R13);                           // no close_range: close 0..max one by one
        a.label("relay_close");
        a.cmpMem32(R13, RSP, word(Launcher.W_MAX_FD));      // past the highest fd?
        a.jcc(G, "relay_named");
        a.mov32(RDI, R13);
        a.syscall(SYS_close);
        a.alu32(ADD, R13, 1);
        a.jmp("relay_close");
        a.label("relay_named");
        a.movImm(RDI, Signals.PR_SET_NAME);                 // prctl(PR_SET_NAME, argv[0]): ps shows nsfs4j-launch
        a.load64(RSI, RBX, 8);
        a.syscall(SYS_prctl);
        a.label("relay_wait");
        a.lea(RDI, RSP, FRAME_RELAY_SIGNALS);               // rt_sigtimedwait(&set, NULL, NULL, 8): the next signal
        a.alu32rr(XOR, RSI, RSI);
        a.alu32rr(XOR, RDX, RDX);
        a.movImm(R10, 8);
        a.syscall(SYS_rt_sigtimedwait);
        a.test32(RAX, RAX);
        a.jcc(S, "relay_wait");                             // EINTR (a stop and continue): wait again
        a.alu32(CMP, RAX, Signals.SIGCHLD);
        a.jcc(E, "relay_reap");
        a.mov64(RDI, R12);                                  // HUP INT QUIT TERM: kill(child, signal)
        a.mov32(RSI, RAX);
        a.syscall(SYS_kill);
        a.jmp("relay_wait");
        a.label("relay_reap");
        a.mov64(RDI, R12);                                  // wait4(child, &status, WNOHANG, NULL)
        a.lea(RSI, RSP, FRAME_STATUS);
        a.movImm(RDX, Signals.WNOHANG);
        a.alu32rr(XOR, R10, R10);
        a.syscall(SYS_wait4);
        a.cmp64(RAX, R12);                                  // it has ended?
        a.jcc(NE, "relay_wait");                            // not yet (a stop): wait again
        a.load32(RAX, RSP, FRAME_STATUS);
        a.mov32(RCX, RAX);
        a.alu32(AND, RCX, 0x7f);                            // the signal that killed it, or 0
        a.jcc(NE, "relay_signaled");
        a.shift32(SHR, RAX, 8);                             // its exit status:
        a.alu32(AND, RAX, 0xff);
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
        a.alu32rr(XOR, RDX, RDX);
        a.movImm(R10, 8);
        a.syscall(SYS_rt_sigaction);
        a.storeImm64(RSP, FRAME_NO_SIGNALS, 0);             // nothing blocked
        a.movImm(RDI, Signals.SIG_SETMASK);
        a.lea(RSI, RSP, FRAME_NO_SIGNALS);
        a.alu32rr(XOR, RDX, RDX);
        a.movImm(R10, 8);
        a.syscall(SYS_rt_sigprocmask);
        a.syscall(SYS_getpid);                              // kill(getpid(), signal): end as the command did
        a.mov32(RDI, RAX);
        a.mov32(RSI, R13);
        a.syscall(SYS_kill);
        a.mov32(RDI, R13);                                  // a signal that does not kill: 128 + N, as a shell says it
        a.alu32(ADD, RDI, 128);
        a.syscall(SYS_exit_group);
    }
}
