package io.github.nsfs4j.linux;

import static io.github.nsfs4j.linux.Aarch64Assembler.*;
import static io.github.nsfs4j.linux.Launcher.FRAME_NO_SIGNALS;
import static io.github.nsfs4j.linux.Launcher.FRAME_RELAY_SIGNALS;
import static io.github.nsfs4j.linux.Launcher.FRAME_SIGACTION;
import static io.github.nsfs4j.linux.Launcher.FRAME_STATUS;
import static io.github.nsfs4j.linux.Launcher.word;

import io.github.nsfs4j.linux.Launcher.Signals;

/**
 * The launcher's relay in AArch64 machine code: what the first process does after the launcher
 * forked into a pid namespace ({@link Launcher#F_RELAY}). It closes every fd, names itself
 * {@code nsfs4j-launch}, forwards HUP, INT, QUIT and TERM to the command, reaps it, and ends
 * as it ended: its exit status, or killed by its signal. A part of {@link LauncherAarch64}'s
 * program, the same step by step and label by label as {@link LauncherRelayX86_64}'s.
 *
 * <p>On entry: x0 the child's pid (clone's result), x19 the initial stack pointer, the relay's
 * signals blocked and their set at {@link Launcher#FRAME_RELAY_SIGNALS}. It never returns:
 * every path ends in exit_group.
 */
final class LauncherRelayAarch64 {
    private LauncherRelayAarch64() {}

    /** Emits the relay, from its label "relay" to its end. */
    static void emit(Aarch64Assembler a) {
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
        a.bcond(GT, "relay_named");
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
        a.bcond(EQ, "relay_reap");
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
        a.bcond(NE, "relay_wait");                          // not yet (a stop): wait again
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
    }
}
