package io.github.nsfs4j;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Which {@link NsIoctl} requests the running kernel has, probed once per request on the
 * caller's own namespaces with arguments for which the request must succeed.
 */
final class Support {
    private Support() {}

    private static final int UNKNOWN = 0, YES = 1, NO = 2;
    private static final AtomicIntegerArray STATE = new AtomicIntegerArray(NsIoctl.values().length);

    /** One ioctl, as the probe makes it: the result, or -errno. */
    interface IoctlCall {
        int call(NsIoctl request, long arg);
    }

    static boolean isSupported(NsIoctl request) {
        int state = STATE.get(request.ordinal());
        if (state == UNKNOWN) {
            // Two threads may both probe on first use; both find the same answer.
            state = probe(request) ? YES : NO;
            STATE.set(request.ordinal(), state);
        }
        return state == YES;
    }

    /** The namespace type whose caller-own file a probe of {@code request} runs on. */
    static NamespaceType probeType(NsIoctl request) {
        return switch (request) {
            case NS_GET_OWNER_UID -> NamespaceType.USER;
            case NS_GET_MNTNS_ID, NS_MNT_GET_INFO, NS_MNT_GET_NEXT, NS_MNT_GET_PREV -> NamespaceType.MNT;
            case NS_GET_PID_FROM_PIDNS, NS_GET_TGID_FROM_PIDNS, NS_GET_PID_IN_PIDNS, NS_GET_TGID_IN_PIDNS ->
                    NamespaceType.PID;
            case NS_GET_USERNS, NS_GET_PARENT, NS_GET_NSTYPE, NS_GET_ID -> NamespaceType.UTS;
        };
    }

    /**
     * Judges a probe. On the caller's own namespace of {@link #probeType}, with the caller's
     * own pid for the translations, every request answers something other than ENOTTY where
     * the kernel has it: success, or EINVAL (NS_GET_PARENT on uts), or EPERM/ENOENT (the mount
     * namespace walk). A pid-translation request must succeed there, which is why ENOTTY from
     * it can only mean the request is missing and not the ESRCH-as-ENOTTY quirk.
     */
    static boolean probe(NsIoctl request, long ownPid, IoctlCall call) {
        long arg = request.argument() == NsIoctl.Argument.PID_VALUE ? ownPid : 0;
        return call.call(request, arg) != -Errnos.ENOTTY;
    }

    private static boolean probe(NsIoctl request) {
        LibC.requireNativeAccess();
        String path = "/proc/thread-self/ns/" + probeType(request).procName();
        int fd = LibC.open(path, NamespaceHandle.OPEN_FLAGS);
        if (fd < 0) {
            return KernelVersion.running().atLeast(request.since());
        }
        try {
            return probe(request, ProcessHandle.current().pid(), (req, arg) -> {
                int result = req.argument() == NsIoctl.Argument.PID_VALUE || req.argument() == NsIoctl.Argument.NONE
                        ? LibC.ioctl(fd, req.request(), arg)
                        : LibC.ioctl(fd, req.request(), zeroedScratch());
                if (result >= 0 && req.result() == NsIoctl.Result.NEW_FD) {
                    LibC.close(result);
                }
                return result;
            });
        } finally {
            LibC.close(fd);
        }
    }

    private static MemorySegment zeroedScratch() {
        return LibC.scratch().fill((byte) 0);
    }
}
