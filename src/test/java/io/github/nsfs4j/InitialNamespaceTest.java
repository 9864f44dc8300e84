package io.github.nsfs4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Unshared;

/**
 * A port of the kernel selftest {@code namespaces/init_ino_test.c}: the initial namespaces
 * have the fixed inodes of {@code enum init_ns_ino} ({@code include/uapi/linux/nsfs.h}).
 * The selftest reads {@code /proc/1/ns/*}; PID 1 is not inspectable on our machines, so this
 * reads the test JVM's own namespaces (after checking that it is in the initial ones) and
 * those of kthreadd (pid 2, a kernel thread: always in the initial namespaces).
 */
class InitialNamespaceTest {

    /** {@code enum init_ns_ino}, copied from the uapi header, not from the library. */
    private static final Map<String, Long> INIT_NS_INO = Map.of(
            "ipc", 0xEFFFFFFFL,
            "uts", 0xEFFFFFFEL,
            "user", 0xEFFFFFFDL,
            "pid", 0xEFFFFFFCL,
            "cgroup", 0xEFFFFFFBL,
            "time", 0xEFFFFFFAL,
            "net", 0xEFFFFFF9L,
            "mnt", 0xEFFFFFF8L);

    /** The test JVM runs in the initial namespaces here: one NSpid column is the initial pid namespace. */
    private static void requireInitialNamespaces() {
        Unshared.require(Proc.nsPid(ProcessHandle.current().pid()).size() == 1,
                "the test JVM is not in the initial pid namespace (NSpid has more than one column)");
    }

    @Test
    void ownNamespaceInodesAreTheInitNsInoValues() throws Exception {
        requireInitialNamespaces();
        for (NamespaceType type : NamespaceType.values()) {
            long expected = INIT_NS_INO.get(type.procName());
            assertEquals(expected, Proc.selfNsInode(type.procName()),
                    "readlink /proc/self/ns/" + type.procName());
            try (Namespace ns = Namespace.current(type)) {
                assertEquals(expected, ns.inode(), type + ": the handle's inode");
                assertTrue(ns.isInitial(), type + ": isInitial() of the initial namespace");
                assertEquals(type.procName() + ":[" + expected + "]", Files.readSymbolicLink(
                        Path.of("/proc/self/ns/" + type.procName())).toString());
            }
        }
        // The _for_children links name the same (initial) namespaces.
        assertEquals(INIT_NS_INO.get("pid"), Proc.selfNsInode("pid_for_children"));
        assertEquals(INIT_NS_INO.get("time"), Proc.selfNsInode("time_for_children"));
    }

    @Test
    void kernelThreadNamespacesAreTheInitialOnes() throws Exception {
        Path kthreadd = Path.of("/proc/2");
        Unshared.require(Files.isReadable(kthreadd.resolve("comm"))
                && "kthreadd".equals(Files.readString(kthreadd.resolve("comm")).strip()),
                "pid 2 is not kthreadd (a pid namespace of its own?)");
        Unshared.require(Proc.euid() == 0, "not root: the namespaces of kthreadd are not inspectable");
        for (NamespaceType type : NamespaceType.values()) {
            long expected = INIT_NS_INO.get(type.procName());
            assertEquals(expected, Proc.nsInode(2, type.procName()));
            try (Namespace ns = Namespace.ofProcess(2, type)) {
                assertTrue(ns.isInitial(), type + " of kthreadd");
                assertEquals(expected, ns.inode());
            }
        }
    }

    @Test
    void initialInodeTableMatchesTheUapiHeader() {
        for (NamespaceType type : NamespaceType.values()) {
            assertEquals(INIT_NS_INO.get(type.procName()).longValue(), NamespaceHandle.initialInode(type), type.procName());
        }
    }

    @Test
    void aChildsNamespacesAreNotInitial() throws Exception {
        try (Unshared child = Unshared.startAllTypes()) {
            for (NamespaceType type : NamespaceType.values()) {
                try (Namespace ns = Namespace.ofProcess(child.pid(1), type)) {
                    assertFalse(ns.isInitial(), type + " of a child made with unshare of every type");
                    assertEquals(Proc.nsInode(child.pid(1), type.procName()), ns.inode());
                    assertTrue(ns.inode() != INIT_NS_INO.get(type.procName()));
                }
            }
            // The owner of the child's user namespace is the initial one (reachable: we are in it).
            try (UserNamespace user = UserNamespace.ofProcess(child.pid(1));
                 UserNamespace parent = user.parent().orElseThrow()) {
                assertTrue(parent.isInitial());
                assertFalse(user.isInitial());
            }
        }
    }
}
