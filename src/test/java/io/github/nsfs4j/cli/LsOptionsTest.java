package io.github.nsfs4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.nsfs4j.testing.Commands;
import io.github.nsfs4j.testing.Json;
import io.github.nsfs4j.testing.LsnsRelease;
import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Unshared;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * lsns 2.41's options of {@code nsfs ls}, held against lsns 2.41 itself (Debian 13's,
 * {@link LsnsRelease}) and the kernel's truth: {@code -Q} (its supported subset selects the
 * rows lsns selects; the rest is refused), {@code -P}, {@code -p}, {@code -n}, {@code -H},
 * a NAMESPACE operand, {@code -T}.
 */
class LsOptionsTest {

    private static Unshared child;

    @BeforeAll
    static void start() {
        child = Unshared.builder().types("user", "pid", "net", "uts").start();
    }

    @AfterAll
    static void stop() {
        if (child != null) {
            child.close();
        }
    }

    /** The NS column of stable rows, for lsns 2.41 and nsfs with the same options (retried while the machine changes). */
    private static void sameRows(String... options) {
        Set<String> ours = null;
        Set<String> theirs = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            List<String> args = new ArrayList<>(List.of("-n", "-o", "NS"));
            args.addAll(List.of(options));
            Commands.Result lsns = Commands.run(LsnsRelease.command(args.toArray(String[]::new)));
            args.addFirst("ls");
            CliRun nsfs = CliRun.of(args.toArray());
            assertEquals(0, nsfs.status(), nsfs::toString);
            theirs = new TreeSet<>(lsns.stdout().lines().map(String::strip).toList());
            ours = new TreeSet<>(nsfs.out().lines().map(String::strip).toList());
            if (ours.equals(theirs)) {
                break;
            }
        }
        assertEquals(theirs, ours, () -> "nsfs ls and lsns 2.41 with " + List.of(options));
    }

    @Test
    void filtersSelectTheRowsLsnsSelects() {
        String net = Long.toString(Proc.nsInode(child.leafPid(), "net"));
        sameRows("-Q", "TYPE == \"net\" && NS == " + net);
        sameRows("-Q", "(TYPE eq 'pid' or TYPE eq 'user') and not NPROCS < 1", "-t", "pid", "-t", "user");
        sameRows("-Q", "COMMAND =~ \"^sh\" && PID >= " + child.leafPid());
        sameRows("-Q", "TYPE != \"mnt\" && TYPE !~ \"^(cgroup|ipc|time|uts|net|pid|user)$\"");
        sameRows("-p", Integer.toString(child.leafPid()));
    }

    @Test
    void whatTheSubsetLacksIsRefused() {
        for (String expr : List.of("NPROCS > 1.5", "foo == 1", "NPROCS ~ 1", "(TYPE == \"net\"", "TYPE ==",
                "NPROCS == -1", "\"net\"")) {
            CliRun r = CliRun.of("ls", "-Q", expr).assertFailure(2);
            assertTrue(r.err().startsWith("nsfs ls: -Q '"), r::toString);
        }
        CliRun.of("ls", "-o", "NS,BOGUS").assertFailure(2);
        CliRun.of("ls", "-Tsideways").assertFailure(2);
        CliRun.of("ls", "x1").assertFailure(2);
    }

    @Test
    void persistentTaskNamespaceAndColumns() {
        CliRun persistent = CliRun.of("ls", "--json", "-P");
        for (Object o : Json.asArray(persistent.json().get("namespaces"))) {
            assertEquals(0L, Json.asLong(Json.asObject(o).get("nprocs")), o::toString);
        }
        CliRun task = CliRun.of("ls", "-n", "-o", "NS", "-p", Integer.toString(child.leafPid()));
        Set<String> truth = new TreeSet<>();
        for (String type : Unshared.ALL_TYPES) {
            truth.add(Long.toString(Proc.nsInode(child.leafPid(), type)));
        }
        assertEquals(truth, new TreeSet<>(task.out().lines().map(String::strip).toList()));
        CliRun.of("ls", "-p", Integer.toString(Proc.unusedPid())).assertFailure(1);

        // NAMESPACE: the processes in it, as a tree; the truth: readlink /proc/*/ns/net
        long net = Proc.nsInode(child.leafPid(), "net");
        CliRun members = CliRun.of("ls", "--json", Long.toString(net));
        assertEquals(0, members.status(), members::toString);
        Set<Long> listed = new TreeSet<>();
        collect(Json.asArray(members.json().get("namespaces")), listed);
        Set<Long> expected = new TreeSet<>();
        for (long pid : Proc.pids()) {
            try {
                if (Proc.nsInode(pid, "net") == net) {
                    expected.add(pid);
                }
            } catch (RuntimeException gone) {
                // exited meanwhile
            }
        }
        assertEquals(expected, listed);
        CliRun.of("ls", "4294967290").assertFailure(1);

        // -H: every column, lsns's first
        List<String> columns = CliRun.of("ls", "-H").out().lines().map(l -> l.strip().split(" ")[0]).toList();
        assertEquals(List.of("NS", "TYPE", "PATH", "NPROCS", "PID", "PPID", "COMMAND", "UID", "USER", "NETNSID", "NSFS",
                "PNS", "ONS", "ID", "HELD"), columns);
        // -n: no header; -o +PATH adds to the default
        assertTrue(CliRun.of("ls", "-n").out().lines().noneMatch(l -> l.contains("NPROCS")));
        assertTrue(CliRun.of("ls", "-o", "+PATH").out().lines().findFirst().orElseThrow().matches(".* COMMAND +PATH"));
        // -T parent: the child's pid namespace under ours
        CliRun tree = CliRun.of("ls", "--json", "-Tparent", "-t", "pid");
        assertTrue(tree.out().contains("\"children\""), tree::toString);
    }

    private static void collect(List<Object> nodes, Set<Long> pids) {
        for (Object o : nodes) {
            pids.add(Json.asLong(Json.asObject(o).get("pid")));
            Object children = Json.asObject(o).get("children");
            if (children != null) {
                collect(Json.asArray(children), pids);
            }
        }
    }
}
