package io.github.nsfs4j.internal;

import io.github.nsfs4j.Namespace;
import io.github.nsfs4j.NamespaceException;
import io.github.nsfs4j.NsfsChildMain;
import io.github.nsfs4j.UserNamespace;
import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.testing.Commands;
import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Unshared;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

/**
 * {@link Namespace#isInitial()} against the kernel's truth (issue 9, item 3). The truth is
 * kthreadd (pid 2): a kernel thread, in every initial namespace by construction; a namespace
 * is initial if and only if it has kthreadd's inode (readlink {@code /proc/2/ns/TYPE}), and the
 * namespaces {@code unshare} makes are not. Nothing here compares the library with its own
 * table: where the uapi values ({@code enum init_ns_ino}, copied from the header) appear, it is
 * to ask the kernel whether it uses them.
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

    /** Where the kernel allocates every non-fixed namespace inode from ({@code PROC_DYNAMIC_FIRST}). */
    private static final long DYNAMIC_FIRST = 0xF0000000L;

    /** The truth: the inode of kthreadd's namespace of a type. */
    private static long kthreaddInode(NamespaceType type) throws Exception {
        Path kthreadd = Path.of("/proc/2");
        Unshared.require(Files.isReadable(kthreadd.resolve("comm"))
                && "kthreadd".equals(Files.readString(kthreadd.resolve("comm")).strip()),
                "pid 2 is not kthreadd (a pid namespace of its own?)");
        Unshared.require(Proc.euid() == 0, "not root: the namespaces of kthreadd are not inspectable");
        return Proc.nsInode(2, type.procName());
    }

    /**
     * The port of the kernel selftest {@code namespaces/init_ino_test.c}, on kthreadd (pid 1 is
     * not inspectable on our machines): six types have their fixed inode on every kernel (what
     * the library relies on for them); net and mount have theirs, or an ordinary dynamic
     * inode on kernels that give them none.
     */
    @Test
    void theInitialNamespacesHaveTheFixedInodesOrOrdinaryOnes() throws Exception {
        List<String> report = new ArrayList<>();
        for (NamespaceType type : NamespaceType.values()) {
            long truth = kthreaddInode(type);
            long fixed = INIT_NS_INO.get(type.procName());
            if (Set.of(NamespaceType.NET, NamespaceType.MNT).contains(type)) {
                assertTrue(truth == fixed || truth >= DYNAMIC_FIRST, type + ": " + truth);
                report.add(type + (truth == fixed ? " fixed" : " dynamic"));
            } else {
                assertEquals(fixed, truth, type + ": the initial namespace's inode is the uapi value");
            }
        }
        System.out.println("initial net/mnt inodes on this kernel: " + report);
    }

    @Test
    void isInitialAgreesWithKthreaddForOwnKthreaddsAndFreshNamespaces() throws Exception {
        try (Unshared child = Unshared.startAllTypes()) {
            for (NamespaceType type : NamespaceType.values()) {
                long truth = kthreaddInode(type);
                try (Namespace own = Namespace.current(type);
                        Namespace kthreadd = Namespace.ofProcess(2, type);
                        Namespace fresh = Namespace.ofProcess(child.pid(1), type)) {
                    assertEquals(truth, kthreadd.inode());
                    assertTrue(kthreadd.isInitial(), type + " of kthreadd");
                    assertEquals(own.inode() == truth, own.isInitial(), type + " of the test JVM");
                    assertEquals(Proc.nsInode(child.pid(1), type.procName()), fresh.inode());
                    assertTrue(fresh.inode() != truth, type + ": unshare made a new one");
                    assertFalse(fresh.isInitial(), type + " of a child made with unshare of every type");
                    fresh.close();
                    assertFalse(fresh.isInitial(), type + ": the same answer after close");
                }
            }
            // The parent of the child's user namespace is ours: initial exactly when ours is.
            try (UserNamespace user = UserNamespace.ofProcess(child.pid(1));
                    UserNamespace parent = user.parent().orElseThrow()) {
                assertEquals(parent.inode() == kthreaddInode(NamespaceType.USER), parent.isInitial());
                assertFalse(user.isInitial());
            }
        }
    }

    /**
     * A JVM in a pid namespace of its own (with its own /proc, so no kthreadd in view), sharing
     * every other namespace but mount with the host: each answer is the truth, or, where the
     * kernel gives the type no fixed inode in the child's view, refused; never a wrong answer.
     */
    @Test
    void inAPidNamespaceOfItsOwnEachAnswerIsTheTruthOrRefused() throws Exception {
        Commands.Result r = Unshared.builder().types("mnt", "pid").mountProc().run(Commands.javaCommand(
                List.of("--enable-native-access=ALL-UNNAMED"), NsfsChildMain.class, "initial"));
        assertEquals(0, r.exitCode(), r.toString());
        Map<String, String> out = r.properties();
        for (NamespaceType type : NamespaceType.values()) {
            long inode = Long.parseLong(out.get(type + ".inode"));
            boolean truth = inode == kthreaddInode(type);
            String answer = out.get(type + ".initial");
            boolean fixedInode = inode == INIT_NS_INO.get(type.procName());
            if (Set.of(NamespaceType.NET, NamespaceType.MNT).contains(type) && !fixedInode) {
                // no witness in view, and the child's own namespace does not show a fixed inode
                assertEquals("refused", answer, type + ": " + r);
                assertTrue(out.get(type + ".message").contains("cannot tell"), r.toString());
            } else {
                assertEquals(String.valueOf(truth), answer, type + ": " + r);
            }
        }
        assertEquals("false", out.get("pid.initial"), "the child's pid namespace is new");
    }

    /** The decision where the kernel gives a type no fixed inode, with a faked view of it. */
    @Test
    void withoutFixedInodesTheWitnessDecidesAndNoWitnessMeansRefusal() throws Exception {
        long dynamicInitial = DYNAMIC_FIRST + 1; // the initial net namespace on an old kernel
        long other = DYNAMIC_FIRST + 0x2000;
        InitialNamespaces.Kernel old = kernel(dynamicInitial, other);
        assertTrue(InitialNamespaces.isInitial(NamespaceType.NET, dynamicInitial, "net", old));
        assertFalse(InitialNamespaces.isInitial(NamespaceType.NET, other, "net", old));
        InitialNamespaces.Kernel blind = kernel(-1, other);
        Failure e = assertThrows(Failure.class,
                () -> InitialNamespaces.isInitial(NamespaceType.MNT, other, "mnt:[x]", blind));
        assertTrue(e.getMessage().contains("mnt:[x]") && e.getMessage().contains("cannot tell"), e.getMessage());
        // The caller's own namespace showing the fixed inode proves the kernel uses it.
        InitialNamespaces.Kernel inInitial = kernel(-1, INIT_NS_INO.get("net"));
        assertFalse(InitialNamespaces.isInitial(NamespaceType.NET, other, "net", inInitial));
        assertTrue(InitialNamespaces.isInitial(NamespaceType.NET, INIT_NS_INO.get("net"), "net", blind));
        // The six types with fixed inodes on every kernel need no witness at all.
        assertFalse(InitialNamespaces.isInitial(NamespaceType.UTS, other, "uts", blind));
    }

    private static InitialNamespaces.Kernel kernel(long witness, long own) {
        return new InitialNamespaces.Kernel() {
            @Override
            public long witnessInode(NamespaceType type) {
                return witness;
            }

            @Override
            public long ownInode(NamespaceType type) {
                return own;
            }
        };
    }
}
