package io.github.nsfs4j;

import io.github.nsfs4j.linux.LibC;
import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.kernel.NsIoctl;
import io.github.nsfs4j.testing.Commands;
import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Unshared;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Handles on every namespace type of a child that has all eight new (one {@code unshare}
 * level), opened every way, checked against {@code readlink /proc/PID/ns/TYPE} and stat(2).
 */
class NamespaceHandleTest {

    static final int O_RDONLY = 0, O_CLOEXEC = 0x80000, F_GETFD = 1, FD_CLOEXEC = 1;

    static Unshared child;
    static int leaf;

    @BeforeAll
    static void startChild() {
        child = Unshared.startAllTypes();
        leaf = child.leafPid();
    }

    @AfterAll
    static void stopChild() {
        if (child != null) {
            child.close();
        }
    }

    static Path path(NamespaceType type) {
        return Path.of("/proc/" + leaf + "/ns/" + type.procName());
    }

    static Class<? extends Namespace> expectedClass(NamespaceType type) {
        return switch (type) {
            case PID -> PidNamespace.class;
            case USER -> UserNamespace.class;
            case MNT -> MountNamespace.class;
            default -> PlainNamespace.class;
        };
    }

    @ParameterizedTest
    @EnumSource(NamespaceType.class)
    void openByPathAgreesWithReadlinkAndStat(NamespaceType type) throws Exception {
        try (Namespace ns = Namespace.open(path(type))) {
            assertSame(type, ns.type());
            assertSame(expectedClass(type), ns.getClass());
            assertEquals(Proc.nsInode(leaf, type.procName()), ns.inode(), "readlink's inode");
            assertEquals(Proc.statIno(path(type)), ns.inode(), "stat's st_ino");
            assertEquals(Proc.statDev(path(type)), ns.device(), "stat's st_dev");
            assertTrue(ns.isOpen());
            assertFalse(ns.isInitial());
        }
    }

    @ParameterizedTest
    @EnumSource(NamespaceType.class)
    void idIsPresentNonZeroStableAndNotTheParents(NamespaceType type) throws Exception {
        try (Namespace childNs = Namespace.ofProcess(leaf, type);
                Namespace again = Namespace.open(path(type));
                Namespace own = Namespace.current(type)) {
            assertNotEquals(Proc.selfNsInode(type.procName()), Proc.nsInode(leaf, type.procName()),
                    "the child's namespace is new (truth)");
            assertTrue(childNs.id().isPresent(), "NS_GET_ID on 6.18");
            assertNotEquals(0L, childNs.id().getAsLong());
            assertEquals(childNs.id(), again.id(), "stable across opens");
            assertTrue(own.id().isPresent());
            assertNotEquals(own.id().getAsLong(), childNs.id().getAsLong(), "differs from the parent's");
            assertNotEquals(own.inode(), childNs.inode());
        }
    }

    @ParameterizedTest
    @EnumSource(NamespaceType.class)
    void everyWayOfOpeningGivesTheSameNamespace(NamespaceType type) throws Exception {
        List<Namespace> handles = new ArrayList<>();
        int callerFd = LibC.open(path(type).toString(), O_RDONLY | O_CLOEXEC);
        assertTrue(callerFd >= 0);
        try {
            handles.add(Namespace.open(path(type)));
            handles.add(Namespace.ofProcess(leaf, type));
            handles.add(Namespace.ofProcess(ProcessHandle.of(leaf).orElseThrow(), type));
            handles.add(Namespace.duplicate(callerFd));
            int adopted = LibC.open(path(type).toString(), O_RDONLY | O_CLOEXEC);
            handles.add(Namespace.adopt(adopted));
            handles.add(typedOpen(type, path(type)));
            long inode = Proc.nsInode(leaf, type.procName());
            for (Namespace a : handles) {
                assertEquals(inode, a.inode(), a + " has readlink's inode");
                assertSame(type, a.type());
                for (Namespace b : handles) {
                    assertEquals(a, b, a + " equals " + b);
                    assertEquals(a.hashCode(), b.hashCode());
                }
            }
            try (Namespace own = Namespace.current(type)) {
                for (Namespace a : handles) {
                    assertNotEquals(a, own, "the JVM's own " + type + " namespace is another one");
                    assertNotEquals(own, a);
                }
            }
            for (NamespaceType other : NamespaceType.values()) {
                if (other != type) {
                    try (Namespace o = Namespace.ofProcess(leaf, other)) {
                        assertNotEquals(handles.get(0), o);
                    }
                }
            }
            assertFalse(handles.get(0).equals(null));
            assertFalse(handles.get(0).equals(path(type).toString()));
        } finally {
            handles.forEach(Namespace::close);
            LibC.close(callerFd);
        }
    }

    static Namespace typedOpen(NamespaceType type, Path path) throws NamespaceException {
        return switch (type) {
            case PID -> PidNamespace.open(path);
            case USER -> UserNamespace.open(path);
            case MNT -> MountNamespace.open(path);
            default -> Namespace.open(path);
        };
    }

    @ParameterizedTest
    @EnumSource(NamespaceType.class)
    void currentIsTheCallingThreadsOwn(NamespaceType type) throws Exception {
        long truth = Proc.nsInode(ProcessHandle.current().pid(), type.procName());
        String threadLink = Proc.readLink(Path.of("/proc/thread-self/ns/" + type.procName()));
        try (Namespace own = Namespace.current(type)) {
            assertEquals(truth, own.inode());
            assertEquals(threadLink, type.procName() + ":[" + own.inode() + "]");
            assertSame(expectedClass(type), own.getClass());
        }
    }

    @ParameterizedTest
    @EnumSource(NamespaceType.class)
    void toStringReadsLikeReadlinkWithTheId(NamespaceType type) throws Exception {
        Namespace ns = Namespace.ofProcess(leaf, type);
        String link = Proc.nsLink(leaf, type.procName());
        assertEquals(link + " id=" + Long.toUnsignedString(ns.id().getAsLong()), ns.toString());
        assertTrue(ns.toString().matches("[a-z]+:\\[\\d+\\] id=\\d+"), ns.toString());
        ns.close();
        assertTrue(ns.toString().startsWith(link), ns.toString());
        assertTrue(ns.toString().contains("closed"), ns.toString());
    }

    @Test
    void typedFactoriesReturnTheirType() throws Exception {
        try (PidNamespace a = PidNamespace.ofProcess(leaf);
                PidNamespace b = PidNamespace.open(path(NamespaceType.PID));
                PidNamespace c = PidNamespace.current();
                UserNamespace d = UserNamespace.ofProcess(leaf);
                UserNamespace e = UserNamespace.open(path(NamespaceType.USER));
                UserNamespace f = UserNamespace.current();
                MountNamespace g = MountNamespace.ofProcess(leaf);
                MountNamespace h = MountNamespace.open(path(NamespaceType.MNT));
                MountNamespace i = MountNamespace.current()) {
            assertEquals(a, b);
            assertNotEquals(a, c);
            assertEquals(d, e);
            assertNotEquals(d, f);
            assertEquals(g, h);
            assertNotEquals(g, i);
            assertEquals(Proc.nsInode(leaf, "pid"), a.inode());
            assertEquals(Proc.selfNsInode("user"), f.inode());
            assertEquals(Proc.nsInode(leaf, "mnt"), h.inode());
        }
        try (Namespace ns = Namespace.ofProcess(leaf, NamespaceType.PID)) {
            assertInstanceOf(PidNamespace.class, ns);
        }
    }

    /** PidNamespace.open on a net file and so on: the exception names both types, and no fd stays open. */
    @Test
    void typedOpenOfAnotherTypeFailsNamingBothTypesWithoutLeaking() {
        Map<NamespaceType, TypedOpen> typed = Map.of(NamespaceType.PID, PidNamespace::open, NamespaceType.USER,
                UserNamespace::open, NamespaceType.MNT, MountNamespace::open);
        List<String> before = Proc.nsFdLinks();
        for (int round = 0; round < 50; round++) {
            for (var entry : typed.entrySet()) {
                for (NamespaceType actual : NamespaceType.values()) {
                    if (actual == entry.getKey()) {
                        continue;
                    }
                    Path p = path(actual);
                    WrongNamespaceTypeException e = assertThrows(WrongNamespaceTypeException.class,
                            () -> entry.getValue().open(p).close());
                    assertSame(entry.getKey(), e.expected());
                    assertSame(actual, e.actual());
                    assertTrue(e.getMessage().contains(entry.getKey().procName())
                            && e.getMessage().contains(actual.procName()), e.getMessage());
                    assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
                }
            }
        }
        assertEquals(before, Proc.nsFdLinks(), "no namespace fd left open");
    }

    /** The typed per-process factories check the type too (a pid's ns/pid is always a pid namespace). */
    @Test
    void ofProcessWithTypeChecksTheFileType() throws Exception {
        for (NamespaceType type : NamespaceType.values()) {
            try (Namespace ns = Namespace.ofProcess(leaf, type)) {
                assertSame(type, ns.type());
            }
        }
    }

    @Test
    void adoptTakesOwnershipAndSetsCloexec() throws Exception {
        int fd = LibC.open(path(NamespaceType.NET).toString(), O_RDONLY); // no O_CLOEXEC
        assertTrue(fd >= 0);
        assertEquals(0, LibC.fcntl(fd, F_GETFD, 0));
        String link = Proc.fdLink(fd).orElseThrow();
        Namespace ns = Namespace.adopt(fd);
        assertEquals(FD_CLOEXEC, LibC.fcntl(fd, F_GETFD, 0), "adopt sets FD_CLOEXEC");
        assertEquals(Proc.nsInode(leaf, "net"), ns.inode());
        ns.close();
        assertFalse(ns.isOpen());
        assertNotEquals(Optional.of(link), Proc.fdLink(fd), "the handle closed the adopted fd");
    }

    @Test
    void duplicateLeavesTheCallersFdAlone() throws Exception {
        int fd = LibC.open(path(NamespaceType.UTS).toString(), O_RDONLY); // no O_CLOEXEC
        assertTrue(fd >= 0);
        try {
            Namespace ns = Namespace.duplicate(fd);
            assertEquals(Proc.nsInode(leaf, "uts"), ns.inode());
            ns.close();
            assertEquals(0, LibC.fcntl(fd, F_GETFD, 0), "the caller's fd is open, its flags untouched");
            assertEquals(NamespaceType.UTS.cloneFlag(), LibC.ioctl(fd, NsIoctl.NS_GET_NSTYPE.request(), 0L));
        } finally {
            LibC.close(fd);
        }
    }

    @Test
    void mountNamespaceIdAndInfoAgreeWithTheKernel() throws Exception {
        try (MountNamespace mnt = MountNamespace.ofProcess(leaf)) {
            long id = mnt.id().orElseThrow();
            assertEquals(id, mnt.mountNamespaceId(), "NS_GET_MNTNS_ID equals NS_GET_ID");
            MountNamespaceInfo info = mnt.info();
            assertEquals(id, info.id());
            assertEquals(Proc.mountinfo(leaf).size(), info.mountCount(),
                    "nr_mounts equals the child's mountinfo lines");
        }
    }

    @Test
    void pidNamespaceOfTheChildSeesItsInitAsPidOne() throws Exception {
        List<Long> nsPid = Proc.nsPid(leaf);
        try (PidNamespace pid = PidNamespace.ofProcess(leaf)) {
            assertEquals((int) (long) nsPid.getLast(), pid.pidInNamespace((int) leaf).orElseThrow());
            assertEquals((int) leaf, pid.initPid().orElseThrow());
        }
    }

    /**
     * A bind mount of a namespace file (as {@code ip netns} makes them) opens like the /proc
     * file; the handle keeps the namespace alive after the mount is gone. The mount is made in
     * the child's mount namespace (nsenter), so the host's mount table never changes, and
     * opened through {@code /proc/LEAF/root}.
     */
    @Test
    void aBindMountedNamespaceFileOpens(@TempDir Path dir) throws Exception {
        Path file = Files.createFile(dir.resolve("netns"));
        Unshared.bindMountIn(leaf, "net", file);
        Path viaChild = Path.of("/proc/" + leaf + "/root" + file);
        Namespace ns;
        try {
            assertTrue(Proc.mountinfo(leaf).stream()
                    .anyMatch(l -> l.contains(" " + file + " ") && l.contains(" - nsfs ")), "bind-mounted (truth)");
            ns = Namespace.open(viaChild);
            assertSame(NamespaceType.NET, ns.type());
            assertEquals(Proc.statIno(viaChild), ns.inode(), "stat's st_ino through the mount");
            assertEquals(Proc.statDev(viaChild), ns.device());
            try (Namespace childNet = Namespace.ofProcess(leaf, NamespaceType.NET)) {
                assertNotEquals(childNet, ns, "a namespace of its own");
            }
        } finally {
            // lazily, as ip netns delete does: the handle's fd holds the mount busy
            Commands.Result umount = Unshared.enter(leaf, "mnt", List.of("umount", "--lazy", file.toString()));
            assertEquals(0, umount.exitCode(), umount.toString());
        }
        try (ns) {
            // no process and no mount holds the namespace now, only the handle
            assertTrue(Proc.mountinfo(leaf).stream().noneMatch(l -> l.contains(file.toString())), "unmounted");
            assertTrue(ns.isOpen());
            try (UserNamespace owner = ns.owner().orElseThrow(); UserNamespace own = UserNamespace.current()) {
                assertEquals(own, owner, "made by root from our user namespace");
            }
        }
    }

    interface TypedOpen {
        Namespace open(Path path) throws NamespaceException;
    }
}
