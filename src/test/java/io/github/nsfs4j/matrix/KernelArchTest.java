package io.github.nsfs4j.matrix;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.nsfs4j.NamespaceSet;
import io.github.nsfs4j.Pidfd;
import io.github.nsfs4j.kernel.IoctlRequest;
import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.kernel.NsIoctl;
import io.github.nsfs4j.kernel.PidfdIoctl;
import io.github.nsfs4j.linux.Arch;
import io.github.nsfs4j.linux.Constants;
import io.github.nsfs4j.linux.LibC;
import io.github.nsfs4j.linux.ProcessCalls;
import io.github.nsfs4j.linux.Structs;
import io.github.nsfs4j.linux.Launcher;
import io.github.nsfs4j.linux.SyscallNumbers;
import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Unshared;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

/**
 * Kernel suite: what differs between the architectures of {@link Arch}. The numbers nsfs4j
 * passes to the kernel against the architecture's own C headers ({@link ArchHeaders}): every
 * system call number, every ioctl request (powerpc's direction bits differ); every system call
 * of {@link LibC} and {@link ProcessCalls} against the kernel's own record of it (a syscall
 * trace: the number enters the system call it names); {@code struct statfs} against what the
 * kernel writes (its {@code f_type} is 32-bit on s390x); and a process started by
 * {@link NamespaceSet#start} (posix_spawn, pipes, waitid's {@code siginfo_t}).
 */
class KernelArchTest {
    /** An fd, and a pid, that nothing has: each call fails harmlessly, and the trace shows it as its marker. */
    private static final int BAD = 0x3eadbe;

    private static String arch() {
        return String.valueOf(Arch.RUNNING);
    }

    @Test
    void syscallNumbersAreTheHeaders() throws Exception {
        Cells.check("arch: system call numbers vs <sys/syscall.h>", () -> {
            Map<String, Long> library = new LinkedHashMap<>();
            for (Field f : SyscallNumbers.class.getFields()) {
                library.put(f.getName().substring("SYS_".length()), f.getLong(null));
            }
            for (Field f : Constants.class.getFields()) { // the numbers the same on every architecture
                if (f.getName().startsWith("SYS_")) {
                    library.put(f.getName().substring("SYS_".length()), f.getLong(null));
                }
            }
            assertEquals(ArchHeaders.SYSCALLS.stream().sorted().toList(), library.keySet().stream().sorted().toList(),
                    "the system calls of the C layer");
            List<String> wrong = new ArrayList<>();
            List<String> newer = new ArrayList<>();
            library.forEach((name, number) -> {
                OptionalLong header = ArchHeaders.syscall(name);
                if (header.isEmpty()) {
                    newer.add(name);
                } else if (header.getAsLong() != number) {
                    wrong.add(name + ": nsfs4j " + number + ", headers " + header.getAsLong());
                }
            });
            assertEquals(List.of(), wrong, arch() + ": system call numbers");
            return Cells.works(arch() + ": " + (library.size() - newer.size()) + " equal"
                    + (newer.isEmpty() ? "" : "; " + String.join(", ", newer) + " newer than the headers"));
        });
    }

    /**
     * The launcher's own system call numbers (its generated machine code makes them directly,
     * not through the C layer) against this architecture's headers; where nsfs4j generates no
     * launcher, nothing to compare.
     */
    @Test
    void launcherSyscallNumbersAreTheHeaders() throws Exception {
        Cells.check("arch: the launcher's system call numbers vs <sys/syscall.h>", () -> {
            if (!Launcher.generatedFor(Arch.RUNNING)) {
                return new Cells.Cell(Cells.Status.REFUSED, "no launcher for " + Arch.RUNNING);
            }
            String assembler = Arch.RUNNING == Arch.X86_64 ? "X86_64Assembler" : "Aarch64Assembler";
            Map<String, Long> launcher = new LinkedHashMap<>();
            for (Field f : Class.forName("io.github.nsfs4j.linux." + assembler).getDeclaredFields()) {
                if (f.getName().startsWith("SYS_")) {
                    f.setAccessible(true);
                    launcher.put(f.getName().substring("SYS_".length()), f.getLong(null));
                }
            }
            assertEquals(ArchHeaders.LAUNCHER_SYSCALLS.stream().sorted().toList(),
                    launcher.keySet().stream().sorted().toList(), "the system calls of " + assembler);
            List<String> wrong = new ArrayList<>();
            launcher.forEach((name, number) -> {
                OptionalLong header = ArchHeaders.syscall(name);
                if (header.isEmpty() || header.getAsLong() != number) {
                    wrong.add(name + ": launcher " + number + ", headers " + header);
                }
            });
            assertEquals(List.of(), wrong, arch() + ": the launcher's system call numbers");
            return Cells.works(arch() + ": " + launcher.size() + " equal");
        });
    }

    @Test
    void ioctlRequestsAreTheHeaders() throws Exception {
        Cells.check("arch: ioctl requests vs <asm/ioctl.h>", () -> {
            List<String> wrong = new ArrayList<>();
            for (NsIoctl r : NsIoctl.values()) {
                // include/uapi/linux/nsfs.h: NS_GET_USERNS .. NS_GET_OWNER_UID are _IO(0xb7, 1..4),
                // the rest _IOR(0xb7, nr, T): __u64 (5, 13), int (6 to 9), struct mnt_ns_info (10 to 12)
                int nr = r.number();
                long size = nr <= 4 ? 0 : nr == 5 || nr == 13 ? 8 : nr <= 9 ? 4 : 16;
                compare(r, ArchHeaders.ioc(size > 0, false, 0xb7, nr, size), wrong);
            }
            for (PidfdIoctl r : PidfdIoctl.values()) {
                // include/uapi/linux/pidfd.h: PIDFD_GET_<TYPE>_NAMESPACE are _IO(0xFF, 1..10)
                compare(r, ArchHeaders.io(0xff, r.number()), wrong);
            }
            assertEquals(List.of(), wrong, arch() + ": request numbers");
            // and the kernel takes the encoding: NS_GET_NSTYPE (_IO, Linux 4.11) of a uts namespace
            int fd = LibC.open("/proc/self/ns/uts", Constants.O_RDONLY | Constants.O_CLOEXEC);
            try {
                assertEquals(NamespaceType.UTS.cloneFlag(), LibC.ioctl(fd, NsIoctl.NS_GET_NSTYPE.request(), 0L));
            } finally {
                LibC.close(fd);
            }
            return Cells.works(arch() + ": " + (NsIoctl.values().length + PidfdIoctl.values().length) + " equal; _IOC_NONE "
                    + ArchHeaders.ioc("_IOC_NONE") + ", _IOC_READ " + ArchHeaders.ioc("_IOC_READ") + " << "
                    + ArchHeaders.ioc("_IOC_DIRSHIFT"));
        });
    }

    private static void compare(IoctlRequest r, long header, List<String> wrong) {
        if (r.request() != header) {
            wrong.add(r + ": nsfs4j 0x" + Long.toHexString(r.request()) + ", headers 0x" + Long.toHexString(header));
        }
    }

    /** One call of the C layer, made with a marker argument, and the system call it must enter. */
    private record Call(String syscall, int markerArg, long marker, LongSupplier call) {}

    @Test
    void everySystemCallEntersTheOneItNames() throws Exception {
        Cells.check("arch: system calls of LibC vs a kernel trace", () -> {
            Unshared.require(Files.readString(Path.of("/proc/filesystems")).contains("tracefs"), "no tracefs");
            long self = ProcessHandle.current().pid();
            try (Arena arena = Arena.ofConfined(); Trace trace = Trace.start()) {
                MemorySegment buf = arena.allocate(Structs.STATX);
                MemorySegment path = arena.allocateFrom("nsfs4j");
                MemorySegment fds = arena.allocate(JAVA_INT, 2);
                List<Call> calls = List.of(
                        new Call("openat", 0, BAD, () -> LibC.openat(BAD, path, Constants.O_RDONLY, 0)),
                        new Call("close", 0, BAD, () -> LibC.close(BAD)),
                        new Call("ioctl", 1, NsIoctl.NS_GET_NSTYPE.request(),
                                () -> LibC.ioctl(BAD, NsIoctl.NS_GET_NSTYPE.request(), 0L)),
                        new Call("ioctl", 1, NsIoctl.NS_GET_PID_IN_PIDNS.request(),
                                () -> LibC.ioctl_critical(BAD, NsIoctl.NS_GET_PID_IN_PIDNS.request(), 1)),
                        new Call("fcntl", 0, BAD, () -> LibC.fcntl(BAD, Constants.F_GETFL, 0)),
                        new Call("fstatfs", 0, BAD, () -> LibC.fstatfs(BAD, buf)),
                        new Call("statx", 0, BAD, () -> LibC.fstatx(BAD, Constants.STATX_INO, buf)),
                        new Call("readlinkat", 0, BAD, () -> LibC.readlinkat(BAD, path, buf, 16)),
                        new Call("name_to_handle_at", 0, BAD, () -> LibC.name_to_handle_at(BAD, buf, fds)),
                        new Call("open_by_handle_at", 0, BAD, () -> LibC.open_by_handle_at(BAD, buf, Constants.O_RDONLY)),
                        new Call("setns", 0, BAD, () -> LibC.setns(BAD, 0)),
                        new Call("unshare", 0, 0, () -> LibC.unshare(0)),
                        new Call("pipe2", 1, Constants.O_CLOEXEC, () -> pipe(fds)),
                        new Call("read", 0, BAD, () -> LibC.read(BAD, buf, 0)),
                        new Call("write", 0, BAD, () -> LibC.write(BAD, buf, 0)),
                        new Call("waitid", 1, BAD,
                                () -> ProcessCalls.waitid(Constants.P_PID, BAD, buf, Constants.WEXITED)),
                        new Call("kill", 0, self, () -> ProcessCalls.kill((int) self, 0)),
                        new Call("getdents64", 0, BAD, () -> LibC.getdents64(BAD, buf, 0)),
                        new Call("socket", 0, BAD, () -> closeFd(LibC.socket(BAD, 0, 0))),
                        new Call("sendto", 0, BAD, () -> LibC.send(BAD, buf, 0, 0)),
                        new Call("recvfrom", 0, BAD, () -> LibC.recv(BAD, buf, 0, 0)),
                        new Call("pidfd_open", 0, self, () -> closeFd(ProcessCalls.pidfd_open((int) self, 0))),
                        new Call("pidfd_getfd", 0, BAD, () -> closeFd(ProcessCalls.pidfd_getfd(BAD, 0, 0))),
                        new Call("listns", 2, BAD, () -> LibC.listns(MemorySegment.NULL, MemorySegment.NULL, BAD, 0)),
                        new Call("memfd_create", 1, BAD, () -> closeFd(ProcessCalls.memfd_create(path, BAD))),
                        new Call("close_range", 0, BAD, () -> ProcessCalls.close_range(BAD, BAD, 0)),
                        new Call("pidfd_send_signal", 0, BAD, () -> ProcessCalls.pidfd_send_signal(BAD, 0)));
                assertEquals(new TreeSet<>(ArchHeaders.SYSCALLS), calls.stream().map(Call::syscall)
                        .collect(Collectors.toCollection(TreeSet::new)), "a call of every system call of the C layer");
                Map<Call, Long> results = new LinkedHashMap<>();
                trace.on();
                for (Call c : calls) {
                    results.put(c, c.call().getAsLong());
                }
                List<Entry> entries = trace.off();
                List<String> wrong = new ArrayList<>();
                List<String> absent = new ArrayList<>();
                for (Call c : calls) {
                    long rc = results.get(c);
                    boolean traced = entries.stream().anyMatch(e -> e.is(c.syscall(), c.markerArg(), c.marker()));
                    if (traced) {
                        continue;
                    }
                    if (rc == -RawKernel.ENOSYS && !trace.hasEvent(c.syscall())) {
                        absent.add(c.syscall()); // a system call newer than the kernel: nothing to enter
                    } else {
                        wrong.add(c.syscall() + " (returned " + RawKernel.errnoName(rc) + ")");
                    }
                }
                assertEquals(List.of(), wrong, arch() + ": calls the trace does not show entering the system call they"
                        + " name; what this thread entered: " + entries);
                return Cells.works(arch() + ": " + (calls.size() - absent.size()) + " traced"
                        + (absent.isEmpty() ? "" : "; " + String.join(", ", absent) + ": ENOSYS, not in this kernel"));
            }
        });
    }

    private static long pipe(MemorySegment fds) {
        int rc = ProcessCalls.pipe2(fds, Constants.O_CLOEXEC);
        if (rc == 0) {
            LibC.close(fds.getAtIndex(JAVA_INT, 0));
            LibC.close(fds.getAtIndex(JAVA_INT, 1));
        }
        return rc;
    }

    private static long closeFd(int fd) {
        if (fd >= 0) {
            LibC.close(fd);
        }
        return fd;
    }

    /**
     * One traced system call: its name (without {@code sys_}) and its arguments as the trace
     * prints them, which differs between kernels: bare hexadecimal (6.1), {@code 0x} and
     * hexadecimal or small values in decimal (6.18), decimal (7.3).
     */
    record Entry(String syscall, List<String> args) {
        boolean is(String name, int index, long value) {
            if (!syscall.equals(name) || args.size() <= index) {
                return false;
            }
            String text = args.get(index);
            String hex = Long.toHexString(value);
            return text.equals(hex) || text.equals("0x" + hex) || text.equals(Long.toUnsignedString(value));
        }
    }

    /**
     * The system calls of the calling thread, recorded by the kernel: a tracefs instance of
     * its own (so nothing else that traces on the machine is disturbed), with tracefs mounted
     * in the private mount namespace of a helper process and reached through its
     * {@code /proc/PID/root} (the machine's mounts are left alone).
     */
    private static final class Trace implements AutoCloseable {
        private static final Pattern EVENT = Pattern.compile(": sys_(\\w+)\\((.*)");
        private static final Pattern ARG = Pattern.compile("\\w+: (0x[0-9a-f]+|[0-9a-f]+)\\b");
        private final Unshared helper;
        private final Path dir;

        private Trace(Unshared helper, Path dir) {
            this.helper = helper;
            this.dir = dir;
        }

        static Trace start() throws IOException {
            Unshared helper = Unshared.builder().types("mnt")
                    .script("mount -t tracefs nsfs4j /sys/kernel/tracing && echo ready && exec sleep 100000").start();
            Path dir = Path.of("/proc", Long.toString(helper.pid(1)), "root/sys/kernel/tracing/instances",
                    "nsfs4j-" + ProcessHandle.current().pid() + "-" + Proc.tid());
            try {
                Files.createDirectory(dir);
                return new Trace(helper, dir);
            } catch (IOException | RuntimeException e) {
                helper.close();
                throw e;
            }
        }

        boolean hasEvent(String syscall) {
            return Files.exists(dir.resolve("events/syscalls/sys_enter_" + syscall));
        }

        /** Starts recording the system calls of the calling thread (and only of it). */
        void on() throws IOException {
            write("set_event_pid", Long.toString(Proc.tid()));
            for (String name : ArchHeaders.SYSCALLS) {
                if (hasEvent(name)) {
                    write("events/syscalls/sys_enter_" + name + "/enable", "1");
                }
            }
            write("events/raw_syscalls/sys_enter/enable", "1");
        }

        /** Stops, and the entries recorded since {@link #on}. */
        List<Entry> off() throws IOException {
            write("events/enable", "0");
            List<Entry> entries = new ArrayList<>();
            for (String line : Files.readAllLines(dir.resolve("trace"), StandardCharsets.UTF_8)) {
                Matcher m = EVENT.matcher(line);
                if (m.find()) {
                    List<String> args = new ArrayList<>();
                    Matcher a = ARG.matcher(m.group(2));
                    while (a.find()) {
                        args.add(a.group(1));
                    }
                    entries.add(new Entry(m.group(1), args));
                } else if (line.contains("sys_enter: NR ")) {
                    entries.add(new Entry("NR " + line.substring(line.indexOf("NR ") + 3).split(" ")[0], List.of()));
                }
            }
            return entries;
        }

        private void write(String file, String value) throws IOException {
            Files.writeString(dir.resolve(file), value);
        }

        @Override
        public void close() throws IOException {
            try {
                write("events/enable", "0");
                Files.delete(dir);
            } finally {
                helper.close();
            }
        }
    }

    @Test
    void statfsIsWhatTheKernelWrites() throws Exception {
        Cells.check("arch: struct statfs (f_type) vs the kernel", () -> {
            int fd = LibC.open("/proc/self/ns/uts", Constants.O_RDONLY | Constants.O_CLOEXEC);
            try (Arena arena = Arena.ofConfined()) {
                // The C library's fstatfs (this architecture's struct) into a patterned buffer:
                // the kernel writes the whole struct (f_spare last, zeros), nothing beyond it.
                MemorySegment buf = arena.allocate(256, 8).fill((byte) 0xa5);
                assertEquals(0, RawKernel.fstatfs(fd, buf), "fstatfs");
                long written = 256;
                while (written > 0 && buf.get(JAVA_BYTE, written - 1) == (byte) 0xa5) {
                    written--;
                }
                assertEquals(Structs.STATFS.byteSize(), written, "sizeof(struct statfs) on " + arch());
                assertEquals(Constants.NSFS_MAGIC, Structs.statfsType(buf), "f_type as nsfs4j reads it on " + arch());
                MemorySegment own = arena.allocate(Structs.STATFS);
                assertEquals(0, LibC.fstatfs(fd, own), "nsfs4j's fstatfs");
                assertEquals(Constants.NSFS_MAGIC, Structs.statfsType(own));
                return Cells.works(arch() + ": " + written + " bytes, f_type "
                        + Structs.STATFS.memberLayouts().getFirst().byteSize() * 8 + "-bit");
            } finally {
                LibC.close(fd);
            }
        });
    }

    @Test
    void processStart() throws Exception {
        Cells.check("arch: process start (posix_spawn, pipes, waitid)", () -> {
            try (Unshared child = Unshared.start("uts"); Pidfd pidfd = Pidfd.open(child.leafPid());
                    NamespaceSet set = NamespaceSet.of(pidfd, NamespaceType.UTS)) {
                Process p = set.start(new ProcessBuilder("sh", "-c", "read line; echo \"got $line\"; kill -9 $$"));
                assertEquals(Proc.nsLink(child.leafPid(), "uts"), Proc.nsLink(p.pid(), "uts"), "its uts namespace");
                p.getOutputStream().write("nsfs4j\n".getBytes(StandardCharsets.UTF_8));
                p.getOutputStream().close();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the process ends");
                assertEquals("got nsfs4j\n", out, "stdin to stdout through the pipes");
                assertEquals(128 + 9, p.exitValue(), "killed by SIGKILL (siginfo_t's si_code and si_status)");
            }
            return Cells.works(arch() + ": stdin, stdout, SIGKILL as 137");
        });
    }
}
