package io.github.nsfs4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.nsfs4j.Namespace;
import io.github.nsfs4j.testing.Lsns;
import io.github.nsfs4j.testing.Proc;

/**
 * {@code nsfs ls} and {@code nsfs tree} on a machine with extra namespaces (see
 * {@link NamespaceFixture}), compared with util-linux lsns taken just before and after, field
 * by field, and with what the kernel says (readlink, NS_GET_ID).
 */
class LsTreeCommandTest {

    private static final long SELF = ProcessHandle.current().pid();
    private static final String[] TYPES = {"cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"};

    @TempDir
    static Path tmp;

    private static NamespaceFixture fx;
    /** The test-made namespaces that lsns lists (a process is in each): they must be compared. */
    private static Set<Long> made;
    private static long hostUser;
    private static long hostPid;
    private static long[] userChain;
    private static long[] pidChain;

    @BeforeAll
    static void makeNamespaces() throws Exception {
        NamespaceFixture.requireNamespaces();
        fx = NamespaceFixture.start(tmp);
        hostUser = Proc.nsInode(SELF, "user");
        hostPid = Proc.nsInode(SELF, "pid");
        made = new LinkedHashSet<>();
        for (String type : new String[] {"net", "uts", "ipc", "mnt", "cgroup", "time"}) {
            made.add(Proc.nsInode(fx.multi.leafPid(), type));
        }
        // A is in U1; B in U2 and P1; C in U3 and P2; D in U3 and P3.
        userChain = new long[] {hostUser, Proc.nsInode(fx.nested[0], "user"), Proc.nsInode(fx.nested[1], "user"),
            Proc.nsInode(fx.nested[2], "user")};
        pidChain = new long[] {hostPid, Proc.nsInode(fx.nested[1], "pid"), Proc.nsInode(fx.nested[2], "pid"),
            Proc.nsInode(fx.nested[3], "pid")};
        assertEquals(userChain[3], Proc.nsInode(fx.nested[3], "user"));
        for (int i = 1; i < 4; i++) {
            made.add(userChain[i]);
            made.add(pidChain[i]);
        }
        assertEquals(12, made.size(), "12 distinct test-made namespaces: " + made);
    }

    @AfterAll
    static void cleanUp() throws Exception {
        if (fx != null) {
            fx.close();
        }
    }

    /** The inodes of this JVM's namespaces: an lsns started by it is in them too. */
    private static Set<Long> ownNamespaces() throws Exception {
        Set<Long> own = new HashSet<>();
        for (String type : TYPES) {
            own.add(Proc.nsInode(SELF, type));
        }
        return own;
    }

    @SuppressWarnings("unchecked")
    private static Map<Long, Map<String, Object>> byInode(Map<String, Object> doc) {
        Map<Long, Map<String, Object>> map = new HashMap<>();
        for (Object o : (List<Object>) doc.get("namespaces")) {
            Map<String, Object> m = (Map<String, Object>) o;
            map.put(CliRun.u64(m.get("ns")), m);
        }
        return map;
    }

    @Test
    void lsJsonAgreesWithLsnsFieldByField() throws Exception {
        LsnsComparison.Result result = null;
        for (int attempt = 1; attempt <= 10; attempt++) {
            Map<Long, Lsns.Row> before = Lsns.snapshot();
            CliRun run = CliRun.of("ls", "--json");
            Map<Long, Lsns.Row> after = Lsns.snapshot();
            assertEquals(0, run.status(), run::toString);
            assertEquals("", run.err(), run::toString);
            assertTrue(before.keySet().containsAll(made), () -> "lsns lists every test-made namespace: " + before.keySet());
            result = LsnsComparison.compare(before, LsnsComparison.nsfsRows(run.out()), after, ownNamespaces());
            if (result.agrees(made)) {
                System.out.println("nsfs ls --json vs lsns (in-process, attempt " + attempt + "): " + result);
                break;
            }
            System.out.println("attempt " + attempt + ": " + result);
        }
        LsnsComparison.Result last = result;
        assertTrue(last.agrees(made), () -> "nsfs ls --json disagrees with lsns: " + last);
    }

    /**
     * {@code java -jar} (no flag: the manifest enables native access) in its own JVM, between
     * two lsns runs of one shell: all three count the shell and themselves.
     */
    @Test
    void lsJsonFromTheJarAgreesWithLsns() throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Path jar = TestJar.build(tmp.resolve("jar"));
        LsnsComparison.Bracket bracket = LsnsComparison.Bracket.in(tmp);
        String script = bracket.script("\"$0\" -jar \"$1\"");
        LsnsComparison.Result result = null;
        for (int attempt = 1; attempt <= 10; attempt++) {
            Process p = new ProcessBuilder("sh", "-c", script, java, jar.toString())
                    .redirectErrorStream(true).redirectOutput(tmp.resolve("sh.log").toFile()).start();
            try {
                assertTrue(p.waitFor(120, TimeUnit.SECONDS));
                assertEquals(0, p.exitValue(), () -> readQuietly(tmp.resolve("sh.log")));
                assertEquals("", readQuietly(tmp.resolve("sh.log")), "stderr: no warning, no note");
            } finally {
                p.destroyForcibly();
                p.waitFor();
            }
            LsnsComparison.Result now = bracket.compare();
            System.out.println("java -jar nsfs ls --json vs lsns (attempt " + attempt + "): " + now);
            if (result == null || !result.agrees(made) || now.agrees(made)) {
                result = now;
            }
            // Done once all agree; a few more tries while the machine's own namespaces keep
            // changing (other processes starting and exiting), so that they get compared too.
            if (now.agrees(made) && (now.unstable().isEmpty() || attempt >= 4)) {
                break;
            }
        }
        LsnsComparison.Result last = result;
        assertTrue(last.agrees(made), () -> "nsfs ls --json disagrees with lsns: " + last);
    }

    private static String readQuietly(Path p) {
        try {
            return Files.readString(p);
        } catch (Exception e) {
            return String.valueOf(e);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void fdHeldAndMountHeldNamespacesAreListed() throws Exception {
        CliRun run = CliRun.of("ls", "--json");
        assertEquals(0, run.status(), run::toString);
        Map<Long, Map<String, Object>> all = byInode(run.json());

        Map<String, Object> fd = all.get(fx.fdHeld);
        assertNotNull(fd, () -> "fd-held net:[" + fx.fdHeld + "] missing from\n" + run.out());
        assertEquals(List.of("ns", "id", "type", "nprocs", "pid", "user", "command", "pns", "ons", "held_by", "path",
                "socket", "partial"),
                List.copyOf(fd.keySet()));
        assertEquals("net", fd.get("type"));
        assertEquals(BigInteger.ZERO, fd.get("nprocs"));
        assertTrue(fd.containsKey("pid"));
        assertNull(fd.get("pid"));
        assertNull(fd.get("command"));
        assertEquals("root", fd.get("user"));
        assertEquals(List.of("fd"), fd.get("held_by"));
        assertEquals("/proc/" + fx.holderPid + "/fd/3", fd.get("path"));
        assertEquals(BigInteger.ZERO, fd.get("pns"));
        assertEquals(CliRun.big(hostUser), fd.get("ons"));
        try (Namespace ns = Namespace.open(Path.of("/proc/" + fx.holderPid + "/fd/3"))) {
            assertEquals(fx.fdHeld, ns.inode());
            assertEquals(CliRun.big(ns.id().orElseThrow()), fd.get("id"));
        }

        Map<String, Object> mount = all.get(fx.mountHeld);
        assertNotNull(mount, () -> "mount-held net:[" + fx.mountHeld + "] missing from\n" + run.out());
        assertEquals("net", mount.get("type"));
        assertEquals(BigInteger.ZERO, mount.get("nprocs"));
        assertNull(mount.get("pid"));
        assertTrue(((List<Object>) mount.get("held_by")).contains("mount"), mount::toString);
        assertTrue(((String) mount.get("path")).endsWith(fx.mountFile.toString()), mount::toString);
        try (Namespace ns = Namespace.open(fx.mountFile)) {
            assertEquals(fx.mountHeld, ns.inode());
            assertEquals(CliRun.big(ns.id().orElseThrow()), mount.get("id"));
        }

        // -t keeps only the types asked for, the held ones included.
        Map<Long, Map<String, Object>> net = byInode(CliRun.of("ls", "--json", "-t", "net").json());
        assertTrue(net.keySet().containsAll(List.of(fx.fdHeld, fx.mountHeld, Proc.nsInode(fx.multi.leafPid(), "net"))));
        assertTrue(net.values().stream().allMatch(m -> m.get("type").equals("net")));
        Map<Long, Map<String, Object>> pidUser = byInode(CliRun.of("ls", "--json", "--type=pid", "-t", "user").json());
        for (int i = 0; i < 4; i++) {
            assertTrue(pidUser.containsKey(userChain[i]) && pidUser.containsKey(pidChain[i]));
        }
        assertTrue(pidUser.values().stream().allMatch(m -> m.get("type").equals("pid") || m.get("type").equals("user")));

        // The text table: one aligned row each, the held ones marked.
        CliRun text = CliRun.of("ls");
        assertEquals(0, text.status(), text::toString);
        List<String> lines = text.out().lines().toList();
        assertTrue(lines.getFirst().matches(" *NS TYPE +NPROCS +PID USER +ID HELD +COMMAND"), lines::getFirst);
        int typeColumn = lines.getFirst().indexOf("TYPE");
        for (String line : lines.subList(1, lines.size())) {
            assertTrue(line.substring(typeColumn).matches("(cgroup|ipc|mnt|net|pid|time|user|uts) .*"), line);
        }
        // Empty cells are left empty, as lsns leaves them (no pid, no command).
        assertTrue(lines.stream().anyMatch(l -> l.matches(" *" + fx.fdHeld + " net +0 +root +[0-9]+ fd")),
                text::out);
        assertTrue(lines.stream().anyMatch(l -> l.matches(" *" + fx.mountHeld + " net +0 +root +[0-9]+ \\S*mount\\S*")),
                text::out);
    }

    @Test
    void nestedUserAndPidNamespacesHaveTheirParentsAndOwners() throws Exception {
        Map<Long, Map<String, Object>> all = byInode(CliRun.of("ls", "--json").json());
        for (int i = 1; i < 4; i++) {
            Map<String, Object> user = all.get(userChain[i]);
            Map<String, Object> pid = all.get(pidChain[i]);
            assertEquals(CliRun.big(userChain[i - 1]), user.get("pns"), user::toString);
            assertEquals(CliRun.big(userChain[i - 1]), user.get("ons"), user::toString);
            assertEquals(CliRun.big(pidChain[i - 1]), pid.get("pns"), pid::toString);
            assertEquals(CliRun.big(userChain[i]), pid.get("ons"), pid::toString);
            assertEquals(BigInteger.ONE, pid.get("nprocs"), pid::toString);
            assertEquals(BigInteger.valueOf(fx.nested[i]), pid.get("pid"), pid::toString);
        }
        assertEquals(BigInteger.valueOf(fx.nested[0]), all.get(userChain[1]).get("pid"));
        assertEquals(BigInteger.TWO, all.get(userChain[3]).get("nprocs")); // C and D
        assertEquals("sleep 100000", all.get(pidChain[3]).get("command"));
    }

    // ------------------------------------------------------------------ tree

    /** Node inode -> the inode of the node it hangs under (0 for a root), from a --json tree. */
    @SuppressWarnings("unchecked")
    private static Map<Long, Long> parents(List<Object> nodes, long above, Map<Long, Long> into) {
        for (Object o : nodes) {
            Map<String, Object> node = (Map<String, Object>) o;
            long ns = CliRun.u64(node.get("ns"));
            assertTrue(node.containsKey("children"), node::toString);
            assertFalse(into.containsKey(ns), () -> ns + " appears twice in the tree");
            into.put(ns, above);
            parents((List<Object>) node.get("children"), ns, into);
        }
        return into;
    }

    /** Node inode -> the inode it hangs under, from the text tree: the NS column's indentation. */
    private static Map<Long, Long> parentsFromText(String text) {
        List<String> lines = text.lines().toList();
        assertTrue(lines.getFirst().startsWith("NS "), text);
        Map<Long, Long> parents = new HashMap<>();
        List<Long> stack = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            int start = 0;
            while (start < line.length() && "│├└─ ".indexOf(line.charAt(start)) >= 0) {
                start++;
            }
            String prefix = line.substring(0, start);
            assertEquals(0, prefix.length() % 2, line);
            int depth = prefix.length() / 2;
            if (depth > 0) {
                assertTrue(prefix.endsWith("├─") || prefix.endsWith("└─"), line);
            }
            long ns = Long.parseLong(line.substring(start).split(" ")[0]);
            while (stack.size() > depth) {
                stack.removeLast();
            }
            assertEquals(depth, stack.size(), () -> "a node deeper than its parent allows: " + line);
            parents.put(ns, depth == 0 ? 0L : stack.getLast());
            stack.add(ns);
        }
        return parents;
    }

    @Test
    void treeByOwnerPutsEachNamespaceUnderItsOwner() throws Exception {
        checkTree("owner");
    }

    @Test
    void treeByParentNestsPidAndUserNamespaces() throws Exception {
        checkTree("parent");
    }

    @SuppressWarnings("unchecked")
    private void checkTree(String by) throws Exception {
        boolean byOwner = by.equals("owner");
        Map<Long, Lsns.Row> before = Lsns.snapshot();
        // By owner is the default: the JSON run relies on that, the text run names it.
        CliRun json = byOwner ? CliRun.of("tree", "--json") : CliRun.of("tree", "--json", "--by", by);
        CliRun text = CliRun.of("tree", "--by=" + by);
        Map<Long, Lsns.Row> after = Lsns.snapshot();
        assertEquals(0, json.status(), json::toString);
        assertEquals(0, text.status(), text::toString);
        Map<Long, Long> tree = parents((List<Object>) json.json().get("namespaces"), 0, new HashMap<>());
        Map<Long, Long> drawn = parentsFromText(text.out());

        // The test-made chains, as the kernel gave them.
        for (int i = 1; i < 4; i++) {
            assertEquals(userChain[i - 1], tree.get(userChain[i]), "user level " + i);
            assertEquals(byOwner ? userChain[i] : pidChain[i - 1], tree.get(pidChain[i]), "pid level " + i);
            assertEquals(userChain[i - 1], drawn.get(userChain[i]), "text, user level " + i);
            assertEquals(byOwner ? userChain[i] : pidChain[i - 1], drawn.get(pidChain[i]), "text, pid level " + i);
        }
        long multiNet = Proc.nsInode(fx.multi.leafPid(), "net");
        assertEquals(byOwner ? hostUser : 0L, tree.get(multiNet));
        assertEquals(byOwner ? hostUser : 0L, tree.get(fx.fdHeld));
        assertEquals(byOwner ? hostUser : 0L, tree.get(fx.mountHeld));
        assertEquals(0L, tree.get(byOwner ? hostUser : hostPid));
        // Box-drawing: └─ before each last child; ├─ before the others (the initial user
        // namespace owns many); │ continues a line past a child with siblings below.
        assertTrue(text.out().contains("└─") && (!byOwner || text.out().contains("├─")), text::out);

        // Every namespace lsns showed the same before and after hangs under its lsns ONS (by
        // owner) or PNS (by parent, pid and user only), or is a root when that is 0.
        int checked = 0;
        for (Lsns.Row row : before.values()) {
            if (!row.equals(after.get(row.ns())) || !tree.containsKey(row.ns())) {
                continue;
            }
            long up = byOwner ? row.ons() : (row.type().equals("pid") || row.type().equals("user") ? row.pns() : 0);
            assertEquals(up, tree.get(row.ns()), () -> row + " in the tree by " + by);
            assertEquals(up, drawn.get(row.ns()), () -> row + " in the drawn tree by " + by);
            checked++;
        }
        assertTrue(checked >= made.size(), "checked " + checked);
    }
}
