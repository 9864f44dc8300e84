package io.github.nsfs4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.github.nsfs4j.testing.Proc;

/**
 * The command line as lsns users type it (getopt_long): attached and bundled short options,
 * unambiguous long prefixes, a leading {@code --}, {@code --help} winning over everything,
 * and pids that are not pids (negative, zero, beyond {@code pid_t}) named as such.
 */
class CommandLineTest {

    private static final long SELF = ProcessHandle.current().pid();

    /** The types of the namespaces of an {@code ls --json} run. */
    @SuppressWarnings("unchecked")
    private static Set<Object> types(CliRun run) {
        assertEquals(0, run.status(), run::toString);
        Set<Object> types = new HashSet<>();
        for (Object o : (List<Object>) run.json().get("namespaces")) {
            types.add(((Map<String, Object>) o).get("type"));
        }
        return types;
    }

    @Test
    void shortOptionValuesAttachedOrBundled() throws Exception {
        Object ownUts = CliRun.big(Proc.nsInode(SELF, "uts"));
        for (String[] args : new String[][] {{"ls", "-J", "-tuts"}, {"ls", "-Jtuts"}, {"ls", "-Jt", "uts"},
            {"ls", "-uJtuts"}, {"-J", "ls", "--type=uts"}, {"ls", "--json", "--ty", "uts"}, {"ls", "--js", "--typ=uts"}}) {
            CliRun run = CliRun.of((Object[]) args);
            assertEquals(Set.of("uts"), types(run), () -> List.of(args) + "\n" + run);
            assertTrue(run.out().contains("\"ns\": " + ownUts), () -> List.of(args) + "\n" + run);
        }
        // Text: the same, with -u bundled.
        CliRun text = CliRun.of("ls", "-utuser");
        assertEquals(0, text.status(), text::toString);
        List<String> lines = text.out().lines().toList();
        assertTrue(lines.size() > 1, text::toString);
        for (String line : lines.subList(1, lines.size())) {
            assertEquals("user", line.strip().split(" +")[1], line);
        }
        // Several -t, attached and not: both types, nothing else.
        assertEquals(Set.of("net", "pid"), types(CliRun.of("ls", "-J", "-tnet", "-t", "pid")));
        CliRun tree = CliRun.of("tree", "-uJ", "--by=parent");
        assertEquals(0, tree.status(), tree::toString);
        assertEquals(List.of("namespaces", "processes_scanned", "processes_refused", "processes_vanished",
                "namespaces_vanished", "sockets_refused"), List.copyOf(tree.json().keySet()));
        // pid: a bundled -J, a cut --tgid, --in=.
        CliRun pid = CliRun.of("pid", "-J", "--tg", "--in=" + SELF, SELF);
        assertEquals(0, pid.status(), pid::toString);
        assertEquals(Boolean.TRUE, pid.json().get("tgid"));
        assertEquals("in", pid.json().get("direction"));
    }

    @Test
    void unknownOrMisusedOptions() {
        assertTrue(CliRun.of("ls", "-Jq").assertFailure(2).err().startsWith("nsfs ls: unknown option '-q'"));
        assertTrue(CliRun.of("ls", "--frob").assertFailure(2).err().startsWith("nsfs ls: unknown option '--frob'"));
        assertTrue(CliRun.of("ls", "-tbogus").assertFailure(2).err().startsWith("nsfs ls: unknown namespace type 'bogus'"));
        assertTrue(CliRun.of("ls", "--notruncate=yes").assertFailure(2).err()
                .startsWith("nsfs ls: option '--notruncate' takes no value"));
        // A forgotten value is not filled with the next option.
        assertTrue(CliRun.of("pid", "--from", "--json", "1").assertFailure(2).err()
                .startsWith("nsfs pid: option '--from' needs a value"));
        assertTrue(CliRun.of("ls", "-t").assertFailure(2).err().startsWith("nsfs ls: option '--type' needs a value"));
        assertTrue(CliRun.of("-Jx", "ls").assertFailure(2).err().startsWith("nsfs: unknown option '-x'"));
    }

    @Test
    void anAmbiguousPrefixNamesTheCandidates() {
        Args.Spec spec = new Args.Spec().option("--type").flag("--tgid");
        CliException e = Args.parse(spec, List.of("--t", "x"), "nsfs test").error();
        assertEquals("option '--t' is ambiguous (--tgid, --type); see 'nsfs test --help'", e.getMessage());
        Args ok = Args.parse(spec, List.of("--ty", "x", "--tg"), "nsfs test");
        assertNull(ok.error());
        assertEquals(List.of("x"), ok.values("--type"));
        assertTrue(ok.has("--tgid"));
    }

    @Test
    void aLeadingDoubleDashEndsTheGlobalOptions() throws Exception {
        assertEquals(Set.of("uts"), types(CliRun.of("--", "ls", "-J", "-t", "uts")));
        assertEquals(Set.of("uts"), types(CliRun.of("-J", "--", "ls", "-tuts")));
        CliRun info = CliRun.of("--", "info", "--json", "--", "uts:" + SELF);
        assertEquals(0, info.status(), info::toString);
        assertEquals(CliRun.big(Proc.nsInode(SELF, "uts")), info.json().get("ns"));
        // After --, an option-looking word is the subcommand's name: there is none such.
        assertTrue(CliRun.of("--", "--help").assertFailure(2).err().startsWith("nsfs: unknown subcommand '--help'"));
        CliRun.of("--").assertFailure(2);
    }

    @ParameterizedTest
    @ValueSource(strings = {"ls", "tree", "info", "pid", "init-pid", "mntns"})
    void helpWinsOverEverything(String sub) {
        String help = CliRun.of("help", sub).out();
        assertTrue(help.startsWith("Usage: nsfs " + sub + " "), help);
        for (Object[] args : new Object[][] {{sub, "--help", "--json"}, {"--json", sub, "--help"}, {sub, "-Jh"},
            {sub, "--bogus", "-h"}, {sub, "--he"}, {"-J", sub, "-t", "--help"}, {sub, "net:-5", "--help"},
            {sub, "-x", "--json", "--help", "extra", "operands"}}) {
            CliRun run = CliRun.of(args);
            assertEquals(0, run.status(), () -> List.of(args) + "\n" + run);
            assertEquals(help, run.out(), () -> List.of(args).toString());
            assertEquals("", run.err(), () -> List.of(args).toString());
        }
        CliRun version = CliRun.of(sub, "-JV", "--bogus");
        assertEquals(0, version.status(), version::toString);
        assertEquals("nsfs (nsfs4j) " + Main.FALLBACK_VERSION + "\n", version.out());
        assertEquals(CliRun.of("--help").out(), CliRun.of("--help", "--bogus").out());
        assertEquals(CliRun.of("--help").out(), CliRun.of("-Jh").out());
    }

    /** init-pid echoes each NSREF: a tab or newline in it is escaped as in the COMMAND column. */
    @Test
    void echoedNsrefsStayOnOneLine(@TempDir Path dir) throws Exception {
        Path link = Files.createSymbolicLink(dir.resolve("a\tb\nc"), Path.of("/proc/" + SELF + "/ns/pid"));
        CliRun run = CliRun.of("init-pid", link, "pid:" + SELF);
        assertEquals(0, run.status(), run::toString);
        List<String> lines = run.out().lines().toList();
        assertEquals(2, lines.size(), run::toString);
        assertTrue(lines.getFirst().startsWith(dir + "/a\\x09b\\x0ac "), run::toString);
        assertEquals(lines.getFirst().substring(lines.getFirst().lastIndexOf(' ')),
                lines.get(1).substring(lines.get(1).lastIndexOf(' ')), run::toString);
    }

    /** A message that echoes what the user typed keeps to one line and lets no control character through. */
    @Test
    void echoedInputInMessagesIsEscaped() {
        String typed = "/nonexistent/a\tb\u001b[31mc\nd";
        for (Object[] args : new Object[][] {{"info", typed}, {"init-pid", typed}, {"pid", "--from", typed, "1"}}) {
            CliRun run = CliRun.of(args).assertFailure(1);
            assertTrue(run.err().contains("/nonexistent/a\\x09b\\x1b[31mc d"), run::toString);
        }
        CliRun bad = CliRun.of("ls", "-t", "a\u0007b").assertFailure(2);
        assertTrue(bad.err().contains("'a\\x07b'"), bad::toString);
    }

    @Test
    void negativeOrSignedPidsAreNotValidPids() {
        String self = String.valueOf(SELF);
        for (Object[] args : new Object[][] {{"pid", "--from", "-5", "1"}, {"pid", "--from", self, "-5"},
            {"pid", "--in", "pid:-5", "1"}, {"pid", "--in=+5", "1"}, {"pid", "--in", self, "+5"},
            {"init-pid", "-5"}, {"init-pid", "pid:-1"}, {"info", "net:-5"}, {"info", "-5"}, {"info", "uts:+1"}}) {
            CliRun run = CliRun.of(args).assertFailure(2);
            assertTrue(run.err().contains("is not a valid PID: a PID is a positive integer"), () -> List.of(args) + "\n" + run);
        }
        for (Object[] args : new Object[][] {{"pid", "--from", "0", "1"}, {"pid", "--from", self, "0"},
            {"init-pid", "pid:0"}, {"info", "net:0"}}) {
            CliRun run = CliRun.of(args).assertFailure(2);
            assertTrue(run.err().contains("'0'") && run.err().contains("not a valid PID: PIDs start at 1"),
                    () -> List.of(args) + "\n" + run);
        }
    }

    @Test
    void pidsBeyondPidTAreOutOfRange() {
        String self = String.valueOf(SELF);
        for (Object[] args : new Object[][] {{"info", "net:2147483648"}, {"pid", "--from", "2147483648", "1"},
            {"pid", "--from", self, "2147483648"}, {"init-pid", "99999999999999999999999"},
            {"info", "net:18446744073709551617"}}) {
            CliRun run = CliRun.of(args).assertFailure(2);
            assertTrue(run.err().contains("is out of range: a PID is at most 2147483647"), () -> List.of(args) + "\n" + run);
        }
        // The largest pid_t is a PID; no such process exists (pid_max is at most 2^22).
        assertTrue(CliRun.of("info", "net:2147483647").assertFailure(1).err().contains("no process 2147483647"));
        // Not a number at all.
        assertTrue(CliRun.of("pid", "--from", self, "12x").assertFailure(2).err()
                .contains("'12x' is not a PID (a positive integer)"));
    }
}
