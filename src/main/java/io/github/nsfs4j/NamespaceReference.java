package io.github.nsfs4j;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A persistent reference to a namespace: the kernel's nsfs file handle (Linux 6.18,
 * {@code FILEID_NSFS}: the 64-bit id, the type and the inode), as a small immutable value
 * that can be stored as text and reopened later without holding an fd. Because the id is
 * never reused within a boot, a reference cannot reopen a different namespace that happens
 * to have been given the same inode.
 *
 * <p>Get one with {@link Namespace#reference()}; reopen it with {@link #open()}; store it
 * with {@link #toString()} ({@code nsfs:net:id=4099:ino=4026531833}) and read it back with
 * {@link #parse(String)}.
 *
 * @param type the namespace's type
 * @param id the namespace's 64-bit id (unsigned)
 * @param inode the namespace's inode number (unsigned 32-bit)
 */
public record NamespaceReference(NamespaceType type, long id, long inode) {
    private static final Pattern TEXT = Pattern.compile("nsfs:([a-z]+):id=(0|[1-9]\\d{0,19}):ino=(0|[1-9]\\d{0,9})");

    /**
     * Checks the fields; no system call. {@link #open()} finds out whether they name a namespace.
     *
     * @throws IllegalArgumentException if {@code inode} does not fit 32 bits unsigned
     */
    public NamespaceReference {
        Objects.requireNonNull(type, "type");
        if (inode < 0 || inode > 0xffffffffL) {
            throw new IllegalArgumentException("inode out of the 32-bit range: " + inode);
        }
    }

    /**
     * Reads the text form written by {@link #toString()}, checking it fully before any
     * system call.
     *
     * @param text the text form
     * @return the reference
     * @throws IllegalArgumentException if the text is not a reference
     */
    public static NamespaceReference parse(String text) {
        Objects.requireNonNull(text, "text");
        Matcher m = TEXT.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a namespace reference: '" + text
                    + "' (expected nsfs:TYPE:id=ID:ino=INODE, for example nsfs:net:id=4099:ino=4026531833)");
        }
        try {
            return new NamespaceReference(NamespaceType.fromName(m.group(1)),
                    Long.parseUnsignedLong(m.group(2)), Long.parseLong(m.group(3)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a namespace reference: '" + text + "': " + e.getMessage(), e);
        }
    }

    /** Encodes an open namespace through name_to_handle_at(2). */
    static NamespaceReference of(Namespace ns) throws NamespaceException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment handle = arena.allocate(Structs.NSFS_FILE_HANDLE);
            handle.set(JAVA_INT, Structs.FILE_HANDLE_BYTES, Structs.NSFS_HANDLE_BYTES);
            MemorySegment mountId = arena.allocate(JAVA_INT);
            int rc = NamespaceHandle.of(ns).callOnFd(fd -> LibC.name_to_handle_at(fd, handle, mountId), "name_to_handle_at");
            if (rc < 0) {
                throw -rc == Errnos.EOPNOTSUPP || -rc == Errnos.EINVAL || -rc == Errnos.EOVERFLOW
                        ? new NamespaceException("name_to_handle_at", ns.toString(), -rc,
                                "this kernel gives no file handles for namespaces (Linux 6.18 does)")
                        : Errnos.failure("name_to_handle_at", ns.toString(), -rc, "cannot encode the namespace");
            }
            int type = handle.get(JAVA_INT, Structs.FILE_HANDLE_TYPE);
            int bytes = handle.get(JAVA_INT, Structs.FILE_HANDLE_BYTES);
            if (type != Constants.FILEID_NSFS || bytes != Structs.NSFS_HANDLE_BYTES) {
                throw new NamespaceException("name_to_handle_at", ns.toString(), 0, "unexpected handle type 0x"
                        + Integer.toHexString(type) + " of " + bytes + " bytes");
            }
            return new NamespaceReference(NamespaceType.fromCloneFlag(handle.get(JAVA_INT, Structs.FILE_HANDLE_NS_TYPE)),
                    handle.get(JAVA_LONG, Structs.FILE_HANDLE_NS_ID),
                    Integer.toUnsignedLong(handle.get(JAVA_INT, Structs.FILE_HANDLE_NS_INUM)));
        }
    }

    /**
     * Reopens the namespace (open_by_handle_at(2) on {@code FD_NSFS_ROOT}, read-only,
     * O_CLOEXEC), as a new handle the caller owns.
     *
     * @return a new handle, of the class for the type, owned by the caller
     * @throws NoSuchNamespaceException if the namespace is gone or not reachable by the
     *     caller (the kernel says ESTALE for both: unprivileged callers reach only
     *     namespaces they are in)
     */
    public Namespace open() throws NamespaceException {
        LibC.requireNativeAccess();
        int fd;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment handle = arena.allocate(Structs.NSFS_FILE_HANDLE);
            handle.set(JAVA_INT, Structs.FILE_HANDLE_BYTES, Structs.NSFS_HANDLE_BYTES);
            handle.set(JAVA_INT, Structs.FILE_HANDLE_TYPE, Constants.FILEID_NSFS);
            handle.set(JAVA_LONG, Structs.FILE_HANDLE_NS_ID, id);
            handle.set(JAVA_INT, Structs.FILE_HANDLE_NS_TYPE, type.cloneFlag());
            handle.set(JAVA_INT, Structs.FILE_HANDLE_NS_INUM, (int) inode);
            fd = LibC.open_by_handle_at(Constants.FD_NSFS_ROOT, handle, NamespaceHandle.OPEN_FLAGS);
        }
        if (fd < 0) {
            throw -fd == Errnos.ESTALE
                    ? new NoSuchNamespaceException("open_by_handle_at", toString(), -fd,
                            "namespace no longer reachable (it is gone, or the caller may not open it)")
                    : Errnos.failure("open_by_handle_at", toString(), -fd, "cannot reopen the namespace");
        }
        return NamespaceHandle.adoptOrClose(fd, toString(), type);
    }

    /** The stable text form, {@code nsfs:net:id=4099:ino=4026531833}; {@link #parse} reads it back. */
    @Override
    public String toString() {
        return "nsfs:" + type.procName() + ":id=" + Long.toUnsignedString(id) + ":ino=" + inode;
    }
}
