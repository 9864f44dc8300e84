package io.github.nsfs4j.matrix;

import io.github.nsfs4j.kernel.NsIoctl;

/**
 * What the kernel suite asks the running kernel directly (through {@link RawKernel}, not
 * the library) to know which answer to expect: whether a request exists is found by making
 * it where it must succeed, never from the version number.
 */
final class KernelOracle {
    private KernelOracle() {}

    /** Whether the kernel has an nsfs request: it answers something other than ENOTTY on the caller's own namespace. */
    static boolean has(NsIoctl request) {
        String uts = "/proc/thread-self/ns/uts";
        String user = "/proc/thread-self/ns/user";
        String mnt = "/proc/thread-self/ns/mnt";
        String pid = "/proc/thread-self/ns/pid";
        long own = ProcessHandle.current().pid();
        long req = request.request();
        // Where each request must answer something other than ENOTTY if the kernel has it: our
        // own pid in our own pid namespace translates (no quirk can give ENOTTY there);
        // NS_GET_PARENT on a uts namespace is EINVAL, NS_GET_USERNS an fd.
        long rc = switch (request) {
            case NS_GET_USERNS, NS_GET_PARENT -> RawKernel.ioctlOnPath(uts, req, 0, true);
            case NS_GET_NSTYPE -> RawKernel.ioctlOnPath(uts, req, 0, false);
            case NS_GET_OWNER_UID -> RawKernel.ioctlU64OrStruct(user, req, false);
            case NS_GET_MNTNS_ID, NS_MNT_GET_INFO -> RawKernel.ioctlU64OrStruct(mnt, req, false);
            case NS_MNT_GET_NEXT, NS_MNT_GET_PREV -> RawKernel.ioctlU64OrStruct(mnt, req, true);
            case NS_GET_ID -> RawKernel.ioctlU64OrStruct(uts, req, false);
            case NS_GET_PID_FROM_PIDNS, NS_GET_TGID_FROM_PIDNS, NS_GET_PID_IN_PIDNS, NS_GET_TGID_IN_PIDNS ->
                    RawKernel.ioctlOnPath(pid, req, own, false);
        };
        return rc != -RawKernel.ENOTTY;
    }
}
