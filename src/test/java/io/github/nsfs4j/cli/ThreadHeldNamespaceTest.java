package io.github.nsfs4j.cli;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.github.nsfs4j.DiscoveredNamespace;
import io.github.nsfs4j.NamespaceDiscovery;
import io.github.nsfs4j.NamespaceSnapshot;
import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.testing.Lsns;
import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Unshared;

/**
 * Issue 11, "discovery sees threads": a thread of this JVM joins (setns) a fresh net
 * namespace whose only process then exits. No process is in it, no fd or mount holds it:
 * only that thread. The scan must find it, marked as held by a thread, and lsns, which reads
 * only processes, must not (what docs/cli.md says).
 */
class ThreadHeldNamespaceTest {

    private static final int CLONE_NEWNET = 0x40000000;
    private static final int O_RDONLY_CLOEXEC = 0x80000;

    /** setns(2), open(2), close(2) for the test's own thread; the library under test is not used to join. */
    private static final class Native {
        static final Linker LINKER = Linker.nativeLinker();
        static final MethodHandle OPEN = handle("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        static final MethodHandle SETNS = handle("setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
        static final MethodHandle CLOSE = handle("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));

        @SuppressWarnings("restricted")
        static MethodHandle handle(String name, FunctionDescriptor d) {
            return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), d);
        }

        /** Moves the calling thread into the net namespace of {@code pid}. */
        static void joinNet(long pid) throws Throwable {
            int fd;
            try (Arena arena = Arena.ofConfined()) {
                fd = (int) OPEN.invokeExact(arena.allocateFrom("/proc/" + pid + "/ns/net"), O_RDONLY_CLOEXEC);
            }
            assertTrue(fd >= 0, "open /proc/" + pid + "/ns/net");
            try {
                assertEquals(0, (int) SETNS.invokeExact(fd, CLONE_NEWNET), "setns");
            } finally {
                int rc = (int) CLOSE.invokeExact(fd);
                assertEquals(0, rc);
            }
        }
    }

    @Test
    void aNamespaceOnlyAThreadIsInIsFoundAndMarked() throws Exception {
        NamespaceFixture.requireNamespaces();
        Unshared creator = Unshared.start("net");
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<String> joined = new CompletableFuture<>();
        // A platform thread of its own, which ends after the test: no JVM thread is left in
        // a foreign namespace, and none is reused.
        Thread thread = Thread.ofPlatform().name("setns-net").start(() -> {
            try {
                Native.joinNet(creator.leafPid());
                joined.complete(Proc.readLink(Path.of("/proc/thread-self")));
                release.await();
            } catch (Throwable t) {
                joined.completeExceptionally(t);
            }
        });
        try {
            long net = Proc.nsInode(creator.leafPid(), "net");
            Path task = Path.of("/proc").resolve(joined.get(30, TimeUnit.SECONDS)); // /proc/PID/task/TID
            creator.close();
            assertEquals(net, Proc.nsInode(Proc.readLink(task.resolve("ns/net"))),
                    "the thread is in it (the kernel's own link)");
            long own = Proc.selfNsInode("net");

            NamespaceSnapshot snapshot = NamespaceDiscovery.scan();
            DiscoveredNamespace found = snapshot.byInode(net).orElseThrow(
                    () -> new AssertionError("net:[" + net + "], held by thread " + task + ", not found"));
            assertEquals(EnumSet.of(DiscoveredNamespace.Holder.THREAD), found.heldBy(), found::toString);
            assertEquals(0, found.processCount(), found::toString);
            assertEquals(task.resolve("ns/net"), found.path());
            // The JVM's own namespaces: all its other threads are where the process is.
            assertFalse(snapshot.byInode(own).orElseThrow().heldBy().contains(DiscoveredNamespace.Holder.THREAD));
            assertEquals(found, NamespaceDiscovery.scan(EnumSet.of(NamespaceType.NET)).byInode(net).orElseThrow());

            Map<String, Object> row = rowOf(CliRun.of("ls", "--json", "-t", "net"), net);
            assertNotNull(row, "nsfs ls lacks net:[" + net + "]");
            assertEquals(List.of("thread"), row.get("held_by"));
            assertEquals(task.resolve("ns/net").toString(), row.get("path"));
            assertFalse(Lsns.snapshot().containsKey(net), "lsns lists only processes' namespaces");
        } finally {
            release.countDown();
            thread.join(30_000);
            creator.close();
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> rowOf(CliRun run, long ns) {
        assertEquals(0, run.status(), run::toString);
        for (Object o : (List<Object>) run.json().get("namespaces")) {
            Map<String, Object> m = (Map<String, Object>) o;
            if (CliRun.u64(m.get("ns")) == ns) {
                return m;
            }
        }
        return null;
    }
}
