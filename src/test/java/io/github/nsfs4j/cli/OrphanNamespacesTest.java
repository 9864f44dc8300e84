package io.github.nsfs4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.nsfs4j.DiscoveredNamespace;
import io.github.nsfs4j.NamespaceDiscovery;
import io.github.nsfs4j.NamespaceSnapshot;
import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.testing.Lsns;
import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Unshared;

/**
 * Namespaces no process is in, made for real: {@code unshare --user --map-root-user --net}
 * (run as some uid), its net namespace bind-mounted onto a file on the host, then the process
 * exits. The net namespace lives on through the mount, its user namespace through the net
 * namespace (a descendant). Both the full listing and a type-filtered one must show them, and
 * their user must be named the way lsns names that uid.
 */
class OrphanNamespacesTest {

    @TempDir
    Path tmp;

    /** A user namespace kept alive only by the net namespace it owns, which only a bind mount keeps. */
    private record Orphans(long user, long net, Path mount) implements AutoCloseable {
        /**
         * Makes them as {@code uid} ({@code setpriv} for a uid other than 0); {@code whileAlive}
         * runs while the process is still in them.
         */
        static Orphans make(Path file, int uid, Check whileAlive) throws Exception {
            Unshared.Builder namespaces = Unshared.builder().types("user", "net").mapRootUser(true);
            if (uid != 0) {
                namespaces.prefix("setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups");
            }
            Unshared tree = namespaces.start();
            boolean mounted = false;
            try {
                long pid = tree.leafPid();
                long user = Proc.nsInode(pid, "user");
                long net = Proc.nsInode(pid, "net");
                Files.createFile(file);
                run("mount", "--bind", "/proc/" + pid + "/ns/net", file.toString());
                mounted = true;
                whileAlive.run(pid, user, net);
                tree.close();
                assertEquals(net, Proc.statIno(file), "the mount keeps the net namespace");
                Orphans o = new Orphans(user, net, file);
                mounted = false;
                return o;
            } finally {
                tree.close();
                if (mounted) {
                    run("umount", file.toString());
                }
            }
        }

        @Override
        public void close() throws Exception {
            run("umount", mount.toString());
        }
    }

    interface Check {
        void run(long pid, long user, long net) throws Exception;
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + " failed: " + out.strip());
        }
    }

    /**
     * The namespaces of a type, by id (NS_GET_ID, never reused within a boot), else by inode:
     * on a busy machine an inode seen in two scans may belong to two namespaces, one dead
     * and one new.
     */
    private static Set<String> identities(NamespaceSnapshot snapshot, NamespaceType type) {
        Set<String> set = new HashSet<>();
        for (DiscoveredNamespace ns : snapshot.namespaces()) {
            if (ns.type() == type) {
                set.add(ns.id().isPresent() ? "id " + Long.toUnsignedString(ns.id().getAsLong()) : "inode " + ns.inode());
            }
        }
        return set;
    }

    @SuppressWarnings("unchecked")
    private static Map<Long, Map<String, Object>> lsJson(String... args) {
        List<String> argv = new ArrayList<>(List.of("ls", "--json"));
        argv.addAll(List.of(args));
        CliRun run = CliRun.of(argv.toArray());
        assertEquals(0, run.status(), run::toString);
        Map<Long, Map<String, Object>> rows = new HashMap<>();
        for (Object o : (List<Object>) run.json().get("namespaces")) {
            Map<String, Object> m = (Map<String, Object>) o;
            rows.put(CliRun.u64(m.get("ns")), m);
        }
        return rows;
    }

    /** Issue 9 item 4: {@code -t user} selects from what the full listing shows, not from less. */
    @Test
    void aTypeFilterSelectsFromTheFullListing() throws Exception {
        NamespaceFixture.requireNamespaces();
        try (Orphans o = Orphans.make(tmp.resolve("netns"), 0, (pid, user, net) -> {})) {
            NamespaceSnapshot before = NamespaceDiscovery.scan();
            NamespaceSnapshot users = NamespaceDiscovery.scan(EnumSet.of(NamespaceType.USER));
            NamespaceSnapshot nets = NamespaceDiscovery.scan(EnumSet.of(NamespaceType.NET));

            DiscoveredNamespace orphan = before.byInode(o.user()).orElseThrow(
                    () -> new AssertionError("the full scan lacks user:[" + o.user() + "]: " + before.namespaces()));
            assertEquals(Set.of(DiscoveredNamespace.Holder.DESCENDANT), orphan.heldBy(), orphan::toString);
            assertEquals(0, orphan.processCount());
            assertTrue(users.byInode(o.user()).isPresent(),
                    () -> "scan(USER) lacks user:[" + o.user() + "], which scan() has: " + users.namespaces());
            assertEquals(orphan, users.byInode(o.user()).orElseThrow());
            assertTrue(nets.byInode(o.net()).orElseThrow().heldBy().contains(DiscoveredNamespace.Holder.MOUNT));
            assertEquals(o.user(), nets.byInode(o.net()).orElseThrow().ownerInode());

            // Every namespace of the type that both full scans saw, the filtered scan between
            // them saw too, and nothing of another type. Other processes on the machine make
            // and drop namespaces meanwhile (one whose only process changes mid-scan is seen
            // by neither), so a miss is retried; one the filter drops is missed every time.
            for (NamespaceType type : List.of(NamespaceType.USER, NamespaceType.NET)) {
                Set<String> missing = null;
                for (int attempt = 0; attempt < 5 && (missing == null || !missing.isEmpty()); attempt++) {
                    NamespaceSnapshot first = NamespaceDiscovery.scan();
                    NamespaceSnapshot filtered = NamespaceDiscovery.scan(EnumSet.of(type));
                    NamespaceSnapshot last = NamespaceDiscovery.scan();
                    assertTrue(filtered.namespaces().stream().allMatch(ns -> ns.type() == type), filtered::toString);
                    missing = identities(first, type);
                    missing.retainAll(identities(last, type));
                    missing.removeAll(identities(filtered, type));
                }
                assertEquals(Set.of(), missing, type + " namespaces the filtered scan dropped, 5 times");
            }

            // The command: the same row in the full and the filtered listing.
            Map<String, Object> full = lsJson().get(o.user());
            assertNotNull(full, "nsfs ls lacks user:[" + o.user() + "]");
            assertEquals(List.of("descendant"), full.get("held_by"));
            Map<String, Object> filtered = lsJson("-t", "user").get(o.user());
            assertNotNull(filtered, "nsfs ls -t user lacks user:[" + o.user() + "], which nsfs ls shows");
            assertEquals(full, filtered);
            assertNotNull(lsJson("-t", "net").get(o.net()));
        }
    }

    /**
     * Issue 9 item 15: one uid-to-name mapping, NSS's, as lsns uses. A user known only to a
     * directory (here a systemd userdb drop-in record, which nss-systemd serves and
     * {@code /etc/passwd} lacks) owns a process in a user namespace: lsns names it; then only
     * a mount keeps that user namespace's net namespace: nsfs must name the owner the same.
     */
    @Test
    void userNamesAreResolvedAsLsnsResolvesThem() throws Exception {
        NamespaceFixture.requireNamespaces();
        int uid = 47_123;
        String name = "nsfs4j-directory-user";
        DirectoryUser dir = DirectoryUser.create(uid, name);
        try (dir) {
            Map<String, String> lsnsUser = new HashMap<>();
            Map<String, String> nsfsUser = new HashMap<>();
            try (Orphans o = Orphans.make(tmp.resolve("netns"), uid, (pid, user, net) -> {
                lsnsUser.put("process", lsnsUser(user));
                nsfsUser.put("process", NamespaceDiscovery.scan(EnumSet.of(NamespaceType.USER)).byInode(user)
                        .orElseThrow().user());
            })) {
                assertEquals(name, lsnsUser.get("process"), "lsns names the directory user (NSS)");
                assertEquals(lsnsUser.get("process"), nsfsUser.get("process"), "a process's user, as lsns names it");
                NamespaceSnapshot snapshot = NamespaceDiscovery.scan();
                DiscoveredNamespace user = snapshot.byInode(o.user()).orElseThrow();
                DiscoveredNamespace net = snapshot.byInode(o.net()).orElseThrow();
                assertEquals(0, user.processCount());
                assertEquals(lsnsUser.get("process"), user.user(), "the creator of a user namespace no process is in");
                assertEquals(lsnsUser.get("process"), net.user(), "the owner of a net namespace no process is in");
                assertEquals(name, lsJson("-t", "net").get(o.net()).get("user"));
            }
        }
    }

    /** lsns's USER column for a namespace. */
    private static String lsnsUser(long ns) {
        Lsns.Row row = Lsns.snapshot().get(ns);
        if (row == null) {
            throw new AssertionError("lsns does not list ns " + ns);
        }
        return row.user();
    }

    /**
     * A user that only NSS knows: a systemd userdb drop-in record under {@code /run/userdb},
     * which nss-systemd serves (the machine's nsswitch.conf has {@code passwd: files systemd}).
     */
    private record DirectoryUser(Path record, Path byUid) implements AutoCloseable {
        static DirectoryUser create(int uid, String name) throws Exception {
            assertTrue(Files.readAllLines(Path.of("/etc/passwd")).stream().noneMatch(l -> l.split(":")[2].equals("" + uid)),
                    "uid " + uid + " must not be in /etc/passwd");
            Path dir = Files.createDirectories(Path.of("/run/userdb"));
            Path record = dir.resolve(name + ".user");
            Path byUid = dir.resolve(uid + ".user");
            Files.writeString(record, "{\"userName\":\"" + name + "\",\"uid\":" + uid + ",\"gid\":" + uid
                    + ",\"disposition\":\"regular\",\"homeDirectory\":\"/nonexistent\",\"shell\":\"/bin/false\"}\n");
            Files.deleteIfExists(byUid);
            Files.createSymbolicLink(byUid, record.getFileName());
            DirectoryUser user = new DirectoryUser(record, byUid);
            Process getent = new ProcessBuilder("getent", "passwd", Integer.toString(uid)).start();
            String line = new String(getent.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (getent.waitFor() != 0 || !line.startsWith(name + ":")) {
                user.close();
                throw new AssertionError("NSS does not serve the userdb record (getent passwd " + uid + ": '"
                        + line.strip() + "'): this test needs nss-systemd in nsswitch.conf");
            }
            return user;
        }

        @Override
        public void close() throws IOException {
            Files.deleteIfExists(byUid);
            Files.deleteIfExists(record);
        }
    }

}
