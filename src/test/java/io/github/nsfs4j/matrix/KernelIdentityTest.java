package io.github.nsfs4j.matrix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.nsfs4j.Namespace;
import io.github.nsfs4j.NamespaceException;
import io.github.nsfs4j.NamespaceReference;
import io.github.nsfs4j.NoSuchNamespaceException;
import io.github.nsfs4j.UnsupportedRequestException;
import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.kernel.NsIoctl;
import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Unshared;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Kernel suite: opening every type, identity with and without NS_GET_ID, isInitial(), nsfs
 * file handles; against a child in eight new namespaces and the kernel's own answers.
 */
class KernelIdentityTest {
    private static Unshared child;

    @BeforeAll
    static void start() {
        Unshared.requireNamespaces();
        child = Unshared.startAllTypes();
    }

    @AfterAll
    static void stop() {
        if (child != null) {
            child.close();
        }
    }

    private static String path(long pid, NamespaceType type) {
        return "/proc/" + pid + "/ns/" + type.procName();
    }

    @Test
    void openEveryType() throws Exception {
        Cells.check("open: type and inode, 8 types", () -> {
            long pid = child.pid(1);
            for (NamespaceType type : NamespaceType.values()) {
                try (Namespace ns = Namespace.ofProcess((int) pid, type);
                        Namespace byPath = Namespace.open(Path.of(path(pid, type)));
                        Namespace own = Namespace.current(type)) {
                    assertEquals(type, ns.type());
                    assertEquals(Proc.nsInode(pid, type.procName()), ns.inode(), type + " inode vs readlink");
                    assertEquals(ns, byPath, type + ": two opens of one namespace");
                    assertNotEquals(ns, own, type + ": the child's namespace is not the caller's");
                    assertNotEquals(ns.inode(), own.inode());
                }
            }
            return Cells.works("");
        });
    }

    @Test
    void idWithOrWithoutNsGetId() throws Exception {
        Cells.check("id: NS_GET_ID (8 types)", () -> {
            boolean hasId = KernelOracle.has(NsIoctl.NS_GET_ID);
            boolean hasMntnsId = KernelOracle.has(NsIoctl.NS_GET_MNTNS_ID);
            long pid = child.pid(1);
            for (NamespaceType type : NamespaceType.values()) {
                try (Namespace ns = Namespace.ofProcess((int) pid, type); Namespace own = Namespace.current(type)) {
                    NsIoctl request = hasId ? NsIoctl.NS_GET_ID
                            : type == NamespaceType.MNT && hasMntnsId ? NsIoctl.NS_GET_MNTNS_ID : null;
                    if (request == null) {
                        assertEquals(OptionalLong.empty(), ns.id(), type + ": no id on a kernel without " + NsIoctl.NS_GET_ID);
                        continue;
                    }
                    RawKernel.U64 raw = RawKernel.ioctlU64(path(pid, type), request.request());
                    assertEquals(0, raw.rc(), type + ": " + request + " raw result");
                    assertEquals(OptionalLong.of(raw.value()), ns.id(), type + ": id vs raw " + request);
                    assertTrue(own.id().isPresent(), type + ": the caller's namespace has an id too");
                    assertNotEquals(ns.id(), own.id(), type + ": a child's id differs from the caller's");
                }
            }
            return hasId ? Cells.works("")
                    : Cells.refused(NsIoctl.NS_GET_ID, hasMntnsId ? "mnt: NS_GET_MNTNS_ID" : "no ids");
        });
    }

    @Test
    void isInitialOnEveryType() throws Exception {
        Cells.check("isInitial(), 8 types", () -> {
            long init = Proc.initialProcess();
            List<String> wrong = new ArrayList<>();
            for (NamespaceType type : NamespaceType.values()) {
                try (Namespace initial = Namespace.ofProcess((int) init, type);
                        Namespace fresh = Namespace.ofProcess((int) child.pid(1), type)) {
                    if (!initial.isInitial()) {
                        wrong.add(type + " of pid " + init + " (" + initial + ") is not initial");
                    }
                    if (fresh.isInitial()) {
                        wrong.add("a new " + type + " namespace (" + fresh + ") is initial");
                    }
                }
            }
            assertEquals(List.of(), wrong, "isInitial() against pid " + init + "'s namespaces and a child's new ones");
            return Cells.works(init == 1 ? "vs /proc/1" : "vs the JVM's own");
        });
    }

    /**
     * Namespace.ofId (nsfs exec --TYPE=:ID): the namespace with that id, for every type; through
     * a handle of the id alone where the kernel opens one (its own answer, asked raw, decides
     * which cell is right), else a scan for the inode (fallback); before ids exist, refused
     * naming 6.18.
     */
    @Test
    void openById() throws Exception {
        Cells.check("open by id (Namespace.ofId, exec --TYPE=:ID)", () -> {
            long pid = child.pid(1);
            boolean idOnly = false;
            for (NamespaceType type : NamespaceType.values()) {
                try (Namespace ns = Namespace.ofProcess((int) pid, type)) {
                    if (ns.id().isEmpty()) {
                        try (Namespace opened = Namespace.ofId(type, 1)) {
                            throw new AssertionError("opened " + opened + " by id on a kernel without ids");
                        } catch (UnsupportedRequestException e) {
                            return Cells.refused(e);
                        }
                    }
                    long id = ns.id().getAsLong();
                    idOnly = RawKernel.openNsfsHandle(id, 0, 0) == 0; // the id alone, as the kernel's selftests ask
                    try (Namespace byId = Namespace.ofId(type, id)) {
                        assertEquals(ns, byId, type + " id " + id);
                        assertEquals(Proc.nsInode(pid, type.procName()), byId.inode(), type + ": inode vs readlink");
                    }
                    try (Namespace gone = Namespace.ofId(type, -2)) {
                        throw new AssertionError("opened " + gone + " by an id no namespace has");
                    } catch (NoSuchNamespaceException expected) {
                        // the kernel's ESTALE, then a scan that finds nothing
                    }
                }
            }
            return idOnly ? Cells.works("handle of the id alone") : Cells.fallback("scan for the inode");
        });
    }

    @Test
    void fileHandles() throws Exception {
        Cells.check("file handles (reference/open)", () -> {
            long pid = child.pid(1);
            for (NamespaceType type : NamespaceType.values()) {
                try (Namespace ns = Namespace.ofProcess((int) pid, type)) {
                    NamespaceReference ref;
                    try {
                        ref = ns.reference();
                    } catch (NamespaceException e) {
                        assertEquals(NamespaceType.values()[0], type, "refused on " + type + " after working on others");
                        return Cells.refused(e);
                    }
                    assertEquals(type, ref.type());
                    assertEquals(ns.inode(), ref.inode());
                    try (Namespace reopened = ref.open()) {
                        assertEquals(ns, reopened, type + ": reopened from " + ref);
                        assertEquals(ns.inode(), reopened.inode());
                    }
                }
            }
            return Cells.works("");
        });
    }
}
