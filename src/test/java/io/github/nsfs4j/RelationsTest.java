package io.github.nsfs4j;

import io.github.nsfs4j.linux.LibC;
import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.kernel.NsIoctl;
import io.github.nsfs4j.testing.Commands;
import io.github.nsfs4j.testing.Lsns;
import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Unshared;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * parent() and owner() against {@code lsns -J -l -o NS,TYPE,PNS,ONS} and readlink, on nested
 * children; and Java ports of the kernel selftests nsfs/owner.c and nsfs/pidns.c.
 */
class RelationsTest {

    static final int O_RDONLY_CLOEXEC = 0x80000;
    static final int EPERM = 1, EINVAL = 22;

    static Unshared allTypes3;
    static Unshared userPid2;
    static Unshared userPid3;
    static Map<Long, Lsns.Row> lsns;

    @BeforeAll
    static void startTrees() {
        Unshared.requireCommand("lsns");
        allTypes3 = Unshared.builder().allTypes().levels(3).start();
        userPid2 = Unshared.builder().types("user", "pid").levels(2).start();
        userPid3 = Unshared.builder().types("user", "pid").levels(3).start();
        lsns = Lsns.snapshot(); // while every child lives
    }

    @AfterAll
    static void stopTrees() {
        for (Unshared u : new Unshared[] {allTypes3, userPid2, userPid3}) {
            if (u != null) {
                u.close();
            }
        }
    }

    static Stream<String> trees() {
        return Stream.of("allTypes3", "userPid2", "userPid3");
    }

    static Unshared tree(String name) {
        return switch (name) {
            case "allTypes3" -> allTypes3;
            case "userPid2" -> userPid2;
            default -> userPid3;
        };
    }

    /** Every namespace of every process of the tree: owner and parent are the ones lsns shows. */
    @ParameterizedTest
    @MethodSource("trees")
    void ownerAndParentMatchLsns(String name) throws Exception {
        Unshared tree = tree(name);
        int checked = 0;
        for (long pid : tree.pids()) {
            for (NamespaceType type : NamespaceType.values()) {
                try (Namespace ns = Namespace.ofProcess(Math.toIntExact(pid), type)) {
                    Lsns.Row e = lsns.get(ns.inode());
                    assertNotNull(e, "lsns lists " + ns + " of process " + pid);
                    assertEquals(type.procName(), e.type());
                    assertRelation(e.ons(), ns.owner(), "owner of " + ns + " (process " + pid + ")");
                    if (ns instanceof PidNamespace p) {
                        assertRelation(e.pns(), p.parent(), "parent of " + ns);
                    } else if (ns instanceof UserNamespace u) {
                        assertRelation(e.pns(), u.parent(), "parent of " + ns);
                    } else {
                        assertEquals(0, e.pns(), "lsns shows no parent for " + ns);
                    }
                    checked++;
                }
            }
        }
        assertEquals(tree.pids().size() * 8, checked);
    }

    /** lsns shows 0 for "none visible": then the Optional is empty; else it holds that inode (and is closed here). */
    static void assertRelation(long lsnsInode, Optional<? extends Namespace> related, String what) {
        if (lsnsInode == 0) {
            assertTrue(related.isEmpty(), what + ": lsns shows none, nsfs4j gave " + related);
            return;
        }
        assertTrue(related.isPresent(), what + ": lsns shows " + lsnsInode + ", nsfs4j gave none");
        try (Namespace ns = related.get()) {
            assertEquals(lsnsInode, ns.inode(), what);
            assertTrue(ns.isOpen());
        }
    }

    /** The JVM's own namespaces as lsns sees them: owners visible, parents of the own pid and user ns not. */
    @ParameterizedTest
    @EnumSource(NamespaceType.class)
    void ownNamespacesMatchLsns(NamespaceType type) throws Exception {
        try (Namespace ns = Namespace.current(type)) {
            Lsns.Row e = lsns.get(ns.inode());
            assertNotNull(e, "lsns lists " + ns);
            if (type == NamespaceType.USER) {
                // the parent of the caller's own user namespace is never visible
                assertTrue(((UserNamespace) ns).parent().isEmpty());
                assertTrue(ns.owner().isEmpty(), "owner of the own user namespace is its parent: out of view");
            } else {
                assertRelation(e.ons(), ns.owner(), "owner of " + ns);
            }
            if (ns instanceof PidNamespace p) {
                assertTrue(p.parent().isEmpty(), "the parent of the own pid namespace is out of view");
            }
        }
    }

    /** Walking parent() from the leaf visits each level's namespace (readlink of its member), then ours, then ends. */
    @ParameterizedTest
    @MethodSource("trees")
    void parentChainsWalkTheLevels(String name) throws Exception {
        Unshared tree = tree(name);
        for (NamespaceType type : List.of(NamespaceType.PID, NamespaceType.USER)) {
            List<Long> expected = new ArrayList<>();
            for (int k = tree.levels(); k >= 1; k--) {
                expected.add(Proc.nsInode(tree.pid(k), type.procName()));
            }
            expected.add(Proc.selfNsInode(type.procName()));
            List<Long> walked = new ArrayList<>();
            Namespace ns = Namespace.ofProcess(tree.leafPid(), type);
            while (ns != null) {
                walked.add(ns.inode());
                Optional<? extends Namespace> parent = ns instanceof PidNamespace p ? p.parent()
                        : ((UserNamespace) ns).parent();
                ns.close();
                ns = parent.orElse(null);
                assertTrue(walked.size() <= expected.size() + 1, "runaway parent chain " + walked);
            }
            assertEquals(expected, walked, type + " chain from the leaf");
        }
    }

    /** Every non-user namespace of level k is owned by level k's user namespace. */
    @Test
    void eachLevelsNamespacesAreOwnedByItsUserNamespace() throws Exception {
        for (int k = 1; k <= allTypes3.levels(); k++) {
            int pid = allTypes3.pid(k);
            long userInode = Proc.nsInode(pid, "user");
            long parentUser = k == 1 ? Proc.selfNsInode("user") : Proc.nsInode(allTypes3.pid(k - 1), "user");
            for (NamespaceType type : NamespaceType.values()) {
                try (Namespace ns = Namespace.ofProcess(pid, type); UserNamespace owner = ns.owner().orElseThrow()) {
                    long expected = type == NamespaceType.USER ? parentUser : userInode;
                    assertEquals(expected, owner.inode(), "owner of level " + k + "'s " + type);
                }
            }
        }
    }

    /** A parent asked of a type that has none: the public API has no such method; the kernel says EINVAL. */
    @Test
    void nonHierarchicalTypesHaveNoParent() throws Exception {
        assertThrows(NoSuchMethodException.class, () -> Namespace.class.getMethod("parent"));
        assertNotNull(PidNamespace.class.getMethod("parent"));
        assertNotNull(UserNamespace.class.getMethod("parent"));
        assertThrows(NoSuchMethodException.class, () -> MountNamespace.class.getMethod("parent"));
        for (NamespaceType type : NamespaceType.values()) {
            if (type.isHierarchical()) {
                continue;
            }
            int fd = LibC.open("/proc/" + allTypes3.leafPid() + "/ns/" + type.procName(), O_RDONLY_CLOEXEC);
            try {
                assertEquals(-EINVAL, LibC.ioctl(fd, NsIoctl.NS_GET_PARENT.request(), 0L), type.procName());
            } finally {
                LibC.close(fd);
            }
            // the internal path the typed parent() methods share reports the kernel's EINVAL as an error
            try (Namespace ns = Namespace.ofProcess(allTypes3.leafPid(), type)) {
                NamespaceException e = assertThrows(NamespaceException.class,
                        () -> ((NamespaceHandle) ns).related(NsIoctl.NS_GET_PARENT, null));
                assertEquals(Optional.of("EINVAL"), e.errnoName());
            }
        }
    }

    // ------------------------------------------------------------------ selftests nsfs/pidns.c

    /** The parent of a child's pid (and user) namespace is ours; asking the parent of ours is EPERM: empty. */
    @Test
    void selftestPidns() throws Exception {
        try (Unshared c = Unshared.start("user", "pid")) {
            try (PidNamespace pid = PidNamespace.ofProcess(c.leafPid());
                    PidNamespace own = PidNamespace.current();
                    PidNamespace parent = pid.parent().orElseThrow()) {
                assertEquals(own, parent);
                assertEquals(Proc.selfNsInode("pid"), parent.inode());
                assertTrue(parent.parent().isEmpty(), "the parent of our own pid namespace: EPERM");
            }
            try (UserNamespace user = UserNamespace.ofProcess(c.leafPid());
                    UserNamespace own = UserNamespace.current();
                    UserNamespace parent = user.parent().orElseThrow()) {
                assertEquals(own, parent);
                assertEquals(Proc.selfNsInode("user"), parent.inode());
                assertTrue(parent.parent().isEmpty(), "the parent of our own user namespace: EPERM");
            }
            // the raw kernel answer behind the empty Optionals
            for (String type : List.of("pid", "user")) {
                int fd = LibC.open("/proc/self/ns/" + type, O_RDONLY_CLOEXEC);
                try {
                    assertEquals(-EPERM, LibC.ioctl(fd, NsIoctl.NS_GET_PARENT.request(), 0L), type);
                } finally {
                    LibC.close(fd);
                }
            }
        }
    }

    // ------------------------------------------------------------------ selftests nsfs/owner.c

    /**
     * The user namespace owning a child's uts namespace is the child's user namespace; its
     * owner is ours; the owner of ours (the initial one) is EPERM: empty. Then, from a process
     * that unshared its own user namespace after opening the same files, those requests are
     * EPERM (run in a child JVM: a JVM cannot unshare its own user namespace).
     */
    @Test
    void selftestOwner() throws Exception {
        try (Unshared c = Unshared.start("user", "uts")) {
            int leaf = c.leafPid();
            try (Namespace uts = Namespace.ofProcess(leaf, NamespaceType.UTS);
                    UserNamespace owner = uts.owner().orElseThrow();
                    UserNamespace own = UserNamespace.current()) {
                assertEquals(Proc.nsInode(leaf, "user"), owner.inode(), "the child's user namespace");
                try (UserNamespace ownersOwner = owner.owner().orElseThrow()) {
                    assertEquals(own, ownersOwner);
                }
                if (own.isInitial()) {
                    assertTrue(own.owner().isEmpty(), "the initial user namespace has no owner: EPERM");
                }
            }

            // fd 3 and 4 opened before the user namespace is unshared
            Commands.Result r = Unshared.builder().types("user")
                    .prefix("sh", "-c", "exec 3<\"$1\" 4<\"$2\"; shift 2; exec \"$@\"", "sh",
                            "/proc/" + leaf + "/ns/uts", "/proc/self/ns/user")
                    .run(Commands.javaCommand(List.of("--enable-native-access=ALL-UNNAMED"), NsfsChildMain.class,
                            "owner-after-unshare"));
            assertEquals(0, r.exitCode(), r.toString());
            Map<String, String> out = r.properties();
            String utsLink = Proc.nsLink(leaf, "uts");
            assertEquals(utsLink, out.get("fd3.link"), r.toString());
            assertEquals(Proc.nsLink(ProcessHandle.current().pid(), "user"), out.get("fd4.link"));
            assertTrue(!out.get("self.user.link").equals(out.get("fd4.link")), "the child unshared its user ns");
            assertEquals("uts", out.get("fd3.type"));
            assertEquals(String.valueOf(Proc.nsInode(leaf, "uts")), out.get("fd3.inode"));
            // the owner of the child's uts ns is a sibling user namespace now: EPERM, empty
            assertEquals("empty", out.get("fd3.owner"), r.toString());
            assertEquals("EPERM", out.get("fd3.raw.NS_GET_USERNS"));
            // the outer (our) user namespace is the new one's parent: out of view
            assertEquals("empty", out.get("fd4.owner"));
            assertEquals("empty", out.get("fd4.parent"));
            assertEquals("EPERM", out.get("fd4.raw.NS_GET_USERNS"));
            assertEquals("EPERM", out.get("fd4.raw.NS_GET_PARENT"));
            assertEquals("empty", out.get("self.owner"));
            assertEquals("empty", out.get("self.parent"));
            // NS_GET_OWNER_UID: root made it, but root has no mapping inside: the overflow uid
            assertEquals(String.valueOf(Proc.overflowUid()), out.get("self.ownerUid"));
        }
    }
}
