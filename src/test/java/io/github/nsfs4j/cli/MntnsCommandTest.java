package io.github.nsfs4j.cli;

import io.github.nsfs4j.testing.Commands;
import io.github.nsfs4j.testing.Json;
import io.github.nsfs4j.testing.Lsns;
import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Unshared;

import static io.github.nsfs4j.cli.CliRun.big;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** {@code nsfs mntns}: the caller's own mount namespace is always listed, with the truth about it. */
class MntnsCommandTest {

    private static final long SELF = ProcessHandle.current().pid();

    @SuppressWarnings("unchecked")
    @Test
    void listsOurOwnMountNamespace() throws Exception {
        CliRun run = CliRun.of("mntns", "--json");
        assertEquals(0, run.status(), run::toString);
        Map<String, Object> doc = run.json();
        assertEquals(List.of("mount_namespaces"), List.copyOf(doc.keySet()));
        List<Map<String, Object>> rows = (List<Map<String, Object>>) (List<?>) doc.get("mount_namespaces");
        assertFalse(rows.isEmpty());
        Object ownId = CliRun.of("info", "--json", "mnt:" + SELF).json().get("id");
        Map<String, Object> own = rows.stream().filter(r -> r.get("id").equals(ownId)).findFirst().orElseThrow();
        assertEquals(List.of("id", "ns", "nr_mounts"), List.copyOf(own.keySet()));
        assertEquals(big(Proc.nsInode(SELF, "mnt")), own.get("ns"));
        long mounts = Proc.mountinfo("self").size();
        assertEquals(BigInteger.valueOf(mounts), own.get("nr_mounts"));
        // In id order.
        for (int i = 1; i < rows.size(); i++) {
            assertTrue(((BigInteger) rows.get(i - 1).get("id")).compareTo((BigInteger) rows.get(i).get("id")) < 0);
        }
        // Anything said about a partial walk is said on stderr, on one line each.
        run.errLines().forEach(line -> assertTrue(line.startsWith("nsfs mntns: "), line));
    }

    @SuppressWarnings("unchecked")
    @Test
    void walkSeesEveryMountNamespaceLsnsSees() throws Exception {
        Assumptions.assumeTrue(Proc.nsInode(SELF, "pid") == 0xEFFFFFFCL, "not in the initial pid namespace");
        try (Unshared child = Unshared.start("mnt")) {
            // Other processes may make and drop mount namespaces meanwhile: only those lsns
            // lists both before and after the walk must be in it.
            Set<Long> before = new HashSet<>();
            for (Lsns.Row row : Lsns.snapshot().values()) {
                before.add(row.ns());
            }
            CliRun run = CliRun.of("mntns", "--json");
            assertEquals(0, run.status(), run::toString);
            assertEquals("", run.err(), run::toString);
            Set<Object> walked = new HashSet<>();
            for (Object row : (List<Object>) run.json().get("mount_namespaces")) {
                walked.add(((Map<String, Object>) row).get("ns"));
            }
            long childMnt = Proc.nsInode(child.leafPid(), "mnt");
            assertTrue(walked.contains(big(childMnt)), run::toString);
            for (Lsns.Row row : Lsns.snapshot().values()) {
                if (row.type().equals("mnt") && before.contains(row.ns())) {
                    assertTrue(walked.contains(big(row.ns())), "lsns lists mnt:[" + row.ns() + "]\n" + run);
                }
            }
        }
    }

    /**
     * Outside the initial pid namespace the kernel refuses the walk: nsfs runs there (a JVM
     * started by unshare --pid --fork on this test's class path), prints its own mount
     * namespace and says why on stderr.
     */
    @SuppressWarnings("unchecked")
    @Test
    void outsideTheInitialPidNamespaceOnlyOurOwnIsShown() throws Exception {
        Commands.Result r = Unshared.builder().types("pid").run(
                Commands.javaCommand(List.of("--enable-native-access=ALL-UNNAMED"), Main.class, "mntns", "--json"));
        String report = r.toString();
        assertEquals(0, r.exitCode(), report);
        List<Object> rows = (List<Object>) Json.object(r.stdout()).get("mount_namespaces");
        assertEquals(1, rows.size(), report);
        assertEquals(big(Proc.nsInode(SELF, "mnt")), ((Map<String, Object>) rows.getFirst()).get("ns"), report);
        assertEquals(1, r.stderr().lines().count(), report);
        assertTrue(r.stderr().startsWith("nsfs mntns: showing only your own mount namespace: the kernel refuses"
                + " the walk (NS_MNT_GET_NEXT/PREV: EPERM)"), report);
    }

    @Test
    void textOutputIsATable() throws Exception {
        CliRun run = CliRun.of("mntns");
        assertEquals(0, run.status(), run::toString);
        List<String> lines = run.out().lines().toList();
        assertTrue(lines.getFirst().matches(" *ID +NS +NR_MOUNTS"), run::toString);
        String inode = Long.toUnsignedString(Proc.nsInode(SELF, "mnt"));
        assertTrue(lines.stream().anyMatch(l -> l.contains(" " + inode + " ")), run::toString);
    }
}
