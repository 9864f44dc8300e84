package io.github.nsfs4j;

import io.github.nsfs4j.internal.Failure;
import io.github.nsfs4j.internal.FileHandles;
import io.github.nsfs4j.kernel.NamespaceType;

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
        try {
            return NamespaceHandle.of(FileHandles.open(type, id, inode, toString()));
        } catch (Failure f) {
            throw Failures.of(f);
        }
    }

    /** The stable text form, {@code nsfs:net:id=4099:ino=4026531833}; {@link #parse} reads it back. */
    @Override
    public String toString() {
        return "nsfs:" + type.procName() + ":id=" + Long.toUnsignedString(id) + ":ino=" + inode;
    }
}
