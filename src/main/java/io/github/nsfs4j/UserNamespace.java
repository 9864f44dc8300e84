package io.github.nsfs4j;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A handle on a user namespace: the owner of every other namespace, and a hierarchy of its
 * own. See {@link Namespace} for ownership, thread safety and identity.
 */
public final class UserNamespace extends Namespace {

    UserNamespace(int fd, long device, long inode, OptionalLong id) {
        super(fd, NamespaceType.USER, device, inode, id);
    }

    /**
     * Opens a user namespace file.
     *
     * @throws WrongNamespaceTypeException if the file is a namespace of another type
     * @see Namespace#open(Path)
     */
    public static UserNamespace open(Path path) throws NamespaceException {
        return (UserNamespace) openAs(path.toString(), NamespaceType.USER);
    }

    /** Opens the user namespace of a process ({@code /proc/<pid>/ns/user}). */
    public static UserNamespace ofProcess(long pid) throws NamespaceException {
        return (UserNamespace) openAs(procPath(pid, NamespaceType.USER), NamespaceType.USER);
    }

    /** Opens the calling thread's user namespace. */
    public static UserNamespace current() throws NamespaceException {
        return (UserNamespace) openAs(threadSelfPath(NamespaceType.USER), NamespaceType.USER);
    }

    /**
     * The parent user namespace (NS_GET_PARENT, Linux 4.9), as a new handle the caller owns.
     * Empty for the initial user namespace, and where the parent lies outside the caller's
     * view (an ancestor of the caller's own user namespace): the kernel's EPERM.
     */
    public Optional<UserNamespace> parent() throws NamespaceException {
        return related(NsIoctl.NS_GET_PARENT, NamespaceType.USER).map(UserNamespace.class::cast);
    }

    /**
     * The uid of the user that created this namespace (NS_GET_OWNER_UID, Linux 4.11), as seen
     * in the caller's user namespace: 65534 (the overflow uid) when it has no mapping there.
     */
    public int ownerUid() throws NamespaceException {
        return callWriting(NsIoctl.NS_GET_OWNER_UID).get(JAVA_INT, 0);
    }
}
