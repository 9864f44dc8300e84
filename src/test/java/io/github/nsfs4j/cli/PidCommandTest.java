package io.github.nsfs4j.cli;

import static io.github.nsfs4j.cli.CliRun.big;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Unshared;

/** {@code nsfs pid} and {@code nsfs init-pid} on a child pid namespace. */
class PidCommandTest {

    private static final long SELF = ProcessHandle.current().pid();
    private static Unshared child;

    @BeforeAll
    static void startChild() throws Exception {
        child = Unshared.start("pid");
    }

    @AfterAll
    static void stopChild() throws Exception {
        if (child != null) {
            child.close();
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> results(Map<String, Object> doc) {
        return (List<Map<String, Object>>) (List<?>) doc.get("results");
    }

    @Test
    void fromTranslatesInnerPidsToOurs() throws Exception {
        CliRun run = CliRun.of("pid", "--json", "--from", "pid:" + child.leafPid(), 1, 99999);
        assertEquals(1, run.status(), run::toString);
        assertEquals("", run.err(), run::toString);
        Map<String, Object> doc = run.json();
        assertEquals(List.of("ns", "id", "direction", "tgid", "results"), List.copyOf(doc.keySet()));
        assertEquals(big(Proc.nsInode(child.leafPid(), "pid")), doc.get("ns"));
        assertTrue(doc.get("id") instanceof BigInteger);
        assertEquals("from", doc.get("direction"));
        assertEquals(Boolean.FALSE, doc.get("tgid"));
        List<Map<String, Object>> results = results(doc);
        assertEquals(2, results.size());
        assertEquals(List.of("pid", "result"), List.copyOf(results.get(0).keySet()));
        assertEquals(BigInteger.ONE, results.get(0).get("pid"));
        assertEquals(BigInteger.valueOf(child.leafPid()), results.get(0).get("result"));
        assertEquals(BigInteger.valueOf(99999), results.get(1).get("pid"));
        assertNull(results.get(1).get("result"));
        assertTrue(results.get(1).containsKey("result"));
    }

    @Test
    void allResolvedExits0AndTextIsPidResultLines() {
        CliRun run = CliRun.of("pid", "--from", child.leafPid(), 1);
        assertEquals(0, run.status(), run::toString);
        assertEquals("1 " + child.leafPid() + "\n", run.out());
        CliRun unresolved = CliRun.of("pid", "--from", "/proc/" + child.leafPid() + "/ns/pid", 1, 2);
        assertEquals(1, unresolved.status(), unresolved::toString);
        assertEquals("1 " + child.leafPid() + "\n2 -\n", unresolved.out());
    }

    @Test
    void inTranslatesOurPidsToInner() {
        CliRun run = CliRun.of("pid", "--json", "--in", child.leafPid(), child.leafPid(), SELF);
        assertEquals(1, run.status(), run::toString);
        Map<String, Object> doc = run.json();
        assertEquals("in", doc.get("direction"));
        List<Map<String, Object>> results = results(doc);
        assertEquals(BigInteger.ONE, results.get(0).get("result"), "the child is init inside");
        assertNull(results.get(1).get("result"), "we are not visible inside the child namespace");
    }

    @Test
    void tgidVariants() {
        CliRun from = CliRun.of("pid", "--json", "--tgid", "--from", child.leafPid(), 1);
        assertEquals(0, from.status(), from::toString);
        assertEquals(Boolean.TRUE, from.json().get("tgid"));
        assertEquals(BigInteger.valueOf(child.leafPid()), results(from.json()).get(0).get("result"));
        CliRun in = CliRun.of("pid", "--in=" + child.leafPid(), "--tgid", child.leafPid());
        assertEquals("" + child.leafPid() + " 1\n", in.out(), in::toString);
    }

    @Test
    void usageErrors() {
        CliRun.of("pid", "1").assertFailure(2);
        CliRun.of("pid", "--from", child.leafPid()).assertFailure(2);
        CliRun.of("pid", "--from", child.leafPid(), "--in", child.leafPid(), "1").assertFailure(2);
        CliRun.of("pid", "--from", child.leafPid(), "abc").assertFailure(2);
        CliRun.of("pid", "--from", child.leafPid(), "0").assertFailure(2);
        CliRun.of("pid", "--from", child.leafPid(), "-3").assertFailure(2);
    }

    @Test
    void initPid() throws Exception {
        CliRun run = CliRun.of("init-pid", "--json", "pid:" + child.leafPid(), String.valueOf(SELF));
        assertEquals(0, run.status(), run::toString);
        assertEquals("", run.err(), run::toString);
        List<Map<String, Object>> results = results(run.json());
        assertEquals(2, results.size());
        assertEquals(List.of("ns", "id", "init_pid"), List.copyOf(results.get(0).keySet()));
        assertEquals(big(Proc.nsInode(child.leafPid(), "pid")), results.get(0).get("ns"));
        assertEquals(BigInteger.valueOf(child.leafPid()), results.get(0).get("init_pid"));
        assertEquals(big(Proc.nsInode(SELF, "pid")), results.get(1).get("ns"));
        assertEquals(BigInteger.ONE, results.get(1).get("init_pid"));

        CliRun text = CliRun.of("init-pid", child.leafPid());
        assertEquals(child.leafPid() + " " + child.leafPid() + "\n", text.out(), text::toString);
    }

    @Test
    void initPidWithoutArgumentsMeansOurOwn() throws Exception {
        CliRun run = CliRun.of("init-pid", "--json");
        assertEquals(0, run.status(), run::toString);
        List<Map<String, Object>> results = results(run.json());
        assertEquals(1, results.size());
        assertEquals(big(Proc.nsInode(SELF, "pid")), results.get(0).get("ns"));
        assertEquals(BigInteger.ONE, results.get(0).get("init_pid"));
    }

    @Test
    void initPidKeepsGoingPastAGoneNamespace() throws Exception {
        long dead = Proc.deadPid();
        CliRun run = CliRun.of("init-pid", "--json", child.leafPid(), dead);
        assertEquals(1, run.status(), run::toString);
        assertEquals(1, run.errLines().size(), run::toString);
        assertTrue(run.err().contains("no process " + dead), run::toString);
        assertEquals(BigInteger.valueOf(child.leafPid()), results(run.json()).get(0).get("init_pid"));
    }
}
