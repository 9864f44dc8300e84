package io.github.nsfs4j;

import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Unshared;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Running Java code inside another process's namespaces, checked against the kernel: inside
 * the task {@code readlink /proc/thread-self/ns/TYPE} names the target's namespace, and
 * afterwards no thread of the JVM is anywhere but home.
 */
class NamespaceSetTest {
    private static Unshared target;

    @BeforeAll
    static void start() {
        // no --mount-proc: /proc stays the JVM's procfs inside, so the task can read its own links
        target = Unshared.start("cgroup", "ipc", "mnt", "net", "pid", "uts");
    }

    @AfterAll
    static void stop() {
        if (target != null) {
            target.close();
        }
    }

    /** The link a task reads for a type: pid is entered as pid_for_children only. */
    private static String linkOf(NamespaceType type) {
        return type == NamespaceType.PID ? "pid_for_children" : type.procName();
    }

    @ParameterizedTest
    @EnumSource(value = NamespaceType.class, names = {"CGROUP", "IPC", "MNT", "NET", "PID", "UTS"})
    void eachTypeAloneIsEnteredAndLeft(NamespaceType type) throws Exception {
        String expected = Proc.nsLink(target.leafPid(), type.procName());
        String home = Proc.threadNsLink(linkOf(type));
        assertNotEquals(home, expected, "the target must be in another " + type + " namespace");
        try (Pidfd pidfd = Pidfd.open(target.leafPid()); NamespaceSet set = NamespaceSet.of(pidfd, type)) {
            assertEquals(Set.of(type), set.types());
            Map<String, String> inside = set.call(() -> {
                Map<String, String> links = new LinkedHashMap<>();
                for (String link : Proc.TASK_NS_LINKS) {
                    links.put(link, Proc.threadNsLink(link));
                }
                return links;
            });
            assertEquals(expected, inside.get(linkOf(type)));
            for (String link : Proc.TASK_NS_LINKS) {
                if (!link.equals(linkOf(type))) {
                    assertEquals(Proc.threadNsLink(link), inside.get(link), link + " must stay the JVM's");
                }
            }
        }
        assertEquals(home, Proc.threadNsLink(linkOf(type)));
        assertEquals(Map.of(), Proc.foreignThreadsSettled());
    }

    @Test
    void allEnterableTypesTogether() throws Exception {
        Set<NamespaceType> types = EnumSet.of(NamespaceType.CGROUP, NamespaceType.IPC, NamespaceType.MNT,
                NamespaceType.NET, NamespaceType.PID, NamespaceType.UTS);
        try (Pidfd pidfd = Pidfd.open(target.leafPid()); NamespaceSet set = NamespaceSet.allOf(pidfd)) {
            assertEquals(types, set.types(), "allOf: every enterable type that differs");
            assertEquals(EnumSet.of(NamespaceType.USER, NamespaceType.TIME), set.skipped());
            Map<NamespaceType, String> inside = set.call(() -> {
                Map<NamespaceType, String> links = new LinkedHashMap<>();
                for (NamespaceType type : types) {
                    links.put(type, Proc.threadNsLink(linkOf(type)));
                }
                return links;
            });
            for (NamespaceType type : types) {
                assertEquals(Proc.nsLink(target.leafPid(), type.procName()), inside.get(type), type.procName());
            }
        }
        assertEquals(Map.of(), Proc.foreignThreadsSettled());
    }

    @Test
    void namespaceHandlesWork_andTheCallersStayOpen() throws Exception {
        try (Namespace uts = Namespace.ofProcess(target.leafPid(), NamespaceType.UTS);
                Namespace ownNet = Namespace.current(NamespaceType.NET)) {
            try (NamespaceSet set = NamespaceSet.of(uts, ownNet)) {
                assertEquals(Set.of(NamespaceType.UTS), set.types());
                assertEquals(Set.of(NamespaceType.NET), set.skipped(), "the JVM's own net namespace is skipped");
                assertEquals(Proc.nsLink(target.leafPid(), "uts"), set.call(() -> Proc.threadNsLink("uts")));
            }
            assertTrue(uts.isOpen(), "the set works on duplicates; the caller's handles stay open");
            assertTrue(ownNet.isOpen());
        }
    }

    /**
     * /proc/self is the process, that is its main thread: /proc/net (a link to /proc/self/net)
     * and /proc/self/ns show the JVM's namespaces even inside a task; /proc/thread-self shows
     * the task's. The Javadoc of NamespaceTask says so; this pins it to what the kernel does.
     */
    @Test
    void procSelfIsTheMainThread_procThreadSelfIsTheTask() throws Exception {
        List<String> jvmDevices = devices(Path.of("/proc/net/dev"));
        List<String> targetDevices;
        try (Pidfd pidfd = Pidfd.open(target.leafPid()); NamespaceSet set = NamespaceSet.of(pidfd, NamespaceType.NET, NamespaceType.MNT)) {
            Map<String, List<String>> seen = set.call(() -> Map.of(
                    "/proc/self/mountinfo", Proc.mountIds("self"),
                    "/proc/thread-self/mountinfo", Proc.mountIds("thread-self"),
                    "/proc/net/dev", devices(Path.of("/proc/net/dev")),
                    "/proc/thread-self/net/dev", devices(Path.of("/proc/thread-self/net/dev")),
                    "/proc/self/ns/net", List.of(Proc.readLink(Path.of("/proc/self/ns/net"))),
                    "/proc/thread-self/ns/net", List.of(Proc.readLink(Path.of("/proc/thread-self/ns/net")))));
            targetDevices = devices(Path.of("/proc", Integer.toString(target.leafPid()), "net/dev"));
            assertEquals(jvmDevices, seen.get("/proc/net/dev"), "/proc/net inside a task: the main thread's");
            assertEquals(targetDevices, seen.get("/proc/thread-self/net/dev"), "/proc/thread-self/net: the task's");
            assertEquals(List.of(Proc.readLink(Path.of("/proc/self/ns/net"))), seen.get("/proc/self/ns/net"));
            assertEquals(List.of(Proc.nsLink(target.leafPid(), "net")), seen.get("/proc/thread-self/ns/net"));
            assertEquals(Proc.mountIds("self"), seen.get("/proc/self/mountinfo"),
                    "/proc/self/mountinfo inside a task: the main thread's mounts");
            assertEquals(Proc.mountIds(Integer.toString(target.leafPid())),
                    seen.get("/proc/thread-self/mountinfo"), "/proc/thread-self/mountinfo: the task's");
        }
        assertNotEquals(jvmDevices, targetDevices, "the target's fresh net namespace has only lo: " + targetDevices);
        assertNotEquals(Proc.mountIds("self"),
                Proc.mountIds(Integer.toString(target.leafPid())), "a copied mount table");
    }

    private static List<String> devices(Path netDev) throws IOException {
        return Files.readAllLines(netDev).stream().skip(2).map(l -> l.strip().split(":")[0]).sorted().toList();
    }

    @Test
    void theTasksCheckedExceptionReachesTheCallerAsItself() throws Exception {
        try (Pidfd pidfd = Pidfd.open(target.leafPid());
                NamespaceSet set = NamespaceSet.of(pidfd, NamespaceType.MNT)) {
            // inside the child's mount namespace the JVM's working directory does not exist... but / does
            NoSuchFileException e = assertThrows(NoSuchFileException.class,
                    () -> set.call(() -> Files.readString(Path.of("/nonexistent-nsfs4j-file"))));
            assertEquals("/nonexistent-nsfs4j-file", e.getFile());
            assertEquals("/", set.call(() -> Path.of("").toAbsolutePath().getRoot().toString()));
        }
    }

    @Test
    void aFileOnATmpfsOnlyInTheChildsMountNamespaceIsReadThroughTheLibrary(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        Path mountPoint = dir.resolve("private");
        Files.createDirectories(mountPoint);
        Path file = mountPoint.resolve("secret.txt");
        try (Unshared child = Unshared.builder().types("mnt").script("mount -t tmpfs nsfs4j-test " + mountPoint
                + " && echo only-inside > " + file + " && echo ready && exec sleep 100000").start()) {
            assertFalse(Files.exists(file), "the JVM does not see the child's tmpfs");
            try (Pidfd pidfd = Pidfd.open(child.leafPid());
                    NamespaceSet set = NamespaceSet.of(pidfd, NamespaceType.MNT)) {
                assertEquals("only-inside\n", set.call(() -> Files.readString(file)));
            }
            assertFalse(Files.exists(file), "still not visible to the JVM after the task");
        }
        assertEquals(Map.of(), Proc.foreignThreadsSettled());
    }

    @Test
    void aTcpServerOnLoopbackInsideAFreshNetNamespace_andTheSocketOutlivesTheTask() throws Exception {
        Unshared.requireCommand("perl");
        Unshared.requireCommand("ip");
        String server = "ip link set lo up && exec perl -MIO::Socket::INET -e '"
                + "$s = IO::Socket::INET->new(LocalAddr => \"127.0.0.1\", LocalPort => 7777, Listen => 1,"
                + " ReuseAddr => 1) or die \"listen: $!\"; $| = 1; print \"ready\\n\"; $c = $s->accept;"
                + " $c->autoflush(1); while (<$c>) { print $c \"echo:$_\" }'";
        try (Unshared child = Unshared.builder().types("net").script(server).start();
                Pidfd pidfd = Pidfd.open(child.leafPid());
                NamespaceSet set = NamespaceSet.of(pidfd, NamespaceType.NET)) {
            // nothing listens on the JVM's own loopback port 7777 (the server is elsewhere)
            assertThrows(java.net.ConnectException.class, () -> new Socket("127.0.0.1", 7777).close());
            try (Socket socket = set.call(() -> new Socket("127.0.0.1", 7777))) {
                BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                        StandardCharsets.UTF_8));
                PrintWriter out = new PrintWriter(socket.getOutputStream(), true, StandardCharsets.UTF_8);
                out.println("hello");
                assertEquals("echo:hello", in.readLine(), "the socket keeps its namespace after the task");
                out.println("again");
                assertEquals("echo:again", in.readLine());
            }
        }
    }

    @Test
    void hostnameAndProcNetDevOfAnotherUtsAndNetNamespace() throws Exception {
        try (Unshared child = Unshared.builder().types("uts", "net").script("hostname nsfs4j-inside && echo ready"
                + " && exec sleep 100000").start();
                Pidfd pidfd = Pidfd.open(child.leafPid());
                NamespaceSet set = NamespaceSet.of(pidfd, NamespaceType.UTS, NamespaceType.NET)) {
            assertEquals("nsfs4j-inside\n", set.call(() -> Files.readString(Path.of("/proc/sys/kernel/hostname"))));
            // /proc/net is the reading thread's net namespace: the fresh one has only lo
            List<String> devices = set.call(() -> Files.readAllLines(Path.of("/proc/thread-self/net/dev")));
            assertEquals(3, devices.size(), "two header lines and lo: " + devices);
            assertTrue(devices.get(2).trim().startsWith("lo:"), devices.get(2));
        }
    }

    /**
     * The caller may be a virtual thread or a pool thread: the task runs on a platform thread
     * of nsfs4j, never on the caller's thread nor on a virtual thread's carrier, and the
     * caller's thread never leaves the JVM's namespaces.
     */
    @Test
    void theTaskRunsOnAThreadOfNsfs4j_notOnTheCallersVirtualOrPoolThread() throws Exception {
        String targetNet = Proc.nsLink(target.leafPid(), "net");
        try (Pidfd pidfd = Pidfd.open(target.leafPid());
                NamespaceSet set = NamespaceSet.of(pidfd, NamespaceType.NET)) {
            java.util.function.Supplier<List<String>> probe = () -> {
                try {
                    String callerTid = Long.toString(Proc.tid());
                    String callerNet = Proc.threadNsLink("net");
                    List<String> inside = set.call(() -> List.of(Thread.currentThread().getName(),
                            Boolean.toString(Thread.currentThread().isVirtual()), Long.toString(Proc.tid()),
                            Proc.threadNsLink("net")));
                    return List.of(callerTid, callerNet, inside.get(0), inside.get(1), inside.get(2), inside.get(3),
                            Proc.threadNsLink("net"), Long.toString(Proc.tid()));
                } catch (NamespaceException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            };
            AtomicReference<List<String>> fromVirtual = new AtomicReference<>();
            Thread.ofVirtual().start(() -> fromVirtual.set(probe.get())).join();
            List<String> fromPool = java.util.concurrent.CompletableFuture.supplyAsync(probe).get();
            for (List<String> r : List.of(fromVirtual.get(), fromPool)) {
                String home = r.get(1);
                assertNotEquals(targetNet, home);
                assertTrue(r.get(2).startsWith("nsfs4j-enter-"), "a thread of nsfs4j: " + r);
                assertEquals("false", r.get(3), "a platform thread: " + r);
                // a virtual thread's tid is its carrier's: the task did not run on it
                assertNotEquals(r.get(0), r.get(4), "not the caller's (carrier) thread: " + r);
                assertEquals(targetNet, r.get(5));
                assertEquals(home, r.get(6), "the caller's thread stayed home: " + r);
            }
        }
        assertEquals(Map.of(), Proc.foreignThreadsSettled());
    }

    @Test
    void nestingFromInsideATaskIsRefused() throws Exception {
        try (Pidfd pidfd = Pidfd.open(target.leafPid());
                NamespaceSet set = NamespaceSet.of(pidfd, NamespaceType.NET)) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> set.call(() -> set.call(() -> "inner")));
            assertTrue(e.getMessage().contains("inside namespaces"), e.getMessage());
        }
    }

    /**
     * The kernel fact behind the warning in NamespaceTask: a thread created from an entered
     * thread inherits its namespaces; the JVM's existing threads do not move.
     */
    @Test
    void aThreadStartedByTheTaskInheritsTheEnteredNamespace() throws Exception {
        try (Pidfd pidfd = Pidfd.open(target.leafPid());
                NamespaceSet set = NamespaceSet.of(pidfd, NamespaceType.NET)) {
            String seenByNewThread = set.call(() -> {
                AtomicReference<String> link = new AtomicReference<>();
                Thread t = Thread.ofPlatform().start(() -> link.set(Proc.threadNsLink("net")));
                t.join();
                return link.get();
            });
            assertEquals(Proc.nsLink(target.leafPid(), "net"), seenByNewThread);
        }
        assertEquals(Map.of(), Proc.foreignThreadsSettled());
    }

    @Test
    void withAPidNamespaceEnteredTheThreadCannotCreateThreads() throws Exception {
        try (Pidfd pidfd = Pidfd.open(target.leafPid());
                NamespaceSet set = NamespaceSet.of(pidfd, NamespaceType.PID)) {
            Throwable failure = set.call(() -> {
                try {
                    Thread.ofPlatform().start(() -> { }).join();
                    return null;
                } catch (OutOfMemoryError e) { // the JDK's report of pthread_create's EINVAL
                    return e;
                }
            });
            assertTrue(failure instanceof OutOfMemoryError, "clone(CLONE_THREAD) must fail: " + failure);
            // and the pool thread, back home, can again
            assertEquals("ok", set.call(() -> "ok"));
        }
    }

    @Test
    void closedSetRefuses() throws Exception {
        NamespaceSet set;
        try (Pidfd pidfd = Pidfd.open(target.leafPid())) {
            set = NamespaceSet.of(pidfd, NamespaceType.NET);
        }
        set.close();
        assertFalse(set.isOpen());
        assertThrows(ClosedNamespaceException.class, () -> set.call(() -> "x"));
    }
}
