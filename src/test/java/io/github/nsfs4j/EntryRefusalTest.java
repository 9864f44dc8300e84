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
 * any setns: no nsfs4j thread is started and every thread of the JVM stays home.
 */
class EntryRefusalTest {

    private static EntryRefusedException refused(Unshared child, NamespaceType... types) throws Exception {
        long started = NamespaceThread.STARTED.get();
        try (Pidfd pidfd = Pidfd.open(child.leafPid())) {
            EntryRefusedException e = assertThrows(EntryRefusedException.class,
                    () -> NamespaceSet.of(pidfd, types[0], java.util.Arrays.copyOfRange(types, 1, types.length))
                            .close());
            assertEquals(started, NamespaceThread.STARTED.get(), "no thread may have been started");
            assertEquals(Map.of(), Proc.foreignThreads());
            return e;
        }
    }

    @Test
    void userNamespace() throws Exception {
        try (Unshared child = Unshared.start("user", "net")) {
            EntryRefusedException e = refused(child, NamespaceType.NET, NamespaceType.USER);
            assertEquals(EntryRefusedException.Reason.USER_NAMESPACE, e.reason());
            assertTrue(e.getMessage().contains("nsenter"), e.getMessage());
            try (Pidfd pidfd = Pidfd.open(child.leafPid())) {
                EntryRefusedException all = assertThrows(EntryRefusedException.class, () -> NamespaceSet.allOf(pidfd));
                assertEquals(EntryRefusedException.Reason.USER_NAMESPACE, all.reason());
            }
        }
    }

    @Test
    void timeNamespace() throws Exception {
        try (Unshared child = Unshared.start("time")) {
            EntryRefusedException e = refused(child, NamespaceType.TIME);
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
