package io.github.nsfs4j;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * How {@link NamespaceSet#start(ProcessBuilder, ProcessOptions)} sets up a process beyond what
 * its {@link ProcessBuilder} says, as nsenter's options do: the credentials after entering (and
 * capabilities to keep), a root and a working directory, a cgroup to join, standard streams to
 * close. Like {@code ProcessBuilder} it is a
 * mutable set of attributes whose setters return it, for one start or many; not thread-safe.
 *
 * <pre>{@code
 * ProcessOptions opts = new ProcessOptions().uid(1000).gid(1000);     // nsenter -S 1000 -G 1000
 * Process p = ns.start(new ProcessBuilder("id").inheritIO(), opts);
 * }</pre>
 *
 * <p>Credentials: after entering a user namespace the process becomes uid 0 and gid 0 in it,
 * with no supplementary groups, as nsenter makes it (unless {@link #preserveCredentials()});
 * {@link #uid} and {@link #gid} choose others, also without a user namespace (then the JVM
 * needs {@code CAP_SETUID}/{@code CAP_SETGID}). In a user namespace whose {@code setgroups} file
 * says {@code deny} the supplementary groups stay as they were, as nsenter leaves them.
 *
 * <p>Directories: {@link #root} and {@link #workingDirectory} are opened by the JVM, in its own
 * file tree, before anything is entered (nsenter's {@code --root=DIR} and {@code --wd=DIR});
 * {@code /proc/PID/root} and {@code /proc/PID/cwd} name a process's own. The builder's
 * {@link ProcessBuilder#directory()} is resolved after entering, in the new tree (nsenter's
 * {@code --wdns}), after the working directory if both are given.
 *
 * <p>Environment: the builder's {@link ProcessBuilder#environment()}, as always. nsenter's
 * {@code --env} (the target's environment instead of the caller's) is
 * {@code pb.environment().clear(); pb.environment().putAll(pidfd.environment());}
 * ({@link Pidfd#environment()}).
 *
 * <p>Everything here but {@link #close} is done by nsfs4j's launcher (docs/design.md); where it
 * cannot run, such options are refused ({@link EntryRefusedException.Reason#LAUNCHER_UNAVAILABLE}).
 */
public final class ProcessOptions {
    /** A standard stream of the started process. */
    public enum Stream {
        /** fd 0. */
        STDIN,
        /** fd 1. */
        STDOUT,
        /** fd 2. */
        STDERR
    }

    /** The largest uid or gid: {@code (uid_t) -1} means "no change" to the kernel. */
    private static final long MAX_ID = 0xFFFF_FFFEL;

    private long uid = -1;
    private long gid = -1;
    private boolean preserveCredentials;
    private boolean keepCapabilities;
    private String cgroup;
    private Path root;
    private Path workingDirectory;
    private final EnumSet<Stream> closed = EnumSet.noneOf(Stream.class);
    private String argv0;

    /** No options: the process is set up as its builder says (uid and gid 0 after entering a user namespace). */
    public ProcessOptions() {}

    /**
     * The uid the process gets after entering (setuid(2)); nsenter's {@code --setuid}.
     *
     * @param uid 0 to 4294967294, as the entered user namespace numbers them
     * @return this
     * @throws IllegalArgumentException if out of range
     */
    public ProcessOptions uid(long uid) {
        this.uid = checkId(uid, "uid");
        return this;
    }

    /**
     * The gid the process gets after entering (setgid(2), with no supplementary groups);
     * nsenter's {@code --setgid}.
     *
     * @param gid 0 to 4294967294, as the entered user namespace numbers them
     * @return this
     * @throws IllegalArgumentException if out of range
     */
    public ProcessOptions gid(long gid) {
        this.gid = checkId(gid, "gid");
        return this;
    }

    /**
     * Keeps the JVM's uid, gid and groups when a user namespace is entered (nsenter's
     * {@code --preserve-credentials}): no setuid to 0 there; {@link #uid}/{@link #gid} still apply.
     *
     * @return this
     */
    public ProcessOptions preserveCredentials() {
        this.preserveCredentials = true;
        return this;
    }

    /**
     * Lets the process keep, across its execve, the capabilities it has after entering a user
     * namespace (nsenter's {@code --keep-caps}): its permitted capabilities are made
     * inheritable, and each effective one ambient ({@code PR_CAP_AMBIENT_RAISE}, Linux 4.3).
     * It has an effect only when the set enters a user namespace: a process that stays uid 0
     * there keeps them anyway, so it matters with {@link #preserveCredentials()} or a
     * {@link #uid} other than 0, where the kernel would drop them at the execve.
     *
     * @return this
     */
    public ProcessOptions keepCapabilities() {
        this.keepCapabilities = true;
        return this;
    }

    /**
     * The cgroup v2 cgroup the process joins before it enters anything (nsenter's
     * {@code --join-cgroup}, given the target's: {@link Pidfd#cgroup()}). nsfs4j opens its
     * {@code cgroup.procs} file, under the {@code cgroup2} mount of the JVM's mount namespace, with
     * the JVM's credentials, and its launcher writes itself there first; the process and, with a
     * pid namespace, its relay are then in it. Only the v2 hierarchy is joined, also beside v1
     * hierarchies (a hybrid layout, where nsenter 2.41 refuses): the v1 ones stay as they were.
     * The start is refused ({@link java.nio.file.NoSuchFileException}) where no cgroup2 is
     * mounted or the cgroup is gone, and by the kernel
     * ({@link java.nio.file.AccessDeniedException}) where the JVM may not move itself there
     * (write permission on {@code cgroup.procs} of the cgroup and of the common ancestor).
     *
     * @param path the cgroup as {@code /proc/PID/cgroup} names it in the JVM's cgroup
     *     namespace ({@code 0::PATH}), for example {@code /system.slice/foo.service}
     * @return this
     * @throws IllegalArgumentException if it does not start with {@code /} or holds a NUL
     */
    public ProcessOptions joinCgroup(String path) {
        Objects.requireNonNull(path, "path");
        if (!path.startsWith("/") || path.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("a cgroup path starts with / and has no NUL, got '" + path + "'");
        }
        this.cgroup = path;
        return this;
    }

    /**
     * A directory of the JVM's file tree, opened before entering, that becomes the process's
     * root directory (chroot(2)) after entering; nsenter's {@code --root=DIR}.
     *
     * @param dir the directory, for example {@code /proc/PID/root}
     * @return this
     */
    public ProcessOptions root(Path dir) {
        this.root = Objects.requireNonNull(dir, "dir");
        return this;
    }

    /**
     * A directory of the JVM's file tree, opened before entering, that becomes the process's
     * working directory after entering; nsenter's {@code --wd=DIR}.
     *
     * @param dir the directory, for example {@code /proc/PID/cwd}
     * @return this
     */
    public ProcessOptions workingDirectory(Path dir) {
        this.workingDirectory = Objects.requireNonNull(dir, "dir");
        return this;
    }

    /**
     * Standard streams the process gets closed, whatever the builder's redirect says (as a
     * shell's {@code <&-}). Without this, a stream the builder inherits is closed only where
     * the JVM has none of its caller's there.
     *
     * @param streams the streams
     * @return this
     */
    public ProcessOptions close(Stream... streams) {
        for (Stream s : streams) {
            closed.add(Objects.requireNonNull(s, "a stream is null"));
        }
        return this;
    }

    /**
     * The name the process gets as its {@code argv[0]} in place of the builder's first element,
     * which stays the program that is run (looked up as always): a login shell, for example,
     * is {@code /bin/bash} run with {@code -bash}, as nsenter starts {@code $SHELL} when it is
     * given no command.
     *
     * @param name the name; not empty, no NUL
     * @return this
     * @throws IllegalArgumentException if empty or with a NUL character
     */
    public ProcessOptions argv0(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty() || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("argv0 must be a non-empty name without NUL, got '" + name + "'");
        }
        this.argv0 = name;
        return this;
    }

    /**
     * The process's {@code argv[0]}.
     *
     * @return the name set by {@link #argv0(String)}, or null: the builder's first element
     */
    public String argv0() {
        return argv0;
    }

    /**
     * The uid to set.
     *
     * @return the uid, or -1 for the default (0 after entering a user namespace, else unchanged)
     */
    public long uid() {
        return uid;
    }

    /**
     * The gid to set.
     *
     * @return the gid, or -1 for the default (0 after entering a user namespace, else unchanged)
     */
    public long gid() {
        return gid;
    }

    /**
     * Whether the credentials are kept when a user namespace is entered.
     *
     * @return true after {@link #preserveCredentials()}
     */
    public boolean preservesCredentials() {
        return preserveCredentials;
    }

    /**
     * Whether the capabilities are kept across the execve after entering a user namespace.
     *
     * @return true after {@link #keepCapabilities()}
     */
    public boolean keepsCapabilities() {
        return keepCapabilities;
    }

    /**
     * The cgroup to join.
     *
     * @return the path given to {@link #joinCgroup(String)}, or null
     */
    public String cgroup() {
        return cgroup;
    }

    /**
     * The root directory.
     *
     * @return the directory, or null
     */
    public Path root() {
        return root;
    }

    /**
     * The working directory.
     *
     * @return the directory, or null
     */
    public Path workingDirectory() {
        return workingDirectory;
    }

    /**
     * The standard streams the process gets closed.
     *
     * @return a copy
     */
    public Set<Stream> closed() {
        return EnumSet.copyOf(closed);
    }

    /** Whether only nsfs4j's launcher can do what these ask (credentials, directories, a cgroup). */
    boolean needsLauncher() {
        return uid >= 0 || gid >= 0 || root != null || workingDirectory != null || cgroup != null;
    }

    private static long checkId(long id, String what) {
        if (id < 0 || id > MAX_ID) {
            throw new IllegalArgumentException(what + " must be 0 to " + MAX_ID + ", got " + id);
        }
        return id;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("ProcessOptions[");
        String sep = "";
        if (uid >= 0) {
            sb.append("uid=").append(uid);
            sep = ", ";
        }
        if (gid >= 0) {
            sb.append(sep).append("gid=").append(gid);
            sep = ", ";
        }
        if (preserveCredentials) {
            sb.append(sep).append("preserveCredentials");
            sep = ", ";
        }
        if (keepCapabilities) {
            sb.append(sep).append("keepCapabilities");
            sep = ", ";
        }
        if (cgroup != null) {
            sb.append(sep).append("cgroup=").append(cgroup);
            sep = ", ";
        }
        if (root != null) {
            sb.append(sep).append("root=").append(root);
            sep = ", ";
        }
        if (workingDirectory != null) {
            sb.append(sep).append("workingDirectory=").append(workingDirectory);
            sep = ", ";
        }
        if (!closed.isEmpty()) {
            sb.append(sep).append("closed=").append(closed);
            sep = ", ";
        }
        if (argv0 != null) {
            sb.append(sep).append("argv0=").append(argv0);
        }
        return sb.append(']').toString();
    }
}
