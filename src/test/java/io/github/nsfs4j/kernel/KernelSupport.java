package io.github.nsfs4j.kernel;

import io.github.nsfs4j.NamespaceType;
import io.github.nsfs4j.NsIoctl;
import io.github.nsfs4j.testing.Proc;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the kernel suite asks the running kernel directly (through {@link RawKernel}, not
 * the library) to know which answer to expect: whether a request exists is found by making
 * it where it must succeed, never from the version number.
 */
final class KernelSupport {
    private KernelSupport() {}

    /** Whether the kernel has an nsfs request: it answers something other than ENOTTY on the caller's own namespace. */
    static boolean has(NsIoctl request) {
        String type = switch (request) {
            case NS_GET_OWNER_UID -> "user";
            case NS_GET_MNTNS_ID, NS_MNT_GET_INFO, NS_MNT_GET_NEXT, NS_MNT_GET_PREV -> "mnt";
            case NS_GET_PID_FROM_PIDNS, NS_GET_TGID_FROM_PIDNS, NS_GET_PID_IN_PIDNS, NS_GET_TGID_IN_PIDNS -> "pid";
            default -> "uts";
        };
        String path = "/proc/thread-self/ns/" + type;
        long rc;
        if (request.argument() == NsIoctl.Argument.PID_VALUE) {
            // Our own pid in our own pid namespace must translate: no quirk can give ENOTTY here.
            rc = RawKernel.ioctlOnPath(path, request.request(), ProcessHandle.current().pid(), false);
        } else if (request.argument() == NsIoctl.Argument.NONE) {
            rc = RawKernel.ioctlOnPath(path, request.request(), 0, request.result() == NsIoctl.Result.NEW_FD);
        } else {
            rc = RawKernel.ioctlU64OrStruct(path, request);
        }
        return rc != -RawKernel.ENOTTY;
    }

    /** The inode of {@code /proc/PID/ns/TYPE}, as readlink shows it. */
    static long inode(long pid, NamespaceType type) {
        return Proc.nsInode(pid, type.procName());
    }

    /**
     * The process whose namespaces are the machine's initial ones: pid 1 (in a matrix guest,
     * busybox's init, which never unshares) where its namespace links can be read; where the
     * sandbox hides pid 1 (this project's development machines), the JVM itself, which such a
     * sandbox starts in the initial namespaces.
     */
    static long initialProcess() {
        return Files.isReadable(Path.of("/proc/1/ns/pid")) && readable("/proc/1/ns/pid") ? 1
                : ProcessHandle.current().pid();
    }

    private static boolean readable(String link) {
        try {
            Files.readSymbolicLink(Path.of(link));
            return true;
        } catch (Exception e) {
            return false;
        }
    }
}
