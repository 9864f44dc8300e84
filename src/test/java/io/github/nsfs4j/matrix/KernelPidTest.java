package io.github.nsfs4j.matrix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.nsfs4j.Namespace;
import io.github.nsfs4j.NoSuchNamespaceException;
import io.github.nsfs4j.PidNamespace;
import io.github.nsfs4j.Pidfd;
import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.kernel.NsIoctl;
import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Unshared;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Kernel suite: pid and tgid translation (the ioctls where the kernel has them, the NSpid
 * fallback elsewhere) against the kernel's NSpid lines, the errno a kernel gives for a pid
 * that does not exist (the ENOTTY-for-ESRCH quirk), and PIDFD_GET_*_NAMESPACE or its fallback.
 */
class KernelPidTest {
    /** Three nested pid namespaces below the caller's. */
    private static Unshared tree;

    @BeforeAll
    static void start() {
        Unshared.requireNamespaces();
        tree = Unshared.builder().types("pid").levels(3).start();
    }

    @AfterAll
    static void stop() {
        if (tree != null) {
            tree.close();
        }
    }

    private static String mode() {
        return KernelOracle.has(NsIoctl.NS_GET_PID_FROM_PIDNS) ? "ioctl" : "NSpid";
    }

    private static Cells.Cell verdict(String note) {
        return KernelOracle.has(NsIoctl.NS_GET_PID_FROM_PIDNS) ? Cells.works(note) : Cells.fallback(note);
    }

    @Test
    void translationsMatchNspid() throws Exception {
        Cells.check("pid translation (from/in) vs NSpid", () -> {
            int compared = 0;
            for (int level = 1; level <= tree.levels(); level++) {
                try (PidNamespace ns = PidNamespace.ofProcess((int) tree.pid(level))) {
                    for (long process : tree.pids()) {
                        List<Long> nspid = Proc.nsPid(process);
                        int host = (int) (long) nspid.get(0);
                        if (nspid.size() > level) {
                            int inside = (int) (long) nspid.get(level);
                            assertEquals(OptionalInt.of(host), ns.pidFromNamespace(inside),
                                    "level " + level + ": pid " + inside + " of " + ns + ", NSpid " + nspid);
                            assertEquals(OptionalInt.of(inside), ns.pidInNamespace(host),
                                    "level " + level + ": host pid " + host + " in " + ns + ", NSpid " + nspid);
                            compared++;
                        } else {
                            assertEquals(OptionalInt.empty(), ns.pidInNamespace(host),
                                    "level " + level + ": host pid " + host + " is not in " + ns + ", NSpid " + nspid);
                        }
                    }
                    assertEquals(OptionalInt.of((int) tree.pid(level)), ns.initPid(), "init of level " + level);
                }
            }
            assertTrue(compared >= 6, "compared " + compared + " pids");
            return verdict(mode());
        });
    }

    @Test
    void tgidTranslationMatchesNstgid() throws Exception {
        Cells.check("tgid translation vs NStgid", () -> {
            // A thread of this JVM: its tid translates to the JVM's pid as the thread-group leader.
            String self = Proc.readLink(Path.of("/proc/thread-self")); // PID/task/TID
            int pid = Integer.parseInt(self.substring(0, self.indexOf('/')));
            int tid = Integer.parseInt(self.substring(self.lastIndexOf('/') + 1));
            try (PidNamespace own = PidNamespace.current()) {
                assertEquals(OptionalInt.of(pid), own.tgidInNamespace(tid), "tgid of thread " + tid);
                assertEquals(OptionalInt.of(pid), own.tgidFromNamespace(tid), "tgid of thread " + tid);
                assertEquals(OptionalInt.of(tid), own.pidInNamespace(tid), "pid of thread " + tid);
            }
            for (int level = 1; level <= tree.levels(); level++) {
                try (PidNamespace ns = PidNamespace.ofProcess((int) tree.pid(level))) {
                    long leaf = tree.leafPid();
                    List<Long> nstgid = Proc.nsTgid(leaf);
                    int inside = (int) (long) nstgid.get(level);
                    assertEquals(OptionalInt.of((int) (long) nstgid.get(0)), ns.tgidFromNamespace(inside), "NStgid " + nstgid);
                    assertEquals(OptionalInt.of(inside), ns.tgidInNamespace((int) leaf), "NStgid " + nstgid);
                }
            }
            return verdict(mode());
        });
    }

    @Test
    void unknownPidIsUnresolved() throws Exception {
        Cells.check("unresolved pid (raw errno)", () -> {
            long member = tree.pid(1);
            String path = "/proc/" + member + "/ns/pid";
            // A pid that the fresh namespace has not reached, and a host pid outside it.
            int absent = 99_999;
            int outside = (int) ProcessHandle.current().pid();
            List<String> raw = new ArrayList<>();
            for (NsIoctl request : List.of(NsIoctl.NS_GET_PID_FROM_PIDNS, NsIoctl.NS_GET_PID_IN_PIDNS)) {
                int rc = RawKernel.ioctlOnPath(path, request.request(),
                        request == NsIoctl.NS_GET_PID_FROM_PIDNS ? absent : outside, false);
                assertTrue(rc < 0, request + " of a pid that is not there answered " + rc);
                raw.add(RawKernel.errnoName(rc));
            }
            try (PidNamespace ns = PidNamespace.ofProcess((int) member)) {
                assertEquals(OptionalInt.empty(), ns.pidFromNamespace(absent), "pid " + absent + " of " + ns);
                assertEquals(OptionalInt.empty(), ns.tgidFromNamespace(absent), "tgid " + absent + " of " + ns);
                assertEquals(OptionalInt.empty(), ns.pidInNamespace(outside), "host pid " + outside + " in " + ns);
                assertEquals(0, ns.translate(PidNamespace.Translation.TGID_IN_NAMESPACE, outside));
            }
            boolean has = KernelOracle.has(NsIoctl.NS_GET_PID_FROM_PIDNS);
            String note = has ? String.join("/", raw.stream().distinct().toList())
                    + (raw.contains("ENOTTY") ? ": the quirk" : "") : "no ioctl";
            if (has) {
                assertTrue(raw.stream().allMatch(e -> e.equals("ESRCH") || e.equals("ENOTTY")), "raw " + raw);
            }
            return has ? Cells.works(note) : Cells.fallback(note);
        });
    }

    @Test
    void pidfdNamespaces() throws Exception {
        Cells.check("pidfd: namespaces of a process", () -> {
            long leaf = tree.leafPid();
            long pidfd = RawKernel.syscall(RawKernel.SYS_PIDFD_OPEN, leaf, 0, 0, 0);
            assertTrue(pidfd >= 0, "pidfd_open: " + RawKernel.errnoName(pidfd));
            int rawRc;
            try {
                // PIDFD_GET_PID_NAMESPACE, _IO(0xFF, 5) (include/uapi/linux/pidfd.h), as this
                // architecture encodes it: 0xff05, but 0x2000ff05 on powerpc
                rawRc = RawKernel.ioctl((int) pidfd, ArchHeaders.io(0xff, 5), 0);
                if (rawRc >= 0) {
                    RawKernel.close(rawRc);
                }
            } finally {
                RawKernel.close((int) pidfd);
            }
            boolean has = rawRc >= 0;
            assertTrue(has || rawRc == -RawKernel.ENOTTY, "PIDFD_GET_PID_NAMESPACE: " + RawKernel.errnoName(rawRc));
            try (Pidfd process = Pidfd.open((int) leaf)) {
                for (NamespaceType type : NamespaceType.values()) {
                    try (Namespace ns = process.namespace(type)) {
                        assertEquals(Proc.nsInode(leaf, type.procName()), ns.inode(), type + " of " + process);
                    }
                }
            }
            // An exited process: no namespace, whichever way it is asked.
            Unshared gone = Unshared.start("net");
            try (Pidfd process = Pidfd.open((int) gone.pid(1))) {
                gone.close();
                assertThrows(NoSuchNamespaceException.class, () -> process.namespace(NamespaceType.NET).close());
            } finally {
                gone.close();
            }
            return has ? Cells.works("PIDFD_GET_*") : Cells.fallback("/proc + liveness");
        });
    }
}
