package io.github.nsfs4j.internal;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.github.nsfs4j.linux.Constants;
import io.github.nsfs4j.linux.Downcalls;
import io.github.nsfs4j.linux.LibC;
import io.github.nsfs4j.linux.Structs;
import io.github.nsfs4j.kernel.NamespaceType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Optional;

/** nsfs file handles (Linux 6.18): a namespace as (type, id, inode), and back to an open file. */
public final class FileHandles {
    private FileHandles() {}

    /** Makes the caller's value of an encoded handle. */
    public interface Encoded<T> {
        T of(NamespaceType type, long id, long inode);
    }

    /** Encodes an open namespace through name_to_handle_at(2). */
    public static <T> T encode(NsFile ns, Encoded<T> value) throws Failure {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment handle = arena.allocate(Structs.NSFS_FILE_HANDLE);
            handle.set(JAVA_INT, Structs.FILE_HANDLE_BYTES, Structs.NSFS_HANDLE_BYTES);
            MemorySegment mountId = arena.allocate(JAVA_INT);
            int rc = ns.apply(fd -> LibC.name_to_handle_at(fd, handle, mountId), "name_to_handle_at");
            if (rc < 0) {
                throw Failure.errno("name_to_handle_at", ns.toString(), -rc, "cannot encode the namespace");
            }
            int type = handle.get(JAVA_INT, Structs.FILE_HANDLE_TYPE);
            int bytes = handle.get(JAVA_INT, Structs.FILE_HANDLE_BYTES);
            Optional<NamespaceType> nsType = NamespaceType.ofCloneFlag(handle.get(JAVA_INT, Structs.FILE_HANDLE_NS_TYPE));
            if (type != Constants.FILEID_NSFS || bytes != Structs.NSFS_HANDLE_BYTES || nsType.isEmpty()) {
                throw Failure.of(Failure.Kind.FAILED, "name_to_handle_at", ns.toString(), 0, "unexpected handle type 0x"
                        + Integer.toHexString(type) + " of " + bytes + " bytes");
            }
            return value.of(nsType.get(), handle.get(JAVA_LONG, Structs.FILE_HANDLE_NS_ID),
                    Integer.toUnsignedLong(handle.get(JAVA_INT, Structs.FILE_HANDLE_NS_INUM)));
        }
    }

    /**
     * Reopens a namespace from its handle: open_by_handle_at(2) on {@code FD_NSFS_ROOT},
     * read-only, O_CLOEXEC; {@code origin} names it in messages. With {@code inode} 0 the handle
     * carries the id alone (type and inode 0, the form the kernel's own tests use; 6.19+), and
     * the opened file's type must be {@code type} (else a {@link Failure.Kind#WRONG_TYPE}).
     */
    public static NsFile open(NamespaceType type, long id, long inode, String origin) throws Failure {
        Downcalls.requireNativeAccess();
        int fd;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment handle = arena.allocate(Structs.NSFS_FILE_HANDLE);
            handle.set(JAVA_INT, Structs.FILE_HANDLE_BYTES, Structs.NSFS_HANDLE_BYTES);
            handle.set(JAVA_INT, Structs.FILE_HANDLE_TYPE, Constants.FILEID_NSFS);
            handle.set(JAVA_LONG, Structs.FILE_HANDLE_NS_ID, id);
            handle.set(JAVA_INT, Structs.FILE_HANDLE_NS_TYPE, inode == 0 ? 0 : type.cloneFlag());
            handle.set(JAVA_INT, Structs.FILE_HANDLE_NS_INUM, (int) inode);
            fd = LibC.open_by_handle_at(Constants.FD_NSFS_ROOT, handle, NamespaceFiles.OPEN_FLAGS);
        }
        if (fd < 0) {
            throw Failure.errno("open_by_handle_at", origin, -fd, "cannot reopen the namespace");
        }
        return NamespaceFiles.adoptOrClose(fd, origin, type);
    }
}
