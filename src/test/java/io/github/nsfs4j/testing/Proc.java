package io.github.nsfs4j.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The kernel's truth through procfs, read without the code under test: namespace links
 * ({@code readlink /proc/PID/ns/TYPE}), {@code /proc/PID/status}, process children, and the
 * JVM's own file descriptors ({@code /proc/self/fd}, {@code /proc/self/fdinfo}).
 */
public final class Proc {
    private Proc() {}

    /** {@code type:[inode]}, as readlink shows a namespace file. */
    public static final Pattern NS_LINK = Pattern.compile("(cgroup|ipc|mnt|net|pid|time|user|uts):\\[(\\d+)\\]");

    /** {@code O_CLOEXEC} as {@code /proc/PID/fdinfo/N} prints it in {@code flags:} (octal 02000000). */
    public static final long FDINFO_O_CLOEXEC = 02000000;

    /** The target of {@code /proc/PID/ns/TYPE}, such as {@code net:[4026531840]} (readlink(2)). */
    public static String nsLink(long pid, String type) {
        return readLink(Path.of("/proc", Long.toString(pid), "ns", type));
    }

    /** The inode in {@code readlink /proc/PID/ns/TYPE}. */
    public static long nsInode(long pid, String type) {
        String link = nsLink(pid, type);
        Matcher m = NS_LINK.matcher(link);
        if (!m.matches()) {
            throw new IllegalStateException("not a namespace link: " + link);
        }
        return Long.parseLong(m.group(2));
    }

    /** The inode of the JVM's own namespace of a type ({@code /proc/self/ns/TYPE}). */
    public static long selfNsInode(String type) {
        return nsInode(ProcessHandle.current().pid(), type);
    }

    /** readlink(2) of a path; the link text. */
    public static String readLink(Path path) {
        try {
            return Files.readSymbolicLink(path).toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The lines of {@code /proc/PID/status} as name to value (value trimmed). */
    public static Map<String, String> status(long pid) {
        Map<String, String> map = new LinkedHashMap<>();
        for (String line : readLines(Path.of("/proc", Long.toString(pid), "status"))) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                map.put(line.substring(0, colon), line.substring(colon + 1).trim());
            }
        }
        return map;
    }

    /** The {@code NSpid:} line: the pid from the outermost visible pid namespace down to the task's own. */
    public static List<Long> nsPid(long pid) {
        return longs(status(pid).get("NSpid"));
    }

    /** The {@code NStgid:} line. */
    public static List<Long> nsTgid(long pid) {
        return longs(status(pid).get("NStgid"));
    }

    /** The real, effective, saved and fs uid of the {@code Uid:} line. */
    public static List<Long> uids(long pid) {
        return longs(status(pid).get("Uid"));
    }

    /** The JVM's effective uid. */
    public static long euid() {
        return uids(ProcessHandle.current().pid()).get(1);
    }

    /** The children of the main thread of a process ({@code /proc/PID/task/PID/children}); empty if gone. */
    public static List<Long> children(long pid) {
        Path path = Path.of("/proc", Long.toString(pid), "task", Long.toString(pid), "children");
        try {
            return longs(Files.readString(path));
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Field 22 of {@code /proc/PID/stat} (start time in clock ticks), or empty if the process is gone. */
    public static Optional<Long> startTime(long pid) {
        return stat(pid).map(fields -> Long.parseLong(fields.get(19)));
    }

    /** The state letter of {@code /proc/PID/stat} (R, S, Z, ...), or empty if the process is gone. */
    public static Optional<Character> state(long pid) {
        return stat(pid).map(fields -> fields.get(0).charAt(0));
    }

    /** Whether the process that had this start time is gone: no entry, a zombie, or another process now. */
    public static boolean isGone(long pid, long startTime) {
        Optional<List<String>> fields = stat(pid);
        if (fields.isEmpty()) {
            return true;
        }
        char state = fields.get().get(0).charAt(0);
        return state == 'Z' || state == 'X' || Long.parseLong(fields.get().get(19)) != startTime;
    }

    /** The fields of /proc/PID/stat after the command name: index 0 is field 3 (state). */
    private static Optional<List<String>> stat(long pid) {
        String text;
        try {
            text = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            // ESRCH while reading a process that is exiting
            return Optional.empty();
        }
        int close = text.lastIndexOf(')');
        return Optional.of(List.of(text.substring(close + 2).trim().split(" ")));
    }

    /** The JVM's open fds and their link targets ({@code /proc/self/fd}); fds closed while listing are skipped. */
    public static Map<Integer, String> fds() {
        Map<Integer, String> fds = new TreeMap<>();
        try (Stream<Path> list = Files.list(Path.of("/proc/self/fd"))) {
            for (Path p : (Iterable<Path>) list::iterator) {
                try {
                    fds.put(Integer.parseInt(p.getFileName().toString()), Files.readSymbolicLink(p).toString());
                } catch (NoSuchFileException e) {
                    // closed meanwhile (for example the directory stream's own fd)
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return fds;
    }

    /** How many fds the JVM has open. */
    public static int fdCount() {
        return fds().size();
    }

    /** The JVM's fds on namespace files, by fd number, with their {@code type:[inode]} link. */
    public static Map<Integer, String> nsFds() {
        Map<Integer, String> result = new TreeMap<>();
        fds().forEach((fd, link) -> {
            if (NS_LINK.matcher(link).matches()) {
                result.put(fd, link);
            }
        });
        return result;
    }

    /** The sorted multiset of the JVM's namespace-file fd links: compare before and after to find leaks. */
    public static List<String> nsFdLinks() {
        List<String> links = new ArrayList<>(nsFds().values());
        Collections.sort(links);
        return links;
    }

    /** The {@code flags:} of {@code /proc/self/fdinfo/FD} (octal in the file), or empty if the fd is not open. */
    public static Optional<Long> fdFlags(int fd) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo", Integer.toString(fd)))) {
                if (line.startsWith("flags:")) {
                    return Optional.of(Long.parseLong(line.substring(6).trim(), 8));
                }
            }
            throw new IllegalStateException("no flags: line in /proc/self/fdinfo/" + fd);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The lines of {@code /proc/self/fdinfo/FD}. */
    public static List<String> fdInfo(int fd) {
        return readLines(Path.of("/proc/self/fdinfo", Integer.toString(fd)));
    }

    /** The link of {@code /proc/self/fd/FD}, or empty if the fd is not open. */
    public static Optional<String> fdLink(int fd) {
        try {
            return Optional.of(Files.readSymbolicLink(Path.of("/proc/self/fd", Integer.toString(fd))).toString());
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code /proc/sys/kernel/pid_max}: every pid is below it. */
    public static int pidMax() {
        return Integer.parseInt(readLines(Path.of("/proc/sys/kernel/pid_max")).get(0).trim());
    }

    /** {@code /proc/sys/kernel/overflowuid}: the uid shown for an unmapped one. */
    public static long overflowUid() {
        return Long.parseLong(readLines(Path.of("/proc/sys/kernel/overflowuid")).get(0).trim());
    }

    /** The running kernel's release ({@code /proc/sys/kernel/osrelease}) as {major, minor}. */
    public static int[] kernelVersion() {
        String release = readLines(Path.of("/proc/sys/kernel/osrelease")).get(0).trim();
        Matcher m = Pattern.compile("^(\\d+)\\.(\\d+)").matcher(release);
        if (!m.find()) {
            throw new IllegalStateException("unreadable kernel release " + release);
        }
        return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
    }

    /** Whether the running kernel is at least major.minor. */
    public static boolean kernelAtLeast(int major, int minor) {
        int[] v = kernelVersion();
        return v[0] != major ? v[0] > major : v[1] >= minor;
    }

    /** stat(2)'s st_dev of a path (links followed), as the JDK reports it. */
    public static long statDev(Path path) {
        try {
            return ((Number) Files.getAttribute(path, "unix:dev")).longValue();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** stat(2)'s st_ino of a path (links followed). */
    public static long statIno(Path path) {
        try {
            return ((Number) Files.getAttribute(path, "unix:ino")).longValue();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The lines of a (small) file. */
    public static List<String> readLines(Path path) {
        try {
            return Files.readAllLines(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Long> longs(String text) {
        if (text == null) {
            return List.of();
        }
        List<Long> result = new ArrayList<>();
        for (String s : text.trim().split("\\s+")) {
            if (!s.isEmpty()) {
                result.add(Long.parseLong(s));
            }
        }
        return result;
    }
}
