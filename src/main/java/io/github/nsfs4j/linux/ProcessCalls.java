package io.github.nsfs4j.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.ref.Reference;

/**
 * The system calls of processes, as C sees them, in {@link LibC}'s convention (a result or
 * {@code -errno}; no checks, no ownership, no exceptions): pidfds (open, copy an fd out of,
 * signal), kill, waitid and poll (a pidfd is readable once its process has exited), and what
 * starting a process needs beside {@link PosixSpawn}: pipe2, memfd_create (the launcher's
 * file), close_range. Each goes through {@link LibC#syscall}; poll alone is linked as a C
 * function of its own (arm64 has only ppoll).
 */
public final class ProcessCalls {
    private ProcessCalls() {}

    private static final class Poll {
        static final MethodHandle HANDLE = Downcalls.link("poll",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT), -1, null);
    }

    /**
     * pidfd_open(2) (no C library function before glibc 2.36): the pidfd, or -errno.
     * See https://man7.org/linux/man-pages/man2/pidfd_open.2.html
     */
    public static int pidfd_open(int pid, int flags) {
        return (int) LibC.syscall(Constants.SYS_pidfd_open, pid, flags, 0, 0, 0);
    }

    /**
     * pidfd_getfd(2) (Linux 5.6): a copy, in this process, of fd {@code targetFd} of the
     * process of {@code pidfd} (O_CLOEXEC, always), or -errno (EPERM without ptrace attach
     * access to it). See https://man7.org/linux/man-pages/man2/pidfd_getfd.2.html
     */
    public static int pidfd_getfd(int pidfd, int targetFd, int flags) {
        return (int) LibC.syscall(Constants.SYS_pidfd_getfd, pidfd, targetFd, flags, 0, 0);
    }

    /**
     * pidfd_send_signal(2) (Linux 5.1) with no siginfo and no flags: 0, or -errno. Signals the
     * process the pidfd holds, never another that reused its pid.
     * See https://man7.org/linux/man-pages/man2/pidfd_send_signal.2.html
     */
    public static int pidfd_send_signal(int pidfd, int signal) {
        return (int) LibC.syscall(Constants.SYS_pidfd_send_signal, pidfd, signal, 0, 0, 0);
    }

    /** kill(2): 0, or -errno. */
    public static int kill(int pid, int signal) {
        return (int) LibC.syscall(SyscallNumbers.SYS_kill, pid, signal, 0, 0, 0);
    }

    /**
     * waitid(2) into {@code info} (a {@link Structs#SIGINFO}): 0, or -errno. The system call's
     * fifth argument, a {@code struct rusage *}, is NULL.
     * See https://man7.org/linux/man-pages/man2/waitid.2.html
     */
    public static int waitid(int idtype, int id, MemorySegment info, int options) {
        try {
            return (int) LibC.syscall(SyscallNumbers.SYS_waitid, idtype, id, LibC.address(info), options, 0);
        } finally {
            Reference.reachabilityFence(info);
        }
    }

    /**
     * poll(2) on {@code nfds} {@link Structs#POLLFD} entries: the number with events, 0 on
     * timeout, or -errno. See https://man7.org/linux/man-pages/man2/poll.2.html
     */
    public static int poll(MemorySegment fds, long nfds, int timeoutMillis) {
        try {
            MemorySegment state = Downcalls.callState();
            int result = (int) Poll.HANDLE.invokeExact(state, fds, nfds, timeoutMillis);
            return result >= 0 ? result : Downcalls.failed(state);
        } catch (Throwable t) {
            throw Downcalls.linkageFailure("poll", t);
        }
    }

    /**
     * poll(2) on one fd, in this thread's {@link LibC#scratch()} memory: its {@code revents}
     * ({@code POLLIN} on a pidfd means the process has exited), 0 on timeout, or -errno.
     */
    public static int pollOne(int fd, short events, int timeoutMillis) {
        MemorySegment pollfd = LibC.scratch().asSlice(0, Structs.POLLFD);
        pollfd.set(JAVA_INT, Structs.POLLFD_FD, fd);
        pollfd.set(JAVA_SHORT, Structs.POLLFD_EVENTS, events);
        pollfd.set(JAVA_SHORT, Structs.POLLFD_REVENTS, (short) 0);
        int rc = poll(pollfd, 1, timeoutMillis);
        return rc <= 0 ? rc : Short.toUnsignedInt(pollfd.get(JAVA_SHORT, Structs.POLLFD_REVENTS));
    }

    /** pipe2(2) into {@code fds} (two ints: read end, write end): 0, or -errno. */
    public static int pipe2(MemorySegment fds, int flags) {
        return memoryAndFlags(SyscallNumbers.SYS_pipe2, fds, flags);
    }

    /**
     * memfd_create(2): an fd on a new anonymous file, or -errno (EINVAL for flags the kernel
     * does not know, such as {@code MFD_EXEC} before 6.3).
     * See https://man7.org/linux/man-pages/man2/memfd_create.2.html
     */
    public static int memfd_create(MemorySegment cName, int flags) {
        return memoryAndFlags(SyscallNumbers.SYS_memfd_create, cName, flags);
    }

    /** A system call of a pointer to {@code memory} and {@code flags}: the result, or -errno. */
    private static int memoryAndFlags(long number, MemorySegment memory, int flags) {
        try {
            return (int) LibC.syscall(number, LibC.address(memory), flags, 0, 0, 0);
        } finally {
            Reference.reachabilityFence(memory);
        }
    }

    /**
     * close_range(2) (Linux 5.9; {@code CLOSE_RANGE_CLOEXEC} 5.11): 0, or -errno.
     * See https://man7.org/linux/man-pages/man2/close_range.2.html
     */
    public static int close_range(int first, int last, int flags) {
        return (int) LibC.syscall(Constants.SYS_close_range, Integer.toUnsignedLong(first),
                Integer.toUnsignedLong(last), flags, 0, 0);
    }
}
