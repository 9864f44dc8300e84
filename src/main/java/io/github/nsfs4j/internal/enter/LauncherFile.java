package io.github.nsfs4j.internal.enter;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import io.github.nsfs4j.internal.Errnos;
import io.github.nsfs4j.linux.Arch;
import io.github.nsfs4j.linux.Constants;
import io.github.nsfs4j.linux.Errno;
import io.github.nsfs4j.linux.Launcher;
import io.github.nsfs4j.linux.LibC;
import io.github.nsfs4j.linux.ProcessCalls;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * nsfs4j's launcher program ({@link Launcher}) in a memfd of the JVM, made on first use and
 * kept for the JVM's life: close-on-exec (no child inherits it but through posix_spawn's
 * exec of its {@code /proc/self/fd/N} path), sealed against any change. Where it cannot be
 * made (an architecture without a generator, a kernel that refuses executable memfds) it says
 * why, once, and every start that needs it is refused with that reason.
 */
public final class LauncherFile {
    private LauncherFile() {}

    private static String path;
    private static String unavailable;
    private static boolean tried;

    /**
     * Why the launcher cannot run here, or null if it can (then {@link #path()} is its path).
     * Makes the memfd on the first call.
     */
    public static synchronized String unavailable() {
        if (!tried) {
            tried = true;
            make();
        }
        return unavailable;
    }

    /** {@code /proc/self/fd/N} of the memfd; only after {@link #unavailable()} said null. */
    static synchronized String path() {
        return path;
    }

    private static void make() {
        Arch arch = Arch.RUNNING;
        if (arch == null || !Launcher.generatedFor(arch)) {
            unavailable = "nsfs4j generates its launcher, the small program that enters them, for "
                    + Launcher.ARCHITECTURES + "; this JVM runs on " + (arch == null ? Arch.OS_ARCH : arch)
                    + " (nsenter can do it there)";
            return;
        }
        byte[] program = Launcher.elf(arch);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment name = arena.allocateFrom(Launcher.NAME);
            int flags = Constants.MFD_CLOEXEC | Constants.MFD_ALLOW_SEALING;
            int fd = ProcessCalls.memfd_create(name, flags | Constants.MFD_EXEC);
            if (fd == -Errno.EINVAL) { // before 6.3 there is no MFD_EXEC, and every memfd may be executed
                fd = ProcessCalls.memfd_create(name, flags);
            }
            if (fd < 0) {
                unavailable = fd == -Errno.EACCES
                        ? "the kernel refuses executable memfds (vm.memfd_noexec = " + sysctl() + "), and nsfs4j's"
                                + " launcher, the small program that enters them, runs from one"
                        : "cannot make the memfd for nsfs4j's launcher: memfd_create: " + Errnos.describe(-fd);
                return;
            }
            MemorySegment bytes = arena.allocate(program.length);
            MemorySegment.copy(program, 0, bytes, JAVA_BYTE, 0, program.length);
            long done = 0;
            while (done < program.length) {
                long n = LibC.write(fd, bytes.asSlice(done), program.length - done);
                if (n == -Errno.EINTR) {
                    continue;
                }
                if (n < 0) {
                    LibC.close(fd);
                    unavailable = "cannot write nsfs4j's launcher to its memfd: " + Errnos.describe((int) -n);
                    return;
                }
                done += n;
            }
            // nobody, not even a holder of the fd, can change it from now on
            int rc = LibC.fcntl(fd, Constants.F_ADD_SEALS, Constants.F_SEAL_SEAL | Constants.F_SEAL_SHRINK
                    | Constants.F_SEAL_GROW | Constants.F_SEAL_WRITE);
            if (rc < 0) {
                LibC.close(fd);
                unavailable = "cannot seal nsfs4j's launcher in its memfd: " + Errnos.describe(-rc);
                return;
            }
            path = "/proc/self/fd/" + fd;
        }
    }

    /** {@code vm.memfd_noexec}, for a message. */
    static String sysctl() {
        try {
            return Files.readString(Path.of("/proc/sys/vm/memfd_noexec")).trim();
        } catch (IOException | RuntimeException e) {
            return "unreadable";
        }
    }
}
