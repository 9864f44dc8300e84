package io.github.nsfs4j;

import io.github.nsfs4j.internal.NamespaceFiles;
import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.testing.Commands;
import io.github.nsfs4j.testing.Proc;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9 item 7: opening a path that should be a namespace file but is a FIFO or a device
 * (a bind mount replaced, another process's fd number reused between the readlink of
 * {@code /proc/PID/fd/N} and the open) must not open it for real: no writer of the FIFO is
 * released, no IN_OPEN reaches an inotify watch on the device node. The outcome is a clear
 * {@link NotANamespaceException}. Each check is shown able to fail: a real open of the same
 * file does release the writer, does produce the event.
 */
class OpenWithoutSideEffectsTest {

    private static final int IN_OPEN = 0x20;
    private static final int IN_NONBLOCK_CLOEXEC = 0x800 | 0x80000;

    @TempDir
    Path tmp;

    /** inotify(7) for the test's own watch; the library under test does not use it. */
    private static final class Inotify implements AutoCloseable {
        static final Linker LINKER = Linker.nativeLinker();
        static final MethodHandle INIT = handle("inotify_init1", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        static final MethodHandle ADD = handle("inotify_add_watch",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
        static final MethodHandle READ = handle("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
        static final MethodHandle CLOSE = handle("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));

        @SuppressWarnings("restricted")
        static MethodHandle handle(String name, FunctionDescriptor d) {
            return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), d);
        }

        final int fd;

        Inotify(Path watched) throws Throwable {
            fd = (int) INIT.invokeExact(IN_NONBLOCK_CLOEXEC);
            assertTrue(fd >= 0);
            try (Arena arena = Arena.ofConfined()) {
                int wd = (int) ADD.invokeExact(fd, arena.allocateFrom(watched.toString()), IN_OPEN);
                assertTrue(wd >= 0, "inotify_add_watch " + watched);
            }
        }

        /** Whether an IN_OPEN event is queued (reads it). */
        boolean opened() throws Throwable {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buf = arena.allocate(4096);
                return (long) READ.invokeExact(fd, buf, 4096L) > 0;
            }
        }

        @Override
        public void close() throws Exception {
            try {
                int rc = (int) CLOSE.invokeExact(fd);
                assertEquals(0, rc);
            } catch (Exception | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
        }
    }

    private static void requireRoot() {
        if (!Commands.run(List.of("id", "-u")).stdout().strip().equals("0")) {
            io.github.nsfs4j.testing.Unshared.unavailable("mknod needs root");
        }
    }

    /** A char device node like /dev/null (1:3), where opening it has an observable effect: IN_OPEN. */
    private Path deviceNode() {
        Path node = tmp.resolve("device");
        Commands.Result r = Commands.run(List.of("mknod", node.toString(), "c", "1", "3"));
        assertEquals(0, r.exitCode(), r::toString);
        return node;
    }

    @Test
    void aFifoIsNotOpenedForReal() throws Exception {
        Path fifo = tmp.resolve("fifo");
        assertEquals(0, Commands.run(List.of("mkfifo", fifo.toString())).exitCode());
        // The writer blocks in open(2) until some reader opens the FIFO.
        Process writer = new ProcessBuilder("sh", "-c", "echo x > \"$0\"", fifo.toString()).start();
        try {
            Thread.sleep(200);
            assertTrue(writer.isAlive(), "the writer waits for a reader");
            NotANamespaceException e = assertThrows(NotANamespaceException.class, () -> Namespace.open(fifo));
            assertTrue(e.getMessage().contains("not a namespace file"), e.getMessage());
            assertTrue(e.getMessage().contains(fifo.toString()), e.getMessage());
            assertThrows(NotANamespaceException.class, () -> NetNamespaceOpen.open(fifo));
            assertTrue(!writer.waitFor(500, TimeUnit.MILLISECONDS), "no reader appeared: the writer still waits");
            // A real open of the FIFO releases it: the check above could fail.
            try (InputStream in = Files.newInputStream(fifo)) {
                assertEquals('x', in.read());
            }
            assertTrue(writer.waitFor(10, TimeUnit.SECONDS));
        } finally {
            writer.destroyForcibly();
            writer.waitFor();
        }
    }

    @Test
    void aDeviceIsNotOpenedForReal() throws Throwable {
        requireRoot();
        Path node = deviceNode();
        try (Inotify watch = new Inotify(node)) {
            NotANamespaceException e = assertThrows(NotANamespaceException.class, () -> Namespace.open(node));
            assertTrue(e.getMessage().contains("not a namespace file"), e.getMessage());
            assertThrows(NotANamespaceException.class, () -> NetNamespaceOpen.open(node));
            assertTrue(!watch.opened(), "the device node was opened for real");
            Files.newInputStream(node).close();
            assertTrue(watch.opened(), "a real open gives IN_OPEN: the check above could fail");
        }
    }

    /**
     * The race of discovery: it read {@code /proc/PID/fd/3} as a namespace link, and by the
     * time it opens it the process has put a device on fd 3. Opened with the inode the link
     * showed, and through {@link Namespace#open(Path)} too: nothing opened for real.
     */
    @Test
    void anFdNumberReusedForADeviceIsNotOpenedForReal() throws Throwable {
        requireRoot();
        Path node = deviceNode();
        long netInode = Proc.statIno(Path.of("/proc/self/ns/net"));
        try (Inotify watch = new Inotify(node)) {
            Process holder = new ProcessBuilder("sh", "-c", "exec 3<\"$0\"; echo ready; exec sleep 100000",
                    node.toString()).start();
            try {
                assertEquals('r', holder.getInputStream().read());
                assertTrue(watch.opened(), "the holder's own open of the device");
                byte[] fd3 = ("/proc/" + holder.pid() + "/fd/3").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                assertThrows(NotANamespaceException.class,
                        () -> Internals.handle(() -> NamespaceFiles.openChecked(fd3, "/proc/" + holder.pid() + "/fd/3",
                                NamespaceType.NET, netInode)));
                assertThrows(NotANamespaceException.class,
                        () -> Namespace.open(Path.of("/proc/" + holder.pid() + "/fd/3")));
                assertTrue(!watch.opened(), "the device behind the reused fd was opened for real");
            } finally {
                holder.destroyForcibly();
                holder.waitFor();
            }
        }
    }

    /** An fd link that names another namespace than the one seen: gone, not opened as the wrong one. */
    @Test
    void anotherNamespaceThanTheOneSeenIsNoSuchNamespace() throws Exception {
        long utsInode = Proc.statIno(Path.of("/proc/self/ns/uts"));
        byte[] net = "/proc/self/ns/net".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        NoSuchNamespaceException e = assertThrows(NoSuchNamespaceException.class,
                () -> Internals.handle(() -> NamespaceFiles.openChecked(net, "/proc/self/ns/net", null, utsInode)));
        assertTrue(e.getMessage().contains("another namespace"), e.getMessage());
        long netInode = Proc.statIno(Path.of("/proc/self/ns/net"));
        try (Namespace ok = Internals.handle(() -> NamespaceFiles.openChecked(net, "/proc/self/ns/net",
                NamespaceType.NET, netInode))) {
            assertEquals(NamespaceType.NET, ok.type());
        }
    }

    /** The typed factories take the same path. */
    private static final class NetNamespaceOpen {
        static void open(Path path) throws NamespaceException {
            PidNamespace.open(path).close();
        }
    }
}
