package io.github.nsfs4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.nsfs4j.testing.Commands;
import io.github.nsfs4j.testing.Proc;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The common rules of the contract: help, version, usage errors, exit statuses. */
class MainTest {

    private static final String[] SUBCOMMANDS = {"ls", "tree", "info", "pid", "init-pid", "mntns"};

    @Test
    void helpListsEverySubcommand() {
        for (String flag : new String[] {"--help", "-h"}) {
            CliRun run = CliRun.of(flag);
            assertEquals(0, run.status(), run::toString);
            assertTrue(run.out().startsWith("Usage: nsfs"), run::toString);
            assertEquals("", run.err());
            for (String sub : SUBCOMMANDS) {
                assertTrue(run.out().contains("\n  " + sub + " "), () -> sub + " missing from\n" + run.out());
            }
        }
        assertEquals(CliRun.of("--help").out(), CliRun.of("help").out());
    }

    @ParameterizedTest
    @ValueSource(strings = {"ls", "tree", "info", "pid", "init-pid", "mntns"})
    void everySubcommandHasHelp(String sub) {
        for (CliRun run : new CliRun[] {CliRun.of(sub, "--help"), CliRun.of(sub, "-h"), CliRun.of("help", sub),
                CliRun.of(sub, "--json", "--bogus", "--help")}) {
            assertEquals(0, run.status(), run::toString);
            assertTrue(run.out().startsWith("Usage: nsfs " + sub + " "), run::toString);
            assertTrue(run.out().contains("--json"), run::toString);
            assertEquals("", run.err(), run::toString);
        }
    }

    @Test
    void version() {
        for (CliRun run : new CliRun[] {CliRun.of("--version"), CliRun.of("-V"), CliRun.of("info", "--version")}) {
            assertEquals(0, run.status(), run::toString);
            assertEquals("nsfs (nsfs4j) " + Main.FALLBACK_VERSION + "\n", run.out());
            assertEquals("", run.err());
        }
    }

    @Test
    void unknownSubcommandIsAUsageError() {
        CliRun run = CliRun.of("frobnicate", "--json").assertFailure(2);
        assertTrue(run.err().startsWith("nsfs: unknown subcommand 'frobnicate'"), run::toString);
        assertTrue(run.err().contains("nsfs --help"), run::toString);
        CliRun.of("help", "frobnicate").assertFailure(2);
    }

    @Test
    void noSubcommandIsAUsageError() {
        CliRun run = CliRun.of().assertFailure(2);
        assertTrue(run.err().contains("info"), run::toString);
        CliRun.of("--json").assertFailure(2);
    }

    @Test
    void unknownOptionsAreUsageErrors() {
        assertTrue(CliRun.of("--frob").assertFailure(2).err().contains("unknown option '--frob'"));
        assertTrue(CliRun.of("info", "--frob", "net:1").assertFailure(2).err()
                .startsWith("nsfs info: unknown option '--frob'"));
        CliRun.of("info", "--json=yes", "net:1").assertFailure(2);
        CliRun.of("pid", "--from").assertFailure(2);
        CliRun.of("mntns", "-x").assertFailure(2);
    }

    @Test
    void missingOrExtraOperandsAreUsageErrors() {
        long self = ProcessHandle.current().pid();
        CliRun.of("info").assertFailure(2);
        CliRun.of("info", "--json").assertFailure(2);
        CliRun.of("info", "net:" + self, "uts:" + self).assertFailure(2);
        CliRun.of("mntns", "extra").assertFailure(2);
    }

    @Test
    void badNsrefsAreUsageErrors() {
        assertTrue(CliRun.of("info", "bogus:1").assertFailure(2).err().contains("cgroup ipc mnt net pid time user uts"));
        CliRun.of("info", "net:abc").assertFailure(2);
        CliRun.of("info", "net:0").assertFailure(2);
        CliRun.of("info", "net:99999999999").assertFailure(2);
        CliRun.of("info", "").assertFailure(2);
        // A bare PID where the type is not implied: say to write TYPE:PID.
        assertTrue(CliRun.of("info", "4242").assertFailure(2).err().contains("TYPE:4242"));
    }

    @Test
    void lsAndTreeUsageErrors() {
        assertTrue(CliRun.of("ls", "-t", "bogus").assertFailure(2).err()
                .startsWith("nsfs ls: unknown namespace type 'bogus' for -t; TYPE is one of cgroup ipc mnt net pid time user uts"));
        CliRun.of("ls", "-t").assertFailure(2);
        CliRun.of("ls", "--json", "extra").assertFailure(2);
        assertTrue(CliRun.of("tree", "--by", "sideways").assertFailure(2).err()
                .startsWith("nsfs tree: --by takes owner or parent, not 'sideways'"));
        CliRun.of("tree", "--by").assertFailure(2);
        CliRun.of("tree", "extra").assertFailure(2);
    }

    /** Without extra namespaces (and without root): ls and tree list at least this JVM's own. */
    @ParameterizedTest
    @ValueSource(strings = {"ls", "tree"})
    @SuppressWarnings("unchecked")
    void lsAndTreeListOurOwnNamespaces(String sub) throws Exception {
        long self = ProcessHandle.current().pid();
        CliRun run = CliRun.of(sub, "--json");
        assertEquals(0, run.status(), run::toString);
        assertEquals("", run.err(), run::toString);
        assertEquals(List.of("namespaces", "processes_scanned", "processes_refused", "processes_vanished",
                "namespaces_vanished", "sockets_refused"), List.copyOf(run.json().keySet()));
        java.util.Set<Object> seen = new java.util.HashSet<>();
        java.util.ArrayDeque<Object> todo = new java.util.ArrayDeque<>((List<Object>) run.json().get("namespaces"));
        while (!todo.isEmpty()) {
            Map<String, Object> ns = (Map<String, Object>) todo.pop();
            seen.add(ns.get("ns"));
            if (sub.equals("tree")) {
                todo.addAll((List<Object>) ns.get("children"));
            }
        }
        for (String type : new String[] {"cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"}) {
            assertTrue(seen.contains(CliRun.big(Proc.nsInode(self, type))), type);
        }
        CliRun text = CliRun.of(sub);
        assertEquals(0, text.status(), text::toString);
        assertTrue(text.out().lines().findFirst().orElseThrow().strip().startsWith("NS "), text::out);
    }

    @Test
    void globalJsonOptionReachesTheSubcommand() {
        long self = ProcessHandle.current().pid();
        CliRun run = CliRun.of("--json", "info", "uts:" + self);
        assertEquals(0, run.status(), run::toString);
        assertEquals("uts", run.json().get("type"));
    }

    @Test
    void notANamespaceFile() {
        for (String path : new String[] {"/etc/passwd", "/proc", "/dev/null"}) {
            for (CliRun run : new CliRun[] {CliRun.of("info", path), CliRun.of("info", "--json", path)}) {
                run.assertFailure(2);
                assertEquals("nsfs info: " + path + " is not a namespace file; give /proc/PID/ns/TYPE,"
                        + " a bind mount of one, or TYPE:PID\n", run.err());
            }
        }
        CliRun.of("pid", "--from", "/etc/passwd", "1").assertFailure(2);
        CliRun.of("init-pid", "/etc/passwd").assertFailure(2);
    }

    @Test
    void goneProcessOrMissingFileExits1() throws Exception {
        long dead = Proc.deadPid();
        CliRun run = CliRun.of("info", "net:" + dead).assertFailure(1);
        assertTrue(run.err().contains("no process " + dead), run::toString);
        CliRun.of("info", "--json", "/proc/" + dead + "/ns/net").assertFailure(1);
        CliRun.of("info", "/nonexistent/netns/blue").assertFailure(1);
        CliRun.of("pid", "--from", String.valueOf(dead), "1").assertFailure(1);
        CliRun.of("init-pid", "--json", "pid:" + dead).assertFailure(1);
    }

    @Test
    void wrongTypeForPidSubcommands() {
        long self = ProcessHandle.current().pid();
        assertTrue(CliRun.of("pid", "--from", "net:" + self, "1").assertFailure(2).err().contains("pid namespace"));
        assertTrue(CliRun.of("pid", "--in", "/proc/" + self + "/ns/net", "1").assertFailure(2).err()
                .contains("is a net namespace"));
        CliRun.of("init-pid", "user:" + self).assertFailure(2);
    }

    /** PID 1 of this machine refuses inspection even to root: the message must say so. */
    @Test
    void permissionRefused() throws Exception {
        boolean refused;
        try {
            Files.readSymbolicLink(Path.of("/proc/1/ns/net"));
            refused = false;
        } catch (java.nio.file.AccessDeniedException e) {
            refused = true;
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(refused, "/proc/1/ns/net is readable here");
        CliRun run = CliRun.of("info", "--json", "net:1").assertFailure(2);
        assertTrue(run.err().startsWith("nsfs info: permission refused to open /proc/1/ns/net (EACCES)"), run::toString);
        assertTrue(run.err().contains("ptrace read access"), run::toString);
    }

    /** Without native access (no flag, no manifest), one line names the flag to add. */
    @Test
    void missingNativeAccessIsExplained() throws Exception {
        Process p = new ProcessBuilder(Commands.javaCommand(List.of(), Main.class, "info", "--json",
                "net:" + ProcessHandle.current().pid())).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            String report = "exit " + p.exitValue() + "\n" + out + err;
            assertEquals(2, p.exitValue(), report);
            assertEquals("", out, report);
            assertEquals(1, err.lines().count(), report);
            assertTrue(err.startsWith("nsfs info: "), report);
            assertTrue(err.contains("--enable-native-access=ALL-UNNAMED"), report);
            assertFalse(err.contains("Exception"), report);
        } finally {
            p.destroyForcibly();
            p.waitFor();
        }
    }
}
