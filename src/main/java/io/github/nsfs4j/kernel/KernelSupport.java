package io.github.nsfs4j.kernel;

import io.github.nsfs4j.linux.Constants;
import io.github.nsfs4j.linux.Downcalls;
import io.github.nsfs4j.linux.Errno;
import io.github.nsfs4j.linux.LibC;
import io.github.nsfs4j.linux.ProcessCalls;

import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Which ioctl requests the running kernel has: the one place that answers, for the nsfs
 * requests ({@link NsIoctl}) and the pidfd requests ({@link PidfdIoctl}) alike.
 *
 * <p>Each request is probed once, on first question, by making it where it must work if the
 * kernel has it: nsfs requests on the caller's own namespace of the type they work on (a pid
 * translation with the caller's own pid, which the kernel must find), pidfd requests on a
 * pidfd of the caller's own process. Any answer but {@code ENOTTY} (success, or an error
 * such as {@code EINVAL}) proves the request exists; so the {@code ENOTTY}-for-{@code ESRCH}
 * quirk of some 6.11 to 6.17 kernels, which only concerns pids that are not found, cannot
 * pass for a missing request. No kernel version table is consulted, so a distribution kernel
 * with a backported request is seen to have it. Only where a probe cannot run at all
 * ({@code /proc} not mounted, {@code pidfd_open} refused by a sandbox) does the kernel
 * version decide.
 *
 * <p><b>Thread safety:</b> any thread may ask; two threads asking first may both probe, and
 * find the same answer.
 */
public final class KernelSupport {
    private KernelSupport() {}

    private static final int UNKNOWN = 0, YES = 1, NO = 2;
    private static final int NSFS_COUNT = NsIoctl.values().length;
    private static final AtomicIntegerArray STATE = new AtomicIntegerArray(NSFS_COUNT + PidfdIoctl.values().length);

    /**
     * Whether the running kernel has the request.
     *
     * @param request an nsfs or pidfd request
     * @return true where the kernel knows the request
     * @throws IllegalCallerException if native access is not enabled for nsfs4j
     * @throws UnsupportedOperationException on an architecture nsfs4j does not support
     */
    public static boolean has(IoctlRequest request) {
        int index = index(request);
        int state = STATE.get(index);
        if (state == UNKNOWN) {
            Downcalls.requireNativeAccess();
            state = probe(request) ? YES : NO;
            STATE.compareAndSet(index, UNKNOWN, state);
            state = STATE.get(index);
        }
        return state == YES;
    }

    /**
     * What is known without asking the kernel: {@link Boolean#TRUE} or {@link Boolean#FALSE}
     * once probed (or assumed by a test), null before. For the error path, which must not
     * probe.
     *
     * @param request an nsfs or pidfd request
     * @return the answer so far, or null
     */
    public static Boolean known(IoctlRequest request) {
        int state = STATE.get(index(request));
        return state == UNKNOWN ? null : state == YES;
    }

    private static int index(IoctlRequest request) {
        // instanceof rather than a pattern switch, whose bootstrap costs start-up time
        return request instanceof NsIoctl r ? r.ordinal() : NSFS_COUNT + ((PidfdIoctl) request).ordinal();
    }

    /**
     * For tests: answers {@code supported} for {@code request} until the returned
     * {@link AutoCloseable} is closed, which restores the previous state.
     */
    static AutoCloseable assume(IoctlRequest request, boolean supported) {
        int index = index(request);
        int previous = STATE.getAndSet(index, supported ? YES : NO);
        return () -> STATE.set(index, previous);
    }

    // ---------------------------------------------------------------- probing

    /** One ioctl as the probe makes it: the result, or -errno. */
    interface IoctlCall {
        int call(IoctlRequest request, long arg);
    }

    /**
     * The namespace type whose caller-own file an nsfs request is probed on: the type it works
     * on, or, for requests on every type, a mount namespace (where each of them answers
     * something other than ENOTTY).
     */
    static NamespaceType probeType(NsIoctl request) {
        return request.only() != null ? request.only() : NamespaceType.MNT;
    }

    /**
     * Judges a probe: makes the request once through {@code call}, with the caller's own pid
     * as the argument of a pid translation and 0 (or zeroed memory) otherwise, and answers
     * whether the result is anything but ENOTTY.
     */
    static boolean probe(IoctlRequest request, long ownPid, IoctlCall call) {
        long arg = request instanceof NsIoctl r && r.argument() == NsIoctl.Argument.PID_VALUE ? ownPid : 0;
        return call.call(request, arg) != -Errno.ENOTTY;
    }

    private static boolean probe(IoctlRequest request) {
        int fd = request instanceof NsIoctl r
                ? LibC.open("/proc/thread-self/ns/" + probeType(r).procName(), Constants.O_RDONLY | Constants.O_CLOEXEC)
                : ProcessCalls.pidfd_open((int) ProcessHandle.current().pid(), 0);
        if (fd == -Errno.ENOSYS) {
            return false; // no pidfd_open (before 5.3): no pidfd ioctls either
        }
        if (fd < 0) {
            return KernelVersion.running().atLeast(request.since());
        }
        try {
            return probe(request, ProcessHandle.current().pid(), new OnFd(fd));
        } finally {
            LibC.close(fd);
        }
    }

    /** The real call, on the probe's fd; closes an fd the request returns. (A class, not a lambda: start-up.) */
    private record OnFd(int fd) implements IoctlCall {
        @Override
        public int call(IoctlRequest request, long arg) {
            NsIoctl nsfs = request instanceof NsIoctl r ? r : null;
            int result = nsfs != null && nsfs.argument() == NsIoctl.Argument.POINTER
                    ? LibC.ioctl(fd, request.request(), LibC.scratch().fill((byte) 0))
                    : LibC.ioctl(fd, request.request(), arg);
            if (result >= 0 && (nsfs == null || nsfs.result() == NsIoctl.Result.NEW_FD)) {
                LibC.close(result);
            }
            return result;
        }
    }
}
