package io.github.nsfs4j;

import io.github.nsfs4j.kernel.NamespaceType;

import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * An open handle on one Linux namespace: an O_CLOEXEC file descriptor on a namespace file
 * ({@code /proc/<pid>/ns/<type>}, a bind mount of one, or an fd the kernel handed out).
 *
 * <p>Open one with {@link #open(Path)}, {@link #ofProcess(int, NamespaceType)},
 * {@link #current(NamespaceType)}, {@link #adopt(int)} or {@link #duplicate(int)}. Each returns
 * the class for the namespace's type, so pattern matching works: pid namespaces are
 * {@link PidNamespace}, user namespaces {@link UserNamespace}, mount namespaces
 * {@link MountNamespace}; the other five types have no operations of their own and are seen
 * only as {@code Namespace}. Operations that only make sense for one type exist only on that
 * type's class, and so do the typed factories ({@link PidNamespace#current()}, ...). These
 * general factories are static methods of an interface, which Java does not inherit: a call
 * such as {@code PidNamespace.current(NamespaceType.NET)} does not compile.
 *
 * <pre>{@code
 * switch (ns) {
 *     case PidNamespace pid -> pid.initPid();
 *     case UserNamespace user -> user.ownerUid();
 *     case MountNamespace mnt -> mnt.info();
 *     default -> ns.type();
 * }
 * }</pre>
 *
 * <p><b>Kernel:</b> Linux 4.11 for opening (NS_GET_NSTYPE); each operation names its own.
 *
 * <p><b>Ownership:</b> the handle owns its fd and closes it on {@link #close()}. Handles
 * returned by {@link #owner()} and the {@code parent()} methods are new handles, owned by
 * the caller.
 *
 * <p><b>Thread safety:</b> a handle may be used by any number of threads at once. A
 * {@code close()} while other threads are inside a call on it does not release the fd
 * under them: the fd is closed when the last of them leaves, and calls that start after
 * {@code close()} throw {@link ClosedNamespaceException}. No call ever acts on an fd number
 * that was released and reused. {@code close()} is idempotent.
 *
 * <p><b>After close</b>, every operation that needs the fd throws
 * {@link ClosedNamespaceException}. The identity recorded at open keeps answering what the
 * handle was: {@link #type()}, {@link #inode()}, {@link #device()}, {@link #id()},
 * {@link #isInitial()}, {@code toString}, {@code equals} and {@code hashCode}, so a closed
 * handle can still be logged, compared and found in a collection.
 *
 * <p><b>Identity:</b> {@link #equals} means "the same namespace": equal ids where the kernel
 * gives ids (Linux 6.18+, never reused within a boot), otherwise equal device and inode,
 * which is reliable while both handles are open (inodes are reused once a namespace dies).
 *
 * <p><b>Virtual threads:</b> {@link #current(NamespaceType)} and the typed {@code current()}
 * factories open {@code /proc/thread-self/ns/<type>}, the namespace of the kernel thread that
 * runs the call. On a virtual thread that is its carrier, the platform thread it is mounted
 * on at that moment. All carriers share the process's namespaces unless some code moved a
 * carrier into another namespace (setns(2) or unshare(2) on that thread), in which case two
 * calls from the same virtual thread may see different namespaces: run such code on a
 * platform thread.
 */
public sealed interface Namespace extends AutoCloseable permits NamespaceHandle {

    // ---------------------------------------------------------------- opening

    /**
     * Opens a namespace file: {@code /proc/<pid>/ns/<type>}, {@code /proc/thread-self/ns/<type>},
     * a bind mount such as {@code /run/netns/blue}. A magic link is followed.
     *
     * @param path the namespace file
     * @return a new handle, of the class for the namespace's type, owned by the caller
     * @throws NotANamespaceException if the path is not a namespace file
     * @throws UnknownNamespaceTypeException if it is a namespace of a type this nsfs4j does not know
     * @throws NoSuchNamespaceException if the path does not exist (or the process is gone)
     * @throws NamespaceAccessDeniedException if the caller may not open it
     * @throws NamespaceException for any other failure
     * @throws IllegalCallerException if native access is not enabled for nsfs4j (the message names the flag)
     */
    static Namespace open(Path path) throws NamespaceException {
        return NamespaceHandle.openPath(path, null);
    }

    /**
     * Opens {@code /proc/<pid>/ns/<type>}: the namespace of that type that process is in.
     *
     * @param pid a process of the caller's pid namespace
     * @param type the namespace type
     * @return a new handle, of the class for the type, owned by the caller
     * @throws IllegalArgumentException if {@code pid} is not positive
     * @throws NoSuchNamespaceException if the process does not exist (or the type is not configured)
     * @throws NamespaceAccessDeniedException if the caller may not inspect the process
     * @throws NamespaceException for any other failure
     */
    static Namespace ofProcess(int pid, NamespaceType type) throws NamespaceException {
        return NamespaceHandle.openProcess(pid, type);
    }

    /**
     * Opens the net namespace of a socket that another process holds: fd {@code fd} of
     * process {@code pid} (as {@code nsenter -N} does). A net namespace that a process created
     * a socket in and then left lives on through the socket alone; this reaches it. A copy of
     * the socket's fd is taken with pidfd_getfd(2) (Linux 5.6; ptrace attach access to the
     * process, so in practice root) and closed at once, after SIOCGSKNS (Linux 4.9;
     * CAP_NET_ADMIN over the namespace) gave the namespace's own fd. {@code nsfs info} names
     * such a namespace {@code net:PID:FD}.
     *
     * @param pid the process holding the socket
     * @param fd the socket's fd number in that process
     * @return a new handle of the net namespace, owned by the caller
     * @throws IllegalArgumentException if {@code pid} is not positive or {@code fd} negative
     * @throws NotANamespaceException if that fd is not a socket
     * @throws NoSuchNamespaceException if the process or the fd is gone
     * @throws NamespaceAccessDeniedException if the kernel refuses the copy or the request
     * @throws NamespaceException for any other failure (no pidfd_getfd before Linux 5.6)
     */
    static Namespace ofSocket(int pid, int fd) throws NamespaceException {
        try {
            return NamespaceHandle.of(io.github.nsfs4j.internal.SocketNamespaces.open(pid, fd));
        } catch (io.github.nsfs4j.internal.Failure f) {
            throw Failures.of(f);
        }
    }

    /**
     * Opens the namespace of {@code type} whose 64-bit id ({@link #id()}, Linux 6.18) is
     * {@code id}, without knowing where it is held: through an nsfs file handle of the id (Linux
     * 6.19 takes the id alone). Where the kernel wants the inode as well (6.18), the inode is
     * found by a scan ({@link NamespaceDiscovery#scan}) of what the caller can see, then the
     * full handle opens it. A privileged caller reaches every namespace that is alive; an
     * unprivileged one those it is in, or that the scan finds it may open. {@code nsfs exec
     * --net=:ID} uses it.
     *
     * @param type the namespace type
     * @param id the namespace's id (unsigned)
     * @return a new handle, of the class for the type, owned by the caller
     * @throws UnsupportedRequestException before Linux 6.18, which gives namespaces no ids
     * @throws NoSuchNamespaceException if no namespace of that type and id is alive and reachable
     * @throws NamespaceException for any other failure
     */
    static Namespace ofId(NamespaceType type, long id) throws NamespaceException {
        return NamespaceHandle.openId(type, id);
    }

    /**
     * Opens a namespace of the process a {@link ProcessHandle} names, race-free: through a
     * pidfd ({@link Pidfd#of}), so a pid reused by another process is detected, not opened.
     *
     * @param process the process
     * @param type the namespace type
     * @return a new handle, of the class for the type, owned by the caller
     * @throws NoSuchNamespaceException if the process has exited
     * @throws NamespaceAccessDeniedException if the caller may not inspect the process
     * @throws NamespaceException for any other failure
     */
    static Namespace ofProcess(ProcessHandle process, NamespaceType type) throws NamespaceException {
        java.util.Objects.requireNonNull(type, "type");
        try (Pidfd pidfd = Pidfd.of(process)) {
            return pidfd.namespace(type);
        }
    }

    /**
     * Opens the calling thread's own namespace of a type ({@code /proc/thread-self/ns/<type>};
     * on a virtual thread, its carrier's: see the class comment).
     *
     * @param type the namespace type
     * @return a new handle, of the class for the type, owned by the caller
     * @throws NoSuchNamespaceException if the type is not configured in the kernel
     * @throws NamespaceException for any other failure
     */
    static Namespace current(NamespaceType type) throws NamespaceException {
        return NamespaceHandle.openThreadSelf(type);
    }

    /**
     * Takes ownership of an fd on a namespace file; the handle closes it. The fd is checked
     * first; if that fails, it stays the caller's, open. FD_CLOEXEC is set on it.
     *
     * @param fd an open fd on a namespace file
     * @return a new handle owning {@code fd}
     * @throws IllegalArgumentException if {@code fd} is negative
     * @throws NotANamespaceException if the fd is not on a namespace file, or is an O_PATH fd
     * @throws UnknownNamespaceTypeException if it is a namespace of a type this nsfs4j does not know
     * @throws NamespaceException for any other failure
     */
    static Namespace adopt(int fd) throws NamespaceException {
        try {
            return NamespaceHandle.of(io.github.nsfs4j.internal.NamespaceFiles.adopt(fd));
        } catch (io.github.nsfs4j.internal.Failure f) {
            throw Failures.of(f);
        }
    }

    /**
     * Opens a new handle on a duplicate (F_DUPFD_CLOEXEC) of an fd on a namespace file. The
     * caller's fd is not touched and stays the caller's.
     *
     * @param fd an open fd on a namespace file
     * @return a new handle owning the duplicate
     * @throws IllegalArgumentException if {@code fd} is negative
     * @throws NotANamespaceException if the fd is not on a namespace file, or is an O_PATH fd
     * @throws UnknownNamespaceTypeException if it is a namespace of a type this nsfs4j does not know
     * @throws NamespaceException for any other failure
     */
    static Namespace duplicate(int fd) throws NamespaceException {
        try {
            return NamespaceHandle.of(io.github.nsfs4j.internal.NamespaceFiles.duplicate(fd));
        } catch (io.github.nsfs4j.internal.Failure f) {
            throw Failures.of(f);
        }
    }

    // ---------------------------------------------------------------- identity (recorded at open)

    /**
     * The namespace's type; also after close.
     *
     * @return the type
     */
    NamespaceType type();

    /**
     * The namespace's inode number, as {@code readlink /proc/<pid>/ns/<type>} shows it in
     * {@code type:[inode]}. Unique among living namespaces; reused after one dies. Also after
     * close.
     *
     * @return the inode number (unsigned 32-bit)
     */
    long inode();

    /**
     * The device of the namespace filesystem, as {@code st_dev} (glibc encoding); also after close.
     *
     * @return the device number
     */
    long device();

    /**
     * The namespace's 64-bit id (unsigned), never reused within a boot: NS_GET_ID on Linux
     * 6.18+; for mount namespaces on 6.11 to 6.17, NS_GET_MNTNS_ID. Empty where the running
     * kernel has neither: the library never invents an id. Also after close.
     *
     * @return the id, or empty
     */
    OptionalLong id();

    /**
     * Whether this is the machine's initial namespace of its type (the one the kernel starts
     * with, where kernel threads live). Also after close: it uses only the inode recorded at
     * open and what {@code /proc} shows, never this handle's fd.
     *
     * <p>How it is decided, by kernel:
     * <ul>
     *   <li>ipc, uts, user, pid, cgroup and time namespaces, on every kernel: the initial one
     *       has a fixed inode ({@code enum init_ns_ino}, which no other namespace can get), so
     *       the inode alone answers.</li>
     *   <li>net and mount namespaces on Linux 6.18 and later: the same (they got fixed inodes
     *       in 6.18).</li>
     *   <li>net and mount namespaces on older kernels, whose initial ones have ordinary inodes:
     *       the namespace is compared with that of kthreadd (pid 2), or else init (pid 1), of
     *       the initial pid namespace. That needs a caller that sees the initial pid
     *       namespace's {@code /proc} and may read those links (root, or CAP_SYS_PTRACE);
     *       where it cannot, this method throws instead of guessing. The kernel is not asked
     *       for its version: whether the type has a fixed inode is read from those same links,
     *       or from the caller's own namespace of the type where it has the fixed inode.</li>
     * </ul>
     *
     * @return true for an initial namespace
     * @throws NamespaceException where nothing the caller can see tells (net or mount
     *     namespace, kernel without their fixed inodes, no visible kthreadd or init); the
     *     message says what is missing
     */
    boolean isInitial() throws NamespaceException;

    /**
     * A persistent reference to this namespace, to store and reopen later without holding an
     * fd (nsfs file handles, Linux 6.18).
     *
     * @return the reference
     * @throws ClosedNamespaceException if the handle is closed
     * @throws NamespaceException if the kernel gives no file handle for it
     */
    NamespaceReference reference() throws NamespaceException;

    // ---------------------------------------------------------------- relations

    /**
     * The user namespace that owns this namespace (NS_GET_USERNS, Linux 4.9); for a user
     * namespace, the one it was created in. Empty when that namespace lies outside the
     * caller's view (the kernel's EPERM: it is not the caller's own user namespace nor one of
     * its descendants): for the initial user namespace, which has no owner, and, for a caller
     * inside a child user namespace, for anything its ancestors own (a caller in the initial
     * user namespace does get the initial user namespace as the owner of the host's namespaces).
     *
     * @return a new handle the caller owns and closes, or empty
     * @throws ClosedNamespaceException if the handle is closed
     * @throws NamespaceException for any other failure
     */
    Optional<UserNamespace> owner() throws NamespaceException;

    // ---------------------------------------------------------------- life cycle

    /**
     * Whether the handle is still open (no {@link #close()} yet).
     *
     * @return true until {@code close()}
     */
    boolean isOpen();

    /**
     * Closes the handle. Idempotent. If other threads are inside a call on this handle, the
     * fd is closed when the last of them returns; no new call starts.
     */
    @Override
    void close();

    /**
     * Same namespace: equal ids where both handles have one, otherwise same type, device and
     * inode. Works on closed handles too (the identity is recorded at open).
     *
     * @param o another object
     * @return whether {@code o} is a handle on the same namespace
     */
    @Override
    boolean equals(Object o);

    /**
     * Consistent with {@link #equals}, from the device and inode; works on closed handles too.
     *
     * @return the hash code
     */
    @Override
    int hashCode();

    /**
     * Reads like {@code readlink}: {@code pid:[4026531836]}, then the id where known
     * ({@code id=6}) and {@code (closed)} once closed.
     *
     * @return the description
     */
    @Override
    String toString();
}
