package io.github.nsfs4j.testing;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.List;

/**
 * Runs {@code /bin/sh -c COMMAND} through glibc's posix_spawn(3) and waits for it. Unlike
 * {@link ProcessBuilder}, which closes every fd but 0-2 in the child, posix_spawn leaves
 * the exec to decide: exactly the fds without close-on-exec reach the child. So a test can
 * see what the library's fds really do across an exec.
 */
@SuppressWarnings("restricted")
public final class NativeSpawn {
    private NativeSpawn() {}

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle POSIX_SPAWN = LINKER.downcallHandle(
            LINKER.defaultLookup().find("posix_spawn").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle WAITPID = LINKER.downcallHandle(
            LINKER.defaultLookup().find("waitpid").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));

    /** Spawns {@code /bin/sh -c command} with a minimal environment and returns its wait status. */
    public static int run(String command) {
        try (Arena arena = Arena.ofConfined()) {
            List<String> args = List.of("/bin/sh", "-c", command);
            MemorySegment argv = arena.allocate(ADDRESS, args.size() + 1);
            for (int i = 0; i < args.size(); i++) {
                argv.setAtIndex(ADDRESS, i, arena.allocateFrom(args.get(i)));
            }
            argv.setAtIndex(ADDRESS, args.size(), MemorySegment.NULL);
            MemorySegment envp = arena.allocate(ADDRESS, 2);
            envp.setAtIndex(ADDRESS, 0, arena.allocateFrom("PATH=/usr/bin:/bin"));
            envp.setAtIndex(ADDRESS, 1, MemorySegment.NULL);
            MemorySegment pid = arena.allocate(JAVA_INT);
            int rc = (int) POSIX_SPAWN.invokeExact(pid, arena.allocateFrom("/bin/sh"), MemorySegment.NULL,
                    MemorySegment.NULL, argv, envp);
            if (rc != 0) {
                throw new IllegalStateException("posix_spawn failed: errno " + rc);
            }
            MemorySegment status = arena.allocate(JAVA_INT);
            int waited;
            do {
                waited = (int) WAITPID.invokeExact(pid.get(JAVA_INT, 0), status, 0);
            } while (waited < 0); // EINTR
            return status.get(JAVA_INT, 0);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
