package io.github.nsfs4j.matrix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.nsfs4j.EntryRefusedException;
import io.github.nsfs4j.NamespaceSet;
import io.github.nsfs4j.Pidfd;
import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Unshared;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * Kernel suite: acting inside namespaces. A task runs with its thread in the target's
 * namespaces ({@code /proc/thread-self/ns/*} against the target's links) and every thread of
 * the JVM is home afterwards; a process started inside is in the target's namespaces and pid
 * namespace ({@code NSpid}); user and time are refused to a task before any setns, and a
 * process started by nsfs4j's launcher is in them.
 */
class KernelEnterTest {
    private static final List<String> TASK_TYPES = List.of("cgroup", "ipc", "mnt", "net", "uts");
    private static final List<String> PROCESS_TYPES = List.of("ipc", "mnt", "net", "pid", "uts");

    @Test
    void taskInNamespaces() throws Exception {
        Cells.check("enter: task in cgroup, ipc, mnt, net, uts", () -> {
            try (Unshared child = Unshared.start(TASK_TYPES.toArray(String[]::new));
                    Pidfd pidfd = Pidfd.open(child.leafPid());
                    NamespaceSet set = NamespaceSet.of(pidfd, types(TASK_TYPES))) {
                Map<String, String> inside = set.call(() -> {
                    Map<String, String> links = new LinkedHashMap<>();
                    for (String type : TASK_TYPES) {
                        links.put(type, Proc.readLink(Path.of("/proc/thread-self/ns", type)));
                    }
                    return links;
                });
                for (String type : TASK_TYPES) {
                    assertEquals(Proc.nsLink(child.leafPid(), type), inside.get(type), type + " inside the task");
                }
                assertEquals(Map.of(), Proc.foreignThreads(), "every thread of the JVM is home after the task");
            }
            return Cells.works("setns per namespace, restored");
        });
    }

    @Test
    void processInNamespaces() throws Exception {
        Cells.check("enter: process in ipc, mnt, net, pid, uts", () -> {
            try (Unshared child = Unshared.builder().types(PROCESS_TYPES).mountProc().start();
                    Pidfd pidfd = Pidfd.open(child.leafPid());
                    NamespaceSet set = NamespaceSet.of(pidfd, types(PROCESS_TYPES))) {
                Process p = set.start(new ProcessBuilder("sh", "-c", "echo $$; read line; exit 3"));
                String pidInside = readLine(p);
                for (String type : PROCESS_TYPES) {
                    assertEquals(Proc.nsLink(child.leafPid(), type), Proc.nsLink(p.pid(), type), type + " of the process");
                }
                List<Long> nspid = Proc.nsPid(p.pid());
                assertEquals(2, nspid.size(), "NSpid of a member of the target's pid namespace: " + nspid);
                assertEquals(Long.toString(nspid.get(1)), pidInside, "the kernel's NSpid agrees with the shell's $$");
                p.getOutputStream().close();
                assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the process ends");
                assertEquals(3, p.exitValue());
                assertEquals(Map.of(), Proc.foreignThreads(), "every thread of the JVM is home after the start");
            }
            return Cells.works("posix_spawn from an entered thread");
        });
    }

    @Test
    void userAndTimeRefusedToATask() throws Exception {
        Cells.check("enter: user and time refused to a task", () -> {
            try (Unshared child = Unshared.start("user", "time");
                    Pidfd pidfd = Pidfd.open(child.leafPid())) {
                for (NamespaceType type : List.of(NamespaceType.USER, NamespaceType.TIME)) {
                    try (NamespaceSet set = NamespaceSet.of(pidfd, type)) {
                        EntryRefusedException e = assertThrows(EntryRefusedException.class, () -> set.call(() -> 1),
                                type.name());
                        assertEquals(type == NamespaceType.USER ? EntryRefusedException.Reason.USER_NAMESPACE
                                : EntryRefusedException.Reason.TIME_NAMESPACE, e.reason());
                    }
                }
                assertEquals(Map.of(), Proc.foreignThreads(), "nothing was entered");
            }
            return Cells.works("EntryRefusedException, nothing entered");
        });
    }

    @Test
    void processInUserAndTime() throws Exception {
        Cells.check("enter: process in user, time, net (root)", () -> {
            try (Unshared child = Unshared.builder().types("user", "time", "net").mapRootUser(true).start();
                    Pidfd pidfd = Pidfd.open(child.leafPid());
                    NamespaceSet set = NamespaceSet.allOf(pidfd)) {
                Process p = set.start(new ProcessBuilder("sh", "-c", "readlink /proc/self/ns/user /proc/self/ns/time"
                        + " /proc/self/ns/net; id -u"));
                StringBuilder out = new StringBuilder();
                for (String line; !(line = readLine(p)).isEmpty();) {
                    out.append(line).append('\n');
                }
                assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the process ends");
                assertEquals(0, p.exitValue());
                assertEquals(Proc.nsLink(child.leafPid(), "user") + "\n" + Proc.nsLink(child.leafPid(), "time") + "\n"
                        + Proc.nsLink(child.leafPid(), "net") + "\n0\n", out.toString());
                assertEquals(Map.of(), Proc.foreignThreads(), "no thread of the JVM moved");
            }
            return Cells.works("nsfs4j's launcher, two passes");
        });
    }

    private static java.util.Set<NamespaceType> types(List<String> names) {
        java.util.Set<NamespaceType> types = java.util.EnumSet.noneOf(NamespaceType.class);
        names.forEach(n -> types.add(NamespaceType.fromName(n)));
        return types;
    }

    private static String readLine(Process p) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c; (c = p.getInputStream().read()) != -1 && c != '\n';) {
            line.append((char) c);
        }
        return line.toString();
    }
}
