package io.github.nsfs4j;

import io.github.nsfs4j.linux.LibC;
import io.github.nsfs4j.kernel.KernelSupport;
import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.kernel.NsIoctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.github.nsfs4j.testing.NativeSpawn;
import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Unshared;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** No fd leaks on any path; every fd the library holds is O_CLOEXEC; children inherit none. */
class FdHygieneTest {

    static final int O_RDONLY = 0, O_CLOEXEC = 0x80000, O_PATH = 0x200000;

    static Unshared nested;

    @BeforeAll
    static void start() {
        nested = Unshared.builder().allTypes().levels(2).start();
    }

    @AfterAll
    static void stop() {
        if (nested != null) {
            nested.close();
        }
    }

    /** Tens of thousands of opens, closes, error paths and relation calls: the fd table ends as it began. */
    @Test
    void noFdLeaksAcrossTensOfThousandsOfOperations(@TempDir Path dir) throws Exception {
        Path regular = Files.writeString(dir.resolve("regular"), "x");
        int leaf = nested.leafPid();
        int level1 = nested.pid(1);
        Path leafNet = Path.of("/proc/" + leaf + "/ns/net");
        Path missing = dir.resolve("missing");
        int noSuchPid = Proc.pidMax() + 1;
        NamespaceType[] types = NamespaceType.values();

        // warm up (class loading, support probes, lazily opened JDK files) before counting
        runMix(200, regular, leaf, level1, leafNet, missing, noSuchPid, types, dir);
        int fdsBefore = Proc.fdCount();
        List<String> nsBefore = Proc.nsFdLinks();

        Map<String, Integer> counts = runMix(30_000, regular, leaf, level1, leafNet, missing, noSuchPid, types, dir);

        assertEquals(nsBefore, Proc.nsFdLinks(), "namespace fds open before and after");
        int fdsAfter = Proc.fdCount();
        assertTrue(fdsAfter <= fdsBefore + 2, "fds before " + fdsBefore + ", after " + fdsAfter + ": "
                + Proc.fds());
        assertTrue(counts.values().stream().allMatch(n -> n > 100), "every path ran often: " + counts);
    }

    private static Map<String, Integer> runMix(int iterations, Path regular, int leaf, int level1, Path leafNet,
            Path missing, int noSuchPid, NamespaceType[] types, Path dir) throws Exception {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < iterations; i++) {
            NamespaceType type = types[i % types.length];
            int kind = (i / types.length) % 14;
            String label;
            switch (kind) {
                case 0 -> {
                    label = "open";
                    Namespace.open(Path.of("/proc/" + leaf + "/ns/" + type.procName())).close();
                }
                case 1 -> {
                    label = "ofProcess";
                    Namespace.ofProcess(level1, type).close();
                }
                case 2 -> {
                    label = "current";
                    Namespace.current(type).close();
                }
                case 3 -> {
                    label = "duplicate";
                    int fd = LibC.open("/proc/" + leaf + "/ns/" + type.procName(), O_RDONLY | O_CLOEXEC);
                    Namespace.duplicate(fd).close();
                    LibC.close(fd);
                }
                case 4 -> {
                    label = "adopt";
                    Namespace.adopt(LibC.open("/proc/" + leaf + "/ns/" + type.procName(), O_RDONLY)).close();
                }
                case 5 -> {
                    label = "missing path";
                    expect(NoSuchNamespaceException.class, () -> Namespace.open(missing));
                }
                case 6 -> {
                    label = "no such pid";
                    expect(NoSuchNamespaceException.class, () -> Namespace.ofProcess(noSuchPid, type));
                }
                case 7 -> {
                    label = "not a namespace";
                    Path p = switch (i % 3) {
                        case 0 -> regular;
                        case 1 -> dir;
                        default -> Path.of("/dev/null");
                    };
                    expect(NotANamespaceException.class, () -> Namespace.open(p));
                }
                case 8 -> {
                    label = "wrong type";
                    expect(WrongNamespaceTypeException.class, () -> PidNamespace.open(leafNet));
                }
                case 9 -> {
                    label = "O_PATH adopt";
                    int fd = LibC.open(leafNet.toString(), O_PATH | O_CLOEXEC);
                    expect(NotANamespaceException.class, () -> Namespace.adopt(fd));
                    expect(NotANamespaceException.class, () -> Namespace.duplicate(fd));
                    LibC.close(fd);
                }
                case 10 -> {
                    label = "owner";
                    try (Namespace ns = Namespace.ofProcess(leaf, type)) {
                        ns.owner().orElseThrow().close();
                    }
                }
                case 11 -> {
                    label = "parent";
                    try (PidNamespace pid = PidNamespace.ofProcess(leaf);
                            UserNamespace user = UserNamespace.ofProcess(leaf)) {
                        pid.parent().orElseThrow().close();
                        user.parent().orElseThrow().close();
                    }
                }
                case 12 -> {
                    label = "empty relations";
                    try (UserNamespace user = UserNamespace.current(); PidNamespace pid = PidNamespace.current()) {
                        if (user.parent().isPresent() || pid.parent().isPresent()) {
                            throw new AssertionError("the parent of an own namespace is out of view");
                        }
                    }
                }
                default -> {
                    label = "closed";
                    Namespace ns = Namespace.ofProcess(leaf, type);
                    ns.close();
                    expect(ClosedNamespaceException.class, ns::owner);
                }
            }
            counts.merge(label, 1, Integer::sum);
        }
        return counts;
    }

    interface Op {
        Object run() throws Exception;
    }

    private static void expect(Class<? extends Exception> expected, Op op) throws Exception {
        try {
            Object result = op.run();
            if (result instanceof AutoCloseable c) {
                c.close();
            }
        } catch (Exception e) {
            if (expected.isInstance(e)) {
                return;
            }
            throw e;
        }
        throw new AssertionError("expected " + expected.getSimpleName());
    }

    /** Every fd a handle holds is O_CLOEXEC, whichever way it was made (fdinfo flags 02000000). */
    @Test
    void everyLibraryFdIsCloseOnExec() throws Exception {
        int leaf = nested.leafPid();
        Path net = Path.of("/proc/" + leaf + "/ns/net");
        List<Namespace> handles = new ArrayList<>();
        try {
            for (NamespaceType type : NamespaceType.values()) {
                Path p = Path.of("/proc/" + leaf + "/ns/" + type.procName());
                handles.add(checkCloexec("open " + type, () -> Namespace.open(p)));
                Namespace byPid = checkCloexec("ofProcess " + type, () -> Namespace.ofProcess(leaf, type));
                handles.add(byPid);
                handles.add(checkCloexec("ofProcess(ProcessHandle) " + type,
                        () -> Namespace.ofProcess(ProcessHandle.of(leaf).orElseThrow(), type)));
                handles.add(checkCloexec("current " + type, () -> Namespace.current(type)));
                handles.add(checkCloexec("owner of " + type, () -> byPid.owner().orElseThrow()));
            }
            int plain = LibC.open(net.toString(), O_RDONLY); // not O_CLOEXEC
            handles.add(checkCloexec("duplicate", () -> Namespace.duplicate(plain)));
            LibC.close(plain);
            handles.add(checkCloexec("adopt", () -> Namespace.adopt(LibC.open(net.toString(), O_RDONLY))));
            try (PidNamespace pid = PidNamespace.ofProcess(leaf); UserNamespace user = UserNamespace.ofProcess(leaf)) {
                handles.add(checkCloexec("pid parent", () -> pid.parent().orElseThrow()));
                handles.add(checkCloexec("user parent", () -> user.parent().orElseThrow()));
            }
            if (KernelSupport.has(NsIoctl.NS_MNT_GET_NEXT)) {
                try (MountNamespace mnt = MountNamespace.current()) {
                    Optional<MountNamespace> next = mnt.next();
                    Optional<MountNamespace> prev = mnt.previous();
                    assertTrue(next.isPresent() || prev.isPresent(), "there are other mount namespaces");
                    next.ifPresent(handles::add);
                    prev.ifPresent(handles::add);
                }
            }
            // and across everything the library holds now
            Map<Integer, String> nsFds = Proc.nsFds();
            assertFalse(nsFds.isEmpty());
            nsFds.forEach((fd, link) -> assertTrue((Proc.fdFlags(fd).orElseThrow() & Proc.FDINFO_O_CLOEXEC) != 0,
                    "fd " + fd + " on " + link + " is not O_CLOEXEC"));
        } finally {
            handles.forEach(Namespace::close);
        }
    }

    interface Opener {
        Namespace open() throws Exception;
    }

    /** Opens a handle, finds the one new nsfs fd it holds, and checks its O_CLOEXEC flag. */
    private static Namespace checkCloexec(String what, Opener opener) throws Exception {
        Map<Integer, String> before = Proc.nsFds();
        Namespace ns = opener.open();
        Map<Integer, String> after = Proc.nsFds();
        String link = ns.type().procName() + ":[" + ns.inode() + "]";
        List<Integer> added = new ArrayList<>();
        after.forEach((fd, l) -> {
            if (!l.equals(before.get(fd))) {
                added.add(fd);
            }
        });
        assertEquals(1, added.size(), what + ": one new namespace fd, found " + added);
        int fd = added.get(0);
        assertEquals(link, after.get(fd), what);
        assertTrue((Proc.fdFlags(fd).orElseThrow() & Proc.FDINFO_O_CLOEXEC) != 0, what + ": fd " + fd
                + " lacks O_CLOEXEC: " + Proc.fdInfo(fd));
        return ns;
    }

    /**
     * The real proof of O_CLOEXEC: a child made by posix_spawn (which, unlike ProcessBuilder,
     * closes nothing itself) holds none of the library's fds, while an fd the test opens
     * without O_CLOEXEC does reach it (the control that shows the check can fail).
     */
    @Test
    void anExecKeepsNoLibraryFdButDoesKeepANonCloexecOne(@TempDir Path dir) throws Exception {
        List<Namespace> handles = new ArrayList<>();
        int inheritable = LibC.open("/proc/" + nested.leafPid() + "/ns/ipc", O_RDONLY); // no O_CLOEXEC
        assertTrue(inheritable >= 0);
        try {
            for (NamespaceType type : NamespaceType.values()) {
                handles.add(Namespace.ofProcess(nested.leafPid(), type));
                handles.add(Namespace.current(type));
                Namespace level1 = Namespace.ofProcess(nested.pid(1), type);
                handles.add(level1);
                handles.add(level1.owner().orElseThrow());
            }
            handles.add(Namespace.adopt(LibC.open("/proc/" + nested.leafPid() + "/ns/uts", O_RDONLY)));
            Path out = dir.resolve("fds");
            int status = NativeSpawn.run(
                    "for f in /proc/self/fd/*; do echo \"${f##*/} $(readlink \"$f\")\"; done > '" + out + "'");
            assertEquals(0, status, "wait status");
            List<String> lines = Files.readAllLines(out);
            String inheritableLine = inheritable + " " + Proc.fdLink(inheritable).orElseThrow();
            assertTrue(lines.contains(inheritableLine), "the non-O_CLOEXEC control fd reached the child: " + lines);
            List<String> nsLines = lines.stream()
                    .filter(l -> l.matches("\\d+ (cgroup|ipc|mnt|net|pid|time|user|uts):\\[\\d+\\]")).toList();
            assertEquals(List.of(inheritableLine), nsLines, "only the control fd, none of the library's");
        } finally {
            handles.forEach(Namespace::close);
            LibC.close(inheritable);
        }
    }
}
