package io.github.nsfs4j;

import io.github.nsfs4j.internal.enter.NamespaceThread;
import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.testing.Commands;
import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Unshared;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * What the kernel would refuse is refused up front, with the documented exception and before
 * any setns: no nsfs4j thread is started and every thread of the JVM stays home. (User and time
 * namespaces are refused to tasks only: processes join them, NamespaceSetLauncherTest.)
 */
class EntryRefusalTest {

    /**
     * A set may hold a user or a time namespace (a process started from it joins them through
     * nsfs4j's launcher), but a task on a thread of the JVM is refused before any thread starts.
     */
    private static EntryRefusedException refusedTask(NamespaceSet set) {
        long started = NamespaceThread.STARTED.get();
        EntryRefusedException call = assertThrows(EntryRefusedException.class, () -> set.call(() -> 1));
        EntryRefusedException executor = assertThrows(EntryRefusedException.class, () -> set.executor(1).close());
        assertEquals(call.reason(), executor.reason());
        assertEquals(started, NamespaceThread.STARTED.get(), "no thread may have been started");
        assertEquals(Map.of(), Proc.foreignThreads());
        return call;
    }

    @Test
    void userNamespace() throws Exception {
        try (Unshared child = Unshared.start("user", "net");
                Pidfd pidfd = Pidfd.open(child.leafPid())) {
            try (NamespaceSet set = NamespaceSet.of(pidfd, NamespaceType.NET, NamespaceType.USER)) {
                assertEquals(java.util.Set.of(NamespaceType.NET, NamespaceType.USER), set.types());
                EntryRefusedException e = refusedTask(set);
                assertEquals(EntryRefusedException.Reason.USER_NAMESPACE, e.reason());
                assertTrue(e.getMessage().contains("NamespaceSet.start"), e.getMessage());
            }
            try (NamespaceSet all = NamespaceSet.allOf(pidfd)) {
                assertTrue(all.types().contains(NamespaceType.USER), "allOf holds the user namespace: " + all);
                assertEquals(EntryRefusedException.Reason.USER_NAMESPACE, refusedTask(all).reason());
            }
        }
    }

    @Test
    void timeNamespace() throws Exception {
        try (Unshared child = Unshared.start("time");
                Pidfd pidfd = Pidfd.open(child.leafPid());
                NamespaceSet set = NamespaceSet.of(pidfd, NamespaceType.TIME)) {
            EntryRefusedException e = refusedTask(set);
            assertEquals(EntryRefusedException.Reason.TIME_NAMESPACE, e.reason());
            assertTrue(e.getMessage().contains("timens_offsets"), e.getMessage());
        }
    }

    @Test
    void ownUserAndTimeNamespacesAreSkippedNotRefused() throws Exception {
        try (Unshared child = Unshared.start("net");
                Pidfd pidfd = Pidfd.open(child.leafPid());
                NamespaceSet set = NamespaceSet.of(pidfd, NamespaceType.NET, NamespaceType.USER, NamespaceType.TIME)) {
            assertEquals(java.util.Set.of(NamespaceType.NET), set.types());
            assertEquals(java.util.Set.of(NamespaceType.USER, NamespaceType.TIME), set.skipped());
        }
    }

    /**
     * A JVM inside a pid namespace may not enter a sibling's pid namespace, nor its parent's:
     * a child JVM (RefusalProbeMain) in `unshare --pid` tries, on the host's procfs.
     */
    @Test
    void pidNamespaceThatIsNotADescendant() {
        try (Unshared sibling = Unshared.start("pid")) {
            Commands.Result r = Unshared.builder().types("pid").run(childJvm(List.of(),
                    "/proc/" + sibling.leafPid() + "/ns/pid", "/proc/" + ProcessHandle.current().pid() + "/ns/pid"));
            assertEquals(0, r.exitCode(), r.toString());
            assertEquals("refused PID_NAMESPACE_NOT_DESCENDANT\nrefused PID_NAMESPACE_NOT_DESCENDANT\n"
                    + "threads home\n", r.stdout(), r.toString());
        }
    }

    /** An unprivileged JVM (setpriv to uid 65534) lacks CAP_SYS_ADMIN, also for a namespace it owns. */
    @Test
    void unprivilegedCaller() {
        Unshared.requireCommand("setpriv");
        List<String> nobody = List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups");
        try (Unshared own = Unshared.builder().prefix(nobody.toArray(String[]::new)).types("user", "net")
                .mapRootUser(true).start()) {
            assertEquals(65534L, Proc.uids(own.leafPid()).get(0), "the child runs as uid 65534, seen from here");
            Commands.Result r = Commands.run(childJvm(nobody, "/proc/" + own.leafPid() + "/ns/net"));
            assertEquals(0, r.exitCode(), r.toString());
            assertEquals("refused MISSING_CAPABILITY\nthreads home\n", r.stdout(), r.toString());
        }
    }

    private static List<String> childJvm(List<String> prefix, String... paths) {
        List<String> cmd = new java.util.ArrayList<>(prefix);
        cmd.addAll(Commands.javaCommand(List.of("--enable-native-access=ALL-UNNAMED"), RefusalProbeMain.class, paths));
        return cmd;
    }
}
