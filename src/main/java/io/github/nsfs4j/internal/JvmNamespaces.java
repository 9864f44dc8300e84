package io.github.nsfs4j.internal;

import io.github.nsfs4j.linux.Constants;
import io.github.nsfs4j.linux.LibC;
import io.github.nsfs4j.kernel.NamespaceType;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The JVM's own namespaces ("home"): those of its main thread when nsfs4j first needed them,
 * with an fd kept open for each type a thread can enter and leave again, and the identity
 * (device, inode) of all ten {@code /proc/thread-self/ns} links, so that a thread can be
 * checked, without opening anything, to be back home.
 */
public final class JvmNamespaces {
    private JvmNamespaces() {}

    /** The types a thread of a multithreaded process can enter, in the kernel's order (setns(pidfd)). */
    public static final List<NamespaceType> ENTERABLE = List.of(NamespaceType.MNT, NamespaceType.UTS, NamespaceType.IPC,
            NamespaceType.PID, NamespaceType.CGROUP, NamespaceType.NET);

    /** The ten links of {@code /proc/thread-self/ns}: the eight types and the two for-children ones. */
    public static final List<String> LINKS = List.of("cgroup", "ipc", "mnt", "net", "pid", "pid_for_children", "time",
            "time_for_children", "user", "uts");

    private static final class Holder {
        static final Map<NamespaceType, NsFile> FILES = new EnumMap<>(NamespaceType.class);
        /** The JVM's links as readlink shows them ({@code net:[4026531833]}), and their inodes. */
        static final MemorySegment[] TEXT = new MemorySegment[LINKS.size()];
        static final long[] INO = new long[LINKS.size()];
        static final MemorySegment[] THREAD_SELF = new MemorySegment[LINKS.size()];
        static final MemorySegment[] NAMES = new MemorySegment[LINKS.size()];

        static {
            try {
                for (NamespaceType type : ENTERABLE) {
                    FILES.put(type, NamespaceFiles.open("/proc/self/ns/" + type.procName(), type));
                }
                for (int i = 0; i < LINKS.size(); i++) {
                    String link = LINKS.get(i);
                    THREAD_SELF[i] = Arena.global().allocateFrom("/proc/thread-self/ns/" + link);
                    NAMES[i] = Arena.global().allocateFrom(link);
                    String text = Procfs.link(Path.of("/proc/self/ns", link));
                    TEXT[i] = Arena.global().allocateFrom(text).asSlice(0, text.length()); // without the NUL
                    INO[i] = Procfs.anyInode(text);
                }
            } catch (Failure e) {
                throw new ExceptionInInitializerError(e);
            } catch (IOException | RuntimeException e) {
                throw new ExceptionInInitializerError(Failure.of(Failure.Kind.FAILED, "readlink", "/proc/self/ns", 0,
                        "cannot read the JVM's own namespaces: " + e));
            }
        }
    }

    /**
     * The JVM's namespace of an enterable type, kept open for the JVM's life.
     *
     * @throws Failure if the JVM's namespaces cannot be read (no /proc)
     */
    public static NsFile home(NamespaceType type) throws Failure {
        try {
            return Holder.FILES.get(type);
        } catch (ExceptionInInitializerError e) {
            throw (Failure) e.getCause();
        }
    }

    /** Makes sure the JVM's namespaces are recorded (and the classes loaded) before any thread moves. */
    public static void load() throws Failure {
        home(NamespaceType.NET);
    }

    /** Whether a namespace is the JVM's own of its type. */
    public static boolean isHome(NsFile ns) throws Failure {
        int i = LINKS.indexOf(ns.type().procName());
        load();
        return Holder.INO[i] == ns.inode(); // one nsfs device; the JVM's namespaces are alive, so no reuse
    }

    /**
     * The first link of {@code /proc/thread-self/ns} that does not name the JVM's namespace, or
     * null if the calling thread is entirely home. Opens nothing; allocates nothing when home.
     */
    public static String firstForeignLink() {
        return firstForeignLink(Constants.AT_FDCWD, Holder.THREAD_SELF);
    }

    /**
     * As {@link #firstForeignLink()}, through {@code nsDir}, the calling thread's own
     * {@code /proc/thread-self/ns} opened once ({@link #openThreadNsDir()}): saves the lookup
     * of ten paths through {@code /proc}.
     */
    public static String firstForeignLink(int nsDir) {
        return firstDifferentLink(nsDir, Holder.NAMES, Holder.TEXT, "the JVM's");
    }

    private static String firstForeignLink(int dirFd, MemorySegment[] paths) {
        return firstDifferentLink(dirFd, paths, Holder.TEXT, "the JVM's");
    }

    /**
     * The links a thread of a multithreaded process can change itself, with setns(2) or
     * unshare(2): all but user (both refuse a multithreaded caller, EINVAL), pid and time
     * (a thread's own never change; setns and unshare change only the {@code _for_children}
     * ones, and setns of a time namespace refuses a multithreaded caller, EUSERS). Each readlink
     * of a namespace link is a real cost in the kernel (its permission check and name
     * formatting: docs/performance.md), so the three are left out.
     */
    public static final List<String> MOVABLE = List.of("cgroup", "ipc", "mnt", "net", "pid_for_children",
            "time_for_children", "uts");

    /**
     * The calling thread's {@link #MOVABLE} links as they are now (the others are null), read
     * through {@code nsDir} ({@link #openThreadNsDir()}), to compare with later
     * ({@link #firstChangedLink}).
     *
     * @throws Failure if a link cannot be read
     */
    public static MemorySegment[] ownLinks(int nsDir, Arena arena) throws Failure {
        load();
        MemorySegment buf = LibC.scratch();
        MemorySegment[] links = new MemorySegment[LINKS.size()];
        for (int i = 0; i < links.length; i++) {
            if (!MOVABLE.contains(LINKS.get(i))) {
                continue;
            }
            long n = LibC.readlinkat(nsDir, Holder.NAMES[i], buf, LibC.SCRATCH_SIZE);
            if (n < 0) {
                throw Failure.errno("readlink", "/proc/thread-self/ns/" + LINKS.get(i), (int) -n,
                        "cannot read the thread's own namespace");
            }
            links[i] = arena.allocate(n);
            MemorySegment.copy(buf, 0, links[i], 0, n);
        }
        return links;
    }

    /**
     * The first of the calling thread's links that differs from {@code expected} (what
     * {@link #ownLinks} read earlier on this thread: the seven a thread can change), or null
     * if none does. Opens nothing; allocates nothing when none differs.
     */
    public static String firstChangedLink(int nsDir, MemorySegment[] expected) {
        return firstDifferentLink(nsDir, Holder.NAMES, expected, "the entered");
    }

    private static String firstDifferentLink(int dirFd, MemorySegment[] paths, MemorySegment[] expectedTexts,
            String whose) {
        // readlink, not statx: the kernel answers it without looking up a dentry, twice as fast here
        MemorySegment buf = LibC.scratch();
        for (int i = 0; i < LINKS.size(); i++) {
            MemorySegment expected = expectedTexts[i];
            if (expected == null) {
                continue; // a link this check leaves out
            }
            long n = LibC.readlinkat(dirFd, paths[i], buf, LibC.SCRATCH_SIZE);
            if (n < 0) {
                return LINKS.get(i) + " (unreadable: " + Errnos.describe((int) -n) + ")";
            }
            if (n != expected.byteSize() || MemorySegment.mismatch(buf, 0, n, expected, 0, n) >= 0) {
                return ascii(buf.asSlice(0, n)) + " instead of " + whose + " " + ascii(expected);
            }
        }
        return null;
    }

    private static String ascii(MemorySegment s) {
        return new String(s.toArray(ValueLayout.JAVA_BYTE), StandardCharsets.US_ASCII);
    }

    /** An O_PATH fd on the calling thread's {@code /proc/thread-self/ns} (it keeps naming this thread), or -errno. */
    public static int openThreadNsDir() {
        return LibC.open("/proc/thread-self/ns", Constants.O_PATH | Constants.O_CLOEXEC);
    }

    /**
     * What the calling thread lacks to join namespaces: {@code CAP_SYS_ADMIN}, and
     * {@code CAP_SYS_CHROOT} too for a mount namespace, in its effective set ({@code CapEff}
     * of {@code /proc/thread-self/status}).
     *
     * @return null if it has them, else its {@code CapEff} in hex, for the message
     * @throws Failure if the status cannot be read
     */
    public static String missingCapabilities(boolean mount) throws Failure {
        long caps = Procfs.ownStatus().effectiveCapabilities();
        boolean admin = (caps & (1L << Constants.CAP_SYS_ADMIN)) != 0;
        boolean chroot = (caps & (1L << Constants.CAP_SYS_CHROOT)) != 0;
        return admin && (chroot || !mount) ? null : Long.toHexString(caps);
    }
}
