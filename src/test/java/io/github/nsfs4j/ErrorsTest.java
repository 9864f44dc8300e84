package io.github.nsfs4j;

import io.github.nsfs4j.linux.LibC;
import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.kernel.NsIoctl;
import io.github.nsfs4j.testing.Commands;
import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Unshared;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Each error case gives its documented exception, with the operation, target and errno in it. */
class ErrorsTest {

    static final int O_RDONLY = 0, O_CLOEXEC = 0x80000, O_PATH = 0x200000, F_GETFD = 1;

    static Unshared child;

    @BeforeAll
    static void startChild() {
        child = Unshared.startAllTypes();
    }

    @AfterAll
    static void stopChild() {
        if (child != null) {
            child.close();
        }
    }

    // ------------------------------------------------------------------ not a namespace file

    @Test
    void aRegularFileADirectoryDevNullAndProcfsAreNotNamespaces(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("regular file"), "not a namespace");
        List<Path> notNamespaces = List.of(file, dir, Path.of("/dev/null"), Path.of("/proc/self/status"),
                Path.of("/proc/self/ns"));
        for (Path p : notNamespaces) {
            List<String> before = Proc.nsFdLinks();
            int fdsBefore = Proc.fdCount();
            NotANamespaceException e = assertThrows(NotANamespaceException.class, () -> Namespace.open(p),
                    p.toString());
            assertEquals("open", e.operation());
            assertEquals(p.toString(), e.target());
            assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
            assertTrue(e.getMessage().contains("not a namespace file"), e.getMessage());
            assertEquals(before, Proc.nsFdLinks());
            assertTrue(Proc.fdCount() <= fdsBefore, "the fd opened for the check was closed");
            // the typed factories say the same
            assertThrows(NotANamespaceException.class, () -> PidNamespace.open(p));
            assertThrows(NotANamespaceException.class, () -> UserNamespace.open(p));
            assertThrows(NotANamespaceException.class, () -> MountNamespace.open(p));
        }
    }

    @Test
    void anFdOnSomethingElseIsNotAdoptedAndStaysTheCallers(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("f"), "x");
        int fd = LibC.open(file.toString(), O_RDONLY | O_CLOEXEC);
        assertTrue(fd >= 0);
        try {
            NotANamespaceException e = assertThrows(NotANamespaceException.class, () -> Namespace.adopt(fd));
            assertTrue(e.getMessage().contains("fd " + fd), e.getMessage());
            assertTrue(LibC.fcntl(fd, F_GETFD, 0) >= 0, "still open");
            assertEquals(Optional.of(file.toString()), Proc.fdLink(fd), "still the caller's file");
            int fdsBefore = Proc.fdCount();
            assertThrows(NotANamespaceException.class, () -> Namespace.duplicate(fd));
            assertTrue(Proc.fdCount() <= fdsBefore, "duplicate closed its copy");
        } finally {
            LibC.close(fd);
        }
    }

    /** An O_PATH fd cannot carry ioctls (EBADF): refused when adopted or duplicated, left to the caller. */
    @Test
    void anOPathFdIsNotANamespaceHandle() {
        int fd = LibC.open("/proc/" + child.leafPid() + "/ns/net", O_PATH | O_CLOEXEC);
        assertTrue(fd >= 0);
        try {
            List<String> before = Proc.nsFdLinks();
            NotANamespaceException e = assertThrows(NotANamespaceException.class, () -> Namespace.adopt(fd));
            assertTrue(e.getMessage().contains("O_PATH"), e.getMessage());
            assertEquals(Optional.of("EBADF"), e.errnoName());
            assertTrue(LibC.fcntl(fd, F_GETFD, 0) >= 0, "the caller's fd stays open");
            assertThrows(NotANamespaceException.class, () -> Namespace.duplicate(fd));
            assertEquals(before, Proc.nsFdLinks(), "nothing leaked");
        } finally {
            LibC.close(fd);
        }
    }

    // ------------------------------------------------------------------ gone

    @Test
    void aMissingPathIsNoSuchNamespace(@TempDir Path dir) {
        Path missing = dir.resolve("no-such-file");
        NoSuchNamespaceException e = assertThrows(NoSuchNamespaceException.class, () -> Namespace.open(missing));
        assertEquals("open", e.operation());
        assertEquals(missing.toString(), e.target());
        assertEquals(OptionalInt.of(2), e.errno());
        assertEquals(Optional.of("ENOENT"), e.errnoName());
        for (String part : List.of("open", missing.toString(), "ENOENT")) {
            assertTrue(e.getMessage().contains(part), part + " in " + e.getMessage());
        }
    }

    @Test
    void aProcessThatDoesNotExistIsNoSuchNamespace() throws Exception {
        int noSuchPid = Proc.pidMax() + 1;
        for (NamespaceType type : NamespaceType.values()) {
            NoSuchNamespaceException e = assertThrows(NoSuchNamespaceException.class,
                    () -> Namespace.ofProcess(noSuchPid, type));
            assertTrue(e.getMessage().contains("/proc/" + noSuchPid + "/ns/" + type.procName()), e.getMessage());
            assertTrue(e.getMessage().contains("ENOENT"), e.getMessage());
        }
        assertThrows(NoSuchNamespaceException.class, () -> PidNamespace.ofProcess(noSuchPid));
        // a process that has exited and been reaped
        Process p = new ProcessBuilder("true").start();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        assertThrows(NoSuchNamespaceException.class, () -> Namespace.ofProcess((int) p.pid(), NamespaceType.NET));
        assertThrows(NoSuchNamespaceException.class, () -> Namespace.ofProcess(p.toHandle(), NamespaceType.NET));
    }

    // ------------------------------------------------------------------ permission

    /** Opening another user namespace's process from an unprivileged user namespace: EACCES. */
    @Test
    void accessDeniedNamesTheErrno() {
        long jvm = ProcessHandle.current().pid();
        Commands.Result r = Unshared.builder().types("user").run(Commands.javaCommand(
                List.of("--enable-native-access=ALL-UNNAMED"), NsfsChildMain.class, "open",
                "/proc/" + jvm + "/ns/net"));
        Map<String, String> out = r.properties();
        assertEquals("exception", out.get("result"), r.toString());
        assertEquals("NamespaceAccessDeniedException", out.get("exception"));
        assertEquals("EACCES", out.get("errno"));
        assertEquals("open", out.get("operation"));
        assertEquals("/proc/" + jvm + "/ns/net", out.get("target"));
        for (String part : List.of("open", "/proc/" + jvm + "/ns/net", "EACCES")) {
            assertTrue(out.get("message").contains(part), part + " in " + out.get("message"));
        }
    }

    /** Without --enable-native-access the first use says which flag to add. */
    @Test
    void missingNativeAccessNamesTheFlag() {
        Commands.Result r = Commands.run(Commands.javaCommand(List.of(), NsfsChildMain.class, "native-access"));
        Map<String, String> out = r.properties();
        assertEquals("exception", out.get("result"), r.toString());
        assertEquals("IllegalCallerException", out.get("exception"));
        assertTrue(out.get("message").contains("--enable-native-access=ALL-UNNAMED"), out.get("message"));
    }

    // ------------------------------------------------------------------ bad arguments

    @Test
    void badArgumentsAreRejectedInJava() throws Exception {
        List<String> before = Proc.nsFdLinks();
        Map<String, Executable> illegal = Map.of(
                "adopt(-1)", () -> Namespace.adopt(-1),
                "duplicate(-1)", () -> Namespace.duplicate(-1),
                "ofProcess(0)", () -> Namespace.ofProcess(0, NamespaceType.NET),
                "ofProcess(-7)", () -> Namespace.ofProcess(-7, NamespaceType.NET),
                "PidNamespace.ofProcess(0)", () -> PidNamespace.ofProcess(0),
                "UserNamespace.ofProcess(-1)", () -> UserNamespace.ofProcess(-1),
                "MountNamespace.ofProcess(0)", () -> MountNamespace.ofProcess(0),
                "open(\"\")", () -> Namespace.open(Path.of("")));
        illegal.forEach((what, call) -> {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call, what);
            assertFalse(e.getMessage() == null || e.getMessage().isEmpty(), what);
        });
        Map<String, Executable> nulls = Map.of(
                "open(null)", () -> Namespace.open(null),
                "PidNamespace.open(null)", () -> PidNamespace.open(null),
                "UserNamespace.open(null)", () -> UserNamespace.open(null),
                "MountNamespace.open(null)", () -> MountNamespace.open(null),
                "ofProcess(pid, null)", () -> Namespace.ofProcess(child.leafPid(), null),
                "ofProcess(null handle)", () -> Namespace.ofProcess((ProcessHandle) null, NamespaceType.NET),
                "current(null)", () -> Namespace.current(null));
        nulls.forEach((what, call) -> assertThrows(NullPointerException.class, call, what));
        try (PidNamespace pid = PidNamespace.ofProcess(child.leafPid())) {
            assertThrows(IllegalArgumentException.class, () -> pid.pidInNamespace(0));
            assertThrows(IllegalArgumentException.class, () -> pid.pidFromNamespace(-1));
            assertThrows(IllegalArgumentException.class, () -> pid.tgidInNamespace(Integer.MIN_VALUE));
        }
        assertEquals(before, Proc.nsFdLinks());
    }

    /** Proof that arguments are checked before any native call: without native access they still win. */
    @Test
    void badArgumentsAreRejectedBeforeAnyNativeCall() {
        Commands.Result r = Commands.run(Commands.javaCommand(List.of(), NsfsChildMain.class, "bad-args"));
        Map<String, String> out = r.properties();
        assertEquals(13, out.size(), r.toString());
        out.forEach((call, outcome) -> {
            String expected = call.contains("null") ? "NullPointerException" : "IllegalArgumentException";
            assertEquals(expected, outcome, call + "\n" + r);
        });
    }

    /** An fd number that is not open: the failing system call and EBADF, not a misleading type. */
    @Test
    void anFdThatIsNotOpen() {
        int notOpen = 1 << 30;
        NamespaceException adopt = assertThrows(NamespaceException.class, () -> Namespace.adopt(notOpen));
        assertEquals(Optional.of("EBADF"), adopt.errnoName(), adopt.getMessage());
        assertTrue(adopt.getMessage().contains("fd " + notOpen), adopt.getMessage());
        NamespaceException dup = assertThrows(NamespaceException.class, () -> Namespace.duplicate(notOpen));
        assertEquals(Optional.of("EBADF"), dup.errnoName(), dup.getMessage());
        assertTrue(dup.getMessage().contains("fd " + notOpen), dup.getMessage());
    }

    /** A FIFO opens without blocking (O_NONBLOCK) and is refused as not a namespace. */
    @Test
    void aFifoIsNotANamespaceAndDoesNotBlock(@TempDir Path dir) throws Exception {
        Path fifo = dir.resolve("fifo");
        assertEquals(0, Commands.run(List.of("mkfifo", fifo.toString())).exitCode());
        assertThrows(NotANamespaceException.class, () -> Namespace.open(fifo));
    }

    // ------------------------------------------------------------------ closed handles

    @ParameterizedTest
    @EnumSource(NamespaceType.class)
    void aClosedHandleRefusesEveryOperationButStillAnswersItsIdentity(NamespaceType type) throws Exception {
        Namespace ns = Namespace.ofProcess(child.leafPid(), type);
        String name = ns.toString();
        long inode = ns.inode();
        long device = ns.device();
        OptionalLong id = ns.id();
        boolean initial = ns.isInitial();
        int hash = ns.hashCode();
        ns.close();
        assertFalse(ns.isOpen());
        ns.close(); // idempotent
        assertFalse(ns.isOpen());
        List<Executable> operations = new ArrayList<>();
        operations.add(ns::owner);
        operations.add(ns::reference);
        if (ns instanceof PidNamespace p) {
            operations.add(p::parent);
            operations.add(() -> p.pidInNamespace(1));
            operations.add(() -> p.pidFromNamespace(1));
            operations.add(() -> p.tgidInNamespace(1));
            operations.add(() -> p.tgidFromNamespace(1));
            operations.add(p::initPid);
        }
        if (ns instanceof UserNamespace u) {
            operations.add(u::parent);
            operations.add(u::ownerUid);
        }
        if (ns instanceof MountNamespace m) {
            operations.add(m::mountNamespaceId);
            operations.add(m::info);
            operations.add(m::next);
            operations.add(m::previous);
            operations.add(m::listAll);
            operations.add(() -> m.walkAll(x -> true));
        }
        for (Executable op : operations) {
            ClosedNamespaceException e = assertThrows(ClosedNamespaceException.class, op);
            assertTrue(e.getMessage().contains(type.procName() + ":[" + inode + "]"), e.getMessage());
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
            assertFalse(e.operation().isEmpty());
            assertTrue(e.getMessage().startsWith(e.operation()), e.getMessage());
        }
        // the identity recorded at open still answers what the handle was, as equals/hashCode do
        assertEquals(type, ns.type());
        assertEquals(inode, ns.inode());
        assertEquals(device, ns.device());
        assertEquals(id, ns.id());
        assertEquals(initial, ns.isInitial());
        assertEquals(hash, ns.hashCode());
        assertEquals(Proc.nsInode(child.leafPid(), type.procName()), ns.inode(), "the kernel's inode, after close");
        try (Namespace again = Namespace.ofProcess(child.leafPid(), type)) {
            assertEquals(again, ns, "a closed handle still equals an open one on the same namespace");
            assertEquals(again.hashCode(), ns.hashCode());
        }
        // toString still reads well, and says closed
        assertTrue(name.startsWith(type.procName() + ":[" + inode + "]"));
        assertTrue(ns.toString().startsWith(type.procName() + ":[" + inode + "]"), ns.toString());
        assertTrue(ns.toString().endsWith("(closed)"), ns.toString());
    }

    @Test
    void closedExceptionsNameTheRequest() throws Exception {
        UserNamespace u = UserNamespace.ofProcess(child.leafPid());
        u.close();
        assertEquals("NS_GET_OWNER_UID", assertThrows(ClosedNamespaceException.class, u::ownerUid).operation());
        assertEquals("NS_GET_USERNS", assertThrows(ClosedNamespaceException.class, u::owner).operation());
        assertEquals("NS_GET_PARENT", assertThrows(ClosedNamespaceException.class, u::parent).operation());
    }

    /** Exceptions are IOExceptions with a stable family. */
    @Test
    void theExceptionFamily() {
        for (Class<?> c : List.of(NotANamespaceException.class, NoSuchNamespaceException.class,
                NamespaceAccessDeniedException.class, ClosedNamespaceException.class, WrongNamespaceTypeException.class,
                UnsupportedRequestException.class)) {
            assertTrue(NamespaceException.class.isAssignableFrom(c), c.getName());
        }
        assertTrue(IOException.class.isAssignableFrom(NamespaceException.class));
        NamespaceException e = new NamespaceException("NS_GET_PARENT", "net:[1]", 22, "refused");
        assertEquals("NS_GET_PARENT on net:[1]: refused (EINVAL: Invalid argument)", e.getMessage());
        assertEquals(Optional.of("EINVAL"), e.errnoName());
        UnsupportedRequestException u = new UnsupportedRequestException(NsIoctl.NS_GET_ID, "net:[1]");
        assertTrue(u.getMessage().contains("6.18"), u.getMessage());
        assertEquals(NsIoctl.NS_GET_ID, u.request());
    }
}
