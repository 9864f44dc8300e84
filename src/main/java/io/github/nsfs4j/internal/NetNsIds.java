package io.github.nsfs4j.internal;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import io.github.nsfs4j.linux.Constants;
import io.github.nsfs4j.linux.Downcalls;
import io.github.nsfs4j.linux.LibC;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The id a net namespace has in the caller's net namespace ("nsid", {@code ip netns list-id};
 * lsns's NETNSID): asked with RTM_GETNSID over a NETLINK_ROUTE socket, by the pid of a process
 * in it, as lsns asks. One socket for many questions; close it. Not thread-safe.
 */
public final class NetNsIds implements AutoCloseable {
    /** The kernel's answer for a net namespace that has no id in the caller's (NETNSA_NSID_NOT_ASSIGNED). */
    public static final int NOT_ASSIGNED = -1;

    private final Arena arena = Arena.ofConfined();
    private final MemorySegment buf = arena.allocate(512, 4);
    private int fd = -1;
    private int seq;

    /** The nsid of the net namespace of process {@code pid}: &gt;= 0, {@link #NOT_ASSIGNED}, or -errno. */
    public int ofProcess(int pid) {
        Downcalls.requireNativeAccess();
        if (fd < 0) {
            fd = LibC.socket(Constants.AF_NETLINK, Constants.SOCK_RAW | Constants.SOCK_CLOEXEC, Constants.NETLINK_ROUTE);
            if (fd < 0) {
                return fd;
            }
        }
        // struct nlmsghdr (16) + struct rtgenmsg (1, padded to 4) + rtattr NETNSA_PID (4 + 4)
        buf.fill((byte) 0);
        buf.set(JAVA_INT, 0, 28);
        buf.set(JAVA_SHORT, 4, (short) Constants.RTM_GETNSID);
        buf.set(JAVA_SHORT, 6, (short) Constants.NLM_F_REQUEST);
        buf.set(JAVA_INT, 8, ++seq);
        buf.set(JAVA_SHORT, 20, (short) 8);
        buf.set(JAVA_SHORT, 22, (short) Constants.NETNSA_PID);
        buf.set(JAVA_INT, 24, pid);
        long sent = LibC.send(fd, buf, 28, 0);
        if (sent < 0) {
            return (int) sent;
        }
        long n = LibC.recv(fd, buf, buf.byteSize(), 0);
        if (n < 0) {
            return (int) n;
        }
        int type = Short.toUnsignedInt(buf.get(JAVA_SHORT, 4));
        if (type == Constants.NLMSG_ERROR) {
            int error = buf.get(JAVA_INT, 16); // struct nlmsgerr: int error, then the request
            return error < 0 ? error : NOT_ASSIGNED;
        }
        if (type != Constants.RTM_NEWNSID) {
            return NOT_ASSIGNED;
        }
        int length = Math.min(buf.get(JAVA_INT, 0), (int) n);
        for (int at = 20; at + 4 <= length;) {
            int attrLength = Short.toUnsignedInt(buf.get(JAVA_SHORT, at));
            int attrType = Short.toUnsignedInt(buf.get(JAVA_SHORT, at + 2));
            if (attrLength < 4) {
                break;
            }
            if (attrType == Constants.NETNSA_NSID && attrLength >= 8) {
                return buf.get(JAVA_INT, at + 4);
            }
            at += (attrLength + 3) & ~3;
        }
        return NOT_ASSIGNED;
    }

    @Override
    public void close() {
        if (fd >= 0) {
            LibC.close(fd);
            fd = -1;
        }
        arena.close();
    }
}
