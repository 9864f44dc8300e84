package io.github.nsfs4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.github.nsfs4j.Credentials;
import io.github.nsfs4j.Namespace;
import io.github.nsfs4j.NamespaceAccessDeniedException;
import io.github.nsfs4j.NamespaceException;
import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.NoSuchNamespaceException;
import io.github.nsfs4j.NotANamespaceException;

/**
 * A namespace as the user named it on the command line (NSREF): a path to a namespace file
 * ({@code /proc/1234/ns/net}, a bind mount such as {@code /run/netns/blue}), {@code TYPE:PID}
 * ({@code net:1234}), or, where the subcommand implies the type, a bare {@code PID}.
 *
 * @param text what the user typed
 * @param path the namespace file to open
 * @param type the type the reference names or the subcommand requires; null for "any"
 * @param pid the process named, or 0 for a path
 * @param fd for {@code net:PID:FD}, the socket fd whose net namespace is named; else -1
 */
record NsRef(String text, Path path, NamespaceType type, int pid, int fd) {

    NsRef(String text, Path path, NamespaceType type, int pid) {
        this(text, path, type, pid, -1);
    }

    private static final String TYPES = "cgroup ipc mnt net pid time user uts";

    /**
     * Parses a reference.
     *
     * @param implied the type the subcommand implies (a bare PID is then accepted and the
     *                namespace must be of that type), or null when any type is fine
     * @throws CliException (exit 2) when the text cannot name a namespace
     */
    static NsRef parse(String text, NamespaceType implied) {
        if (text.isEmpty()) {
            throw CliException.usage("an empty NSREF; give /proc/PID/ns/TYPE, TYPE:PID" + (implied != null ? " or PID" : ""));
        }
        int colon = text.indexOf(':');
        if (colon > 0 && isTypeName(text.substring(0, colon))) {
            String name = text.substring(0, colon);
            String digits = text.substring(colon + 1);
            NamespaceType type;
            try {
                type = NamespaceType.fromName(name);
            } catch (IllegalArgumentException e) {
                throw CliException.usage("unknown namespace type '" + name + "' in '" + text
                        + "'; TYPE is one of " + TYPES);
            }
            if (implied != null && type != implied) {
                throw CliException.usage(text + " names a " + type + " namespace, but this needs a " + implied
                        + " namespace (" + implied + ":" + digits + ")");
            }
            int second = digits.indexOf(':');
            if (second >= 0 && type == NamespaceType.NET) {
                // net:PID:FD, a net namespace a socket holds (perhaps the only thing that does)
                int pid = pid(digits.substring(0, second), " in '" + text + "'");
                String fdText = digits.substring(second + 1);
                if (fdText.isEmpty() || fdText.length() > 9 || !fdText.chars().allMatch(c -> c >= '0' && c <= '9')) {
                    throw CliException.usage("'" + fdText + "' in '" + text + "' is not an fd number; net:PID:FD"
                            + " names the net namespace of socket fd FD of process PID");
                }
                int fd = Integer.parseInt(fdText);
                return new NsRef(text, Path.of("/proc", Integer.toString(pid), "fd", fdText), type, pid, fd);
            }
            int pid = pid(digits, " in '" + text + "'");
            return new NsRef(text, procPath(pid, type), type, pid);
        }
        if (isInteger(text) && (implied != null || !Files.exists(Path.of(text)))) {
            if (implied == null) {
                pid(text, ""); // a negative or huge number: say so before asking for a type
                throw CliException.usage("'" + text + "' looks like a PID, but which of its namespaces? give TYPE:"
                        + text + " (for example net:" + text + "), TYPE being one of " + TYPES);
            }
            int pid = pid(text, "");
            return new NsRef(text, procPath(pid, implied), implied, pid);
        }
        try {
            return new NsRef(text, Path.of(text), implied, 0);
        } catch (java.nio.file.InvalidPathException e) {
            throw CliException.usage("'" + text + "' is not a usable path; give /proc/PID/ns/TYPE or TYPE:PID");
        }
    }

    /** Parses every reference. */
    static List<NsRef> parseAll(List<String> texts, NamespaceType implied) {
        List<NsRef> refs = new ArrayList<>(texts.size());
        for (String text : texts) {
            refs.add(parse(text, implied));
        }
        return refs;
    }

    /** Whether {@code s} is a word of letters and underscores, as a TYPE of TYPE:PID is. */
    private static boolean isTypeName(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_')) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code s} is an integer in decimal, with an optional sign. */
    private static boolean isInteger(String s) {
        int start = s.startsWith("-") || s.startsWith("+") ? 1 : 0;
        if (s.length() == start) {
            return false;
        }
        for (int i = start; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    /**
     * A PID as the user typed it: decimal digits, from 1 to the largest {@code pid_t}.
     *
     * @param where where it was typed, for the message ({@code " in 'net:12'"}, or empty)
     * @throws CliException (exit 2) saying what is wrong with it
     */
    static int pid(String text, String where) {
        if (!isInteger(text)) {
            throw CliException.usage("'" + text + "'" + where + " is not a PID (a positive integer)");
        }
        if (text.charAt(0) == '-' || text.charAt(0) == '+') {
            throw CliException.usage("'" + text + "'" + where + " is not a valid PID: a PID is a positive"
                    + " integer, written without a sign");
        }
        long value = 0;
        for (int i = 0; i < text.length() && value <= Integer.MAX_VALUE; i++) {
            value = value * 10 + (text.charAt(i) - '0');
        }
        if (value > Integer.MAX_VALUE) {
            throw CliException.usage("'" + text + "'" + where + " is out of range: a PID is at most "
                    + Integer.MAX_VALUE + " (and at most /proc/sys/kernel/pid_max on this machine)");
        }
        if (value == 0) {
            throw CliException.usage("'" + text + "'" + where + " is not a valid PID: PIDs start at 1");
        }
        return (int) value;
    }

    private static Path procPath(int pid, NamespaceType type) {
        return Path.of("/proc", Integer.toString(pid), "ns", type.procName());
    }

    /**
     * Opens the namespace. Failures become {@link CliException}s that say what went wrong
     * and what to do: exit 1 when the namespace or process is gone, exit 2 otherwise.
     */
    Namespace open() {
        Namespace ns;
        try {
            ns = fd >= 0 ? Namespace.ofSocket(pid, fd) : Namespace.open(path);
        } catch (NotANamespaceException e) {
            if (fd >= 0) {
                throw CliException.failure(text + ": fd " + fd + " of process " + pid + " is not a socket; net:PID:FD"
                        + " names the net namespace of a socket");
            }
            throw CliException.failure(text + " is not a namespace file; give /proc/PID/ns/TYPE, a bind mount of one,"
                    + " or TYPE:PID");
        } catch (NoSuchNamespaceException e) {
            throw CliException.notFound(gone());
        } catch (NamespaceAccessDeniedException e) {
            throw CliException.failure(denied(e));
        } catch (NamespaceException e) {
            throw CliException.failure("cannot open " + text + ": " + e.getMessage());
        }
        if (type != null && ns.type() != type) {
            NamespaceType actual = ns.type();
            ns.close();
            throw CliException.failure(text + " is a " + actual + " namespace, but this needs a " + type + " namespace");
        }
        return ns;
    }

    private String gone() {
        if (fd >= 0 && ProcessHandle.of(pid).isPresent()) {
            return "process " + pid + " has no fd " + fd + " (closed meanwhile?)";
        }
        if (pid > 0) {
            if (ProcessHandle.of(pid).isEmpty()) {
                return "no process " + pid + " (it has exited, or it is not visible in this pid namespace)";
            }
            return "process " + pid + " has no " + type + " namespace file " + path
                    + " (has it just exited? or the kernel lacks " + type + " namespaces)";
        }
        if (path.toString().startsWith("/proc/")) {
            return "no such namespace file: " + text + " (the process has exited, or the type is not configured)";
        }
        return "no such file: " + text;
    }

    private String denied(NamespaceAccessDeniedException e) {
        String errno = e.errnoName().orElse("EACCES");
        if (fd >= 0) {
            return "permission refused to reach the net namespace of " + text + " (" + errno + "): copying another"
                    + " process's fd (pidfd_getfd) needs ptrace attach access to it, and SIOCGSKNS CAP_NET_ADMIN over"
                    + " the namespace; run nsfs as root";
        }
        String what = "permission refused to open " + path + " (" + errno + ")";
        if (pid > 0 || path.toString().startsWith("/proc/")) {
            String need = "opening another process's namespace needs ptrace read access to that process";
            if (callerIsRoot()) {
                return what + " even to root: " + need + ", and the kernel denied it (a security module, or a"
                        + " process shielded from inspection); no option of nsfs changes that: name a process"
                        + " you may inspect";
            }
            return what + ": " + need + "; run nsfs as that process's user, or as root";
        }
        return what + ": the file's permissions do not allow reading it; run nsfs as a user who may read it, or as root";
    }

    /** Whether the effective uid is 0; false when it cannot be told (the message then says the general thing). */
    static boolean callerIsRoot() {
        try {
            return Credentials.ofCaller().isRoot();
        } catch (NamespaceException e) {
            return false;
        }
    }
}
