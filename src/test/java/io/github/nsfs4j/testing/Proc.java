package io.github.nsfs4j.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The kernel's truth through procfs, read without the code under test (the tests' oracle, apart
 * from the library's own /proc reader): namespace links ({@code readlink /proc/PID/ns/TYPE}),
 * {@code /proc/PID/status} and the tasks of a process ({@link Task}), process children, the
 * namespaces of the JVM's threads, and the JVM's own file descriptors ({@code /proc/self/fd},
 * {@code /proc/self/fdinfo}). No JUnit: child JVMs use it too.
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
        return nsInode(nsLink(pid, type));
    }

    /** The inode of a {@code type:[inode]} link text. */
    public static long nsInode(String link) {
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

    /**
     * The process whose namespaces are the machine's initial ones: pid 1 (in a kernel-matrix
     * guest, busybox's init, which never unshares) where its namespace links can be read; where
     * the sandbox hides pid 1 (this project's development machines), the JVM itself, which such
     * a sandbox starts in the initial namespaces.
     */
    public static long initialProcess() {
        try {
            readLink(Path.of("/proc/1/ns/pid"));
            return 1;
        } catch (UncheckedIOException e) {
            return ProcessHandle.current().pid();
        }
    }

    // ------------------------------------------------------------------ the JVM's threads

    /** The namespace links of a task, with those a child would get ({@code *_for_children}). */
    public static final List<String> TASK_NS_LINKS = List.of("cgroup", "ipc", "mnt", "net", "pid", "pid_for_children",
            "time", "time_for_children", "user", "uts");

    /** The calling (carrier) thread's id, from {@code /proc/thread-self} ({@code PID/task/TID}). */
    public static long tid() {
        String self = readLink(Path.of("/proc/thread-self"));
        return Long.parseLong(self.substring(self.lastIndexOf('/') + 1));
    }

    /** readlink {@code /proc/thread-self/ns/LINK}: the calling thread's namespace. */
    public static String threadNsLink(String link) {
        return readLink(Path.of("/proc/thread-self/ns", link));
    }

    /**
     * The JVM's threads that are not where the process is: tid to the links (as
     * {@code net=net:[...]}) in which the thread differs from {@code /proc/self/ns}; empty when
     * every thread is home.
     */
    public static TreeMap<Long, List<String>> foreignThreads() {
        TreeMap<Long, List<String>> foreign = new TreeMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                List<String> differing = new ArrayList<>();
                for (String link : TASK_NS_LINKS) {
                    try {
                        String mine = Files.readSymbolicLink(task.resolve("ns").resolve(link)).toString();
                        // /proc/self, not the pid: inside a pid namespace the JVM may see a procfs of its parent's
                        String home = readLink(Path.of("/proc/self/ns", link));
                        if (!mine.equals(home)) {
                            differing.add(link + "=" + mine);
                        }
                    } catch (NoSuchFileException e) {
                        // the thread ended while being read
                    }
                }
                if (!differing.isEmpty()) {
                    foreign.put(Long.parseLong(task.getFileName().toString()), differing);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return foreign;
    }

    /**
     * {@link #foreignThreads()} once it is empty, or after 5 s: a thread that ends leaves
     * {@code /proc/self/task} a moment after Java sees it terminated.
     */
    public static TreeMap<Long, List<String>> foreignThreadsSettled() throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        TreeMap<Long, List<String>> foreign = foreignThreads();
        while (!foreign.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
            foreign = foreignThreads();
        }
        return foreign;
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
        return status(readLines(Path.of("/proc", Long.toString(pid), "status")));
    }

    private static Map<String, String> status(List<String> lines) {
        Map<String, String> map = new LinkedHashMap<>();
        for (String line : lines) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                map.put(line.substring(0, colon), line.substring(colon + 1).trim());
            }
        }
        return map;
    }

    /** One task (thread) as the kernel describes it in its status file and {@code ns/pid} link. */
    public record Task(int tgid, int tid, int ppid, int[] nspid, int[] nstgid, long nsInode, String comm) {
        /** The index of the task's own pid namespace in NSpid (0: the one of this /proc). */
        public int depth() {
            return nspid.length - 1;
        }

        @Override
        public String toString() {
            return "task " + tid + " (tgid " + tgid + ", " + comm + ") NSpid " + Arrays.toString(nspid) + " NStgid "
                    + Arrays.toString(nstgid) + " ns " + nsInode;
        }
    }

    /** The main thread of a process ({@code /proc/PID}); fails if it is gone. */
    public static Task task(long pid) {
        return task(Path.of("/proc", Long.toString(pid)))
                .orElseThrow(() -> new IllegalStateException("process " + pid + " is gone"));
    }

    /** Every task of a process ({@code /proc/PID/task/}), by tid; empty if the process is gone. */
    public static List<Task> tasks(long pid) {
        List<Task> tasks = new ArrayList<>();
        try (Stream<Path> list = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            list.forEach(dir -> task(dir).ifPresent(tasks::add));
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        tasks.sort(Comparator.comparingInt(Task::tid));
        return tasks;
    }

    /** The task of {@code /proc/PID/task/TID} (or {@code /proc/PID}); empty if it is gone. */
    private static Optional<Task> task(Path dir) {
        Map<String, String> status;
        long ns;
        try {
            status = status(Files.readAllLines(dir.resolve("status")));
            ns = nsInode(Files.readSymbolicLink(dir.resolve("ns/pid")).toString());
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.of(new Task(Integer.parseInt(status.get("Tgid")), Integer.parseInt(status.get("Pid")),
                Integer.parseInt(status.get("PPid")), ints(status.get("NSpid")), ints(status.get("NStgid")), ns,
                status.get("Name")));
    }

    private static int[] ints(String text) {
        return longs(text).stream().mapToInt(Long::intValue).toArray();
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

    /**
     * The children of a process, sorted: the {@code /proc/PID/task/TID/children} files of all its
     * threads (a fork is a thread's); empty if the process is gone.
     */
    public static List<Long> children(long pid) {
        List<Long> all = new ArrayList<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    all.addAll(longs(Files.readString(task.resolve("children"))));
                } catch (NoSuchFileException e) {
                    // the thread ended
                }
            }
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Collections.sort(all);
        return all;
    }

    /** Waits for the single child of {@code pid} to appear and to have exec'd {@code comm} (if not null). */
    public static long awaitChild(long pid, String comm, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (;;) {
            List<Long> c = children(pid);
            if (c.size() == 1 && (comm == null || comm.equals(status(c.get(0)).get("Name")))) {
                return c.get(0);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("process " + pid + " has children " + c + ", expected one " + comm);
            }
            pause(5);
        }
    }

    /** Waits until {@code /proc/PID} no longer exists (the process is reaped). */
    public static void awaitGone(long pid, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (Files.exists(Path.of("/proc", Long.toString(pid)))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("process " + pid + " still there after " + timeout);
            }
            pause(5);
        }
    }

    /** The arguments of a process ({@code /proc/PID/cmdline}); empty if it is gone. */
    public static List<String> args(long pid) {
        try {
            String text = Files.readString(Path.of("/proc", Long.toString(pid), "cmdline"));
            return text.isEmpty() ? List.of() : List.of(text.split("\0"));
        } catch (IOException e) {
            return List.of();
        }
    }

    /** The pids of {@code /proc} (its numeric entries). */
    public static List<Long> pids() {
        try (Stream<Path> list = Files.list(Path.of("/proc"))) {
            return list.map(p -> p.getFileName().toString()).filter(n -> n.chars().allMatch(Character::isDigit))
                    .map(Long::parseLong).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A pid that names no process or thread now: from the top of the pid range down. */
    public static int unusedPid() {
        for (int candidate = pidMax() - 1 - (int) (Math.random() * 100); candidate > 300; candidate--) {
            if (!Files.exists(Path.of("/proc", Integer.toString(candidate)))) {
                return candidate;
            }
        }
        throw new IllegalStateException("no unused pid");
    }

    /** The pid of a process that has exited and been reaped: no process has it now. */
    public static long deadPid() {
        for (int attempt = 0; attempt < 10; attempt++) {
            try {
                Process p = new ProcessBuilder("true").start();
                p.waitFor();
                if (!Files.exists(Path.of("/proc", Long.toString(p.pid())))) {
                    return p.pid();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException("no dead pid found");
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
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
        return fds(Path.of("/proc/self/fd"));
    }

    /** The open fds of a process and their link targets ({@code /proc/PID/fd}). */
    public static Map<Integer, String> fds(long pid) {
        return fds(Path.of("/proc", Long.toString(pid), "fd"));
    }

    private static Map<Integer, String> fds(Path dir) {
        Map<Integer, String> fds = new TreeMap<>();
        try (Stream<Path> list = Files.list(dir)) {
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

    /** How many processes are in a namespace: those whose {@code /proc/PID/ns/TYPE} shows its inode. */
    public static long processesIn(String type, long inode) {
        return pids().stream().filter(pid -> {
            try {
                return nsInode(pid, type) == inode;
            } catch (RuntimeException gone) {
                return false;
            }
        }).count();
    }

    /**
     * The lines of {@code /proc/PROC/mountinfo} ({@code PROC}: a pid, {@code self} or
     * {@code thread-self}): the mounts of that mount namespace, one a line.
     */
    public static List<String> mountinfo(String proc) {
        return readLines(Path.of("/proc", proc, "mountinfo"));
    }

    public static List<String> mountinfo(long pid) {
        return mountinfo(Long.toString(pid));
    }

    /** The mount ids (first field) of {@link #mountinfo}, sorted: a copy of a mount namespace has new ones. */
    public static List<String> mountIds(String proc) {
        return mountinfo(proc).stream().map(l -> l.substring(0, l.indexOf(' '))).sorted().toList();
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

    /** A capability set ({@code CapEff}, ...) from the text of a {@code status} file, as its hex says it. */
    public static long capabilities(String statusText, String name) {
        for (String line : statusText.split("\n")) {
            if (line.startsWith(name + ":")) {
                return Long.parseUnsignedLong(line.substring(name.length() + 1).trim(), 16);
            }
        }
        throw new AssertionError("no " + name + " in " + statusText);
    }
}
