package io.github.nsfs4j.internal;

import static io.github.nsfs4j.linux.Errno.EACCES;
import static io.github.nsfs4j.linux.Errno.EINVAL;
import static io.github.nsfs4j.linux.Errno.ENOENT;
import static io.github.nsfs4j.linux.Errno.ENOSYS;
import static io.github.nsfs4j.linux.Errno.ENOTTY;
import static io.github.nsfs4j.linux.Errno.ENXIO;
import static io.github.nsfs4j.linux.Errno.EOPNOTSUPP;
import static io.github.nsfs4j.linux.Errno.EOVERFLOW;
import static io.github.nsfs4j.linux.Errno.EPERM;
import static io.github.nsfs4j.linux.Errno.ESRCH;
import static io.github.nsfs4j.linux.Errno.ESTALE;

import java.util.List;

/**
 * The one errno mapping: what an errno means, per operation, written once as data, and its
 * name and text. Most errnos mean what they always mean (ENOENT and ESRCH: gone; EACCES and
 * EPERM: denied; ENOTTY from an nsfs request on a namespace file: the kernel lacks it); the
 * {@link #RULES} are the operations for which one means something else, often an ordinary
 * answer rather than an error. Nothing here asks the kernel anything: where ENOTTY is
 * ambiguous (the pid translations), the caller says what is already known of the request.
 */
public final class Errnos {
    private Errnos() {}

    /** What an errno answers. */
    public enum Meaning {
        /** The file, process or namespace does not exist (any more). */
        GONE,
        /** The caller may not do this. */
        DENIED,
        /** The running kernel lacks the request or system call. */
        MISSING,
        /** Not a namespace file. */
        NOT_A_NAMESPACE,
        /** An ordinary empty answer: what was asked for lies outside the caller's view. */
        NOT_VISIBLE,
        /** An ordinary answer: the end of a walk. */
        END,
        /** An ordinary answer: no such pid there, or not visible from the other side. */
        NO_SUCH_PID,
        /** Any other refusal. */
        FAILED
    }

    /**
     * One exception to the usual meanings, with the detail its message gives; an operation
     * ending in {@code *} stands for every operation it begins.
     */
    private record Rule(String operation, int errno, Meaning meaning, String detail) {
        boolean matches(String op, int e) {
            return e == errno && (operation.endsWith("*")
                    ? op.startsWith(operation.substring(0, operation.length() - 1)) : operation.equals(op));
        }
    }

    private static final String WALK_REFUSED = "walking mount namespaces needs CAP_SYS_ADMIN in the initial user"
            + " namespace and a caller in the initial pid namespace";
    private static final String NO_FILE_HANDLES = "this kernel gives no file handles for namespaces (Linux 6.18 does)";

    /** The operations for which an errno means something else than usual (kernel-facts.md, section 2). */
    private static final List<Rule> RULES = List.of(
            new Rule("NS_GET_USERNS", EPERM, Meaning.NOT_VISIBLE, "outside the caller's user namespaces"),
            new Rule("NS_GET_PARENT", EPERM, Meaning.NOT_VISIBLE, "outside the caller's view"),
            new Rule("NS_GET_NSTYPE", ENOTTY, Meaning.NOT_A_NAMESPACE, "not a namespace file"),
            new Rule("NS_MNT_GET_NEXT", ENOENT, Meaning.END, "after the last mount namespace"),
            new Rule("NS_MNT_GET_PREV", ENOENT, Meaning.END, "before the first mount namespace"),
            new Rule("NS_MNT_GET_NEXT", EPERM, Meaning.DENIED, WALK_REFUSED),
            new Rule("NS_MNT_GET_PREV", EPERM, Meaning.DENIED, WALK_REFUSED),
            new Rule("NS_GET_PID_FROM_PIDNS", ESRCH, Meaning.NO_SUCH_PID, "no such pid"),
            new Rule("NS_GET_TGID_FROM_PIDNS", ESRCH, Meaning.NO_SUCH_PID, "no such pid"),
            new Rule("NS_GET_PID_IN_PIDNS", ESRCH, Meaning.NO_SUCH_PID, "no such pid"),
            new Rule("NS_GET_TGID_IN_PIDNS", ESRCH, Meaning.NO_SUCH_PID, "no such pid"),
            new Rule("open", ENXIO, Meaning.NOT_A_NAMESPACE, "not a namespace file (a socket or a device without a"
                    + " driver); use /proc/<pid>/ns/<type> or a bind mount of one"),
            new Rule("open", ENOENT, Meaning.GONE,
                    "no such file (the process may have exited, or the namespace type is not configured)"),
            new Rule("open_by_handle_at", ESTALE, Meaning.GONE,
                    "namespace no longer reachable (it is gone, or the caller may not open it)"),
            new Rule("name_to_handle_at", EOPNOTSUPP, Meaning.MISSING, NO_FILE_HANDLES),
            new Rule("name_to_handle_at", EINVAL, Meaning.MISSING, NO_FILE_HANDLES),
            new Rule("name_to_handle_at", EOVERFLOW, Meaning.MISSING, NO_FILE_HANDLES),
            new Rule("pidfd_open", ESRCH, Meaning.GONE, "no such process"),
            new Rule("pidfd_open", ENOSYS, Meaning.MISSING, "no pidfd_open on this kernel (Linux 5.3 has it)"),
            new Rule("PIDFD_GET_*", ENOTTY, Meaning.MISSING, "no PIDFD_GET_*_NAMESPACE (Linux 6.11)"),
            new Rule("PIDFD_GET_*", ESRCH, Meaning.GONE, "the process has exited"),
            new Rule("listns", ENOSYS, Meaning.MISSING, "no listns on this kernel (Linux 6.19 has it)"));


    /**
     * What {@code errno} means as the answer of {@code operation}.
     *
     * @param operation an nsfs or pidfd request's name ({@code NS_GET_PARENT}), or a system call's name
     * @param errno the errno
     * @param knownSupported for an nsfs request, whether the kernel is already known to have it
     *     ({@code null}: not known); decides ENOTTY, which a request the kernel has answers only
     *     in the pid translations' quirk (a pid not found, on some 6.11 to 6.17 kernels)
     */
    public static Meaning meaning(String operation, int errno, Boolean knownSupported) {
        Rule rule = rule(operation, errno);
        if (rule != null) {
            return rule.meaning;
        }
        if (errno == ENOTTY && operation.startsWith("NS_")) {
            return Boolean.TRUE.equals(knownSupported) ? translation(operation) ? Meaning.NO_SUCH_PID : Meaning.FAILED
                    : Meaning.MISSING;
        }
        return usual(errno);
    }

    /** What an errno usually means: gone, denied, or another refusal. */
    public static Meaning usual(int errno) {
        if (errno == ENOENT || errno == ESRCH) {
            return Meaning.GONE;
        }
        return errno == EACCES || errno == EPERM ? Meaning.DENIED : Meaning.FAILED;
    }

    /** The detail a rule gives for {@code errno} as the answer of {@code operation}, or {@code usual}. */
    public static String detail(String operation, int errno, String usual) {
        Rule rule = rule(operation, errno);
        return rule == null ? usual : rule.detail;
    }

    private static boolean translation(String operation) {
        return operation.startsWith("NS_GET_PID_") || operation.startsWith("NS_GET_TGID_");
    }

    private static Rule rule(String operation, int errno) {
        for (Rule r : RULES) {
            if (r.matches(operation, errno)) {
                return r;
            }
        }
        return null;
    }

    /** The symbolic name, such as {@code EPERM}, or {@code errno 1234} for a number it does not know. */
    public static String name(int errno) {
        String[] nameAndText = lookUp(errno);
        return nameAndText == null ? "errno " + errno : nameAndText[0];
    }

    /** {@code EPERM: Operation not permitted}, or {@code errno 1234}. */
    public static String describe(int errno) {
        String[] nameAndText = lookUp(errno);
        return nameAndText == null ? "errno " + errno
                : nameAndText[1] == null ? nameAndText[0] : nameAndText[0] + ": " + nameAndText[1];
    }

    /**
     * The name and text of an errno from jnr-constants, or, where the jar runs without it (its
     * {@code lib/} left behind), the name of the errnos nsfs4j tests for and no text; null if
     * neither knows the number.
     */
    private static String[] lookUp(int errno) {
        try {
            jnr.constants.platform.Errno e = jnr.constants.platform.Errno.valueOf(errno);
            return e.defined() && e != jnr.constants.platform.Errno.__UNKNOWN_CONSTANT__
                    ? new String[] {e.name(), e.description()} : null;
        } catch (LinkageError missing) {
            String name = WithoutJnr.NAMES.get(errno);
            return name == null ? null : new String[] {name, null};
        }
    }

    /** The names of {@link io.github.nsfs4j.linux.Errno}'s numbers, read from its fields. */
    private static final class WithoutJnr {
        static final java.util.Map<Integer, String> NAMES = names();

        private static java.util.Map<Integer, String> names() {
            java.util.Map<Integer, String> names = new java.util.HashMap<>();
            for (java.lang.reflect.Field f : io.github.nsfs4j.linux.Errno.class.getFields()) {
                try {
                    names.put(f.getInt(null), f.getName());
                } catch (IllegalAccessException e) {
                    throw new AssertionError(e);
                }
            }
            return names;
        }
    }
}
