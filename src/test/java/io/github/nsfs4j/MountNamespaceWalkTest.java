package io.github.nsfs4j;

import io.github.nsfs4j.linux.Constants;
import io.github.nsfs4j.linux.Errno;
import io.github.nsfs4j.linux.IoctlCodes;
import io.github.nsfs4j.linux.LibC;
import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.kernel.NsIoctl;
import io.github.nsfs4j.testing.Commands;
import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Unshared;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A port of the kernel selftest {@code filesystems/nsfs/iterate_mntns.c}: eleven fresh mount
 * namespaces, walked with NS_MNT_GET_NEXT to the end and NS_MNT_GET_PREV back, and with
 * {@link MountNamespace#walkAll(MountNamespace.Visitor)} and {@link MountNamespace#listAll()}; then the EPERM of the walk from a fresh user namespace
 * and from a child pid namespace, and the errors of unrelated requests on a mount
 * namespace fd.
 *
 * <p>Unlike the selftest, the namespaces are made by root in the initial user namespace
 * (eleven {@code unshare --mount} children): since the 2026 tightening the walk needs
 * CAP_SYS_ADMIN in the initial user namespace and a caller in the initial pid namespace
 * (kernel-facts §2). Other processes on the machine may make and drop mount namespaces
 * meanwhile, so the checks are about ours: each seen exactly once, in order.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MountNamespaceWalkTest {
    private static final int MNT_NS_COUNT = 11;

    private final List<Unshared> children = new ArrayList<>();
    /** Our eleven mount namespaces: id to handle (opened from /proc/PID/ns/mnt), ascending by creation. */
    private final Map<Long, MountNamespace> created = new LinkedHashMap<>();

    @BeforeAll
    void createMountNamespaces() throws Exception {
        requireWalkPermitted();
        for (int i = 0; i < MNT_NS_COUNT; i++) {
            children.add(Unshared.start("mnt"));
        }
        for (Unshared child : children) {
            MountNamespace ns = MountNamespace.ofProcess(child.pid(1));
            long id = ns.id().orElseThrow(() -> new AssertionError("no id on a 6.18+ kernel: " + ns));
            assertEquals(id, ns.info().id(), "NS_GET_ID vs NS_MNT_GET_INFO of " + ns);
            assertEquals(Proc.nsInode(child.pid(1), "mnt"), ns.inode(), "inode of " + ns);
            assertTrue(ns.inode() != Proc.selfNsInode("mnt"), "the child has a mount namespace of its own");
            assertTrue(created.put(id, ns) == null, "two children share the mount namespace id " + id);
        }
        assertEquals(MNT_NS_COUNT, created.size());
    }

    @AfterAll
    void dropMountNamespaces() {
        created.values().forEach(Namespace::close);
        children.forEach(Unshared::close);
    }

    /** The walk needs CAP_SYS_ADMIN in the initial user namespace and a caller in the initial pid namespace. */
    private static void requireWalkPermitted() {
        Unshared.requireNamespaces();
        Unshared.require(Proc.selfNsInode("user") == 0xEFFFFFFDL, "the test JVM is not in the initial user namespace");
        Unshared.require(Proc.nsPid(ProcessHandle.current().pid()).size() == 1,
                "the test JVM is not in the initial pid namespace");
    }

    /** The JVM's fds on mount namespaces, as sorted links. */
    static List<String> mntFds() {
        return Proc.nsFdLinks().stream().filter(l -> l.startsWith("mnt:[")).toList();
    }

    private static long idOf(MountNamespace ns) {
        return ns.id().orElseThrow(() -> new AssertionError("no id: " + ns));
    }

    private long firstCreatedId() {
        return created.keySet().stream().min(Long::compareUnsigned).orElseThrow();
    }

    /** A second handle on the same namespace (F_DUPFD_CLOEXEC), owned by the caller. */
    private static MountNamespace dup(MountNamespace ns) throws NamespaceException {
        int copy = Internals.onFd(ns, fd -> LibC.fcntl(fd, Constants.F_DUPFD_CLOEXEC, 0));
        assertTrue(copy >= 0, "F_DUPFD_CLOEXEC: " + copy);
        return (MountNamespace) Namespace.adopt(copy);
    }

    /** The ids a walk saw, and a handle on where it ended (the caller closes it). */
    private record Walk(List<Long> ids, MountNamespace end) implements AutoCloseable {
        @Override
        public void close() {
            end.close();
        }
    }

    /**
     * Steps with NEXT (or PREV) from {@code start} until the kernel says ENOENT, checking each
     * step: strictly increasing (or decreasing) ids, and the new fd's info id equal to its id.
     */
    private static Walk walk(MountNamespace start, boolean forward) throws Exception {
        List<Long> seen = new ArrayList<>();
        MountNamespace cursor = dup(start);
        boolean ok = false;
        try {
            long last = idOf(cursor);
            Optional<MountNamespace> step = forward ? cursor.next() : cursor.previous();
            while (step.isPresent()) {
                cursor.close();
                cursor = step.get();
                long id = idOf(cursor);
                assertTrue(cursor.isOpen(), "each step gives an open handle");
                assertEquals(id, cursor.info().id(), "the step's fd reports its own id (NS_MNT_GET_INFO)");
                assertEquals(id, cursor.mountNamespaceId(), "the step's fd reports its own id (NS_GET_MNTNS_ID)");
                int order = Long.compareUnsigned(id, last);
                assertTrue(forward ? order > 0 : order < 0, (forward ? "NEXT" : "PREV") + " went from id "
                        + Long.toUnsignedString(last) + " to " + Long.toUnsignedString(id));
                seen.add(id);
                last = id;
                step = forward ? cursor.next() : cursor.previous();
            }
            ok = true;
            return new Walk(seen, cursor);
        } finally {
            if (!ok) {
                cursor.close();
            }
        }
    }

    @Test
    void nextToTheEndAndPreviousBackSeeEveryCreatedNamespaceOnceInOrder() throws Exception {
        long firstCreated = firstCreatedId();
        List<Long> descending = created.keySet().stream().sorted((a, b) -> Long.compareUnsigned(b, a)).toList();
        try (Walk forward = walk(created.get(firstCreated), true)) {
            List<Long> expectedAfterFirst = descending.reversed().subList(1, MNT_NS_COUNT);
            assertEquals(expectedAfterFirst, forward.ids().stream().filter(created::containsKey).toList(),
                    "NEXT from the first created namespace sees the other ten once each, in id order");

            // From the end of the forward walk (where NEXT said ENOENT), back with PREV.
            try (Walk backward = walk(forward.end(), false)) {
                List<Long> ours = backward.ids().stream().filter(created::containsKey).toList();
                if (created.containsKey(idOf(forward.end()))) {
                    // The end was one of ours (the newest): it is where PREV starts, not a step of it.
                    assertEquals(descending.get(0).longValue(), idOf(forward.end()));
                    assertEquals(descending.subList(1, MNT_NS_COUNT), ours);
                } else {
                    assertEquals(descending, ours, "PREV back from the end sees all eleven once, in order");
                }
                assertEquals(new HashSet<>(backward.ids()).size(), backward.ids().size(), "no id twice on the way back");
                // PREV ran to the machine's first mount namespace, which has no predecessor.
                assertTrue(backward.end().previous().isEmpty(), "PREV before the first mount namespace is the end");
                try (MountNamespace own = MountNamespace.current()) {
                    if (own.isInitial()) {
                        assertEquals(own, backward.end(), "the machine's first mount namespace is the initial one");
                    }
                }
            }
        }
    }

    @Test
    void eachCreatedNamespaceStepsToItsNeighbours() throws Exception {
        List<Long> ascending = created.keySet().stream().sorted(Long::compareUnsigned).toList();
        for (int i = 0; i + 1 < ascending.size(); i++) {
            MountNamespace ns = created.get(ascending.get(i));
            // Namespaces of other processes may lie between ours: walk until ours or beyond.
            long next = stepUntilAtLeast(ns, ascending.get(i + 1));
            assertEquals(ascending.get(i + 1), next, "NEXT of " + ns);
        }
    }

    private static long stepUntilAtLeast(MountNamespace from, long target) throws Exception {
        MountNamespace cursor = null;
        try {
            Optional<MountNamespace> step = from.next();
            while (step.isPresent()) {
                if (cursor != null) {
                    cursor.close();
                }
                cursor = step.get();
                if (Long.compareUnsigned(idOf(cursor), target) >= 0) {
                    return idOf(cursor);
                }
                step = cursor.next();
            }
            return 0;
        } finally {
            if (cursor != null) {
                cursor.close();
            }
        }
    }

    @Test
    void walkAllFromAnyOfThemVisitsAllInOrderAsOpenHandlesAndClosesThem() throws Exception {
        List<Long> expected = created.keySet().stream().sorted(Long::compareUnsigned).toList();
        List<String> mntFdsBefore = mntFds();
        for (MountNamespace start : created.values()) {
            List<Long> ids = new ArrayList<>();
            List<MountNamespace> visited = new ArrayList<>();
            start.walkAll(ns -> {
                assertTrue(ns.isOpen(), "walkAll hands out open handles");
                if (ids.isEmpty()) {
                    assertTrue(ns.previous().isEmpty(), "walkAll starts at the machine's first mount namespace");
                }
                long id = idOf(ns);
                assertEquals(id, ns.info().id(), "the handed-out handle reports its own id");
                ids.add(id);
                visited.add(ns);
                return true;
            });
            assertTrue(visited.stream().noneMatch(Namespace::isOpen), "every visited handle is closed after its visit");
            assertTrue(start.isOpen(), "walkAll does not consume the handle it starts from");
            for (int i = 1; i < ids.size(); i++) {
                assertTrue(Long.compareUnsigned(ids.get(i - 1), ids.get(i)) < 0, "walkAll in ascending id order: " + ids);
            }
            assertEquals(expected, ids.stream().filter(created::containsKey).toList(),
                    "walkAll from " + start + " visits all eleven once, in id order");
        }
        assertEquals(mntFdsBefore, mntFds(), "a full walk leaves no mount namespace fd open");
    }

    /** The values of listAll() agree with the handles opened from /proc, and stream operations hold no fd. */
    @Test
    void listAllGivesValuesThatStreamsCannotLeak() throws Exception {
        MountNamespace start = created.values().iterator().next();
        List<String> before = mntFds();
        List<MountNamespaceInfo> all = start.listAll();
        assertEquals(before, mntFds(), "listAll leaves no fd open");
        for (MountNamespace ours : created.values()) {
            MountNamespaceInfo info = all.stream().filter(i -> i.id() == idOf(ours)).findFirst().orElseThrow();
            assertEquals(ours.inode(), info.inode(), "the value's inode is the handle's (readlink)");
            assertEquals(ours.info(), info);
        }
        for (int i = 1; i < all.size(); i++) {
            assertTrue(Long.compareUnsigned(all.get(i - 1).id(), all.get(i).id()) < 0, "ascending ids: " + all);
        }
        // what walkAll() of old leaked an fd per element for: here there is nothing to leak
        assertEquals(0, all.stream().filter(x -> false).count());
        assertTrue(all.stream().anyMatch(x -> created.containsKey(x.id())));
        assertEquals(2, all.stream().limit(2).count());
        assertEquals(before, mntFds(), "filter/count, anyMatch, limit: no fd");
    }

    @Test
    void aWalkStoppedEarlyOrByAnExceptionLeaksNoFd() throws Exception {
        MountNamespace start = created.values().iterator().next();
        List<String> before = mntFds();
        int[] visits = {0};
        start.walkAll(ns -> ++visits[0] < 2);
        assertEquals(2, visits[0], "the walk stops when the visitor says so");
        assertEquals(before, mntFds(), "a walk stopped early leaks no fd");

        RuntimeException stop = new RuntimeException("stop");
        assertTrue(stop == assertThrows(RuntimeException.class, () -> start.walkAll(ns -> {
            throw stop;
        })));
        assertEquals(before, mntFds(), "a walk aborted by an unchecked exception leaks no fd");

        NamespaceException checked = new NamespaceException("visit", "test", 0, "stop");
        assertTrue(checked == assertThrows(NamespaceException.class, () -> start.walkAll(ns -> {
            throw checked;
        })));
        assertEquals(before, mntFds(), "a walk aborted by a NamespaceException leaks no fd");

        start.walkAll(ns -> {
            ns.close(); // the visitor closing its handle itself is harmless
            return true;
        });
        assertEquals(before, mntFds());
    }

    /** A value from the walk opens again, to the same namespace, and the handle is the caller's. */
    @Test
    void aMountNamespaceInfoOpensItsNamespaceAgain() throws Exception {
        MountNamespace start = created.values().iterator().next();
        List<String> before = mntFds();
        for (MountNamespaceInfo info : start.listAll()) {
            MountNamespace ours = created.get(info.id());
            if (ours == null) {
                continue;
            }
            try (MountNamespace again = info.open(); MountNamespace walkedTo = info.openByWalk()) {
                assertEquals(ours, again);
                assertEquals(info, again.info());
                assertEquals(ours, walkedTo, "the walk to the id, for kernels without nsfs file handles");
                assertEquals(info, walkedTo.info());
            }
        }
        assertEquals(before, mntFds(), "the reopened handles were closed by their owner");
        MountNamespaceInfo gone = new MountNamespaceInfo(-2, 1, 1); // an id no namespace has had yet
        assertThrows(NoSuchNamespaceException.class, gone::openByWalk);
        assertThrows(NoSuchNamespaceException.class, gone::open);
        assertEquals(before, mntFds());
    }

    // ------------------------------------------------------------ EPERM

    /**
     * Run in a child JVM (in a fresh user namespace, or a child pid namespace): tries the
     * walk on its own mount namespace and prints what happened, one {@code key=value} a line.
     */
    public static final class WalkProbe {
        public static void main(String[] args) throws Exception {
            try (MountNamespace own = MountNamespace.current()) {
                MountNamespaceInfo info = own.info();
                System.out.println("info=" + Long.toUnsignedString(info.id()) + "," + info.mountCount());
                System.out.println("id=" + Long.toUnsignedString(own.id().orElse(0)));
                System.out.println("next=" + attempt(own::next));
                System.out.println("previous=" + attempt(own::previous));
                int before = mountFdCount();
                System.out.println("walkAll=" + attempt(() -> Optional.of(own.listAll().size())));
                int after = mountFdCount();
                System.out.println("mntFdsBeforeAfter=" + before + "," + after);
            }
        }

        /** Self-contained (no JUnit on the probe's class path). */
        private static int mountFdCount() {
            return (int) Proc.nsFdLinks().stream().filter(l -> l.startsWith("mnt:[")).count();
        }

        interface Attempt {
            Optional<?> run() throws Exception;
        }

        private static String attempt(Attempt a) {
            try {
                return "OK " + a.run();
            } catch (NamespaceAccessDeniedException e) {
                return "DENIED " + e.errnoName().orElse("-") + " " + e.getMessage();
            } catch (Exception e) {
                return "FAILED " + e;
            }
        }
    }

    private static Commands.Result runProbe(Unshared.Builder namespaces) {
        Commands.Result r = namespaces.run(Commands.javaCommand(List.of("--enable-native-access=ALL-UNNAMED"),
                WalkProbe.class));
        Unshared.require(r.exitCode() == 0 || !r.stderr().contains("unshare failed"), "unshare refused: " + r);
        assertEquals(0, r.exitCode(), () -> "the probe JVM failed: " + r);
        return r;
    }

    private static void assertDenied(Commands.Result r, String key) {
        String value = r.properties().get(key);
        assertNotNull(value, () -> key + " missing: " + r);
        assertTrue(value.startsWith("DENIED EPERM "), () -> key + " should be NamespaceAccessDeniedException(EPERM): " + r);
        assertTrue(value.contains("CAP_SYS_ADMIN") && value.contains("initial user namespace")
                && value.contains("initial pid namespace"), () -> key + ": the message should say why: " + value);
    }

    @Test
    void walkFromAFreshUserNamespaceIsDeniedWithAReason() {
        Commands.Result r = runProbe(Unshared.builder().types("user").mapRootUser(true));
        assertCommonProbeResults(r);
    }

    @Test
    void walkFromAChildPidNamespaceIsDeniedWithAReason() {
        Commands.Result r = runProbe(Unshared.builder().types("pid"));
        assertCommonProbeResults(r);
    }

    private void assertCommonProbeResults(Commands.Result r) {
        Map<String, String> p = r.properties();
        assertDenied(r, "next");
        assertDenied(r, "previous");
        assertDenied(r, "walkAll");
        // NS_MNT_GET_INFO works on any mount namespace fd the caller holds; the probe stayed in ours.
        long ownId;
        long ownMounts;
        try (MountNamespace own = MountNamespace.current()) {
            ownId = idOf(own);
            ownMounts = own.info().mountCount();
        } catch (NamespaceException e) {
            throw new AssertionError(e);
        }
        assertEquals(Long.toUnsignedString(ownId), p.get("id"), () -> "the probe's mount namespace: " + r);
        assertTrue(p.get("info").startsWith(Long.toUnsignedString(ownId) + ","), () -> "info in the probe: " + r);
        assertTrue(Long.parseLong(p.get("info").split(",")[1]) > 0 && ownMounts > 0);
        String[] fds = p.get("mntFdsBeforeAfter").split(",");
        assertEquals(fds[0], fds[1], "a refused walkAll closes the fds it opened");
    }

    // ------------------------------------------------------------ unrelated requests

    @Test
    void unrelatedRequestsOnAMountNamespaceFd() throws Exception {
        MountNamespace ns = created.values().iterator().next();
        int enotty = Errno.ENOTTY;
        int einval = Errno.EINVAL;
        // A number nsfs does not know.
        assertEquals(-enotty, Internals.onFd(ns, fd -> LibC.ioctl(fd, IoctlCodes._IO(0xb7, 0x7f), 0L)));
        // A known number with the wrong direction or size.
        assertEquals(-enotty, Internals.onFd(ns, fd -> LibC.ioctl(fd, IoctlCodes._IO(0xb7, 13), 0L)));
        assertEquals(-enotty, Internals.onFd(ns, fd -> LibC.ioctl(fd, IoctlCodes.RUNNING.ioc(false, true, 0xb7, 10, 16), LibC.scratch())));
        assertEquals(-enotty, Internals.onFd(ns, fd -> LibC.ioctl(fd, IoctlCodes.RUNNING.ioc(true, true, 0xb7, 10, 16), LibC.scratch())));
        assertEquals(-enotty, Internals.onFd(ns, fd -> LibC.ioctl(fd, IoctlCodes._IOR(0xb7, 10, 8), LibC.scratch())),
                "struct mnt_ns_info smaller than MNT_NS_INFO_SIZE_VER0");
        assertEquals(-enotty, Internals.onFd(ns, fd -> LibC.ioctl(fd, IoctlCodes._IOR(0xb7, 13, 4), LibC.scratch())),
                "NS_GET_ID with a 4-byte size");
        // Another magic altogether (a tty request).
        assertEquals(-enotty, Internals.onFd(ns, fd -> LibC.ioctl(fd, 0x5401 /* TCGETS */, LibC.scratch())));
        // Requests of other namespace types: EINVAL on a mount namespace.
        assertEquals(-einval, Internals.onFd(ns, fd -> LibC.ioctl(fd, NsIoctl.NS_GET_PID_FROM_PIDNS.request(), 1L)));
        assertEquals(-einval, Internals.onFd(ns, fd -> LibC.ioctl(fd, NsIoctl.NS_GET_PARENT.request(), 0L)));
        assertEquals(-einval, Internals.onFd(ns, fd -> LibC.ioctl(fd, NsIoctl.NS_GET_OWNER_UID.request(), LibC.scratch())));

        // And the other way round: the mount requests on a net namespace fd.
        try (Namespace net = Namespace.current(NamespaceType.NET)) {
            for (NsIoctl request : List.of(NsIoctl.NS_MNT_GET_INFO, NsIoctl.NS_MNT_GET_NEXT, NsIoctl.NS_MNT_GET_PREV,
                    NsIoctl.NS_GET_MNTNS_ID)) {
                int rc = Internals.onFd(net, fd -> LibC.ioctl(fd, request.request(), LibC.scratch().fill((byte) 0)));
                assertEquals(-einval, rc, request + " on a net namespace");
            }
        }
        // The library refuses to treat a net namespace as a mount namespace at all.
        assertThrows(WrongNamespaceTypeException.class,
                () -> MountNamespace.open(Path.of("/proc/self/ns/net")).close());
    }

    @Test
    void everyHandleOfTheWalkIsDistinctAndEqualsTheCreatedOne() throws Exception {
        Set<Long> seen = new HashSet<>();
        created.values().iterator().next().walkAll(ns -> {
            assertTrue(seen.add(idOf(ns)), "walkAll yields " + ns + " twice");
            MountNamespace ours = created.get(idOf(ns));
            if (ours != null) {
                assertEquals(ours, ns, "the walked handle equals the handle opened from /proc");
                assertEquals(ours.inode(), ns.inode());
            }
            return true;
        });
        assertTrue(seen.containsAll(created.keySet()), "walkAll misses some of ours: " + created.keySet() + " vs " + seen);
    }
}
