package io.github.nsfs4j;

import io.github.nsfs4j.internal.NamespaceFiles;
import io.github.nsfs4j.internal.NsFile;
import io.github.nsfs4j.linux.LibC;
import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.testing.Commands;
import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Unshared;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A port of the kernel selftest {@code namespaces/nsid_test.c} (NS_GET_ID, Linux 6.18): ids
 * are non-zero and stable for every type, differ between a parent and a child made with
 * unshare of every type, equal NS_GET_MNTNS_ID for mount namespaces and SO_NETNS_COOKIE for
 * net namespaces; and {@link Namespace#equals} by id, including across inode reuse.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NamespaceIdTest {
    /** A child in a fresh namespace of every type. */
    private Unshared child;
    private int childPid;

    @BeforeAll
    void startChild() {
        child = Unshared.startAllTypes();
        childPid = child.pid(1);
    }

    @AfterAll
    void stopChild() {
        if (child != null) {
            child.close();
        }
    }

    private static long rawId(Namespace ns) throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_LONG);
            assertEquals(0, Internals.onFd(ns, fd -> LibC.ioctl(fd, 0x8008b70dL /* NS_GET_ID */, out)));
            return out.get(JAVA_LONG, 0);
        }
    }

    private static long idOf(Namespace ns) {
        OptionalLong id = ns.id();
        assertTrue(id.isPresent(), "NS_GET_ID exists on 6.18+, so " + ns + " has an id");
        return id.getAsLong();
    }

    @Test
    void idsAreNonZeroAndStableForEveryType() throws Exception {
        int self = (int) ProcessHandle.current().pid();
        for (NamespaceType type : NamespaceType.values()) {
            for (int pid : new int[] {self, childPid}) {
                try (Namespace a = Namespace.ofProcess(pid, type);
                     Namespace b = Namespace.open(Path.of("/proc/" + pid + "/ns/" + type.procName()));
                     Namespace c = Namespace.ofProcess(ProcessHandle.of(pid).orElseThrow(), type)) {
                    long id = idOf(a);
                    assertNotEquals(0L, id, type + " id of pid " + pid);
                    assertEquals(id, rawId(a), "the library's id is the kernel's NS_GET_ID");
                    assertEquals(id, idOf(b), type + ": opened twice, same id");
                    assertEquals(id, idOf(c), type + ": opened through a pidfd, same id");
                    assertEquals(id, rawId(c));
                }
            }
        }
    }

    @Test
    void aChildsIdsDifferFromItsParents() throws Exception {
        Map<NamespaceType, Long> parentIds = new EnumMap<>(NamespaceType.class);
        for (NamespaceType type : NamespaceType.values()) {
            try (Namespace parent = Namespace.current(type); Namespace ofChild = Namespace.ofProcess(childPid, type)) {
                assertEquals(Proc.nsInode(childPid, type.procName()), ofChild.inode());
                assertEquals(Proc.selfNsInode(type.procName()), parent.inode());
                assertNotEquals(parent.inode(), ofChild.inode(), "the child really is in a new " + type + " namespace");
                assertNotEquals(idOf(parent), idOf(ofChild), type + ": the child's id differs from its parent's");
                assertNotEquals(parent, ofChild);
                parentIds.put(type, idOf(parent));
            }
        }
        // Ids of the hierarchical types: the child's parent namespace has the parent's id.
        try (PidNamespace pidOfChild = PidNamespace.ofProcess(childPid);
             PidNamespace parentOfChild = pidOfChild.parent().orElseThrow()) {
            assertEquals(parentIds.get(NamespaceType.PID).longValue(), idOf(parentOfChild));
        }
        try (UserNamespace childUser = UserNamespace.ofProcess(childPid);
             UserNamespace parentOfChild = childUser.parent().orElseThrow()) {
            assertEquals(parentIds.get(NamespaceType.USER).longValue(), idOf(parentOfChild));
        }
    }

    @Test
    void mountNamespaceIdEqualsNsGetMntnsId() throws Exception {
        for (int pid : new int[] {(int) ProcessHandle.current().pid(), childPid}) {
            try (MountNamespace ns = MountNamespace.ofProcess(pid)) {
                assertEquals(idOf(ns), ns.mountNamespaceId(), "NS_GET_ID vs NS_GET_MNTNS_ID of pid " + pid);
                assertEquals(idOf(ns), rawId(ns));
            }
        }
    }

    // ------------------------------------------------------------ SO_NETNS_COOKIE

    @Test
    void netNamespaceIdEqualsSoNetnsCookie() throws Throwable {
        int self = (int) ProcessHandle.current().pid();
        try (Namespace own = Namespace.current(NamespaceType.NET);
             Namespace ofChild = Namespace.ofProcess(childPid, NamespaceType.NET)) {
            assertEquals(idOf(own), ownNetnsCookie(), "own net namespace: id vs SO_NETNS_COOKIE (in this JVM)");
            assertEquals(idOf(own), cookieIn(self),
                    "own net namespace: id vs SO_NETNS_COOKIE (helper process)");
            assertEquals(idOf(ofChild), cookieIn(childPid),
                    "child net namespace: id vs SO_NETNS_COOKIE");
        }
    }

    private static final int AF_INET = 2;
    private static final int SOCK_DGRAM = 2;
    private static final int SOL_SOCKET = 1;
    private static final int SO_NETNS_COOKIE = 71;

    /** SO_NETNS_COOKIE of a socket made by this JVM (in the test thread's net namespace). */
    @SuppressWarnings("restricted")
    private static long ownNetnsCookie() throws Throwable {
        Linker linker = Linker.nativeLinker();
        var libc = linker.defaultLookup();
        MethodHandle socket = linker.downcallHandle(libc.find("socket").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
        MethodHandle getsockopt = linker.downcallHandle(libc.find("getsockopt").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
        int fd = (int) socket.invokeExact(AF_INET, SOCK_DGRAM, 0);
        assertTrue(fd >= 0, "socket(2)");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(JAVA_LONG);
            MemorySegment length = arena.allocate(JAVA_INT);
            length.set(JAVA_INT, 0, 8);
            int rc = (int) getsockopt.invokeExact(fd, SOL_SOCKET, SO_NETNS_COOKIE, value, length);
            assertEquals(0, rc, "getsockopt(SO_NETNS_COOKIE)");
            assertEquals(8, length.get(JAVA_INT, 0));
            return value.get(JAVA_LONG, 0);
        } finally {
            LibC.close(fd);
        }
    }

    private static final String COOKIE_C = """
            #include <stdio.h>
            #include <sys/socket.h>
            #include <stdint.h>
            int main(void) {
                uint64_t cookie = 0;
                socklen_t len = sizeof cookie;
                int fd = socket(AF_INET, SOCK_DGRAM, 0);
                if (fd < 0 || getsockopt(fd, SOL_SOCKET, 71, &cookie, &len) != 0) { perror("cookie"); return 1; }
                printf("%llu\\n", (unsigned long long) cookie);
                return 0;
            }
            """;

    /** SO_NETNS_COOKIE of a socket made inside the net namespace of process {@code pid}, by a helper run under nsenter. */
    private static long cookieIn(long pid) throws Exception {
        List<String> cmd = new ArrayList<>();
        Path dir = null;
        try {
            if (Commands.which("python3") != null) {
                cmd.addAll(List.of("python3", "-c", "import socket, struct; s = socket.socket(socket.AF_INET,"
                        + " socket.SOCK_DGRAM); print(struct.unpack('=Q', s.getsockopt(socket.SOL_SOCKET, 71, 8))[0])"));
            } else {
                Unshared.require(Commands.which("gcc") != null, "neither python3 nor gcc for SO_NETNS_COOKIE");
                dir = Files.createTempDirectory("nsfs4j-cookie");
                Path source = Files.writeString(dir.resolve("cookie.c"), COOKIE_C);
                Path binary = dir.resolve("cookie");
                Commands.Result cc = Commands.run(List.of("gcc", "-o", binary.toString(), source.toString()));
                assertEquals(0, cc.exitCode(), () -> "gcc: " + cc);
                cmd.add(binary.toString());
            }
            Commands.Result r = Unshared.enter(pid, "net", cmd);
            assertEquals(0, r.exitCode(), () -> "cookie helper: " + r);
            return Long.parseUnsignedLong(r.stdout().strip());
        } finally {
            if (dir != null) {
                try (var files = Files.list(dir)) {
                    for (Path f : files.toList()) {
                        Files.delete(f);
                    }
                }
                Files.delete(dir);
            }
        }
    }

    // ------------------------------------------------------------ identity

    @Test
    void handlesOnTheSameNamespaceAreEqualAndOnOthersNot() throws Exception {
        for (NamespaceType type : NamespaceType.values()) {
            try (Namespace a = Namespace.current(type);
                 Namespace b = Namespace.ofProcess(ProcessHandle.current(), type);
                 Namespace other = Namespace.ofProcess(childPid, type)) {
                assertEquals(a, b, type + ": two handles on the same namespace");
                assertEquals(a.hashCode(), b.hashCode());
                assertNotEquals(a, other, type + ": the child's namespace is another one");
                assertNotEquals(other, a);
            }
        }
        // Different types are never equal, even where the allocator gives ids from one sequence.
        try (Namespace uts = Namespace.current(NamespaceType.UTS); Namespace ipc = Namespace.current(NamespaceType.IPC)) {
            assertNotEquals(uts, ipc);
        }
    }

    /**
     * A namespace dies and a new one gets its inode (the kernel reuses the lowest free inode
     * number at once): the id tells them apart where the inode cannot. Other processes on the
     * machine may take the freed inode first, so this retries; the id comparison of two
     * different namespaces is checked in any case.
     */
    @Test
    void aNewNamespaceWithAReusedInodeIsNotTheOldOne() throws Exception {
        boolean reused = false;
        for (int attempt = 0; attempt < 8 && !reused; attempt++) {
            long oldInode;
            long oldId;
            long oldDevice;
            NamespaceReference oldReference;
            try (Unshared first = Unshared.start("uts");
                 Namespace ns = Namespace.ofProcess(first.pid(1), NamespaceType.UTS)) {
                oldInode = ns.inode();
                oldId = idOf(ns);
                oldDevice = ns.device();
                oldReference = ns.reference();
            } // the handle is closed and the child reaped: the namespace is gone
            try (Unshared second = Unshared.start("uts");
                 Namespace now = Namespace.ofProcess(second.pid(1), NamespaceType.UTS)) {
                String secondUts = "/proc/" + second.pid(1) + "/ns/uts";
                // Unique, but not in creation order: 6.18 hands out ids in per-CPU batches
                // (a namespace made later on another CPU may have a smaller id).
                assertNotEquals(oldId, idOf(now), "ids are never reused within a boot");
                if (now.inode() != oldInode) {
                    continue; // someone else took the inode; try again
                }
                reused = true;
                assertEquals(oldDevice, now.device());
                // A stale handle: the old namespace's identity (device, inode, id) on some fd.
                int fd = LibC.open(secondUts, NamespaceFiles.OPEN_FLAGS);
                assertTrue(fd >= 0);
                try (Namespace stale = new PlainNamespace(new NsFile(fd, NamespaceType.UTS, oldDevice, oldInode, OptionalLong.of(oldId)))) {
                    assertNotEquals(stale, now, "same inode, different id: not the same namespace");
                    assertNotEquals(now, stale);
                }
                // Without ids, only the inode is left, and it cannot tell them apart (why ids matter).
                int fd2 = LibC.open(secondUts, NamespaceFiles.OPEN_FLAGS);
                assertTrue(fd2 >= 0);
                try (Namespace inodeOnly = new PlainNamespace(new NsFile(fd2, NamespaceType.UTS, oldDevice, oldInode, OptionalLong.empty()))) {
                    assertEquals(inodeOnly, now, "without an id, equality falls back to device and inode");
                }
                // The persistent reference of the dead namespace does not open the new one.
                assertEquals(oldInode, now.reference().inode());
                assertNotEquals(oldReference, now.reference());
                NoSuchNamespaceException e = assertThrows(NoSuchNamespaceException.class, () -> oldReference.open().close());
                assertTrue(e.getMessage().contains("no longer reachable"), e.getMessage());
            }
        }
        System.out.println("NamespaceIdTest: inode reuse " + (reused ? "provoked" : "not provoked in 8 attempts"));
    }
}
