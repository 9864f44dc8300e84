package io.github.nsfs4j.linux;

import io.github.nsfs4j.kernel.NsIoctl;
import io.github.nsfs4j.kernel.PidfdIoctl;
import io.github.nsfs4j.testing.Commands;
import io.github.nsfs4j.testing.Proc;

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
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every native binding of {@link LibC} and {@link ProcessCalls}, called directly, each result checked against what the
 * kernel shows elsewhere (procfs, stat(2) through the JDK). A signature mismatch in a binding
 * fails here rather than in a user's hands.
 */
class LibCBindingTest {

    static final int O_RDONLY = 0, O_CLOEXEC = 0x80000, O_PATH = 0x200000, O_RDWR = 2;
    static final int F_GETFD = 1, F_GETFL = 3, FD_CLOEXEC = 1;
    static final int EPERM = 1, ENOENT = 2, ESRCH = 3, EBADF = 9, EFAULT = 14, EINVAL = 22, ENOTTY = 25,
            ENOSYS = 38, ESTALE = 116;
    static final int CLONE_NEWNET = 0x40000000, CLONE_NEWUTS = 0x04000000, CLONE_NEWUSER = 0x10000000;
    static final long NSFS_MAGIC = 0x6e736673L;
    static final int STATX_INO = 0x100;
    static final short POLLNVAL = 0x20;
    static final int BAD_FD = 1 << 30;

    static final long OWN_PID = ProcessHandle.current().pid();

    /** The bindings this class exercises, one holder class each. A new binding must get a test here. */
    @Test
    void everyBindingIsCoveredByThisClass() {
        Set<String> holders = new TreeSet<>();
        for (Class<?> owner : List.of(LibC.class, ProcessCalls.class, PosixSpawn.class)) {
            for (Class<?> nested : owner.getDeclaredClasses()) {
                for (Field f : nested.getDeclaredFields()) {
                    if (Modifier.isStatic(f.getModifiers()) && Modifier.isFinal(f.getModifiers())
                            && f.getType() == MethodHandle.class) {
                        holders.add(owner.getSimpleName() + "." + nested.getSimpleName() + "." + f.getName());
                    }
                }
            }
        }
        assertEquals(new TreeSet<>(List.of("LibC.Syscall.HANDLE", "LibC.IoctlValueCritical.HANDLE", "ProcessCalls.Poll.HANDLE",
                "LibC.Getpwuid.HANDLE",
                // starting processes: tested in ProcessBindingTest
                "PosixSpawn.Handles.SPAWNP", "PosixSpawn.Handles.SPAWN", "PosixSpawn.Handles.ACTIONS_ADDCLOSE",
                "PosixSpawn.Handles.ACTIONS_INIT", "PosixSpawn.Handles.ACTIONS_DESTROY",
                "PosixSpawn.Handles.ACTIONS_ADDDUP2", "PosixSpawn.Handles.ACTIONS_ADDCLOSEFROM",
                "PosixSpawn.Handles.ACTIONS_ADDCHDIR", "PosixSpawn.Handles.ATTR_INIT", "PosixSpawn.Handles.ATTR_DESTROY",
                "PosixSpawn.Handles.ATTR_SETFLAGS", "PosixSpawn.Handles.ATTR_SETSIGMASK")), holders,
                "the bindings changed: give each new one a test in LibCBindingTest or ProcessBindingTest");
    }

    // ------------------------------------------------------------------ linking

    /** A symbol the C library lacks gets a handle of the right type that names it; the others still work. */
    @Test
    void aMissingSymbolThrowsNamingItAndBreaksNothingElse() throws Throwable {
        FunctionDescriptor descriptor = FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS);
        MethodHandle missing = Downcalls.link("nsfs4j_no_such_function", descriptor, -1, "glibc 9.99+ has it");
        MethodHandle present = Downcalls.link("fstatfs", descriptor, -1, null);
        assertEquals(present.type(), missing.type(), "the same type as a real downcall handle");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Linker.Option.captureStateLayout());
            for (int attempt = 0; attempt < 2; attempt++) { // every call throws, not only the first
                UnsatisfiedLinkError e = assertThrows(UnsatisfiedLinkError.class,
                        () -> { int unused = (int) missing.invokeExact(state, 3, MemorySegment.NULL); });
                assertEquals("nsfs4j: the C library has no function nsfs4j_no_such_function (glibc 9.99+ has it)",
                        e.getMessage());
            }
            // a real handle from the same helper works, errno captured; so do the holders' open and ioctl
            assertEquals(-1, (int) present.invokeExact(state, BAD_FD, arena.allocate(Structs.STATFS)));
            assertEquals(EBADF, (int) Linker.Option.captureStateLayout()
                    .varHandle(MemoryLayout.PathElement.groupElement("errno")).get(state, 0L));
        }
        int fd = LibC.open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        assertTrue(fd >= 0, "open: " + fd);
        try {
            assertEquals(CLONE_NEWNET, LibC.ioctl(fd, NsIoctl.NS_GET_NSTYPE.request(), 0L));
        } finally {
            LibC.close(fd);
        }
    }

    @Test
    void theNativeAccessMessageNamesTheFlagForJavaJshellAndManifests() {
        String message = Downcalls.nativeAccessMissingMessage();
        assertTrue(message.contains("--enable-native-access=ALL-UNNAMED"), message);
        assertTrue(message.contains("-R--enable-native-access=ALL-UNNAMED"), "the jshell form: " + message);
        assertTrue(message.contains("Enable-Native-Access: ALL-UNNAMED"), message);
    }

    // ------------------------------------------------------------------ open / close

    @Test
    void openGivesAnFdOnTheFileOrMinusErrno() {
        int fd = LibC.open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        assertTrue(fd >= 0, "open: " + fd);
        try {
            assertEquals(Optional.of(Proc.nsLink(OWN_PID, "net")), Proc.fdLink(fd));
            assertEquals(FD_CLOEXEC, LibC.fcntl(fd, F_GETFD, 0), "O_CLOEXEC reached the kernel");
        } finally {
            assertEquals(0, LibC.close(fd));
        }
        assertEquals(-ENOENT, LibC.open("/nonexistent-nsfs4j-dir/file", O_RDONLY | O_CLOEXEC));
        assertEquals(-ENOENT, LibC.open("", O_RDONLY | O_CLOEXEC));
        assertEquals(-20 /* ENOTDIR */, LibC.open("/proc/self/status/x", O_RDONLY | O_CLOEXEC));
    }

    @Test
    void closeReturnsZeroOrMinusEbadf() {
        int fd = LibC.open("/dev/null", O_RDONLY | O_CLOEXEC);
        assertTrue(fd >= 0);
        assertEquals(0, LibC.close(fd));
        assertEquals(-EBADF, LibC.close(BAD_FD));
        assertEquals(-EBADF, LibC.close(-1));
    }

    // ------------------------------------------------------------------ ioctl, value form

    @Test
    void ioctlValueFormReturnsTheAnswer() {
        int net = LibC.open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        int pid = LibC.open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
        int uts = LibC.open("/proc/self/ns/uts", O_RDONLY | O_CLOEXEC);
        int user = LibC.open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
        try {
            assertEquals(CLONE_NEWNET, LibC.ioctl(net, NsIoctl.NS_GET_NSTYPE.request(), 0L));
            assertEquals(-EINVAL, LibC.ioctl(net, NsIoctl.NS_GET_PARENT.request(), 0L), "net has no parent");
            // the parent of the caller's own user namespace is out of its view
            assertEquals(-EPERM, LibC.ioctl(user, NsIoctl.NS_GET_PARENT.request(), 0L));
            // translations: the own pid in the own pid namespace is itself; pid 0 is ESRCH
            long ownNsPid = Proc.nsPid(OWN_PID).getLast();
            assertEquals(ownNsPid, LibC.ioctl(pid, NsIoctl.NS_GET_PID_IN_PIDNS.request(), OWN_PID));
            assertEquals(OWN_PID, LibC.ioctl(pid, NsIoctl.NS_GET_PID_FROM_PIDNS.request(), ownNsPid));
            assertEquals(-ESRCH, LibC.ioctl(pid, NsIoctl.NS_GET_PID_IN_PIDNS.request(), 0L));
            assertEquals(-EINVAL, LibC.ioctl(net, NsIoctl.NS_GET_PID_IN_PIDNS.request(), OWN_PID));
            // NS_GET_USERNS gives a new O_CLOEXEC fd on the owning user namespace
            int owner = LibC.ioctl(uts, NsIoctl.NS_GET_USERNS.request(), 0L);
            assertTrue(owner >= 0, "NS_GET_USERNS: " + owner);
            try {
                assertEquals(Optional.of(Proc.nsLink(OWN_PID, "user")), Proc.fdLink(owner));
                assertTrue((Proc.fdFlags(owner).orElseThrow() & Proc.FDINFO_O_CLOEXEC) != 0);
            } finally {
                LibC.close(owner);
            }
            // an unknown request on an ns fd is ENOTTY
            assertEquals(-ENOTTY, LibC.ioctl(net, IoctlCodes._IO(0xb7, 0xfe), 0L));
        } finally {
            LibC.close(net);
            LibC.close(pid);
            LibC.close(uts);
            LibC.close(user);
        }
    }

    /** The critical form answers as the plain one, errno included, for the requests it serves. */
    @Test
    void ioctlCriticalGivesTheSameAnswersAndErrnos() {
        int net = LibC.open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        int pid = LibC.open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
        try {
            long ownNsPid = Proc.nsPid(OWN_PID).getLast();
            assertEquals(CLONE_NEWNET, LibC.ioctl_critical(net, NsIoctl.NS_GET_NSTYPE.request(), 0L));
            assertEquals(OWN_PID, LibC.ioctl_critical(pid, NsIoctl.NS_GET_PID_FROM_PIDNS.request(), ownNsPid));
            assertEquals(OWN_PID, LibC.ioctl_critical(pid, NsIoctl.NS_GET_TGID_FROM_PIDNS.request(), ownNsPid));
            assertEquals(ownNsPid, LibC.ioctl_critical(pid, NsIoctl.NS_GET_PID_IN_PIDNS.request(), OWN_PID));
            assertEquals(ownNsPid, LibC.ioctl_critical(pid, NsIoctl.NS_GET_TGID_IN_PIDNS.request(), OWN_PID));
            assertEquals(-ESRCH, LibC.ioctl_critical(pid, NsIoctl.NS_GET_PID_IN_PIDNS.request(), 0L));
            assertEquals(-EINVAL, LibC.ioctl_critical(net, NsIoctl.NS_GET_PID_IN_PIDNS.request(), OWN_PID));
            assertEquals(-EBADF, LibC.ioctl_critical(BAD_FD, NsIoctl.NS_GET_NSTYPE.request(), 0L));
            assertEquals(-ENOTTY, LibC.ioctl_critical(net, IoctlCodes._IO(0xb7, 0xfe), 0L));
        } finally {
            LibC.close(net);
            LibC.close(pid);
        }
    }

    @Test
    void ioctlOnWhatIsNotANamespaceFile(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("regular"), "x");
        int fd = LibC.open(file.toString(), O_RDONLY | O_CLOEXEC);
        assertTrue(fd >= 0);
        try {
            assertEquals(-ENOTTY, LibC.ioctl(fd, NsIoctl.NS_GET_NSTYPE.request(), 0L));
        } finally {
            LibC.close(fd);
        }
        assertEquals(-EBADF, LibC.ioctl(BAD_FD, NsIoctl.NS_GET_NSTYPE.request(), 0L));
    }

    @Test
    void oPathFdGivesEbadfForNamespaceIoctls() {
        int fd = LibC.open("/proc/self/ns/net", O_PATH | O_CLOEXEC);
        assertTrue(fd >= 0, "open O_PATH: " + fd);
        try {
            assertEquals(-EBADF, LibC.ioctl(fd, NsIoctl.NS_GET_NSTYPE.request(), 0L));
            assertTrue((LibC.fcntl(fd, F_GETFL, 0) & O_PATH) != 0, "F_GETFL shows O_PATH");
        } finally {
            LibC.close(fd);
        }
    }

    // ------------------------------------------------------------------ ioctl, pointer form

    @Test
    void ioctlPointerFormWritesThroughThePointer() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment u64 = arena.allocate(JAVA_LONG);
            MemorySegment u64b = arena.allocate(JAVA_LONG);
            MemorySegment uid = arena.allocate(JAVA_INT);
            MemorySegment info = arena.allocate(16, 8);
            int user = LibC.open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
            int mnt = LibC.open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
            int net = LibC.open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
            try {
                uid.set(JAVA_INT, 0, -1);
                assertEquals(0, LibC.ioctl(user, NsIoctl.NS_GET_OWNER_UID.request(), uid));
                if (Proc.selfNsInode("user") == 0xEFFFFFFDL) {
                    assertEquals(0, uid.get(JAVA_INT, 0), "the initial user namespace belongs to root");
                } else {
                    assertNotEquals(-1, uid.get(JAVA_INT, 0));
                }
                assertEquals(-EINVAL, LibC.ioctl(net, NsIoctl.NS_GET_OWNER_UID.request(), uid), "not a user ns");

                assertEquals(0, LibC.ioctl(mnt, NsIoctl.NS_GET_ID.request(), u64));
                long id = u64.get(JAVA_LONG, 0);
                assertNotEquals(0, id);
                assertEquals(0, LibC.ioctl(mnt, NsIoctl.NS_GET_MNTNS_ID.request(), u64b));
                assertEquals(id, u64b.get(JAVA_LONG, 0), "NS_GET_MNTNS_ID equals NS_GET_ID");
                assertEquals(-EINVAL, LibC.ioctl(net, NsIoctl.NS_GET_MNTNS_ID.request(), u64b));

                // the host's mount table may change meanwhile (other builds): count before and after
                int before;
                int after;
                int attempts = 0;
                do {
                    before = Proc.mountinfo("self").size();
                    info.fill((byte) 0);
                    assertEquals(0, LibC.ioctl(mnt, NsIoctl.NS_MNT_GET_INFO.request(), info));
                    after = Proc.mountinfo("self").size();
                } while (before != after && ++attempts < 10);
                assertEquals(16, info.get(JAVA_INT, 0), "size");
                assertEquals(after, info.get(JAVA_INT, 4), "nr_mounts equals the lines of /proc/self/mountinfo");
                assertEquals(id, info.get(JAVA_LONG, 8), "mnt_ns_id");

                assertEquals(-EFAULT, LibC.ioctl(net, NsIoctl.NS_GET_ID.request(), MemorySegment.NULL));
                // the address travels as a long: Java heap memory has none to give, and is refused
                MemorySegment heap = MemorySegment.ofArray(new long[1]);
                assertThrows(IllegalArgumentException.class, () -> LibC.ioctl(net, NsIoctl.NS_GET_ID.request(), heap));
                assertEquals(0L, heap.get(JAVA_LONG, 0));
            } finally {
                LibC.close(user);
                LibC.close(mnt);
                LibC.close(net);
            }
        }
    }

    // ------------------------------------------------------------------ fstatfs / statx / fcntl

    @Test
    void fstatfsReportsTheNsfsMagic() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Structs.STATFS);
            int ns = LibC.open("/proc/self/ns/uts", O_RDONLY | O_CLOEXEC);
            int proc = LibC.open("/proc/self/status", O_RDONLY | O_CLOEXEC);
            try {
                assertEquals(0, LibC.fstatfs(ns, buf));
                assertEquals(NSFS_MAGIC, Structs.statfsType(buf));
                assertEquals(0, LibC.fstatfs(proc, buf));
                assertEquals(0x9fa0L, Structs.statfsType(buf), "PROC_SUPER_MAGIC");
                assertEquals(-EBADF, LibC.fstatfs(BAD_FD, buf));
            } finally {
                LibC.close(ns);
                LibC.close(proc);
            }
        }
    }

    @Test
    void fstatxReportsInodeAndDeviceAsStatDoes() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Structs.STATX);
            for (String type : List.of("net", "pid", "user", "mnt")) {
                Path path = Path.of("/proc/self/ns/" + type);
                int fd = LibC.open(path.toString(), O_RDONLY | O_CLOEXEC);
                try {
                    buf.fill((byte) 0);
                    assertEquals(0, LibC.fstatx(fd, STATX_INO, buf));
                    assertTrue((buf.get(JAVA_INT, Structs.STATX.byteOffset(MemoryLayout.PathElement.groupElement(
                            "stx_mask"))) & STATX_INO) != 0, "stx_mask has STATX_INO");
                    long ino = Structs.statxIno(buf);
                    assertEquals(Proc.selfNsInode(type), ino, "readlink's inode");
                    assertEquals(Proc.statIno(path), ino, "stat's st_ino");
                    long dev = Structs.makedev(Structs.statxDevMajor(buf), Structs.statxDevMinor(buf));
                    assertEquals(Proc.statDev(path), dev, "stat's st_dev");
                } finally {
                    LibC.close(fd);
                }
            }
            assertEquals(-EBADF, LibC.fstatx(BAD_FD, STATX_INO, buf));
        }
    }

    @Test
    void makedevMatchesGlibc() throws Exception {
        // values printed by glibc's makedev(3)
        assertEquals(0x103L, Structs.makedev(1, 3));
        assertEquals(0x120006783459aL, Structs.makedev(0x12345, 0x6789a));
        // st_rdev of /dev/null, as stat(2) reports it through the JDK
        assertEquals(((Number) Files.getAttribute(Path.of("/dev/null"), "unix:rdev")).longValue(),
                Structs.makedev(1, 3));
    }

    @Test
    void fcntlDuplicatesWithCloexecAndReadsFlags() {
        int fd = LibC.open("/proc/self/ns/ipc", O_RDONLY); // no O_CLOEXEC on purpose
        assertTrue(fd >= 0);
        try {
            assertEquals(0, LibC.fcntl(fd, F_GETFD, 0), "no FD_CLOEXEC");
            assertEquals(0L, Proc.fdFlags(fd).orElseThrow() & Proc.FDINFO_O_CLOEXEC);
            int copy = LibC.fcntl(fd, Constants.F_DUPFD_CLOEXEC, 0);
            assertTrue(copy >= 0 && copy != fd, "F_DUPFD_CLOEXEC: " + copy);
            try {
                assertEquals(Proc.fdLink(fd), Proc.fdLink(copy));
                assertEquals(FD_CLOEXEC, LibC.fcntl(copy, F_GETFD, 0));
                assertTrue((Proc.fdFlags(copy).orElseThrow() & Proc.FDINFO_O_CLOEXEC) != 0);
            } finally {
                LibC.close(copy);
            }
            assertEquals(0, LibC.fcntl(fd, F_GETFL, 0) & 3, "O_RDONLY");
            assertEquals(-EBADF, LibC.fcntl(BAD_FD, F_GETFD, 0));
        } finally {
            LibC.close(fd);
        }
    }

    // ------------------------------------------------------------------ pidfd

    @Test
    void pidfdOpenOfTheOwnPidAndOfNone() {
        int pidfd = ProcessCalls.pidfd_open((int) OWN_PID, 0);
        assertTrue(pidfd >= 0, "pidfd_open: " + pidfd);
        try {
            assertTrue(Proc.fdInfo(pidfd).contains("Pid:\t" + OWN_PID), "fdinfo names the process: "
                    + Proc.fdInfo(pidfd));
            assertTrue((Proc.fdFlags(pidfd).orElseThrow() & Proc.FDINFO_O_CLOEXEC) != 0, "pidfds are O_CLOEXEC");
            // a pidfd namespace ioctl (value form) gives the own net namespace
            int net = LibC.ioctl(pidfd, PidfdIoctl.PIDFD_GET_NET_NAMESPACE.request(), 0L);
            assertTrue(net >= 0, "PIDFD_GET_NET_NAMESPACE: " + net);
            try {
                assertEquals(Optional.of(Proc.nsLink(OWN_PID, "net")), Proc.fdLink(net));
            } finally {
                LibC.close(net);
            }
        } finally {
            LibC.close(pidfd);
        }
        long noSuchPid = Proc.pidMax() + 1;
        assertEquals(-ESRCH, ProcessCalls.pidfd_open((int) noSuchPid, 0));
        assertEquals(-EINVAL, ProcessCalls.pidfd_open(0, 0));
    }

    @Test
    void pidfdOfAReapedProcessAnswersEsrch() throws Exception {
        Process sleeper = new ProcessBuilder("sleep", "100").start();
        int pidfd = ProcessCalls.pidfd_open((int) sleeper.pid(), 0);
        assertTrue(pidfd >= 0, "pidfd_open: " + pidfd);
        try {
            sleeper.destroyForcibly();
            assertTrue(sleeper.waitFor(10, TimeUnit.SECONDS));
            assertEquals(-ESRCH, LibC.ioctl(pidfd, PidfdIoctl.PIDFD_GET_NET_NAMESPACE.request(), 0L));
        } finally {
            LibC.close(pidfd);
        }
    }

    /**
     * pidfd_getfd(2): a copy of another fd of a process (here our own: a socket), O_CLOEXEC,
     * naming the same file as the original (its /proc link); EBADF for an fd the process lacks.
     * SIOCGSKNS on the copy: an fd of the net namespace the socket was made in, our own.
     */
    @Test
    void pidfdGetfdCopiesASocketAndSiocgsknsNamesItsNetNamespace() throws Exception {
        try (java.nio.channels.DatagramChannel channel = java.nio.channels.DatagramChannel.open()) {
            int original = -1;
            for (var fd : Proc.fds().entrySet()) {
                if (fd.getValue().startsWith("socket:[")) {
                    original = Math.max(original, fd.getKey()); // the newest socket: the channel's
                }
            }
            assertTrue(original >= 0, "a socket fd of our own: " + Proc.fds());
            int pidfd = ProcessCalls.pidfd_open((int) OWN_PID, 0);
            assertTrue(pidfd >= 0, "pidfd_open: " + pidfd);
            try {
                int copy = ProcessCalls.pidfd_getfd(pidfd, original, 0);
                assertTrue(copy >= 0, "pidfd_getfd: " + copy);
                try {
                    assertNotEquals(original, copy);
                    assertEquals(Proc.fdLink(original), Proc.fdLink(copy), "the same socket");
                    assertTrue((Proc.fdFlags(copy).orElseThrow() & Proc.FDINFO_O_CLOEXEC) != 0, "O_CLOEXEC");
                    int net = LibC.ioctl(copy, Constants.SIOCGSKNS, 0L);
                    assertTrue(net >= 0, "SIOCGSKNS: " + net);
                    try {
                        assertEquals(Optional.of(Proc.nsLink(OWN_PID, "net")), Proc.fdLink(net));
                        assertTrue((Proc.fdFlags(net).orElseThrow() & Proc.FDINFO_O_CLOEXEC) != 0, "O_CLOEXEC");
                    } finally {
                        LibC.close(net);
                    }
                } finally {
                    LibC.close(copy);
                }
                assertEquals(-EBADF, ProcessCalls.pidfd_getfd(pidfd, BAD_FD, 0));
            } finally {
                LibC.close(pidfd);
            }
        }
    }

    /**
     * socket(2), send (sendto(2)) and recv (recvfrom(2)): an RTM_GETNSID request over a
     * NETLINK_ROUTE socket (io.github.nsfs4j.internal.NetNsIds) answers the nsid that
     * {@code ip netns set} gave a net namespace, by the pid of a process in it, and -1 for one
     * that has none; the truth is what ip(8) set.
     */
    @Test
    void netlinkSocketSendRecvAskTheNsidOfANetNamespace() throws Exception {
        io.github.nsfs4j.testing.Unshared.requireCommand("ip");
        io.github.nsfs4j.testing.Unshared.requireNamespaces();
        String name = "nsfs4j-nsid-" + OWN_PID;
        assertEquals(0, Commands.run(List.of("ip", "netns", "add", name)).exitCode());
        Process member = null;
        try {
            assertEquals(0, Commands.run(List.of("ip", "netns", "set", name, "4242")).exitCode());
            member = new ProcessBuilder("ip", "netns", "exec", name, "sleep", "100").start();
            long pid = member.pid();
            for (int i = 0; i < 200 && Proc.nsLink(pid, "net").equals(Proc.nsLink(OWN_PID, "net")); i++) {
                Thread.sleep(10); // until ip has entered the namespace and exec'd sleep
            }
            try (io.github.nsfs4j.internal.NetNsIds ids = new io.github.nsfs4j.internal.NetNsIds()) {
                assertEquals(4242, ids.ofProcess((int) pid));
                assertEquals(-1, ids.ofProcess((int) OWN_PID), "our own net namespace has no nsid in itself");
                assertEquals(-ESRCH, ids.ofProcess(Proc.unusedPid()));
            }
            int fd = LibC.socket(Constants.AF_NETLINK, Constants.SOCK_RAW | Constants.SOCK_CLOEXEC, Constants.NETLINK_ROUTE);
            assertTrue(fd >= 0, "socket: " + fd);
            try {
                assertTrue(Proc.fdLink(fd).orElseThrow().startsWith("socket:["));
                assertTrue((Proc.fdFlags(fd).orElseThrow() & Proc.FDINFO_O_CLOEXEC) != 0, "SOCK_CLOEXEC");
            } finally {
                LibC.close(fd);
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buf = arena.allocate(16);
                assertEquals(-EBADF, LibC.send(BAD_FD, buf, 16, 0));
                assertEquals(-EBADF, LibC.recv(BAD_FD, buf, 16, 0));
            }
        } finally {
            if (member != null) {
                member.destroyForcibly();
                member.waitFor();
            }
            Commands.run(List.of("ip", "netns", "delete", name));
        }
    }

    // ------------------------------------------------------------------ poll, setns, unshare

    /** poll(POLLIN) on a pidfd: nothing while the process runs, POLLIN once it has exited (zombie or reaped). */
    @Test
    void pollOnAPidfdSaysWhenTheProcessExits() throws Exception {
        Process sleeper = new ProcessBuilder("sleep", "100").start();
        int pidfd = ProcessCalls.pidfd_open((int) sleeper.pid(), 0);
        assertTrue(pidfd >= 0, "pidfd_open: " + pidfd);
        try {
            assertEquals(0, ProcessCalls.pollOne(pidfd, Constants.POLLIN, 0), "running: timeout, no event");
            sleeper.destroyForcibly();
            assertTrue(sleeper.waitFor(10, TimeUnit.SECONDS));
            int revents = ProcessCalls.pollOne(pidfd, Constants.POLLIN, 10_000);
            assertTrue((revents & Constants.POLLIN) != 0, "exited: POLLIN, got revents " + revents);
        } finally {
            LibC.close(pidfd);
        }
        assertEquals(POLLNVAL, ProcessCalls.pollOne(BAD_FD, Constants.POLLIN, 0), "a closed fd is POLLNVAL");
        try (Arena arena = Arena.ofConfined()) {
            // more fds than RLIMIT_NOFILE allows: EINVAL
            assertEquals(-EINVAL, ProcessCalls.poll(arena.allocate(Structs.POLLFD), Integer.MAX_VALUE, 0));
        }
    }

    /** setns(2) and unshare(2) change only the calling thread (uts is per task); run in a throwaway thread. */
    @Test
    void unshareAndSetnsMoveTheCallingThread() throws Exception {
        Assumptions.assumeTrue(Proc.euid() == 0, "unshare(CLONE_NEWUTS) needs CAP_SYS_ADMIN");
        String processUts = Proc.nsLink(OWN_PID, "uts");
        int ownUts = LibC.open("/proc/thread-self/ns/uts", O_RDONLY | O_CLOEXEC);
        assertTrue(ownUts >= 0);
        List<String> seen = new ArrayList<>();
        List<Integer> results = new ArrayList<>();
        try {
            Thread t = new Thread(() -> {
                results.add(LibC.unshare(CLONE_NEWUTS));
                seen.add(Proc.readLink(Path.of("/proc/thread-self/ns/uts")));
                results.add(LibC.setns(ownUts, CLONE_NEWUTS));
                seen.add(Proc.readLink(Path.of("/proc/thread-self/ns/uts")));
                results.add(LibC.setns(ownUts, CLONE_NEWNET)); // the fd is a uts namespace
                results.add(LibC.setns(BAD_FD, 0));
                results.add(LibC.unshare(CLONE_NEWUSER)); // a multithreaded process cannot
            });
            t.start();
            t.join();
        } finally {
            LibC.close(ownUts);
        }
        assertEquals(List.of(0, 0, -EINVAL, -EBADF, -EINVAL), results);
        assertNotEquals(processUts, seen.get(0), "unshare gave the thread a new uts namespace");
        assertEquals(processUts, seen.get(1), "setns brought it back");
        assertEquals(processUts, Proc.nsLink(OWN_PID, "uts"), "the process's main thread never moved");
    }

    // ------------------------------------------------------------------ paths as bytes

    /** A file name that is not valid UTF-8 (byte 0xff) opens through the byte form, whatever the JVM's encoding. */
    @Test
    void openTakesThePathAsBytes(@TempDir Path dir) throws Exception {
        Process p = new ProcessBuilder("bash", "-c", "cd \"$1\" && printf x > $'a\\xffb' && stat -c %i $'a\\xffb'",
                "bash", dir.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        assertEquals(0, p.waitFor(), out);
        long inode = Long.parseLong(out);
        byte[] dirBytes = LibC.pathBytes(dir.toString());
        byte[] path = new byte[dirBytes.length + 4];
        System.arraycopy(dirBytes, 0, path, 0, dirBytes.length);
        path[dirBytes.length] = '/';
        path[dirBytes.length + 1] = 'a';
        path[dirBytes.length + 2] = (byte) 0xff;
        path[dirBytes.length + 3] = 'b';
        int fd = LibC.open(path, O_RDONLY | O_CLOEXEC);
        assertTrue(fd >= 0, "open: " + fd);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Structs.STATX);
            assertEquals(0, LibC.fstatx(fd, STATX_INO, buf));
            assertEquals(inode, Structs.statxIno(buf), "the file stat(1) names");
        } finally {
            LibC.close(fd);
        }
        // the NUL-terminated segment form
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cPath = arena.allocate(path.length + 1L);
            MemorySegment.copy(path, 0, cPath, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, path.length);
            int fd2 = LibC.openat(Constants.AT_FDCWD, cPath, O_RDONLY | O_CLOEXEC, 0);
            assertTrue(fd2 >= 0, "open: " + fd2);
            LibC.close(fd2);
        }
        path[dirBytes.length + 2] = (byte) 0xfe;
        assertEquals(-ENOENT, LibC.open(path, O_RDONLY | O_CLOEXEC), "one byte off is another name");
    }

    /**
     * getdents64 lists what the JDK lists (plus "." and ".."), with each entry's inode as stat(2)
     * gives it, across several calls when the buffer is small; -errno on a file that is no directory.
     */
    @Test
    void getdents64ListsTheDirectoryTheJdkLists(@TempDir Path dir) throws Exception {
        Set<String> made = new TreeSet<>();
        for (int i = 0; i < 40; i++) {
            made.add(Files.writeString(dir.resolve("entry-" + i), "x").getFileName().toString());
        }
        Set<String> seen = new TreeSet<>();
        int fd = LibC.open(dir.toString(), O_RDONLY | O_CLOEXEC);
        assertTrue(fd >= 0, "open: " + fd);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(256, 8); // a few records a call: the loop is tested too
            int calls = 0;
            for (long n; (n = LibC.getdents64(fd, buf, buf.byteSize())) != 0; calls++) {
                assertTrue(n > 0, "getdents64: " + n);
                for (long off = 0; off < n; ) { // u64 d_ino, s64 d_off, u16 d_reclen, u8 d_type, char d_name[]
                    long ino = buf.get(JAVA_LONG, off);
                    int reclen = Short.toUnsignedInt(buf.get(java.lang.foreign.ValueLayout.JAVA_SHORT, off + 16));
                    String name = buf.getString(off + 19);
                    if (!name.equals(".") && !name.equals("..")) {
                        assertEquals(Proc.statIno(dir.resolve(name)), ino, name);
                        seen.add(name);
                    }
                    off += reclen;
                }
            }
            assertTrue(calls > 1, "40 entries do not fit in 256 bytes: " + calls + " call(s)");
        } finally {
            LibC.close(fd);
        }
        assertEquals(made, seen);
        int file = LibC.open(dir.resolve("entry-0").toString(), O_RDONLY | O_CLOEXEC);
        try (Arena arena = Arena.ofConfined()) {
            assertEquals(-20, LibC.getdents64(file, arena.allocate(256, 8), 256), "ENOTDIR");
        } finally {
            LibC.close(file);
        }
    }

    /** The String form encodes as the JDK does for file names: a file the JDK made opens by the same String. */
    @Test
    void openOfAStringFindsWhatTheJdkCreated(@TempDir Path dir) throws Exception {
        String name = "tab\tnew\nline space";
        String accented = name + " \u00e9\u00df";
        if (LibC.PATH_CHARSET.newEncoder().canEncode(accented)) {
            name = accented; // sun.jnu.encoding is UTF-8 or Latin-1 here: try non-ASCII too
        }
        Path file = Files.writeString(dir.resolve(name), "x");
        int fd = LibC.open(file.toString(), O_RDONLY | O_CLOEXEC);
        assertTrue(fd >= 0, "open " + file + " under sun.jnu.encoding " + LibC.PATH_CHARSET + ": " + fd);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Structs.STATX);
            assertEquals(0, LibC.fstatx(fd, STATX_INO, buf));
            assertEquals(Proc.statIno(file), Structs.statxIno(buf));
        } finally {
            LibC.close(fd);
        }
        assertEquals(java.nio.charset.Charset.forName(System.getProperty("sun.jnu.encoding")), LibC.PATH_CHARSET);
    }

    // ------------------------------------------------------------------ file handles, listns

    @Test
    void nameToHandleAndOpenByHandleRoundTrip() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment handle = arena.allocate(Structs.FILE_HANDLE_HEADER + 128, 8);
            MemorySegment mountId = arena.allocate(JAVA_INT);
            MemorySegment id = arena.allocate(JAVA_LONG);
            int ns = LibC.open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
            try {
                handle.set(JAVA_INT, 0, 128);
                int rc = LibC.name_to_handle_at(ns, handle, mountId);
                // What the kernel does decides: nsfs has file handles (6.18, or a backport), or
                // refuses to export any (EOPNOTSUPP), and then there is nothing more to check.
                assertTrue(rc == 0 || rc == -Errno.EOPNOTSUPP, "name_to_handle_at: " + rc);
                if (rc != 0) {
                    return;
                }
                assertEquals(16, handle.get(JAVA_INT, 0), "handle_bytes");
                assertEquals(Constants.FILEID_NSFS, handle.get(JAVA_INT, 4), "handle_type FILEID_NSFS");
                assertEquals(0, LibC.ioctl(ns, NsIoctl.NS_GET_ID.request(), id));
                assertEquals(id.get(JAVA_LONG, 0), handle.get(JAVA_LONG, 8), "ns_id");
                assertEquals(CLONE_NEWNET, handle.get(JAVA_INT, 16), "ns_type");
                assertEquals(Proc.selfNsInode("net"), Integer.toUnsignedLong(handle.get(JAVA_INT, 20)), "ns_inum");

                int reopened = LibC.open_by_handle_at(Constants.FD_NSFS_ROOT, handle, O_RDONLY | O_CLOEXEC);
                assertTrue(reopened >= 0, "open_by_handle_at: " + reopened);
                try {
                    assertEquals(Optional.of(Proc.nsLink(OWN_PID, "net")), Proc.fdLink(reopened));
                } finally {
                    LibC.close(reopened);
                }
                assertEquals(-EPERM, LibC.open_by_handle_at(Constants.FD_NSFS_ROOT, handle, O_RDWR | O_CLOEXEC),
                        "write access");
                handle.set(JAVA_INT, 20, handle.get(JAVA_INT, 20) + 1);
                // a wrong inode: 6.18 checks every field (ESTALE); a kernel that takes handles by
                // id alone (6.19) may reopen the namespace of that id, but never another one
                int wrongInode = LibC.open_by_handle_at(Constants.FD_NSFS_ROOT, handle, O_RDONLY | O_CLOEXEC);
                if (wrongInode >= 0) {
                    try {
                        assertEquals(Optional.of(Proc.nsLink(OWN_PID, "net")), Proc.fdLink(wrongInode), "a wrong inode");
                    } finally {
                        LibC.close(wrongInode);
                    }
                } else {
                    assertEquals(-ESTALE, wrongInode, "a wrong inode");
                }
                assertEquals(-EBADF, LibC.name_to_handle_at(BAD_FD, handle, mountId));
            } finally {
                LibC.close(ns);
            }
        }
    }

    /** listns(2) answers ascending non-zero ids, or ENOSYS where the kernel lacks it (no version table). */
    @Test
    void listnsGivesIdsOrEnosys() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment req = Structs.nsIdRequest(arena.allocate(Structs.NS_ID_REQ), 0, 0, 0);
            MemorySegment ids = arena.allocate(JAVA_LONG, 64);
            int rc = LibC.listns(req, ids, 64, 0);
            assertTrue(rc > 0 && rc <= 64 || rc == -ENOSYS, "listns: " + rc);
            for (int i = 1; i < rc; i++) {
                assertTrue(Long.compareUnsigned(ids.getAtIndex(JAVA_LONG, i - 1), ids.getAtIndex(JAVA_LONG, i)) < 0,
                        "ascending ids");
            }
            if (rc == -ENOSYS) { // then the request struct is not the reason: a bad pointer is ENOSYS too
                assertEquals(-ENOSYS, LibC.listns(MemorySegment.NULL, ids, 64, 0));
            } else {
                assertEquals(-EFAULT, LibC.listns(MemorySegment.NULL, ids, 64, 0), "a bad request pointer");
            }
        }
    }

    // ------------------------------------------------------------------ errno is per call

    /** Threads failing with different errnos at once each see their own errno. */
    @Test
    void errnoIsCapturedPerCallAcrossThreads() throws Exception {
        int net = LibC.open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<String>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                results.add(pool.submit(() -> {
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    for (int i = 0; i < 5000; i++) {
                        int choice = random.nextInt(4);
                        int rc;
                        int expected;
                        switch (choice) {
                            case 0 -> {
                                rc = LibC.close(BAD_FD);
                                expected = -EBADF;
                            }
                            case 1 -> {
                                rc = LibC.open("/nonexistent-nsfs4j/" + i, O_RDONLY | O_CLOEXEC);
                                expected = -ENOENT;
                            }
                            case 2 -> {
                                rc = LibC.ioctl(net, NsIoctl.NS_GET_PARENT.request(), 0L);
                                expected = -EINVAL;
                            }
                            default -> {
                                rc = LibC.ioctl(net, NsIoctl.NS_GET_NSTYPE.request(), 0L);
                                expected = CLONE_NEWNET;
                            }
                        }
                        if (rc != expected) {
                            return "call " + choice + " gave " + rc + ", expected " + expected;
                        }
                    }
                    return "ok";
                }));
            }
            for (Future<String> f : results) {
                assertEquals("ok", f.get(60, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
            LibC.close(net);
        }
    }

    // ------------------------------------------------------------------ getpwuid_r

    /** getpwuid_r: the name NSS gives (as getent shows it), NULL for a uid no user has, ERANGE for a small buffer. */
    @Test
    void getpwuidReturnsTheNameNssGives() throws Exception {
        String getent = Commands.run(List.of("getent", "passwd", "0")).stdout();
        String expected = getent.substring(0, getent.indexOf(':'));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pwd = arena.allocate(Structs.PASSWD);
            MemorySegment result = arena.allocate(java.lang.foreign.ValueLayout.ADDRESS);
            MemorySegment buf = arena.allocate(1024);
            assertEquals(0, LibC.getpwuid_r(0, pwd, buf, result));
            assertEquals(pwd.address(), result.get(java.lang.foreign.ValueLayout.ADDRESS, 0).address());
            MemorySegment name = pwd.get(ADDRESS, Structs.PASSWD_PW_NAME);
            assertEquals(expected, buf.getString(name.address() - buf.address()));
            assertEquals(0, pwd.get(JAVA_INT, Structs.PASSWD.byteOffset(MemoryLayout.PathElement.groupElement("pw_uid"))));

            assertEquals(0, LibC.getpwuid_r(1_999_999_999, pwd, buf, result), "no such user is not an error");
            assertEquals(MemorySegment.NULL, result.get(java.lang.foreign.ValueLayout.ADDRESS, 0));

            assertEquals(-34 /* ERANGE */, LibC.getpwuid_r(0, pwd, arena.allocate(1), result));
        }
    }
}
