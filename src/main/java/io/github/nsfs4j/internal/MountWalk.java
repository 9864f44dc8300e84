package io.github.nsfs4j.internal;

import io.github.nsfs4j.linux.Structs;
import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.kernel.NsIoctl;

import java.lang.foreign.MemorySegment;

/** The mount-namespace requests (Linux 6.12): {@code struct mnt_ns_info}, and the walk by id. */
public final class MountWalk {
    private MountWalk() {}

    /** Makes the caller's value of one mount namespace's info. */
    public interface Info<T> {
        T of(long id, long inode, long mountCount);
    }

    /** NS_MNT_GET_INFO of an open mount namespace. */
    public static <T> T info(NsFile ns, Info<T> value) throws Failure {
        return read(ns.written(NsIoctl.NS_MNT_GET_INFO), ns.inode(), ns.toString(), value);
    }

    /** The info in {@code buf}, filled by an NS_MNT_GET_* request on the namespace {@code target}, {@code inode}. */
    public static <T> T read(MemorySegment buf, long inode, String target, Info<T> value) throws Failure {
        int size = Structs.mntNsInfoSize(buf);
        if (size < Structs.MNT_NS_INFO.byteSize()) {
            throw Failure.of(Failure.Kind.FAILED, NsIoctl.NS_MNT_GET_INFO.name(), target, 0, "the kernel filled only "
                    + size + " bytes of struct mnt_ns_info, expected " + Structs.MNT_NS_INFO.byteSize());
        }
        return value.of(Structs.mntNsInfoMntNsId(buf), inode, Integer.toUnsignedLong(Structs.mntNsInfoNrMounts(buf)));
    }

    /**
     * NS_MNT_GET_NEXT or NS_MNT_GET_PREV: the neighbour by id, opened, or null past the end.
     *
     * @throws Failure DENIED unless the caller is in the initial pid namespace with
     *     CAP_SYS_ADMIN in the initial user namespace
     */
    public static NsFile step(NsFile ns, NsIoctl request) throws Failure {
        MemorySegment buf = io.github.nsfs4j.linux.LibC.scratch().fill((byte) 0);
        int newFd = ns.ioctl(request, buf);
        if (newFd < 0) {
            if (Errnos.meaning(request.name(), -newFd, null) == Errnos.Meaning.END) {
                return null;
            }
            throw Failure.request(request, ns.toString(), -newFd);
        }
        return NamespaceFiles.adoptOrClose(newFd, request.name() + " of " + ns, NamespaceType.MNT);
    }
}
