package io.github.nsfs4j.matrix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.nsfs4j.EntryRefusedException;
import io.github.nsfs4j.NamespaceSet;
import io.github.nsfs4j.Pidfd;
import io.github.nsfs4j.LauncherProbeMain;
import io.github.nsfs4j.ProcessOptions;
import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.linux.Arch;
import io.github.nsfs4j.linux.Launcher;
import io.github.nsfs4j.testing.Cgroup2;
import io.github.nsfs4j.testing.Commands;
import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.ThreadInNamespace;
import io.github.nsfs4j.testing.Unshared;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * process started by nsfs4j's launcher is in them (by root, and by their unprivileged owner),
 * or, on an architecture without a launcher, refused saying so; the launcher's --keep-caps and
 * --join-cgroup steps against the command's own status and cgroup.
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

    /**
     * A thread id as the target ({@code nsfs exec -t TID}, Pidfd.open(TID)): a thread of this JVM
     * that joined a child's net namespace while its process did not; the thread's pidfd
     * (PIDFD_THREAD) gives that thread's namespace and a process started in it is there. Before
     * the kernel has thread pidfds, refused naming the kernel needed.
     */
    @Test
    void targetNamedByAThreadId() throws Exception {
        Cells.check("enter: target named by a thread id", () -> {
            try (Unshared child = Unshared.start("net");
                    ThreadInNamespace thread = new ThreadInNamespace(child.leafPid(), "net")) {
                int tid = thread.tid();
                String inside = Proc.nsLink(child.leafPid(), "net");
                assertEquals(inside, Proc.nsLink(tid, "net"), "the kernel's truth: the thread is in the child's net");
                Pidfd pidfd;
                try {
                    pidfd = Pidfd.open(tid);
                } catch (io.github.nsfs4j.NamespaceException e) {
                    return Cells.refused(e);
                }
                try (pidfd; NamespaceSet set = NamespaceSet.of(pidfd, NamespaceType.NET)) {
                    Process p = set.start(new ProcessBuilder("readlink", "/proc/self/ns/net"));
                    assertEquals(inside, readLine(p), "the process started from the thread's pidfd");
                    assertTrue(p.waitFor(120, TimeUnit.SECONDS));
                    assertEquals(0, p.exitValue());
                }
            }
            return Cells.works("PIDFD_THREAD");
        });
    }

    private static final List<String> LAUNCHER_TYPES = List.of("user", "time", "mnt", "pid");

    /** The command's links of the launcher's types. */
    private static final String LINKS = "for t in user time mnt pid; do readlink /proc/self/ns/$t; done; ";
    /**
     * Then {@code NSpid} from its own status, read by a shell that the command's process becomes
     * (/proc/$$ would be the host's), with builtins only: a guest's root filesystem may have no grep.
     */
    private static final String NSPID = "exec sh -c 'while IFS= read -r l; do case $l in NSpid*) echo \"$l\";;"
            + " esac; done < /proc/self/status'";

    /**
     * A process in user, time, mnt and pid namespaces, started by root through nsfs4j's launcher
     * (its two passes, then its relay for the pid namespace): the command's links are the
     * target's, its NSpid has the target's level, and the pid it has there is the one it sees.
     * Where nsfs4j has no launcher (riscv64, s390x, ppc64le) the start must be refused, saying so.
     */
    @Test
    void processInUserTimeMountAndPid() throws Exception {
        Cells.check("enter: process in user, time, mnt, pid (root)", () -> {
            try (Unshared child = Unshared.builder().types(LAUNCHER_TYPES).mapRootUser(true).start();
                    Pidfd pidfd = Pidfd.open(child.leafPid());
                    NamespaceSet set = NamespaceSet.allOf(pidfd)) {
                if (!Launcher.generatedFor(Arch.RUNNING)) {
                    EntryRefusedException e = assertThrows(EntryRefusedException.class,
                            () -> set.start(new ProcessBuilder("true")));
                    return noLauncher(e.reason(), e.getMessage());
                }
                Process p = set.start(new ProcessBuilder("sh", "-c", LINKS + "read line; " + NSPID));
                List<String> lines = new ArrayList<>();
                for (int i = 0; i < LAUNCHER_TYPES.size(); i++) {
                    lines.add(readLine(p));
                }
                List<Long> commands = Proc.children(p.pid());
                assertEquals(1, commands.size(), "the relay has one child, the command: " + commands);
                long command = commands.getFirst();
                List<Long> nspid = Proc.nsPid(command);
                for (String type : LAUNCHER_TYPES) {
                    assertEquals(Proc.nsLink(child.leafPid(), type), Proc.nsLink(command, type), type + " from outside");
                }
                p.getOutputStream().close();
                lines.add(readLine(p));
                checkLinksAndNsPid(child.leafPid(), lines, nspid);
                assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the process ends");
                assertEquals(0, p.exitValue());
                assertEquals(Map.of(), Proc.foreignThreads(), "no thread of the JVM moved");
            }
            return Cells.works("nsfs4j's launcher, two passes, a relay");
        });
    }

    /**
     * The same started by an unprivileged owner of the namespaces (a JVM as uid 65534, which
     * made them): the kernel lets it enter the user namespace only, and the others only after
     * it (nsenter's second pass).
     */
    @Test
    void processInUserTimeMountAndPidByTheirOwner() throws Exception {
        Cells.check("enter: process in user, time, mnt, pid (unprivileged owner)", () -> {
            Unshared.requireCommand("setpriv");
            List<String> nobody = List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups");
            try (Unshared child = Unshared.builder().prefix(nobody.toArray(String[]::new)).types(LAUNCHER_TYPES)
                    .mapRootUser(true).start()) {
                List<String> cmd = new ArrayList<>(nobody);
                cmd.addAll(Commands.javaCommand(List.of("--enable-native-access=ALL-UNNAMED"),
                        LauncherProbeMain.class, Long.toString(child.leafPid()), "all", "sh", "-c", LINKS + NSPID));
                Commands.Result r = Commands.run(cmd);
                assertEquals(0, r.exitCode(), r.toString());
                List<String> lines = r.stdout().lines().toList();
                if (!Launcher.generatedFor(Arch.RUNNING)) {
                    assertTrue(lines.getFirst().startsWith("EntryRefusedException: "), r.toString());
                    return noLauncher(EntryRefusedException.Reason.LAUNCHER_UNAVAILABLE, lines.getFirst());
                }
                assertTrue(lines.size() == LAUNCHER_TYPES.size() + 4, r.toString());
                String nspid = lines.get(LAUNCHER_TYPES.size());
                assertTrue(nspid.matches("NSpid:\\t\\d+\\t\\d+"), "two levels: " + r);
                String[] levels = nspid.split("\t");
                checkLinksAndNsPid(child.leafPid(), lines.subList(0, LAUNCHER_TYPES.size() + 1),
                        List.of(Long.parseLong(levels[1]), Long.parseLong(levels[2])));
                assertEquals(List.of("exit 0", "fds as before", "children as before"),
                        lines.subList(LAUNCHER_TYPES.size() + 1, lines.size()), r.toString());
            }
            return Cells.works("nsfs4j's launcher, user namespace in the second pass");
        });
    }

    /** The command's capability sets from its own status, with shell builtins only (a guest may have no grep). */
    private static final String CAPS = "while IFS= read -r l; do case $l in CapInh*|CapPrm*|CapEff*|CapAmb*) echo \"$l\";;"
            + " esac; done < /proc/self/status";

    /**
     * --keep-caps by an unprivileged owner (a JVM as uid 65534) of a user namespace that maps
     * 65534 to itself, with preserveCredentials: the command, 65534 inside, keeps the
     * capabilities the user namespace gave it (capset, then PR_CAP_AMBIENT_RAISE: Linux 4.3):
     * its ambient set is its effective one, and not empty, as its own status shows.
     */
    @Test
    void keepCapabilitiesByTheOwner() throws Exception {
        Cells.check("enter: --keep-caps (unprivileged owner)", () -> {
            Unshared.requireCommand("setpriv");
            List<String> nobody = List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups");
            try (Unshared child = Unshared.builder().prefix(nobody.toArray(String[]::new)).types("user", "net")
                    .mapRootUser(false).options("--map-current-user").start()) {
                List<String> cmd = new ArrayList<>(nobody);
                cmd.addAll(Commands.javaCommand(List.of("--enable-native-access=ALL-UNNAMED"), LauncherProbeMain.class,
                        Long.toString(child.leafPid()), "user,net+preserve+keepcaps", "sh", "-c", CAPS));
                Commands.Result r = Commands.run(cmd);
                assertEquals(0, r.exitCode(), r.toString());
                List<String> lines = r.stdout().lines().toList();
                if (!Launcher.generatedFor(Arch.RUNNING)) {
                    return noLauncher(EntryRefusedException.Reason.LAUNCHER_UNAVAILABLE, lines.getFirst());
                }
                assertEquals(7, lines.size(), r.toString());
                String eff = lines.get(2).substring("CapEff:".length());
                assertTrue(lines.get(2).startsWith("CapEff:") && !eff.trim().matches("0+"), r.toString());
                assertEquals("CapAmb:" + eff, lines.get(3), "ambient = effective: " + r);
                assertEquals(lines.get(1).substring("CapPrm:".length()), lines.get(0).substring("CapInh:".length()),
                        "inheritable = permitted: " + r);
                assertEquals(List.of("exit 0", "fds as before", "children as before"), lines.subList(4, 7), r.toString());
            }
            return Cells.works("capset, PR_CAP_AMBIENT_RAISE after entering");
        });
    }

    /**
     * joinCgroup of the target's cgroup v2 cgroup (one made for the test under the guest's
     * cgroup2 mount), into all of the target's namespaces, a pid namespace among them: the
     * command and its relay are in it, as their /proc/PID/cgroup shows.
     */
    @Test
    void joinCgroupOfTheTarget() throws Exception {
        Cells.check("enter: --join-cgroup, with a relay (root)", () -> {
            try (Cgroup2 cgroup = Cgroup2.create();
                    Unshared child = Unshared.builder().types("mnt", "net", "pid").mountProc().start();
                    Pidfd pidfd = Pidfd.open(child.leafPid());
                    NamespaceSet set = NamespaceSet.allOf(pidfd)) {
                cgroup.add(child.leafPid());
                String line = "0::" + cgroup.path();
                assertEquals(java.util.Optional.of(cgroup.path()), pidfd.cgroup(), "Pidfd.cgroup: the kernel's record");
                ProcessOptions options = new ProcessOptions().joinCgroup(cgroup.path());
                if (!Launcher.generatedFor(Arch.RUNNING)) {
                    EntryRefusedException e = assertThrows(EntryRefusedException.class,
                            () -> set.start(new ProcessBuilder("true"), options));
                    return noLauncher(e.reason(), e.getMessage());
                }
                Process p = set.start(new ProcessBuilder("sh", "-c", "while IFS= read -r l; do case $l in 0::*)"
                        + " echo \"$l\";; esac; done < /proc/self/cgroup; read x; exit 0"), options);
                assertEquals(line, readLine(p), "the command's own /proc/self/cgroup");
                assertEquals(line, Cgroup2.lineOf(p.pid()), "the relay's");
                List<Long> commands = Proc.children(p.pid());
                assertEquals(1, commands.size(), "the relay has one child, the command: " + commands);
                assertEquals(line, Cgroup2.lineOf(commands.getFirst()), "the command's, seen outside");
                p.getOutputStream().close();
                assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the process ends");
                assertEquals(0, p.exitValue());
            }
            return Cells.works("cgroup.procs opened by the JVM, written first by the launcher");
        });
    }

    /** The command's links are the target's; NSpid has two levels, and the last is the one the command printed. */
    private static void checkLinksAndNsPid(long target, List<String> lines, List<Long> nspid) {
        for (int i = 0; i < LAUNCHER_TYPES.size(); i++) {
            assertEquals(Proc.nsLink(target, LAUNCHER_TYPES.get(i)), lines.get(i), LAUNCHER_TYPES.get(i) + " inside");
        }
        assertEquals(2, nspid.size(), "a member of the target's pid namespace, one level down: " + nspid);
        assertEquals("NSpid:\t" + nspid.get(0) + "\t" + nspid.get(1), lines.get(LAUNCHER_TYPES.size()),
                "the command's own status agrees with the kernel's NSpid");
    }

    /** The refusal where nsfs4j has no launcher: its reason, and a message naming what is needed. */
    private static Cells.Cell noLauncher(EntryRefusedException.Reason reason, String message) {
        assertEquals(EntryRefusedException.Reason.LAUNCHER_UNAVAILABLE, reason, message);
        assertTrue(message.contains(Launcher.ARCHITECTURES) && message.contains(Arch.RUNNING.toString()), message);
        return new Cells.Cell(Cells.Status.REFUSED, "no launcher for " + Arch.RUNNING);
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
