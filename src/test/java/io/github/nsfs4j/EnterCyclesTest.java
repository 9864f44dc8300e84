package io.github.nsfs4j;

import io.github.nsfs4j.internal.enter.NamespaceThread;
import io.github.nsfs4j.linux.Errno;
import io.github.nsfs4j.linux.LibC;
import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Unshared;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * 10,000 enter/run/restore cycles with failures injected at every stage: afterwards no thread
 * of the JVM is in a namespace but its own, no fd leaked, and every failure reached the caller
 * as what it was.
 */
class EnterCyclesTest {
    private static final int CYCLES = 10_000;

    @AfterEach
    void noFaults() {
        NamespaceThread.faults = null;
    }

    @Test
    void tenThousandCyclesWithFailuresInjected() throws Exception {
        try (Unshared target = Unshared.start("cgroup", "net", "pid", "uts");
                Pidfd pidfd = Pidfd.open(target.leafPid());
                NamespaceSet set = NamespaceSet.of(pidfd, NamespaceType.NET, NamespaceType.UTS, NamespaceType.PID,
                        NamespaceType.CGROUP)) {
            assertEquals(4, set.types().size(), "all four differ from the JVM's: " + set);
            String net = Proc.nsLink(target.leafPid(), "net");
            set.call(() -> null); // warm up: the JVM's namespaces are recorded (fds kept) on first use
            int fdsBefore = Proc.fdCount();
            List<String> nsFdsBefore = Proc.nsFdLinks();
            AtomicInteger cycle = new AtomicInteger();
            // the kernel's order: uts, pid, cgroup, net; failing net leaves three to roll back
            NamespaceThread.faults = (type, restoring) -> {
                int c = cycle.get();
                if (!restoring && type == NamespaceType.NET && c % 13 == 5) {
                    return -Errno.EPERM;
                }
                if (restoring && type == NamespaceType.NET && c % 11 == 3) {
                    return -Errno.EINVAL; // really does not go back: the check must catch it
                }
                return 0;
            };
            int ok = 0;
            int taskFailures = 0;
            int entryFailures = 0;
            int restoreFailures = 0;
            int movedByTask = 0;
            for (int c = 0; c < CYCLES; c++) {
                cycle.set(c);
                int kind = c;
                try {
                    String seen = set.call(() -> {
                        if (kind % 7 == 1) {
                            throw new IOException("task failure " + kind);
                        }
                        if (kind % 17 == 2) {
                            LibC.unshare(NamespaceType.IPC.cloneFlag()); // the task moves its own thread
                        }
                        return Proc.threadNsLink("net");
                    });
                    assertEquals(net, seen);
                    ok++;
                } catch (IOException e) {
                    if (e instanceof RestoreFailedException r) {
                        assertTrue(kind % 11 == 3 || kind % 17 == 2, "cycle " + kind + ": " + r);
                        if (kind % 17 == 2 && kind % 11 != 3) {
                            assertTrue(r.getMessage().contains("ipc"), r.getMessage());
                            movedByTask++;
                        } else {
                            restoreFailures++;
                        }
                        assertTrue(r.taskCompleted());
                        assertEquals(net, r.result(String.class));
                    } else if (e instanceof NamespaceAccessDeniedException) {
                        assertEquals(5, kind % 13, "cycle " + kind + ": " + e);
                        entryFailures++;
                    } else {
                        assertEquals("task failure " + kind, e.getMessage());
                        taskFailures++;
                        if (kind % 11 == 3) {
                            assertEquals(1, e.getSuppressed().length, "the restore failure is added to it");
                            restoreFailures++;
                        }
                    }
                }
            }
            NamespaceThread.faults = null;
            assertEquals(CYCLES, ok + taskFailures + entryFailures + restoreFailures + movedByTask
                    - countBoth(), "every cycle accounted for");
            assertTrue(taskFailures > 1000 && entryFailures > 500 && restoreFailures > 500 && movedByTask > 100,
                    ok + " " + taskFailures + " " + entryFailures + " " + restoreFailures + " " + movedByTask);
            assertEquals(Map.of(), Proc.foreignThreadsSettled());
            assertEquals(nsFdsBefore, Proc.nsFdLinks(), "no namespace fd leaked");
            assertTrue(Proc.fdCount() <= fdsBefore, "no fd leaked: " + fdsBefore + " before, now " + Proc.fds());
        }
    }

    /** Cycles where a task failure and an injected restore failure coincide are counted twice above. */
    private static int countBoth() {
        int both = 0;
        for (int c = 0; c < CYCLES; c++) {
            if (c % 13 != 5 && c % 7 == 1 && c % 11 == 3) {
                both++;
            }
        }
        return both;
    }
}
