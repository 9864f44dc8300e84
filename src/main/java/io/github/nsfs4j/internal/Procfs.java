package io.github.nsfs4j.internal;

import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.linux.Constants;
import io.github.nsfs4j.linux.Errno;
import io.github.nsfs4j.linux.LibC;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The library's one reader of {@code /proc}: the process and task lists, {@code type:[inode]}
 * links ({@code ns/*}, {@code fd/*}), {@code status} ({@code NSpid}, {@code NStgid}, the
 * credentials), {@code cmdline} and {@code comm} ({@link Mountinfo} reads {@code mountinfo}),
 * and the owner of a process directory. Every method takes the directory to read, so that a
 * test can point it at a made-up tree; errors are {@link IOException}s for the caller to
 * count ({@link NoSuchFileException}: the process is gone).
 */
public final class Procfs {
    private Procfs() {}

    public static final Path PROC = Path.of("/proc");

    /** Every process in {@code /proc}, ascending (so the first one seen in a namespace is its lowest pid). */
    public static int[] pids() throws IOException {
        return numericEntries(PROC);
    }

    /**
     * The numeric entries of a directory, ascending: the pids of {@code /proc}, the tids of
     * {@code /proc/PID/task}.
     *
     * @throws IOException if the directory cannot be listed
     */
    public static int[] numericEntries(Path dir) throws IOException {
        int[] ids = new int[256];
        int n = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (!name.isEmpty() && name.length() < 11 && name.chars().allMatch(c -> c >= '0' && c <= '9')) {
                    if (n == ids.length) {
                        ids = Arrays.copyOf(ids, n * 2);
                    }
                    ids[n++] = Integer.parseInt(name);
                }
            }
        } catch (DirectoryIteratorException e) {
            throw e.getCause();
        }
        int[] sorted = Arrays.copyOf(ids, n);
        Arrays.sort(sorted);
        return sorted;
    }

    /** The text of a link ({@code net:[4026531833]}, {@code socket:[123]}, a path). */
    public static String link(Path link) throws IOException {
        return Files.readSymbolicLink(link).toString();
    }

    /** The inode that a namespace link such as {@code /proc/PID/ns/pid} names, or -1 if it cannot be read. */
    public static long linkInode(Path link, NamespaceType type) {
        try {
            return nsInode(link(link), type);
        } catch (IOException e) {
            return -1;
        }
    }

    /** The type named by a {@code type:[inode]} link text, or null if it is not a known namespace type's link. */
    public static NamespaceType typeOfLink(String target) {
        String name = linkName(target);
        return name == null ? null : typeOfName(name);
    }

    /** The type whose {@code /proc/PID/ns} entry has this name, or null. */
    public static NamespaceType typeOfName(String name) {
        for (NamespaceType type : NamespaceType.values()) {
            if (type.procName().equals(name)) {
                return type;
            }
        }
        return null;
    }

    /** The {@code name} of a {@code name:[digits]} link text, or null if it has another shape. */
    public static String linkName(String target) {
        int colon = target.indexOf(":[");
        if (colon <= 0 || !target.endsWith("]") || inode(target, colon + 2) < 0) {
            return null;
        }
        return target.substring(0, colon);
    }

    /** The inode of a {@code type:[inode]} link text of the given type, or -1. */
    public static long nsInode(String target, NamespaceType type) {
        String name = type.procName();
        if (!target.startsWith(name) || !target.startsWith(":[", name.length())) {
            return -1;
        }
        return inode(target, name.length() + 2);
    }

    /** The inode of a {@code name:[inode]} link text whatever the name, or -1. */
    public static long anyInode(String target) {
        int colon = target.indexOf(":[");
        return colon <= 0 ? -1 : inode(target, colon + 2);
    }

    private static long inode(String target, int from) {
        if (!target.endsWith("]") || from >= target.length() - 1) {
            return -1;
        }
        try {
            return Long.parseUnsignedLong(target, from, target.length() - 1, 10);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * What nsfs4j reads of a task's {@code status}: the one parser of it.
     *
     * @param nspid the task's pid in each pid namespace, from that of the procfs mount down to
     *     its own ({@code NSpid:}); empty if the kernel shows no such line
     * @param nstgid its thread-group leader's, likewise ({@code NStgid:})
     * @param effectiveUid the effective uid, the second field of {@code Uid:}; -1 if absent
     * @param effectiveCapabilities {@code CapEff:}, a bit mask; 0 if absent
     */
    public record Status(int[] nspid, int[] nstgid, long effectiveUid, long effectiveCapabilities) {
        /** The {@code status} of the task (or process) directory; null if it is gone or unreadable. */
        public static Status of(Path taskDir) {
            try {
                int[] nspid = {};
                int[] nstgid = {};
                long uid = -1;
                long caps = 0;
                for (String line : Files.readAllLines(taskDir.resolve("status"), StandardCharsets.ISO_8859_1)) {
                    if (line.startsWith("NSpid:")) {
                        nspid = ids(line);
                    } else if (line.startsWith("NStgid:")) {
                        nstgid = ids(line);
                    } else if (line.startsWith("Uid:")) {
                        uid = Long.parseLong(fields(line)[1]); // real, effective, saved, filesystem
                    } else if (line.startsWith("CapEff:")) {
                        caps = Long.parseUnsignedLong(fields(line)[0], 16);
                    }
                }
                return new Status(nspid, nstgid, uid, caps);
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }

        /** Whether the status shows pid namespace ids (Linux 4.1+). */
        public boolean hasNamespaceIds() {
            return nspid.length > 0 && nstgid.length > 0;
        }

        private static String[] fields(String line) {
            return line.substring(line.indexOf(':') + 1).trim().split("\\s+");
        }

        private static int[] ids(String line) {
            String[] fields = fields(line);
            int[] ids = new int[fields.length];
            for (int i = 0; i < fields.length; i++) {
                ids[i] = Integer.parseInt(fields[i]);
            }
            return ids;
        }
    }

    /**
     * The command line with NULs as spaces, as its bytes, as lsns shows it; {@code comm} for a
     * kernel thread (empty command line); empty if neither can be read.
     *
     * @throws NoSuchFileException if the process is gone
     */
    public static byte[] command(Path processDir) throws NoSuchFileException {
        try {
            byte[] line = commandLine(Files.readAllBytes(processDir.resolve("cmdline")));
            return line != null ? line : comm(processDir).getBytes(StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw e;
        } catch (IOException e) {
            return new byte[0];
        }
    }

    /**
     * The bytes of a {@code cmdline} as lsns shows them: trailing NULs cut, the others made
     * spaces ({@code raw} is changed); null if nothing is left (a kernel thread's, a zombie's).
     */
    static byte[] commandLine(byte[] raw) {
        int end = raw.length;
        while (end > 0 && raw[end - 1] == 0) {
            end--;
        }
        if (end == 0) {
            return null;
        }
        for (int i = 0; i < end; i++) {
            if (raw[i] == 0) {
                raw[i] = ' ';
            }
        }
        return end == raw.length ? raw : Arrays.copyOf(raw, end);
    }

    /**
     * The parent's pid of a process, from {@code /proc/PID/stat} (the field after the state,
     * past the command's closing parenthesis, which may itself hold any character); -1 if
     * it cannot be read.
     */
    public static int parentPid(Path processDir) {
        try {
            byte[] stat = Files.readAllBytes(processDir.resolve("stat"));
            int close = stat.length - 1;
            while (close >= 0 && stat[close] != ')') {
                close--;
            }
            // ") S 1234 ..."
            int at = close + 4;
            int ppid = 0;
            boolean any = false;
            while (at >= 4 && at < stat.length && stat[at] >= '0' && stat[at] <= '9') {
                ppid = ppid * 10 + (stat[at++] - '0');
                any = true;
            }
            return any ? ppid : -1;
        } catch (IOException e) {
            return -1;
        }
    }

    /** The {@code comm} of a process, without its newline. */
    public static String comm(Path processDir) throws IOException {
        return new String(Files.readAllBytes(processDir.resolve("comm")), StandardCharsets.UTF_8).strip();
    }

    /** The names in a directory such as {@code /proc/self/ns}; empty if it cannot be listed. */
    public static List<String> names(Path dir) {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                names.add(entry.getFileName().toString());
            }
        } catch (IOException | DirectoryIteratorException e) {
            // not there (another pid namespace's procfs), or not ours to list
        }
        return names;
    }

    /** The calling thread's {@code status} ({@code /proc/thread-self}): its credentials. */
    public static Status ownStatus() throws Failure {
        Status status = Status.of(PROC.resolve("thread-self"));
        if (status == null || status.effectiveUid() < 0) {
            throw Failure.of(Failure.Kind.FAILED, "read", "/proc/thread-self/status", 0,
                    "cannot read the caller's credentials (is /proc mounted?)");
        }
        return status;
    }

    /**
     * The whole of a file of /proc (or /proc/sys), read through its own O_CLOEXEC fd, for files
     * read once per call rather than per process of a scan; {@code what} says what failed.
     */
    public static byte[] readAll(String path, String what) throws Failure {
        int fd = LibC.open(path, Constants.O_RDONLY | Constants.O_CLOEXEC);
        if (fd < 0) {
            throw Failure.errno("open", path, -fd, what);
        }
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(8192);
            for (;;) {
                long n = LibC.read(fd, buf, buf.byteSize());
                if (n == -Errno.EINTR) {
                    continue;
                }
                if (n < 0) {
                    throw Failure.errno("read", path, (int) -n, what);
                }
                if (n == 0) {
                    return raw.toByteArray();
                }
                raw.write(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), 0, (int) n);
            }
        } finally {
            LibC.close(fd);
        }
    }
}
