package io.github.nsfs4j.matrix;

import io.github.nsfs4j.testing.Commands;
import io.github.nsfs4j.testing.Unshared;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Numbers of the architecture the suite runs on, from that architecture's own C headers and
 * never from the library: system call numbers ({@code SYS_*} of {@code <sys/syscall.h>}) and
 * the ioctl encoding ({@code _IOC_*} of {@code <asm/ioctl.h>}: powerpc's direction bits and
 * size field differ from asm-generic's). Debian's perl carries them as h2ph made them from the
 * headers of the architecture it was built for ({@code syscall.ph}, {@code asm/ioctl.ph}, in
 * {@code libperl5.*}); one perl reads them all, once.
 */
final class ArchHeaders {
    private ArchHeaders() {}

    /** The system calls nsfs4j makes, by their C names (the {@code SYS_} names of the headers). */
    static final List<String> SYSCALLS = List.of("openat", "close", "ioctl", "fcntl", "fstatfs", "statx", "readlinkat",
            "name_to_handle_at", "open_by_handle_at", "setns", "unshare", "pipe2", "read", "write", "waitid", "kill",
            "getdents64", "socket", "sendto", "recvfrom", "pidfd_open", "pidfd_getfd", "listns", "memfd_create",
            "close_range", "pidfd_send_signal");
    /**
     * The system calls of the launcher's generated machine code ({@code linux.X86_64Assembler},
     * {@code linux.Aarch64Assembler}: their {@code SYS_*} numbers), by their C names.
     */
    static final List<String> LAUNCHER_SYSCALLS = List.of("write", "close", "rt_sigaction",
            "rt_sigprocmask", "getpid", "clone", "execve", "wait4", "kill", "fcntl", "chdir", "fchdir", "setuid",
            "setgid", "getppid", "setgroups", "capget", "capset", "rt_sigtimedwait", "prctl", "chroot", "exit_group",
            "setns", "close_range");
    private static final List<String> IOC = List.of("_IOC_NONE", "_IOC_READ", "_IOC_WRITE", "_IOC_NRSHIFT",
            "_IOC_TYPESHIFT", "_IOC_SIZESHIFT", "_IOC_DIRSHIFT", "_IOC_SIZEBITS");
    private static final String SCRIPT = "no strict 'refs'; require 'syscall.ph'; require 'asm/ioctl.ph';"
            + " for my $n (@ARGV) { print $n, ' ', (defined &{$n} ? &{$n}() : '-'), \"\\n\" }";

    private static Map<String, OptionalLong> values;

    private static synchronized Map<String, OptionalLong> values() {
        if (values == null) {
            Unshared.requireCommand("perl");
            List<String> command = new ArrayList<>(List.of("perl", "-e", SCRIPT));
            java.util.stream.Stream.concat(SYSCALLS.stream(), LAUNCHER_SYSCALLS.stream()).distinct()
                    .forEach(name -> command.add("SYS_" + name));
            command.addAll(IOC);
            Commands.Result r = Commands.run(command);
            Unshared.require(r.exitCode() == 0, "perl cannot read this architecture's headers (syscall.ph, asm/ioctl.ph"
                    + " of libperl): " + r);
            Map<String, OptionalLong> read = new LinkedHashMap<>();
            for (String line : r.stdout().split("\n")) {
                String[] f = line.trim().split(" ");
                if (f.length == 2) {
                    read.put(f[0], f[1].equals("-") ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(f[1])));
                }
            }
            for (String name : IOC) {
                if (read.getOrDefault(name, OptionalLong.empty()).isEmpty()) {
                    throw new IllegalStateException("asm/ioctl.ph has no " + name + ": " + r);
                }
            }
            values = read;
        }
        return values;
    }

    /** {@code SYS_name} of this architecture; empty where its headers are older than the system call. */
    static OptionalLong syscall(String name) {
        return values().getOrDefault("SYS_" + name, OptionalLong.empty());
    }

    /** The {@code _IOC_*} constant of this architecture. */
    static long ioc(String name) {
        return values().get(name).orElseThrow();
    }

    /** {@code _IOC(dir, type, nr, size)} as this architecture's {@code <asm/ioctl.h>} encodes it. */
    static long ioc(boolean read, boolean write, int type, int nr, long size) {
        long dir = (read ? ioc("_IOC_READ") : 0) | (write ? ioc("_IOC_WRITE") : 0);
        if (!read && !write) {
            dir = ioc("_IOC_NONE");
        }
        return dir << ioc("_IOC_DIRSHIFT") | (long) type << ioc("_IOC_TYPESHIFT") | (long) nr << ioc("_IOC_NRSHIFT")
                | size << ioc("_IOC_SIZESHIFT");
    }

    /** {@code _IO(type, nr)}. */
    static long io(int type, int nr) {
        return ioc(false, false, type, nr, 0);
    }
}
