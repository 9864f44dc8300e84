package io.github.nsfs4j.cli;

import static io.github.nsfs4j.cli.CliRun.big;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.nsfs4j.testing.Commands;
import io.github.nsfs4j.testing.Json;
import io.github.nsfs4j.testing.Proc;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code bin/nsfs} where the jar cannot be (re)built: a root-owned checkout run by another
 * user (uid 65534), no Maven, a JDK without javac, no JDK at all. A stale jar must still
 * run, with one warning line on stderr and stdout as clean as ever; no jar must be one
 * line on stderr and exit 2; never a raw shell error. The checkout is a copy (pom.xml,
 * src/main, bin) with a jar assembled from this build ({@link TestJar}), dated long before
 * the sources so that it is stale.
 */
class BinScriptEnvironmentTest {

    private static final int NOBODY = 65534;

    @TempDir
    Path tmp;

    private Path repo;
    private Path jar;

    @BeforeEach
    void staleCheckout() throws IOException {
        repo = tmp.resolve("checkout");
        Files.createDirectories(repo.resolve("src"));
        Files.copy(UserShell.checkout().resolve("pom.xml"), repo.resolve("pom.xml"));
        UserShell.copyTree(UserShell.checkout().resolve("src/main"), repo.resolve("src/main"));
        UserShell.copyTree(UserShell.checkout().resolve("bin"), repo.resolve("bin"));
        jar = TestJar.build(repo.resolve("target"));
        Files.setLastModifiedTime(jar, FileTime.fromMillis(1_000_000L));
        // Every directory on the way readable by anyone: the other user must reach the checkout.
        for (Path p : List.of(tmp, repo)) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    private UserShell.Result run(Map<String, String> env, String... command) throws Exception {
        return UserShell.run(tmp, tmp, env, 300, command);
    }

    private String nsfs() {
        return repo.resolve("bin/nsfs").toString();
    }

    /** The command, as uid/gid 65534 with no supplementary groups. */
    private static String[] asNobody(String... command) {
        List<String> all = new ArrayList<>(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY,
                "--clear-groups", "--"));
        all.addAll(List.of(command));
        return all.toArray(String[]::new);
    }

    private static void requireRootWith(String tool) throws Exception {
        Assumptions.assumeTrue(Proc.euid() == 0, "needs root (to run as another user, or unshare -m)");
        Assumptions.assumeTrue(Commands.which(tool) != null, tool + " is not on PATH");
    }

    /** {@code info --json} on the caller's own net namespace: the kernel's inode, exit 0. */
    private static void answersInfo(UserShell.Result r) throws IOException {
        assertEquals(0, r.status(), r::toString);
        Map<String, Object> doc = Json.object(r.out());
        assertEquals(big(Proc.nsInode(ProcessHandle.current().pid(), "net")), doc.get("ns"), r::toString);
    }

    /** Exactly one line on stderr, in nsfs's voice, with none of bash's own errors in it. */
    private static String oneLine(UserShell.Result r) {
        assertEquals(1, r.err().lines().count(), r::toString);
        assertTrue(r.err().startsWith("nsfs: "), r::toString);
        assertFalse(r.err().contains("Permission denied") || r.err().contains("line ")
                || r.err().contains("command not found"), r::toString);
        return r.err();
    }

    @Test
    void anotherUserRunsTheStaleJarOfARootOwnedCheckoutWithOneWarning() throws Exception {
        requireRootWith("setpriv");
        FileTime before = Files.getLastModifiedTime(jar);
        UserShell.Result r = run(Map.of(), asNobody(nsfs(), "info", "--json", "/proc/self/ns/net"));
        answersInfo(r);
        String warning = oneLine(r);
        assertTrue(warning.startsWith("nsfs: warning: ") && warning.contains(jar.toString())
                && warning.contains(repo.resolve("target") + " is not writable by") && warning.contains("65534"),
                r::toString);
        assertEquals(before, Files.getLastModifiedTime(jar), "nothing rebuilt");
        assertFalse(Files.exists(repo.resolve("target/.nsfs-build.lock")), "nothing written in target/");
    }

    @Test
    void anotherUserWithoutAJarGetsOneLineAndExit2() throws Exception {
        requireRootWith("setpriv");
        Files.delete(jar);
        UserShell.Result r = run(Map.of(), asNobody(nsfs(), "--version"));
        assertEquals(2, r.status(), r::toString);
        assertEquals("", r.out(), r::toString);
        assertTrue(oneLine(r).contains("the jar must be built first"), r::toString);

        // No target/ at all, and a checkout the user cannot write to make one.
        deleteTree(repo.resolve("target"));
        UserShell.Result none = run(Map.of(), asNobody(nsfs(), "--version"));
        assertEquals(2, none.status(), none::toString);
        assertEquals("", none.out(), none::toString);
        assertTrue(oneLine(none).contains(repo + " is not writable by"), none::toString);
    }

    @Test
    void withoutMavenAStaleJarRunsWithOneWarning() throws Exception {
        Path path = pathWithout(Set.of("mvn", "mvnw"));
        UserShell.Result r = run(Map.of("PATH", path.toString()), nsfs(), "info", "--json", "/proc/self/ns/net");
        answersInfo(r);
        assertTrue(oneLine(r).contains("Maven (mvn) is not installed"), r::toString);
    }

    /**
     * The warning cannot be written (stderr closed, or a full device): the command runs all
     * the same, with its own status; the line is lost, as any message of the command's would be.
     */
    @ParameterizedTest
    @ValueSource(strings = {"2>&-", "2>/dev/full"})
    void aWarningThatCannotBeWrittenDoesNotStopTheCommand(String stderr) throws Exception {
        Path path = pathWithout(Set.of("mvn", "mvnw"));
        UserShell.Result r = run(Map.of("PATH", path.toString()), "/bin/sh", "-c",
                "exec \"$0\" info --json /proc/self/ns/net " + stderr, nsfs());
        answersInfo(r);
        assertEquals("", r.err(), r::toString);
    }

    @Test
    void aJdkWithoutJavacRunsAStaleJarWithOneWarning() throws Exception {
        // A JDK 22+ home with java (a wrapper, so that it resolves to this home, not the real
        // one) and its release file, but no javac: what a JRE looks like.
        Path realHome = Path.of(System.getProperty("java.home"));
        Path jre = Files.createDirectories(tmp.resolve("jre/bin"));
        Files.writeString(jre.resolve("java"), "#!/bin/sh\nexec " + realHome.resolve("bin/java") + " \"$@\"\n");
        Files.setPosixFilePermissions(jre.resolve("java"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.copy(realHome.resolve("release"), tmp.resolve("jre/release"));
        UserShell.Result r = run(Map.of("JAVA_HOME", tmp.resolve("jre").toString()),
                nsfs(), "info", "--json", "/proc/self/ns/net");
        answersInfo(r);
        assertTrue(oneLine(r).contains("has no javac"), r::toString);
    }

    @Test
    void noJdkAnywhereIsOneLineAndExit2() throws Exception {
        requireRootWith("unshare");
        // In a private mount namespace, /usr/lib/jvm is empty; PATH has no java; HOME has no JDKs.
        Path path = pathWithout(Set.of("java", "mvn"));
        // unshare itself, not Unshared: the script under test is the process in the mount namespace
        UserShell.Result r = run(Map.of("PATH", path.toString(), "HOME", tmp.toString()),
                "/usr/bin/unshare", "--mount", "--propagation", "private", "/bin/sh", "-c",
                "mount -t tmpfs tmpfs /usr/lib/jvm && exec \"$0\" --version", nsfs());
        assertEquals(2, r.status(), r::toString);
        assertEquals("", r.out(), r::toString);
        assertTrue(oneLine(r).contains("no JDK 22 or newer found"), r::toString);
    }

    /** A PATH directory with every command of /usr/bin and /usr/sbin but the ones named. */
    private Path pathWithout(Set<String> missing) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("path"));
        for (String from : List.of("/usr/bin", "/usr/sbin")) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(Path.of(from))) {
                for (Path f : files) {
                    String name = f.getFileName().toString();
                    if (!missing.contains(name) && !Files.exists(dir.resolve(name), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                        Files.createSymbolicLink(dir.resolve(name), f);
                    }
                }
            }
        }
        return dir;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.delete(p);
            }
        }
    }
}
