package io.github.nsfs4j.internal.enter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Whether the JVM's fd 0, 1 or 2 is a standard stream its caller gave it, which a started
 * command may inherit. Not when the JVM has no fd there, nor when it has a file of the JDK's
 * own there: the JDK opens {@code java.home/lib/modules} without close-on-exec as its first
 * file, so a stream closed when the JVM started ({@code nsfs exec ... <&-}) is that file, and a
 * command handed it would read 100 MiB of the JDK.
 */
final class StandardStreams {
    private StandardStreams() {}

    private static final class Home {
        static final Path JAVA_HOME = realJavaHome();

        private static Path realJavaHome() {
            try {
                return Path.of(System.getProperty("java.home")).toRealPath();
            } catch (IOException | RuntimeException e) {
                return Path.of(System.getProperty("java.home", "/nonexistent"));
            }
        }
    }

    static boolean isCallers(int fd) {
        Path target;
        try {
            target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd));
        } catch (NoSuchFileException e) {
            return false; // closed
        } catch (IOException | RuntimeException e) {
            return true; // no /proc to ask: as the JDK, pass it on
        }
        return !target.startsWith(Home.JAVA_HOME);
    }
}
