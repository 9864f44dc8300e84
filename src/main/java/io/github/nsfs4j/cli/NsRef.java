package io.github.nsfs4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.github.nsfs4j.Namespace;
import io.github.nsfs4j.NamespaceAccessDeniedException;
import io.github.nsfs4j.NamespaceException;
import io.github.nsfs4j.NamespaceType;
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
 */
record NsRef(String text, Path path, NamespaceType type, long pid) {

    private static final Pattern TYPE_PID = Pattern.compile("([A-Za-z_]+):(.*)");
    private static final Pattern DIGITS = Pattern.compile("[0-9]+");
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
        Matcher m = TYPE_PID.matcher(text);
        if (m.matches()) {
            NamespaceType type;
            try {
                type = NamespaceType.fromName(m.group(1));
            } catch (IllegalArgumentException e) {
                throw CliException.usage("unknown namespace type '" + m.group(1) + "' in '" + text
                        + "'; TYPE is one of " + TYPES);
            }
            if (implied != null && type != implied) {
                throw CliException.usage(text + " names a " + type + " namespace, but this needs a " + implied
                        + " namespace (" + implied + ":" + m.group(2) + ")");
            }
            return new NsRef(text, procPath(m.group(2), type, text), type, parsePid(m.group(2), text));
        }
        if (DIGITS.matcher(text).matches()) {
            if (implied != null) {
                return new NsRef(text, procPath(text, implied, text), implied, parsePid(text, text));
            }
            if (!Files.exists(Path.of(text))) {
                throw CliException.usage("'" + text + "' looks like a PID, but which of its namespaces? give TYPE:"
                        + text + " (for example net:" + text + "), TYPE being one of " + TYPES);
            }
        }
        try {
            return new NsRef(text, Path.of(text), implied, 0);
        } catch (java.nio.file.InvalidPathException e) {
            throw CliException.usage("'" + text + "' is not a usable path; give /proc/PID/ns/TYPE or TYPE:PID");
        }
    }

    /** Parses every reference. */
    static List<NsRef> parseAll(List<String> texts, NamespaceType implied) {
        return texts.stream().map(t -> parse(t, implied)).toList();
    }

    private static long parsePid(String digits, String text) {
        if (!DIGITS.matcher(digits).matches()) {
            throw CliException.usage("'" + digits + "' in '" + text + "' is not a PID (a positive integer)");
        }
        long pid;
        try {
            pid = Long.parseLong(digits);
        } catch (NumberFormatException e) {
            pid = -1;
        }
        if (pid <= 0 || pid > Integer.MAX_VALUE) {
            throw CliException.usage("'" + digits + "' in '" + text + "' is not a PID (a positive integer)");
        }
        return pid;
    }

    private static Path procPath(String digits, NamespaceType type, String text) {
        return Path.of("/proc", String.valueOf(parsePid(digits, text)), "ns", type.procName());
    }

    /**
     * Opens the namespace. Failures become {@link CliException}s that say what went wrong
     * and what to do: exit 1 when the namespace or process is gone, exit 2 otherwise.
     */
    Namespace open() {
        Namespace ns;
        try {
            ns = Namespace.open(path);
        } catch (NotANamespaceException e) {
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
        if (pid > 0) {
            if (!Files.isDirectory(Path.of("/proc", String.valueOf(pid)))) {
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
        String what = "permission refused to open " + path + " (" + errno + ")";
        if (pid > 0 || path.toString().startsWith("/proc/")) {
            String need = "opening another process's namespace needs ptrace read access to that process";
            if (isRoot()) {
                return what + " even to root: " + need + ", and the kernel denied it (a security module, or a"
                        + " process shielded from inspection); no option of nsfs changes that: name a process"
                        + " you may inspect";
            }
            return what + ": " + need + "; run nsfs as that process's user, or as root";
        }
        return what + ": the file's permissions do not allow reading it; run nsfs as a user who may read it, or as root";
    }

    /** Whether the effective uid is 0, from /proc/self/status. */
    static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    String[] f = line.substring(4).trim().split("\\s+");
                    return f.length > 1 && f[1].equals("0");
                }
            }
        } catch (IOException | RuntimeException e) {
            // unknown: say the general thing
        }
        return false;
    }
}
