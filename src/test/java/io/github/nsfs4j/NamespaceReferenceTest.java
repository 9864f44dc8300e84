package io.github.nsfs4j;

import io.github.nsfs4j.linux.Constants;
import io.github.nsfs4j.linux.Errno;
import io.github.nsfs4j.linux.LibC;
import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.testing.Commands;
import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Unshared;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import jnr.constants.platform.OpenFlags;

import org.junit.jupiter.api.Test;

/**
 * Persistent references (nsfs file handles, Linux 6.18), after the kernel selftest
 * {@code namespaces/file_handle_test.c}: a round trip for every type, the "no longer
 * reachable" error once a namespace is gone, write access refused, a caller in an isolated
 * user namespace unable to reach outside namespaces, and malformed text rejected before any
 * system call.
 */
class NamespaceReferenceTest {
    private static final int F_GETFD = 1;
    private static final int FD_CLOEXEC = 1;

    private static void assertRoundTrip(Namespace ns) throws Exception {
        NamespaceReference ref = ns.reference();
        assertEquals(ns.type(), ref.type());
        assertEquals(ns.id().getAsLong(), ref.id(), "the handle's id is NS_GET_ID");
        assertEquals(ns.inode(), ref.inode());
        assertEquals("nsfs:" + ns.type().procName() + ":id=" + Long.toUnsignedString(ref.id()) + ":ino=" + ns.inode(),
                ref.toString());
        assertEquals(ref, NamespaceReference.parse(ref.toString()), "parse(toString()) of " + ref);
        assertEquals(ref, ns.reference(), "encoding is stable");
        try (Namespace reopened = ref.open()) {
            assertEquals(ns, reopened, "the reference reopens the same namespace");
            assertEquals(ns.type(), reopened.type());
            assertEquals(ns.inode(), reopened.inode());
            assertEquals(ns.device(), reopened.device());
            assertEquals(ns.id(), reopened.id());
            assertSame(ns.getClass(), reopened.getClass(), "the reopened handle has the type's class");
            int fdFlags = Internals.onFd(reopened, fd -> LibC.fcntl(fd, F_GETFD, 0));
            assertEquals(FD_CLOEXEC, fdFlags & FD_CLOEXEC, "reopened with O_CLOEXEC");
            int fd = Internals.onFd(reopened, f -> f);
            assertEquals(ns.type().procName() + ":[" + ns.inode() + "]", Proc.fdLink(fd).orElseThrow(),
                    "readlink of the reopened fd");
            assertTrue((Proc.fdFlags(fd).orElseThrow() & Proc.FDINFO_O_CLOEXEC) != 0, "fdinfo flags: O_CLOEXEC");
        }
        try (Namespace again = NamespaceReference.parse(ref.toString()).open()) {
            assertEquals(ns, again, "the parsed text reopens it too");
        }
    }

    @Test
    void roundTripForEveryTypeOwnAndChild() throws Exception {
        try (Unshared child = Unshared.startAllTypes()) {
            for (NamespaceType type : NamespaceType.values()) {
                try (Namespace own = Namespace.current(type); Namespace ofChild = Namespace.ofProcess(child.pid(1), type)) {
                    assertRoundTrip(own);
                    assertRoundTrip(ofChild);
                    assertFalse(own.reference().equals(ofChild.reference()), type + ": different namespaces, different references");
                }
            }
        }
    }

    @Test
    void aGoneNamespaceIsNoLongerReachable() throws Exception {
        Map<NamespaceType, NamespaceReference> refs = new EnumMap<>(NamespaceType.class);
        try (Unshared child = Unshared.startAllTypes()) {
            for (NamespaceType type : NamespaceType.values()) {
                try (Namespace ns = Namespace.ofProcess(child.pid(1), type)) {
                    refs.put(type, ns.reference());
                }
                try (Namespace alive = refs.get(type).open()) {
                    assertTrue(alive.isOpen(), type + ": reachable while the child lives");
                }
            }
        } // child killed and gone; this JVM holds no fd on its namespaces
        assertTrue(Proc.nsFdLinks().stream().noneMatch(l -> refs.values().stream()
                .anyMatch(r -> l.equals(r.type().procName() + ":[" + r.inode() + "]"))), "no fd held on them");
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        for (NamespaceType type : NamespaceType.values()) {
            NamespaceReference ref = refs.get(type);
            NoSuchNamespaceException gone = null;
            while (gone == null) {
                try (Namespace stillThere = ref.open()) {
                    assertEquals(type, stillThere.type());
                    // Net namespaces are torn down asynchronously: give the kernel a moment.
                    assertTrue(System.nanoTime() < deadline, type + ": " + ref + " still opens 10 s after its process died");
                    Thread.sleep(20);
                } catch (NoSuchNamespaceException e) {
                    gone = e;
                }
            }
            assertTrue(gone.getMessage().contains("no longer reachable"), gone.getMessage());
            assertEquals(Errno.ESTALE, gone.errno().orElseThrow(), type + ": the kernel says ESTALE");
            assertEquals("open_by_handle_at", gone.operation());
        }
    }

    @Test
    void wrongFieldsAreNotReachable() throws Exception {
        try (Namespace net = Namespace.current(NamespaceType.NET)) {
            NamespaceReference ref = net.reference();
            List<NamespaceReference> wrong = new ArrayList<>(List.of(
                    new NamespaceReference(NamespaceType.NET, ref.id() ^ (1L << 62), ref.inode()),
                    new NamespaceReference(NamespaceType.UTS, ref.id(), ref.inode())));
            // A right id with a wrong inode: 6.18 checks all three fields and refuses it, 6.19
            // accepts handles by id alone. Either answer is the kernel's to give; opening any
            // other namespace than the one the id names would be wrong.
            NamespaceReference wrongInode = new NamespaceReference(NamespaceType.NET, ref.id(), ref.inode() ^ 1);
            try (Namespace reopened = wrongInode.open()) {
                assertEquals(net, reopened, "a handle by id reopens the namespace of that id");
            } catch (NoSuchNamespaceException refused) {
                assertEquals(Errno.ESTALE, refused.errno().orElseThrow(), "the kernel says ESTALE");
            }
            for (NamespaceReference r : wrong) {
                NoSuchNamespaceException e = assertThrows(NoSuchNamespaceException.class, () -> r.open().close(), r.toString());
                assertTrue(e.getMessage().contains("no longer reachable"), e.getMessage());
            }
        }
    }

    /** A {@code struct file_handle} of FILEID_NSFS, built here, not by the library. */
    private static MemorySegment handle(Arena arena, NamespaceReference ref) {
        MemorySegment h = arena.allocate(8 + 16, 8);
        h.set(JAVA_INT, 0, 16);
        h.set(JAVA_INT, 4, 0xf1);
        h.set(JAVA_LONG, 8, ref.id());
        h.set(JAVA_INT, 16, ref.type().cloneFlag());
        h.set(JAVA_INT, 20, (int) ref.inode());
        return h;
    }

    @Test
    void writeAccessFlagsAreRefused() throws Exception {
        int cloexec = OpenFlags.O_CLOEXEC.intValue();
        try (Namespace uts = Namespace.current(NamespaceType.UTS); Arena arena = Arena.ofConfined()) {
            MemorySegment h = handle(arena, uts.reference());
            int fd = LibC.open_by_handle_at(-10003 /* FD_NSFS_ROOT */, h, OpenFlags.O_RDONLY.intValue() | cloexec);
            assertTrue(fd >= 0, "the hand-built handle opens read-only: " + fd);
            try (Namespace reopened = Namespace.adopt(fd)) {
                assertEquals(uts, reopened);
            }
            assertEquals(-Errno.EPERM, LibC.open_by_handle_at(-10003, h, OpenFlags.O_RDWR.intValue() | cloexec), "O_RDWR");
            assertEquals(-Errno.EPERM, LibC.open_by_handle_at(-10003, h, OpenFlags.O_WRONLY.intValue() | cloexec), "O_WRONLY");
            assertEquals(-jnr.constants.platform.Errno.ENOTDIR.intValue(),
                    LibC.open_by_handle_at(-10003, h, OpenFlags.O_DIRECTORY.intValue() | cloexec), "O_DIRECTORY");
        }
        assertEquals(-10003, Constants.FD_NSFS_ROOT);
        assertEquals(0xf1, Constants.FILEID_NSFS);
    }

    // ------------------------------------------------------------ reachability from a user namespace

    /** Run in a child JVM: tries to open each reference given, prints {@code ref<i>=OK|GONE <message>}. */
    public static final class OpenProbe {
        public static void main(String[] args) {
            for (int i = 0; i < args.length; i++) {
                String text = args[i];
                String result;
                try (Namespace ns = NamespaceReference.parse(text).open()) {
                    result = "OK " + ns;
                } catch (NoSuchNamespaceException e) {
                    result = "GONE " + e.getMessage();
                } catch (Exception e) {
                    result = "FAILED " + e;
                }
                System.out.println("ref" + i + "=" + result);
            }
        }
    }

    @Test
    void anIsolatedUserNamespaceCannotReachOtherNamespaces() throws Exception {
        Unshared.requireNamespaces();
        try (Unshared other = Unshared.start("net", "uts");
             Namespace otherNet = Namespace.ofProcess(other.pid(1), NamespaceType.NET);
             Namespace otherUts = Namespace.ofProcess(other.pid(1), NamespaceType.UTS)) {
            List<String> refs = List.of(otherNet.reference().toString(), otherUts.reference().toString());
            // Root here reaches them ...
            for (String r : refs) {
                try (Namespace ns = NamespaceReference.parse(r).open()) {
                    assertTrue(ns.isOpen());
                }
            }
            // ... a caller in a fresh user namespace does not: the kernel's ESTALE, "no longer reachable".
            // (Control: the net namespace the probe is still in stays reachable for it.)
            String ownNet;
            try (Namespace net = Namespace.current(NamespaceType.NET)) {
                ownNet = net.reference().toString();
            }
            List<String> args = new ArrayList<>(refs);
            args.add(ownNet);
            Commands.Result r = Unshared.builder().types("user").mapRootUser(true).run(Commands.javaCommand(
                    List.of("--enable-native-access=ALL-UNNAMED"), OpenProbe.class, args.toArray(String[]::new)));
            assertEquals(0, r.exitCode(), () -> "probe: " + r);
            Map<String, String> results = r.properties();
            String control = results.get("ref" + refs.size());
            assertTrue(control != null && control.startsWith("OK "), () -> "the probe reopens the net namespace it is in: " + r);
            for (int i = 0; i < refs.size(); i++) {
                String ref = refs.get(i);
                String value = results.get("ref" + i);
                assertNotNull(value, () -> ref + " missing: " + r);
                assertTrue(value.startsWith("GONE ") && value.contains("no longer reachable"), () -> ref + ": " + r);
            }
        }
    }

    // ------------------------------------------------------------ text

    private static final List<String> MALFORMED = List.of(
            "nsfs:net:id=x:ino=1",
            "net:[123]",
            "nsfs:bogus:id=1:ino=1",
            "nsfs:net:id=1:ino=4294967296", // inode above 2^32 - 1
            "nsfs:net:id=1:ino=99999999999", // more digits than an inode has
            "nsfs:net:id=18446744073709551616:ino=1", // id above 2^64 - 1
            "nsfs:net:id=-1:ino=1",
            "nsfs:net:id=1:ino=-1",
            "nsfs:NET:id=1:ino=1",
            "nsfs:net:id=1:ino=1 ",
            " nsfs:net:id=1:ino=1",
            "nsfs:net:id=1:ino=1\n",
            "nsfs:net:ino=1:id=1",
            "nsfs:net:id=1",
            "nsfs:net:id=:ino=1",
            "nsfs:net:id=\u0661:ino=1", // an Arabic-Indic digit one
            "nsfs::id=1:ino=1",
            "");

    @Test
    void malformedTextIsRejected() {
        for (String text : MALFORMED) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NamespaceReference.parse(text),
                    () -> "'" + text + "'");
            assertNotNull(e.getMessage());
        }
        assertThrows(NullPointerException.class, () -> NamespaceReference.parse(null));
        assertThrows(IllegalArgumentException.class, () -> new NamespaceReference(NamespaceType.NET, 1, 1L << 32));
        assertThrows(IllegalArgumentException.class, () -> new NamespaceReference(NamespaceType.NET, 1, -1));
        assertThrows(NullPointerException.class, () -> new NamespaceReference(null, 1, 1));
        // The extremes that are valid.
        NamespaceReference max = NamespaceReference.parse("nsfs:user:id=18446744073709551615:ino=4294967295");
        assertEquals(-1L, max.id());
        assertEquals(0xffffffffL, max.inode());
        assertEquals(NamespaceType.USER, max.type());
        assertEquals("nsfs:user:id=18446744073709551615:ino=4294967295", max.toString());
        for (NamespaceType type : NamespaceType.values()) {
            NamespaceReference r = new NamespaceReference(type, 4099, 4026531833L);
            assertEquals(r, NamespaceReference.parse(r.toString()));
        }
    }

    /** Run in a child JVM with -verbose:class: parses each argument, prints ok/bad. */
    public static final class ParseProbe {
        public static void main(String[] args) {
            for (String text : args) {
                try {
                    System.out.println("parsed=" + NamespaceReference.parse(text));
                } catch (IllegalArgumentException e) {
                    System.out.println("rejected=" + text);
                }
            }
        }
    }

    /**
     * "Before any system call": in a fresh JVM, parsing (good and bad text) never even loads the
     * C layer ({@code LibC}) nor the support probe, so it cannot have made a system call through them.
     */
    @Test
    void parsingMakesNoSystemCall() {
        List<String> args = new ArrayList<>(MALFORMED.subList(0, 9));
        args.add("nsfs:net:id=4099:ino=4026531833");
        List<String> cmd = Commands.javaCommand(List.of("--enable-native-access=ALL-UNNAMED", "-verbose:class"),
                ParseProbe.class, args.toArray(String[]::new));
        Commands.Result r = Commands.run(cmd);
        assertEquals(0, r.exitCode(), () -> "probe: " + r);
        assertTrue(r.stdout().contains("io.github.nsfs4j.NamespaceReference "), () -> "-verbose:class works: " + r);
        List<String> lines = r.stdout().lines().toList();
        assertEquals(9, lines.stream().filter(l -> l.startsWith("rejected=")).count(), () -> r.toString());
        assertTrue(lines.contains("parsed=nsfs:net:id=4099:ino=4026531833"), () -> r.toString());
        // NamespaceHandle holds the code that opens and checks fds; the Namespace interface has no
        // code that runs on loading (the verifier may load it to check a return type).
        for (String cls : List.of("io.github.nsfs4j.linux.LibC", "io.github.nsfs4j.linux.Downcalls",
                "io.github.nsfs4j.kernel.KernelSupport", "io.github.nsfs4j.internal.FileHandles",
                "io.github.nsfs4j.NamespaceHandle")) {
            assertFalse(lines.stream().anyMatch(l -> l.contains("class,load") && l.contains(" " + cls + " ")),
                    () -> cls + " was loaded by parsing: " + r);
        }
    }
}
