package io.github.nsfs4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.nsfs4j.DiscoveredNamespace;
import io.github.nsfs4j.Namespace;
import io.github.nsfs4j.NamespaceDiscovery;
import io.github.nsfs4j.NamespaceSnapshot;
import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.testing.Commands;
import io.github.nsfs4j.testing.Json;
import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Unshared;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A net namespace that only a socket keeps alive: a process unshares a net namespace, makes a
 * socket in it, goes back to its old one and keeps the socket (the kernel's truth: the inode
 * of {@code /proc/self/ns/net} while it was inside, and afterwards no process is in it). lsns
 * 2.41 lists it and {@code nsenter -N} enters it; so must {@code nsfs ls}, the library's scan,
 * {@code nsfs info net:PID:FD} and {@link Namespace#ofSocket}.
 */
class SocketHeldNamespaceTest {

    private static Unshared holder;
    private static long inode;
    private static int socketFd;

    @BeforeAll
    static void start() {
        Unshared.requireNamespaces();
        Unshared.requireCommand("perl");
        // unshare(2) is 272 and setns(2) 308 on x86-64; the suite's kernels are x86-64 too.
        String script = "use Socket; open(my $o, '<', '/proc/self/ns/net') or die \"open: $!\";"
                + " syscall(272, 0x40000000) == 0 or die \"unshare: $!\";"
                + " my @st = stat('/proc/self/ns/net'); socket(S, PF_INET, SOCK_DGRAM, 0) or die \"socket: $!\";"
                + " syscall(308, fileno($o), 0x40000000) == 0 or die \"setns: $!\"; close $o;"
                + " $| = 1; print 'netns ', $st[1], ' fd ', fileno(S), \"\\n\"; print \"ready\\n\"; sleep 100000";
        holder = Unshared.builder().start(List.of("perl", "-e", script));
        String[] words = holder.output().trim().split(" ");
        inode = Long.parseLong(words[1]);
        socketFd = Integer.parseInt(words[3]);
        assertEquals(0, Proc.processesIn("net", inode), "no process is in it: only the socket keeps it");
        assertTrue(Proc.fds(holder.leafPid()).get(socketFd).startsWith("socket:["), Proc.fds(holder.leafPid())::toString);
    }

    @AfterAll
    static void stop() {
        if (holder != null) {
            holder.close();
        }
    }

    private String ref() {
        return "net:" + holder.leafPid() + ":" + socketFd;
    }

    @Test
    void lsListsItHeldByTheSocket() {
        CliRun run = CliRun.of("ls", "--json", "-t", "net");
        assertEquals(0, run.status(), run::toString);
        Map<String, Object> row = null;
        for (Object o : Json.asArray(run.json().get("namespaces"))) {
            if (Json.asLong(Json.asObject(o).get("ns")) == inode) {
                row = Json.asObject(o);
            }
        }
        Map<String, Object> found = row;
        assertNotNull(found, () -> "net:[" + inode + "], held only by socket " + ref() + ", is listed: " + run.out());
        assertEquals(BigInteger.ZERO, found.get("nprocs"), found::toString);
        assertNull(found.get("pid"), found::toString);
        assertEquals(List.of("socket"), found.get("held_by"), found::toString);
        assertEquals(ref(), found.get("socket"), found::toString);
        assertNull(found.get("path"), "no path reaches it: " + found);
        assertEquals(BigInteger.ZERO, run.json().get("sockets_refused"), run::toString);
        CliRun text = CliRun.of("ls", "-t", "net");
        assertTrue(text.out().lines().anyMatch(l -> l.trim().startsWith(inode + " ") && l.contains("socket")), text::toString);
    }

    @Test
    void theLibraryFindsAndOpensIt() throws Exception {
        NamespaceSnapshot snapshot = NamespaceDiscovery.scan(Set.of(NamespaceType.NET));
        DiscoveredNamespace ns = snapshot.byInode(inode).orElseThrow(() -> new AssertionError(snapshot.namespaces()));
        assertEquals(Set.of(DiscoveredNamespace.Holder.SOCKET), ns.heldBy());
        assertEquals(ref(), ns.socket());
        try (Namespace opened = ns.open(); Namespace bySocket = Namespace.ofSocket(holder.leafPid(), socketFd)) {
            assertEquals(inode, opened.inode());
            assertEquals(inode, bySocket.inode());
            assertEquals(NamespaceType.NET, bySocket.type());
        }
    }

    /**
     * A kernel without pidfd_getfd (before 5.6; here a seccomp filter answers it ENOSYS, as such
     * a kernel does, in a child JVM): the namespace cannot be found, and the command says so
     * rather than pretend: {@code sockets_refused} counts the socket, text mode says it once on
     * stderr naming Linux 5.6, and {@code nsfs info net:PID:FD} refuses naming it.
     */
    @Test
    void withoutPidfdGetfdTheRefusalIsCountedAndSaid() {
        Assumptions.assumeTrue(System.getProperty("os.arch").equals("amd64"), "the filter is x86-64's");
        Commands.Result json = sandboxed("ls", "--json", "-t", "net");
        assertEquals(0, json.exitCode(), json::toString);
        Map<String, Object> doc = Json.object(json.stdout());
        assertTrue(Json.asLong(doc.get("sockets_refused")) >= 1, json::toString);
        for (Object o : Json.asArray(doc.get("namespaces"))) {
            assertTrue(Json.asLong(Json.asObject(o).get("ns")) != inode, () -> "listed without pidfd_getfd: " + o);
        }
        Commands.Result text = sandboxed("ls", "-t", "net");
        assertEquals(0, text.exitCode(), text::toString);
        List<String> said = text.stderr().lines().filter(l -> l.contains("pidfd_getfd")).toList();
        assertEquals(1, said.size(), text::toString);
        assertTrue(said.getFirst().contains("Linux 5.6"), said::toString);
        Commands.Result info = sandboxed("info", ref());
        assertEquals(2, info.exitCode(), info::toString);
        assertTrue(info.stderr().startsWith("nsfs info: ") && info.stderr().contains("Linux 5.6"), info::toString);
    }

    private static Commands.Result sandboxed(String... args) {
        List<String> a = new java.util.ArrayList<>(List.of("syscall=" + SYS_PIDFD_GETFD + "=" + ENOSYS));
        a.addAll(List.of(args));
        return Commands.run(Commands.javaCommand(List.of("--enable-native-access=ALL-UNNAMED"), SandboxedMain.class,
                a.toArray(String[]::new)));
    }

    private static final int SYS_PIDFD_GETFD = 438;
    private static final int ENOSYS = 38;

    @Test
    void infoNamesItAsNetPidFd() {
        CliRun run = CliRun.of("info", "--json", ref());
        assertEquals(0, run.status(), run::toString);
        assertEquals(BigInteger.valueOf(inode), run.json().get("ns"));
        assertEquals("net", run.json().get("type"));
        // fd 0 is /dev/null: not a socket
        CliRun notASocket = CliRun.of("info", "net:" + holder.leafPid() + ":0").assertFailure(2);
        assertTrue(notASocket.err().contains("not a socket"), notASocket::toString);
        CliRun.of("info", "net:" + holder.leafPid() + ":x").assertFailure(2);
        CliRun.of("info", "net:" + holder.leafPid() + ":999").assertFailure(1);
    }
}
