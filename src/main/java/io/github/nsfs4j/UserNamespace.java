package io.github.nsfs4j;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import io.github.nsfs4j.internal.NsFile;
import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.kernel.NsIoctl;

import java.nio.file.Path;
import java.util.Optional;

/**
 * A handle on a user namespace: the owner of every other namespace, and a hierarchy of its
 * own. See {@link Namespace} for ownership, thread safety and identity.
 */
public final class UserNamespace extends NamespaceHandle {

    UserNamespace(NsFile file) {
        super(file);
    }

    /**
     * Opens a user namespace file.
     *
     * @param path the namespace file, such as {@code /proc/<pid>/ns/user} or a bind mount of one
     * @return a new handle the caller owns
     * @throws WrongNamespaceTypeException if the file is a namespace of another type
     * @throws NamespaceException for any other failure, as {@link Namespace#open(Path)}
     */
    public static UserNamespace open(Path path) throws NamespaceException {
        return (UserNamespace) openPath(path, NamespaceType.USER);
    }

    /**
     * Opens the user namespace of a process ({@code /proc/<pid>/ns/user}).
     *
     * @param pid a process of the caller's pid namespace
     * @return a new handle the caller owns
     * @throws IllegalArgumentException if {@code pid} is not positive
     * @throws NoSuchNamespaceException if the process does not exist
     * @throws NamespaceException for any other failure, as {@link Namespace#ofProcess(int, NamespaceType)}
     */
    public static UserNamespace ofProcess(int pid) throws NamespaceException {
        return (UserNamespace) openProcess(pid, NamespaceType.USER);
    }

    /**
     * Opens the calling thread's user namespace ({@code /proc/thread-self/ns/user}; on a
     * virtual thread, its carrier's: see {@link Namespace}).
     *
     * @return a new handle the caller owns
     * @throws NamespaceException if it cannot be opened
     */
    public static UserNamespace current() throws NamespaceException {
        return (UserNamespace) openThreadSelf(NamespaceType.USER);
    }

    /**
     * The parent user namespace (NS_GET_PARENT, Linux 4.9), as a new handle the caller owns.
     * Empty for the initial user namespace, and where the parent lies outside the caller's
     * view (an ancestor of the caller's own user namespace): the kernel's EPERM.
     *
     * @return a new handle the caller owns and closes, or empty
     * @throws ClosedNamespaceException if the handle is closed
     * @throws NamespaceException for any other failure
     */
    public Optional<UserNamespace> parent() throws NamespaceException {
        return related(NsIoctl.NS_GET_PARENT, NamespaceType.USER).map(UserNamespace.class::cast);
    }

    /**
     * The uid of the user that created this namespace (NS_GET_OWNER_UID, Linux 4.11), as seen
     * in the caller's user namespace: 65534 (the overflow uid) when it has no mapping there.
     * The kernel's {@code uid_t} is unsigned 32-bit and uids above 2<sup>31</sup> are in use
     * (container uid ranges, systemd's dynamic users), so it comes as a {@code long} from 0 to
     * 4294967295, the number {@code id -u} and {@code /proc/<pid>/status} print: no caller has
     * to remember {@link Integer#toUnsignedLong}.
     *
     * @return the owner's uid, unsigned
     * @throws ClosedNamespaceException if the handle is closed
     * @throws NamespaceException for any other failure
     */
    public long ownerUid() throws NamespaceException {
        return Integer.toUnsignedLong(written(NsIoctl.NS_GET_OWNER_UID).get(JAVA_INT, 0));
    }
}
