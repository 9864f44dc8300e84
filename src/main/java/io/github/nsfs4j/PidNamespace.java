package io.github.nsfs4j;

import io.github.nsfs4j.internal.Errnos;
import io.github.nsfs4j.internal.Failure;
import io.github.nsfs4j.internal.NsFile;
import io.github.nsfs4j.internal.ProcfsPidTranslation;
import io.github.nsfs4j.kernel.KernelSupport;
import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.kernel.NsIoctl;

import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A handle on a pid namespace, with translation of pids between it and the caller's own pid
 * namespace (Linux 6.11). See {@link Namespace} for ownership, thread safety and identity.
 *
 * <p>"The caller's pid namespace" is the pid namespace of the calling process, the one
 * {@link ProcessHandle#pid()} is counted in. A pid that does not exist, or whose answer is not
 * visible on the other side, translates to an empty result; that is not an error.
 *
 * <p><b>Older kernels:</b> where the running kernel lacks the translation requests (before
 * 6.11), the same methods answer from the {@code NSpid:}/{@code NStgid:} lines of
 * {@code /proc/<pid>/status}, chosen once, automatically. The system property
 * {@code nsfs4j.pidTranslation} ({@code auto}, {@code ioctl} or {@code procfs}) forces a
 * path. That fallback needs {@code /proc} mounted for the caller's own pid namespace, sees
 * only the tasks that procfs shows (in a namespace below the caller's, only those whose
 * {@code /proc/<pid>/ns/pid} link the caller may read), answers only for the caller's own pid
 * namespace and those below it (a {@link NamespaceException} for any other), and costs a scan of every
 * task for the {@code *_FROM_NAMESPACE} directions instead of one ioctl.
 */
public final class PidNamespace extends NamespaceHandle {

    PidNamespace(NsFile file) {
        super(file);
    }

    /**
     * Opens a pid namespace file.
     *
     * @param path the namespace file, such as {@code /proc/<pid>/ns/pid} or a bind mount of one
     * @return a new handle the caller owns
     * @throws WrongNamespaceTypeException if the file is a namespace of another type
     * @throws NamespaceException for any other failure, as {@link Namespace#open(Path)}
     */
    public static PidNamespace open(Path path) throws NamespaceException {
        return (PidNamespace) openPath(path, NamespaceType.PID);
    }

    /**
     * Opens the pid namespace of a process ({@code /proc/<pid>/ns/pid}).
     *
     * @param pid a process of the caller's pid namespace
     * @return a new handle the caller owns
     * @throws IllegalArgumentException if {@code pid} is not positive
     * @throws NoSuchNamespaceException if the process does not exist
     * @throws NamespaceException for any other failure, as {@link Namespace#ofProcess(int, NamespaceType)}
     */
    public static PidNamespace ofProcess(int pid) throws NamespaceException {
        return (PidNamespace) openProcess(pid, NamespaceType.PID);
    }

    /**
     * Opens the calling thread's pid namespace ({@code /proc/thread-self/ns/pid}; on a
     * virtual thread, its carrier's: see {@link Namespace}).
     *
     * @return a new handle the caller owns
     * @throws NamespaceException if it cannot be opened
     */
    public static PidNamespace current() throws NamespaceException {
        return (PidNamespace) openThreadSelf(NamespaceType.PID);
    }

    /**
     * The parent pid namespace (NS_GET_PARENT, Linux 4.9), as a new handle the caller owns.
     * Empty when asked of the initial pid namespace, of the caller's own pid namespace or of
     * an ancestor of it: the parent then lies outside the caller's view (the kernel's EPERM).
     * The parent of a namespace below the caller's, up to the caller's own, is returned.
     *
     * @return a new handle the caller owns and closes, or empty
     * @throws ClosedNamespaceException if the handle is closed
     * @throws NamespaceException for any other failure
     */
    public Optional<PidNamespace> parent() throws NamespaceException {
        return related(NsIoctl.NS_GET_PARENT, NamespaceType.PID).map(PidNamespace.class::cast);
    }

    /**
     * The four translations, for {@link #translate(Translation, int)}.
     */
    public enum Translation {
        /** A pid of this namespace, as seen in the caller's (NS_GET_PID_FROM_PIDNS). */
        PID_FROM_NAMESPACE(NsIoctl.NS_GET_PID_FROM_PIDNS),
        /** The thread-group leader of a pid of this namespace, as seen in the caller's (NS_GET_TGID_FROM_PIDNS). */
        TGID_FROM_NAMESPACE(NsIoctl.NS_GET_TGID_FROM_PIDNS),
        /** A pid of the caller's namespace, as seen in this one (NS_GET_PID_IN_PIDNS). */
        PID_IN_NAMESPACE(NsIoctl.NS_GET_PID_IN_PIDNS),
        /** The thread-group leader of a caller-namespace pid, as seen in this one (NS_GET_TGID_IN_PIDNS). */
        TGID_IN_NAMESPACE(NsIoctl.NS_GET_TGID_IN_PIDNS);

        private final NsIoctl request;

        Translation(NsIoctl request) {
            this.request = request;
        }

        /**
         * The request that makes this translation.
         *
         * @return the request
         */
        public NsIoctl request() {
            return request;
        }
    }

    /**
     * Translates one pid, allocating nothing: one ioctl on the open handle (on the
     * {@code /proc} fallback, see the class comment, a read of {@code /proc} instead).
     *
     * @param translation which of the four translations
     * @param pid a positive pid, in this namespace ({@code *_FROM_NAMESPACE}) or in the caller's ({@code *_IN_NAMESPACE})
     * @return the translated pid, or 0 when the pid does not exist or its answer is not visible on the other side
     * @throws IllegalArgumentException if {@code pid} is not positive, or the system property
     *     {@code nsfs4j.pidTranslation} has a value other than {@code auto}, {@code ioctl} or {@code procfs}
     * @throws UnsupportedRequestException on a kernel without the request (before 6.11) when
     *     {@code nsfs4j.pidTranslation=ioctl} forbids the {@code /proc} fallback
     * @throws ClosedNamespaceException if the handle is closed
     */
    public int translate(Translation translation, int pid) throws NamespaceException {
        if (pid <= 0) {
            throw new IllegalArgumentException("pid must be positive, got " + pid);
        }
        NsIoctl request = translation.request;
        try {
            if (ProcfsPidTranslation.Mode.PROCFS) {
                return ProcfsPidTranslation.translate(file, request, pid);
            }
            int result = file.translate(request, pid);
            if (result >= 0) {
                return result;
            }
            // ESRCH, or ENOTTY from a request the kernel has (some 6.11-6.17 kernels): no such pid
            if (Errnos.meaning(request.name(), -result, KernelSupport.known(request)) == Errnos.Meaning.NO_SUCH_PID) {
                return 0;
            }
            throw Failure.request(request, toString(), -result);
        } catch (Failure f) {
            throw Failures.of(f);
        }
    }

    /** {@link #translate} through {@code /proc/<pid>/status}, whatever the kernel has; for tests and comparisons. */
    int translateViaProcfs(Translation translation, int pid) throws NamespaceException {
        if (pid <= 0) {
            throw new IllegalArgumentException("pid must be positive, got " + pid);
        }
        try {
            return ProcfsPidTranslation.translate(file, translation.request, pid);
        } catch (Failure f) {
            throw Failures.of(f);
        }
    }

    /**
     * Translates many pids on this one handle: element {@code i} of the result is
     * {@code translate(translation, pids[i])}, 0 where unresolved.
     *
     * @param translation which of the four translations
     * @param pids positive pids, as for {@link #translate(Translation, int)}
     * @return the translated pids, 0 where unresolved
     * @throws IllegalArgumentException if a pid is not positive (checked before any translation)
     * @throws ClosedNamespaceException if the handle is closed
     * @throws NamespaceException for any other failure
     */
    public int[] translate(Translation translation, int... pids) throws NamespaceException {
        for (int pid : pids) {
            if (pid <= 0) {
                throw new IllegalArgumentException("pid must be positive, got " + pid);
            }
        }
        int[] results = new int[pids.length];
        for (int i = 0; i < pids.length; i++) {
            results[i] = translate(translation, pids[i]);
        }
        return results;
    }

    /**
     * A pid of this namespace, as seen in the caller's (NS_GET_PID_FROM_PIDNS).
     *
     * @param pid a positive pid of this namespace
     * @return the pid in the caller's namespace; empty if it does not exist or is not visible there
     * @throws IllegalArgumentException if {@code pid} is not positive
     * @throws ClosedNamespaceException if the handle is closed
     * @throws NamespaceException for any other failure
     */
    public OptionalInt pidFromNamespace(int pid) throws NamespaceException {
        return optional(translate(Translation.PID_FROM_NAMESPACE, pid));
    }

    /**
     * The thread-group leader of a pid (thread id) of this namespace, as seen in the caller's
     * (NS_GET_TGID_FROM_PIDNS).
     *
     * @param pid a positive pid (thread id) of this namespace
     * @return its thread-group leader in the caller's namespace; empty if unresolved
     * @throws IllegalArgumentException if {@code pid} is not positive
     * @throws ClosedNamespaceException if the handle is closed
     * @throws NamespaceException for any other failure
     */
    public OptionalInt tgidFromNamespace(int pid) throws NamespaceException {
        return optional(translate(Translation.TGID_FROM_NAMESPACE, pid));
    }

    /**
     * A pid of the caller's namespace, as seen in this one (NS_GET_PID_IN_PIDNS).
     *
     * @param pid a positive pid of the caller's namespace
     * @return the pid in this namespace; empty if it does not exist or is not visible here
     * @throws IllegalArgumentException if {@code pid} is not positive
     * @throws ClosedNamespaceException if the handle is closed
     * @throws NamespaceException for any other failure
     */
    public OptionalInt pidInNamespace(int pid) throws NamespaceException {
        return optional(translate(Translation.PID_IN_NAMESPACE, pid));
    }

    /**
     * The thread-group leader of a caller-namespace pid (thread id), as seen in this namespace
     * (NS_GET_TGID_IN_PIDNS).
     *
     * @param pid a positive pid (thread id) of the caller's namespace
     * @return its thread-group leader in this namespace; empty if unresolved
     * @throws IllegalArgumentException if {@code pid} is not positive
     * @throws ClosedNamespaceException if the handle is closed
     * @throws NamespaceException for any other failure
     */
    public OptionalInt tgidInNamespace(int pid) throws NamespaceException {
        return optional(translate(Translation.TGID_IN_NAMESPACE, pid));
    }

    /**
     * The caller-namespace pid of this namespace's init (its pid 1): the question LXCFS asks.
     * Empty when the namespace has no init left, or it is not visible from the caller.
     *
     * @return the init's pid in the caller's namespace, or empty
     * @throws ClosedNamespaceException if the handle is closed
     * @throws NamespaceException for any other failure
     */
    public OptionalInt initPid() throws NamespaceException {
        return pidFromNamespace(1);
    }

    private static OptionalInt optional(int pid) {
        return pid > 0 ? OptionalInt.of(pid) : OptionalInt.empty();
    }
}
