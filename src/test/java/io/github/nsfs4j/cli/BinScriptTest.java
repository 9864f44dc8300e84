package io.github.nsfs4j.cli;

import io.github.nsfs4j.testing.Commands;
import io.github.nsfs4j.testing.Json;
import io.github.nsfs4j.testing.Proc;

import static io.github.nsfs4j.cli.CliRun.big;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/nsfs} as a user meets it: in a fresh copy of the checkout (pom.xml, src/main,
 * bin; never this checkout's target/, which other builds use), with the machine's default
 * {@code java} on PATH and no JAVA_HOME, started through a symlink from another directory.
 * It must find a JDK 22+, build the jar with Maven on first use, run it, rebuild only when
 * the sources change, and keep stdout clean for {@code --json}. A run that builds says so in
 * one line on stderr (stderr is a file here, not a terminal); a run that does not build
 * says nothing.
 */
class BinScriptTest {

    private static final long SELF = ProcessHandle.current().pid();

    @TempDir
    Path tmp;

    private UserShell.Result run(Path cwd, Map<String, String> extraEnv, String... command)
            throws IOException, InterruptedException {
        return UserShell.run(tmp, cwd, extraEnv, 600, command);
    }

    /**
     * {@code nsfs ls --json} from the jar Maven built, between two lsns runs of one shell (all
     * three count the shell and themselves), until every namespace lsns showed the same before
     * and after agrees field by field; and {@code nsfs tree} drawn with box-drawing characters
     * whatever the locale.
     */
    private void lsAndTreeThroughTheScript(Path cwd, Path nsfs) throws Exception {
        if (Commands.which("lsns") != null) {
            LsnsComparison.Bracket bracket = LsnsComparison.Bracket.in(tmp);
            String script = bracket.script("\"$0\"");
            LsnsComparison.Result result = null;
            for (int attempt = 1; attempt <= 8; attempt++) {
                UserShell.Result sh = run(cwd, Map.of(), "sh", "-c", script, nsfs.toString());
                assertEquals(0, sh.status(), sh::toString);
                assertEquals("", sh.err(), sh::toString);
                result = bracket.compare();
                System.out.println("bin/nsfs ls --json vs lsns (attempt " + attempt + "): " + result);
                if (result.mismatches().isEmpty() && !result.compared().isEmpty()) {
                    break;
                }
            }
            LsnsComparison.Result last = result;
            assertTrue(last.mismatches().isEmpty() && !last.compared().isEmpty(),
                    () -> "bin/nsfs ls --json disagrees with lsns: " + last);
        }
        UserShell.Result tree = run(cwd, Map.of("LANG", "C", "LC_ALL", "C"), nsfs.toString(), "tree");
        assertEquals(0, tree.status(), tree::toString);
        assertTrue(tree.out().startsWith("NS "), tree::toString);
        assertTrue(tree.out().contains("\n\u2514\u2500") || tree.out().contains("\n\u251c\u2500"), tree::toString);
    }

    @Test
    void findsAJdkBuildsOnFirstUseAndRunsFromAnywhere() throws Exception {
        Assumptions.assumeTrue(Commands.which("mvn") != null, "Maven (mvn) is not on PATH");
        Path repo = tmp.resolve("checkout");
        Files.createDirectories(repo.resolve("src"));
        Files.copy(UserShell.checkout().resolve("pom.xml"), repo.resolve("pom.xml"));
        UserShell.copyTree(UserShell.checkout().resolve("src/main"), repo.resolve("src/main"));
        UserShell.copyTree(UserShell.checkout().resolve("bin"), repo.resolve("bin"));
        Path script = repo.resolve("bin/nsfs");
        assertTrue(Files.isExecutable(script), "bin/nsfs must be executable");
        // Started through a symlink, from an unrelated working directory.
        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
        Path link = Files.createSymbolicLink(elsewhere.resolve("nsfs"), script);
        Path jar = repo.resolve("target/nsfs4j-" + Main.FALLBACK_VERSION + ".jar");

        UserShell.Result version = run(elsewhere, Map.of(), link.toString(), "--version");
        assertEquals(0, version.status(), version::toString);
        assertEquals("nsfs (nsfs4j) " + Main.FALLBACK_VERSION + "\n", version.out(), version::toString);
        assertTrue(Files.isRegularFile(jar), "the first run builds " + jar);
        saysItBuilds(version, repo);
        try (JarFile jf = new JarFile(jar.toFile())) {
            Manifest m = jf.getManifest();
            assertEquals("io.github.nsfs4j.cli.Main", m.getMainAttributes().getValue("Main-Class"));
            assertEquals("ALL-UNNAMED", m.getMainAttributes().getValue("Enable-Native-Access"));
        }
        FileTime built = Files.getLastModifiedTime(jar);
        // bin/nsfs builds the jar alone: the publishing jars come at verify, not package.
        assertFalse(Files.exists(publishing(jar, "sources")) || Files.exists(publishing(jar, "javadoc")),
                "bin/nsfs built the -sources or -javadoc jar");

        // No rebuild while the sources are unchanged; stdout is exactly one JSON document and
        // stderr is empty (no native-access warning).
        UserShell.Result info = run(elsewhere, Map.of(), link.toString(), "info", "--json", "net:" + SELF);
        assertEquals(0, info.status(), info::toString);
        assertEquals("", info.err(), info::toString);
        Map<String, Object> doc = Json.object(info.out());
        assertEquals(big(Proc.nsInode(SELF, "net")), doc.get("ns"));
        assertEquals("net", doc.get("type"));
        assertEquals(built, Files.getLastModifiedTime(jar), "no rebuild without changes");

        lsAndTreeThroughTheScript(elsewhere, link);

        // bin/nsfs-jshell finds the same JDK and the jar just built (no rebuild), and runs a script.
        NsfsJshellTest.checkScriptRun(Files.createDirectories(tmp.resolve("jshell")), repo.resolve("bin"), Map.of());
        assertEquals(built, Files.getLastModifiedTime(jar), "bin/nsfs-jshell used the jar as it was");

        // A JAVA_HOME that is too old is passed over.
        Path jdk17 = Path.of("/usr/lib/jvm/java-17-openjdk-amd64");
        if (Files.isExecutable(jdk17.resolve("bin/java"))) {
            UserShell.Result old = run(repo, Map.of("JAVA_HOME", jdk17.toString()), script.toString(), "--version");
            assertEquals(0, old.status(), old::toString);
        }

        // Errors keep the contract's shape through the script too.
        UserShell.Result bad = run(elsewhere, Map.of(), link.toString(), "info", "/etc/passwd");
        assertEquals(2, bad.status(), bad::toString);
        assertEquals("", bad.out(), bad::toString);
        assertEquals(1, bad.err().lines().count(), bad::toString);

        // A source newer than the jar makes the next run build again.
        Path source = repo.resolve("src/main/java/io/github/nsfs4j/cli/Main.java");
        Files.setLastModifiedTime(source, FileTime.fromMillis(System.currentTimeMillis() + 2_000));
        Thread.sleep(2_100);
        UserShell.Result again = run(elsewhere, Map.of(), link.toString(), "--json", "init-pid");
        assertEquals(0, again.status(), again::toString);
        assertEquals(1, ((List<?>) Json.object(again.out()).get("results")).size());
        saysItBuilds(again, repo);
        assertNotEquals(built, Files.getLastModifiedTime(jar), "the changed source was rebuilt");
        assertFalse(Files.getLastModifiedTime(source).compareTo(Files.getLastModifiedTime(jar)) > 0);

        // What Maven Central takes: mvn verify (and so install) adds -sources.jar and
        // -javadoc.jar, the Javadoc built by the JDK 22+ toolchain's javadoc.
        UserShell.Result verify = run(repo, Map.of(), "mvn", "-q", "-Dmaven.test.skip=true", "verify");
        assertEquals(0, verify.status(), verify::toString);
        try (JarFile sources = new JarFile(publishing(jar, "sources").toFile());
                JarFile javadoc = new JarFile(publishing(jar, "javadoc").toFile())) {
            assertNotNull(sources.getEntry("io/github/nsfs4j/Namespace.java"), "sources jar");
            assertNotNull(sources.getEntry("module-info.java"), "sources jar");
            assertNotNull(javadoc.getEntry("index.html"), "javadoc jar");
            assertNotNull(javadoc.getEntry("io.github.nsfs4j/io/github/nsfs4j/Namespace.html"), "javadoc jar");
        }
    }

    /**
     * The stderr of a run that built the jar: the line that says so, naming Maven's log, and
     * on JDK 25+ the line that says the AOT cache is made after it; nothing else.
     */
    private static void saysItBuilds(UserShell.Result r, Path repo) {
        List<String> lines = r.err().lines().toList();
        assertTrue(!lines.isEmpty() && lines.getFirst().startsWith("nsfs: building the jar with Maven ")
                && lines.getFirst().endsWith("; log: " + repo.resolve("target/nsfs-build.log")), r::toString);
        assertTrue(lines.size() == 1 || lines.size() == 2 && lines.get(1).startsWith("nsfs: making the JDK AOT cache "),
                r::toString);
    }

    /** The {@code -CLASSIFIER.jar} beside {@code jar}. */
    private static Path publishing(Path jar, String classifier) {
        return jar.resolveSibling(jar.getFileName().toString().replace(".jar", "-" + classifier + ".jar"));
    }

    /** The metadata Maven Central requires of a release is in the pom. */
    @Test
    void thePomHasWhatMavenCentralRequires() throws Exception {
        String pom = Files.readString(UserShell.checkout().resolve("pom.xml"));
        String head = pom.substring(0, pom.indexOf("<dependencies>")); // the project's own elements
        for (String path : new String[] {"name", "description", "url", "licenses/license/name", "licenses/license/url",
            "developers/developer/name", "scm/connection", "scm/developerConnection", "scm/url"}) {
            String within = head;
            for (String element : path.split("/")) {
                int open = within.indexOf("<" + element + ">");
                assertTrue(open >= 0, "pom.xml has no " + path);
                within = within.substring(open + element.length() + 2, within.indexOf("</" + element + ">", open));
            }
            assertFalse(within.isBlank(), "pom.xml has an empty " + path);
        }
    }
}
