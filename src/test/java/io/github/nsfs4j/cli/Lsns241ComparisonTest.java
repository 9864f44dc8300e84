package io.github.nsfs4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.nsfs4j.testing.Commands;
import io.github.nsfs4j.testing.Lsns;
import io.github.nsfs4j.testing.LsnsRelease;
import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Unshared;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code nsfs ls --json} against util-linux 2.41's lsns (Debian 13's, fetched into a private
 * folder: {@link LsnsRelease}) and the host's 2.38, taken in one shell just before and after
 * it, as root and as an unprivileged user (setpriv, uid 65534): every row lsns lists that is
 * the same before and after must be in nsfs's listing with the same
 * {@code ns type nprocs pid user command pns ons}. The fixture has what 2.41 lists beyond 2.38:
 * a net namespace kept by a bind mount and one kept by a socket; and namespaces of both users.
 * Then the text formats: {@code -n -r -o} of the columns both have, line by line.
 */
class Lsns241ComparisonTest {

    @TempDir
    static Path tmp;

    private static Unshared rootChild;
    private static Unshared nobodyChild;
    private static Unshared socketHolder;
    private static Path mountFile;
    private static long mountHeld;
    private static long socketHeld;

    @BeforeAll
    static void fixture() throws Exception {
        Unshared.requireNamespaces();
        Unshared.requireCommand("setpriv");
        Unshared.requireCommand("perl");
        LsnsRelease.root();
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxrwxrwx"));
        rootChild = Unshared.builder().types("user", "pid", "net", "uts", "ipc", "mnt").start();
        nobodyChild = Unshared.builder().prefix("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups")
                .types("user", "net", "uts").start();
        mountFile = Files.createFile(tmp.resolve("netns"));
        Unshared.bindMount("net", mountFile);
        mountHeld = Proc.statIno(mountFile);
        String script = "use Socket; open(my $o, '<', '/proc/self/ns/net') or die; syscall(272, 0x40000000) == 0 or die;"
                + " my @st = stat('/proc/self/ns/net'); socket(S, PF_INET, SOCK_DGRAM, 0) or die;"
                + " syscall(308, fileno($o), 0x40000000) == 0 or die; close $o;"
                + " $| = 1; print 'netns ', $st[1], \"\\n\"; print \"ready\\n\"; sleep 100000";
        socketHolder = Unshared.builder().start(List.of("perl", "-e", script));
        socketHeld = Long.parseLong(socketHolder.output().trim().split(" ")[1]);
    }

    @AfterAll
    static void cleanUp() {
        for (Unshared u : new Unshared[] {rootChild, nobodyChild, socketHolder}) {
            if (u != null) {
                u.close();
            }
        }
        if (mountFile != null) {
            Commands.run(List.of("umount", mountFile.toString()));
        }
    }

    private static Set<Long> namespacesOf(Unshared u, String... types) {
        Set<Long> inodes = new LinkedHashSet<>();
        for (String type : types) {
            inodes.add(Proc.nsInode(u.leafPid(), type));
        }
        return inodes;
    }

    /** lsns 2.41, lsns 2.38, nsfs, lsns 2.38, lsns 2.41, in one shell, as {@code prefix}'s user; the documents. */
    private static Map<String, String> bracket(List<String> prefix) throws Exception {
        Path dir = Files.createTempDirectory(tmp, "run");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        String l241 = String.join(" ", LsnsRelease.command("-J", "-l", "-o", Lsns.COLUMNS));
        String l238 = String.join(" ", Lsns.COMMAND);
        String nsfs = String.join(" ", Commands.javaCommand(List.of("--enable-native-access=ALL-UNNAMED"), Main.class,
                "ls", "--json"));
        String script = "cd " + dir + " && " + l241 + " > b241 && " + l238 + " > b238 && " + nsfs + " > nsfs && " + l238
                + " > a238 && " + l241 + " > a241";
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of("sh", "-c", script));
        Commands.Result r = Commands.run(cmd);
        assertEquals(0, r.exitCode(), r::toString);
        Map<String, String> docs = new java.util.HashMap<>();
        for (String name : List.of("b241", "b238", "nsfs", "a238", "a241")) {
            docs.put(name, Files.readString(dir.resolve(name)));
        }
        return docs;
    }

    private void compare(List<String> prefix, Set<Long> must241, Set<Long> must238) throws Exception {
        LsnsComparison.Result r241 = null;
        LsnsComparison.Result r238 = null;
        for (int attempt = 1; attempt <= 10; attempt++) {
            Map<String, String> d = bracket(prefix);
            Map<Long, Lsns.Row> nsfs = LsnsComparison.nsfsRows(d.get("nsfs"));
            r241 = LsnsComparison.compare(Lsns.parse(d.get("b241")), nsfs, Lsns.parse(d.get("a241")), Set.of());
            r238 = LsnsComparison.compare(Lsns.parse(d.get("b238")), nsfs, Lsns.parse(d.get("a238")), Set.of());
            System.out.println(prefix + " attempt " + attempt + ": lsns 2.41 " + r241 + "; lsns 2.38 " + r238);
            if (r241.agrees(must241) && r238.agrees(must238)) {
                break;
            }
        }
        LsnsComparison.Result last241 = r241;
        LsnsComparison.Result last238 = r238;
        assertTrue(last241.agrees(must241), () -> LsnsRelease.version() + " vs nsfs ls --json: " + last241);
        assertTrue(last238.agrees(must238), () -> "lsns 2.38 vs nsfs ls --json: " + last238);
    }

    @Test
    void asRoot() throws Exception {
        Set<Long> must = new LinkedHashSet<>(namespacesOf(rootChild, "user", "pid", "net", "uts", "ipc", "mnt"));
        must.addAll(namespacesOf(nobodyChild, "user", "net", "uts"));
        Set<Long> must241 = new LinkedHashSet<>(must);
        must241.add(mountHeld);
        must241.add(socketHeld);
        compare(List.of(), must241, must);
    }

    @Test
    void asAnUnprivilegedUser() throws Exception {
        Set<Long> must = namespacesOf(nobodyChild, "user", "net", "uts");
        Set<Long> must241 = new LinkedHashSet<>(must);
        must241.add(mountHeld); // in the host's mount table, which the user may read
        compare(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"), must241, must);
    }

    /** The text formats of the columns both have, raw, for the test-made net namespaces: line for line. */
    @Test
    void textFormatsAgree() throws Exception {
        String columns = "NS,TYPE,PATH,NPROCS,PID,PPID,UID,USER,NETNSID,NSFS,PNS,ONS,COMMAND";
        Set<String> wanted = new LinkedHashSet<>();
        for (long ns : List.of(Proc.nsInode(rootChild.leafPid(), "net"), Proc.nsInode(nobodyChild.leafPid(), "net"),
                mountHeld, socketHeld)) {
            wanted.add(Long.toString(ns));
        }
        List<String> ours = null;
        List<String> theirs = null;
        for (int attempt = 1; attempt <= 5; attempt++) {
            theirs = pick(Commands.run(LsnsRelease.command("-n", "-r", "-t", "net", "-o", columns)).stdout(), wanted);
            ours = pick(CliRun.of("ls", "-n", "-r", "-t", "net", "-o", columns).out(), wanted);
            if (ours.equals(theirs)) {
                break;
            }
        }
        assertEquals(wanted.size(), theirs.size(), "lsns 2.41 lists them all: " + theirs);
        assertEquals(theirs, ours, "nsfs ls -n -r -o " + columns + " vs lsns 2.41");
        // The header and the alignment of a table (-o of the same columns, no -n, not raw).
        String header = Commands.run(LsnsRelease.command("-t", "net", "-o", columns)).stdout().lines().findFirst()
                .orElseThrow();
        assertEquals(header.strip().split(" +").length, CliRun.of("ls", "-t", "net", "-o", columns).out().lines()
                .findFirst().orElseThrow().strip().split(" +").length);
    }

    /** The lines whose first cell is one of {@code wanted}, sorted. */
    private static List<String> pick(String out, Set<String> wanted) {
        List<String> lines = new ArrayList<>();
        for (String line : out.lines().toList()) {
            String first = line.split(" ", 2)[0];
            if (wanted.contains(first)) {
                lines.add(line.stripTrailing());
            }
        }
        lines.sort(null);
        return lines;
    }
}
