package io.github.nsfs4j.internal.enter;

import io.github.nsfs4j.linux.Constants;
import io.github.nsfs4j.linux.ProcessCalls;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether the kernel can mark every fd from 3 up close-on-exec in one call (close_range(2)
 * with {@code CLOSE_RANGE_CLOEXEC}, Linux 5.11), as the launcher does before its exec; asked
 * once, of the kernel itself (a call that must succeed where the flag exists). Where it cannot,
 * the launcher closes fds one by one up to the highest the JVM has open when it starts.
 */
final class CloseRange {
    private CloseRange() {}

    private static final class Probe {
        // an empty range far above any fd: 0 where the flag exists, EINVAL (5.9, 5.10) or ENOSYS before
        static final boolean CLOEXEC = ProcessCalls.close_range(Integer.MAX_VALUE - 1, Integer.MAX_VALUE - 1,
                Constants.CLOSE_RANGE_CLOEXEC) == 0;
    }

    static boolean cloexec() {
        return Probe.CLOEXEC;
    }

    /**
     * The highest fd the JVM has open now (an fd another thread opens later without
     * close-on-exec may escape the launcher's loop: the kernels without the flag are older than
     * 5.11).
     */
    static int highestOpenFd() {
        int max = 1024;
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path p : fds) {
                max = Math.max(max, Integer.parseInt(p.getFileName().toString()));
            }
        } catch (IOException | RuntimeException e) {
            return 65536; // no /proc: close a generous range
        }
        return max;
    }
}
