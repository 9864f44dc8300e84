package io.github.nsfs4j;

import io.github.nsfs4j.linux.Constants;
import io.github.nsfs4j.linux.Errno;
import io.github.nsfs4j.linux.LibC;
import io.github.nsfs4j.linux.Structs;
import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.testing.Lsns;
import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Unshared;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

/**
 * {@link NamespaceDiscovery#activeIds}: the listns(2) request encoding, byte by byte (our
 * kernel lacks the syscall), listns answering ENOSYS here, and the scan fallback checked
 * against namespaces of children made for the test.
 */
class ActiveIdsTest {

    // ------------------------------------------------------------ struct ns_id_req

    private static byte[] bytes(MemorySegment s) {
        return s.toArray(JAVA_BYTE);
    }

    /** Little-endian bytes of a value of {@code width} bytes. */
    private static void put(byte[] b, int offset, long value, int width) {
        for (int i = 0; i < width; i++) {
            b[offset + i] = (byte) (value >>> (8 * i));
        }
    }

    @Test
    void nsIdRequestEncodingByteByByte() {
        assertEquals(ByteOrder.LITTLE_ENDIAN, ByteOrder.nativeOrder(), "the expected bytes below are x86-64/arm64 ones");
        assertEquals(32, Structs.NS_ID_REQ.byteSize());
        assertEquals(470, Constants.SYS_listns);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment req = arena.allocate(32, 8).fill((byte) 0xa5); // garbage: spare fields must be cleared
            MemorySegment returned = Structs.nsIdRequest(req, 0x1122334455667788L, 0x44000000, 0x0102030405060708L);
            assertEquals(req.address(), returned.address());
            byte[] expected = new byte[32];
            put(expected, 0, 32, 4);                    // u32 size
            // 4..7: u32 spare = 0
            put(expected, 8, 0x1122334455667788L, 8);   // u64 ns_id (cursor)
            put(expected, 16, 0x44000000, 4);           // u32 ns_type (CLONE_NEWNET | CLONE_NEWUTS)
            // 20..23: u32 spare2 = 0
            put(expected, 24, 0x0102030405060708L, 8);  // u64 user_ns_id
            assertArrayEquals(expected, bytes(req));

            // The first request: cursor 0, all types, any owner: only the size is set.
            req.fill((byte) 0xff);
            Structs.nsIdRequest(req, 0, 0, 0);
            byte[] first = new byte[32];
            first[0] = 32;
            assertArrayEquals(first, bytes(req));

            // Owned by the caller's own user namespace: user_ns_id = ~0.
            req.fill((byte) 0x5a);
            Structs.nsIdRequest(req, 4099, NamespaceType.MNT.cloneFlag(), Constants.LISTNS_CURRENT_USER);
            byte[] own = new byte[32];
            own[0] = 32;
            put(own, 8, 4099, 8);
            put(own, 16, 0x00020000, 4);
            put(own, 24, -1L, 8);
            assertArrayEquals(own, bytes(req));

            // An unsigned cursor above 2^63 and every type flag.
            int all = 0;
            for (NamespaceType t : NamespaceType.values()) {
                all |= t.cloneFlag();
            }
            Structs.nsIdRequest(req, 0x8000000000000001L, all, 0);
            byte[] high = new byte[32];
            high[0] = 32;
            put(high, 8, 0x8000000000000001L, 8);
            put(high, 16, 0x7e020080, 4);
            assertArrayEquals(high, bytes(req));
        }
    }

    /**
     * What the kernel does decides, not its version (distributions backport): listns either
     * answers, and then lists the caller's own net namespace among the active ones, or is
     * ENOSYS. Any other answer is wrong.
     */
    @Test
    void listnsListsTheCallersNamespacesOrIsEnosys() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment req = Structs.nsIdRequest(arena.allocate(32, 8), 0, NamespaceType.NET.cloneFlag(), 0);
            MemorySegment ids = arena.allocate(4096 * 8L, 8);
            int n = LibC.listns(req, ids, 4096, 0);
            assertTrue(n > 0 || n == -Errno.ENOSYS, "listns answered " + n + ", neither a count nor ENOSYS");
            if (n == -Errno.ENOSYS) {
                return; // no listns on this kernel; the scan fallback's tests cover that case
            }
            try (Namespace own = Namespace.current(NamespaceType.NET)) {
                long ownId = own.id().orElseThrow(() -> new AssertionError("listns exists but NS_GET_ID does not"));
                boolean found = false;
                for (int i = 0; i < n; i++) {
                    found |= ids.getAtIndex(java.lang.foreign.ValueLayout.JAVA_LONG, i) == ownId;
                }
                assertTrue(found, "the caller's own net namespace (id " + ownId + ") is among the " + n + " listed");
            }
        }
    }

    // ------------------------------------------------------------ the fallback, for real

    private static long id(Unshared child, NamespaceType type) throws Exception {
        try (Namespace ns = Namespace.ofProcess(child.pid(1), type)) {
            assertEquals(Proc.nsInode(child.pid(1), type.procName()), ns.inode());
            return ns.id().orElseThrow();
        }
    }

    private static void assertSortedUnsignedAndDistinct(List<Long> ids) {
        for (int i = 1; i < ids.size(); i++) {
            assertTrue(Long.compareUnsigned(ids.get(i - 1), ids.get(i)) < 0,
                    "ascending (unsigned) without duplicates at " + i + ": " + ids);
        }
    }

    @Test
    void fallbackFindsChildNamespacesRespectingTheTypeFilter() throws Exception {
        try (Unshared child = Unshared.start("net", "uts", "ipc");
             Namespace ownNet = Namespace.current(NamespaceType.NET);
             Namespace ownUts = Namespace.current(NamespaceType.UTS);
             Namespace ownIpc = Namespace.current(NamespaceType.IPC);
             Namespace ownMnt = Namespace.current(NamespaceType.MNT)) {
            long net = id(child, NamespaceType.NET);
            long uts = id(child, NamespaceType.UTS);
            long ipc = id(child, NamespaceType.IPC);

            List<Long> netUts = NamespaceDiscovery.activeIds(EnumSet.of(NamespaceType.NET, NamespaceType.UTS), null);
            assertSortedUnsignedAndDistinct(netUts);
            assertTrue(netUts.contains(net), "the child's net namespace: " + netUts);
            assertTrue(netUts.contains(uts), "the child's uts namespace: " + netUts);
            assertTrue(netUts.contains(ownNet.id().getAsLong()) && netUts.contains(ownUts.id().getAsLong()));
            assertFalse(netUts.contains(ipc), "type filter: the child's ipc namespace is not net or uts");
            assertFalse(netUts.contains(ownIpc.id().getAsLong()), "type filter: own ipc");
            assertFalse(netUts.contains(ownMnt.id().getAsLong()), "type filter: own mnt");

            List<Long> ipcOnly = NamespaceDiscovery.activeIds(EnumSet.of(NamespaceType.IPC), null);
            assertSortedUnsignedAndDistinct(ipcOnly);
            assertTrue(ipcOnly.contains(ipc) && ipcOnly.contains(ownIpc.id().getAsLong()), ipcOnly.toString());
            assertFalse(ipcOnly.contains(net) || ipcOnly.contains(uts), ipcOnly.toString());

            List<Long> all = NamespaceDiscovery.activeIds(EnumSet.noneOf(NamespaceType.class), null);
            assertSortedUnsignedAndDistinct(all);
            assertTrue(all.containsAll(List.of(net, uts, ipc, ownMnt.id().getAsLong())), "empty set = every type: " + all);
            // Every type's ids are among all of them, and the typed lists are disjoint.
            Set<Long> union = new HashSet<>(netUts);
            union.addAll(ipcOnly);
            assertEquals(netUts.size() + ipcOnly.size(), union.size(), "net/uts and ipc lists share an id");
        }
    }

    @Test
    void fallbackAgreesWithProcForEveryTypeOfAChild() throws Exception {
        try (Unshared child = Unshared.startAllTypes()) {
            for (NamespaceType type : NamespaceType.values()) {
                long childId = id(child, type);
                List<Long> ids = NamespaceDiscovery.activeIds(EnumSet.of(type), null);
                assertTrue(ids.contains(childId), type + ": " + Long.toUnsignedString(childId) + " in " + ids);
                assertSortedUnsignedAndDistinct(ids);
            }
        }
    }

    @Test
    void ownerFilterReturnsExactlyTheNamespacesOfAChildUserNamespace() throws Exception {
        try (Unshared child = Unshared.builder().types("user", "net", "uts").mapRootUser(true).start();
             UserNamespace user = UserNamespace.ofProcess(child.pid(1))) {
            long net = id(child, NamespaceType.NET);
            long uts = id(child, NamespaceType.UTS);
            List<Long> expected = new ArrayList<>(List.of(net, uts));
            expected.sort(Long::compareUnsigned);

            // The kernel's own word on ownership, independent of the scan: NS_GET_USERNS and lsns.
            for (NamespaceType type : List.of(NamespaceType.NET, NamespaceType.UTS)) {
                try (Namespace ns = Namespace.ofProcess(child.pid(1), type); UserNamespace owner = ns.owner().orElseThrow()) {
                    assertEquals(user, owner, type + " is owned by the child's user namespace");
                }
            }
            Unshared.requireCommand("lsns");
            Set<String> ownedByChild = new HashSet<>();
            for (Lsns.Row e : Lsns.snapshot().values()) {
                if (e.ons() == user.inode()) {
                    ownedByChild.add(e.type() + ":" + e.ns());
                }
            }
            assertEquals(Set.of("net:" + Proc.nsInode(child.pid(1), "net"), "uts:" + Proc.nsInode(child.pid(1), "uts")),
                    ownedByChild, "lsns ONS: the namespaces owned by the child's user namespace");

            assertEquals(expected, NamespaceDiscovery.activeIds(EnumSet.of(NamespaceType.NET, NamespaceType.UTS), user),
                    "owned by the child's user namespace, net and uts");
            assertEquals(expected, NamespaceDiscovery.activeIds(EnumSet.noneOf(NamespaceType.class), user),
                    "owned by the child's user namespace, any type: still only its net and uts");
            assertEquals(List.of(net), NamespaceDiscovery.activeIds(EnumSet.of(NamespaceType.NET), user));
            assertEquals(List.of(), NamespaceDiscovery.activeIds(EnumSet.of(NamespaceType.IPC), user),
                    "the child's ipc namespace is the initial one, not owned by its user namespace");

            // And the other way round: owned by our (initial) user namespace, the child's are absent.
            try (UserNamespace own = UserNamespace.current()) {
                List<Long> ours = NamespaceDiscovery.activeIds(EnumSet.of(NamespaceType.NET, NamespaceType.UTS), own);
                assertSortedUnsignedAndDistinct(ours);
                assertFalse(ours.contains(net) || ours.contains(uts), ours.toString());
                try (Namespace ownNet = Namespace.current(NamespaceType.NET)) {
                    assertTrue(ours.contains(ownNet.id().getAsLong()), ours.toString());
                }
                // The child's user namespace itself is owned by ours (its parent).
                List<Long> users = NamespaceDiscovery.activeIds(EnumSet.of(NamespaceType.USER), own);
                assertTrue(users.contains(user.id().getAsLong()), users.toString());
                assertFalse(users.contains(own.id().getAsLong()), "the initial user namespace has no owner: " + users);
            }
        }
    }
}
