package io.github.nsfs4j.cli;

import io.github.nsfs4j.testing.Json;

import static io.github.nsfs4j.cli.CliRun.big;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/nsfs} as a user meets it: in a fresh copy of the checkout (pom.xml, src/main,
 * bin; never this checkout's target/, which other builds use), with the machine's default
 * {@code java} on PATH and no JAVA_HOME, started through a symlink from another directory.
 * It must find a JDK 22+, build the jar with Maven on first use, run it, rebuild only when
 * the sources change, and keep stdout clean for {@code --json}.
 */
class BinScriptTest {

    private static final long SELF = ProcessHandle.current().pid();

    @TempDir
    Path tmp;

    record Result(int status, String out, String err) {
        @Override
        public String toString() {
            return "exit " + status + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private static Path checkout() {
        Path dir = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
        return dir.toAbsolutePath();
    }

    private static boolean onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }

    private Result run(Path cwd, Map<String, String> extraEnv, String... command)
            throws IOException, InterruptedException {
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        Map<String, String> env = pb.environment();
        // As a user's shell would have it: the default java (17 here) first on PATH, no
        // JAVA_HOME, nothing inherited from the Maven that runs this test.
        env.remove("JAVA_HOME");
        env.keySet().removeIf(k -> k.startsWith("MAVEN_") || k.equals("NSFS_JAR"));
        env.putAll(extraEnv);
        Process p = pb.start();
        try {
            if (!p.waitFor(600, TimeUnit.SECONDS)) {
                throw new AssertionError(String.join(" ", command) + " did not finish in 10 minutes");
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            p.destroyForcibly();
            p.waitFor();
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    /**
     * {@code nsfs ls --json} from the jar Maven built, between two lsns runs of one shell (all
     * three count the shell and themselves), until every namespace lsns showed the same before
     * and after agrees field by field; and {@code nsfs tree} drawn with box-drawing characters
     * whatever the locale.
     */
    private void lsAndTreeThroughTheScript(Path cwd, Path nsfs) throws Exception {
        if (onPath("lsns")) {
            Path before = tmp.resolve("lsns-before.json");
            Path ours = tmp.resolve("nsfs-ls.json");
            Path after = tmp.resolve("lsns-after.json");
            String lsns = String.join(" ", LsnsComparison.LSNS);
            String script = lsns + " >" + before + " && \"$0\" ls --json >" + ours + " && " + lsns + " >" + after;
            LsnsComparison.Result result = null;
            for (int attempt = 1; attempt <= 8; attempt++) {
                Result sh = run(cwd, Map.of(), "sh", "-c", script, nsfs.toString());
                assertEquals(0, sh.status(), sh::toString);
                assertEquals("", sh.err(), sh::toString);
                result = LsnsComparison.compare(LsnsComparison.rows(Files.readString(before)),
                        LsnsComparison.rows(Files.readString(ours)), LsnsComparison.rows(Files.readString(after)),
                        Set.of());
                System.out.println("bin/nsfs ls --json vs lsns (attempt " + attempt + "): " + result);
                if (result.mismatches().isEmpty() && !result.compared().isEmpty()) {
                    break;
                }
            }
            LsnsComparison.Result last = result;
            assertTrue(last.mismatches().isEmpty() && !last.compared().isEmpty(),
                    () -> "bin/nsfs ls --json disagrees with lsns: " + last);
        }
        Result tree = run(cwd, Map.of("LANG", "C", "LC_ALL", "C"), nsfs.toString(), "tree");
        assertEquals(0, tree.status(), tree::toString);
        assertTrue(tree.out().startsWith("NS "), tree::toString);
        assertTrue(tree.out().contains("\n\u2514\u2500") || tree.out().contains("\n\u251c\u2500"), tree::toString);
    }

    @Test
    void findsAJdkBuildsOnFirstUseAndRunsFromAnywhere() throws Exception {
        Assumptions.assumeTrue(onPath("mvn"), "Maven (mvn) is not on PATH");
        Path repo = tmp.resolve("checkout");
        Files.createDirectories(repo.resolve("src"));
        Files.copy(checkout().resolve("pom.xml"), repo.resolve("pom.xml"));
        copyTree(checkout().resolve("src/main"), repo.resolve("src/main"));
        copyTree(checkout().resolve("bin"), repo.resolve("bin"));
        Path script = repo.resolve("bin/nsfs");
        assertTrue(Files.isExecutable(script), "bin/nsfs must be executable");
        // Started through a symlink, from an unrelated working directory.
        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
        Path link = Files.createSymbolicLink(elsewhere.resolve("nsfs"), script);
        Path jar = repo.resolve("target/nsfs4j-" + Main.FALLBACK_VERSION + ".jar");

        Result version = run(elsewhere, Map.of(), link.toString(), "--version");
        assertEquals(0, version.status(), version::toString);
        assertEquals("nsfs (nsfs4j) " + Main.FALLBACK_VERSION + "\n", version.out(), version::toString);
        assertTrue(Files.isRegularFile(jar), "the first run builds " + jar);
        try (JarFile jf = new JarFile(jar.toFile())) {
            Manifest m = jf.getManifest();
            assertEquals("io.github.nsfs4j.cli.Main", m.getMainAttributes().getValue("Main-Class"));
            assertEquals("ALL-UNNAMED", m.getMainAttributes().getValue("Enable-Native-Access"));
        }
        FileTime built = Files.getLastModifiedTime(jar);

        // No rebuild while the sources are unchanged; stdout is exactly one JSON document and
        // stderr is empty (no native-access warning).
        Result info = run(elsewhere, Map.of(), link.toString(), "info", "--json", "net:" + SELF);
        assertEquals(0, info.status(), info::toString);
        assertEquals("", info.err(), info::toString);
        Map<String, Object> doc = Json.object(info.out());
        assertEquals(big(Truth.inode(SELF, "net")), doc.get("ns"));
        assertEquals("net", doc.get("type"));
        assertEquals(built, Files.getLastModifiedTime(jar), "no rebuild without changes");

        lsAndTreeThroughTheScript(elsewhere, link);

        // bin/nsfs-jshell finds the same JDK and the jar just built (no rebuild), and runs a script.
        NsfsJshellTest jshell = new NsfsJshellTest();
        jshell.tmp = Files.createDirectories(tmp.resolve("jshell"));
        NsfsJshellTest.checkScriptRun(jshell.tmp, repo.resolve("bin"), Map.of(), jshell);
        assertEquals(built, Files.getLastModifiedTime(jar), "bin/nsfs-jshell used the jar as it was");

        // A JAVA_HOME that is too old is passed over.
        Path jdk17 = Path.of("/usr/lib/jvm/java-17-openjdk-amd64");
        if (Files.isExecutable(jdk17.resolve("bin/java"))) {
            Result old = run(repo, Map.of("JAVA_HOME", jdk17.toString()), script.toString(), "--version");
            assertEquals(0, old.status(), old::toString);
        }

        // Errors keep the contract's shape through the script too.
        Result bad = run(elsewhere, Map.of(), link.toString(), "info", "/etc/passwd");
        assertEquals(2, bad.status(), bad::toString);
        assertEquals("", bad.out(), bad::toString);
        assertEquals(1, bad.err().lines().count(), bad::toString);

        // A source newer than the jar makes the next run build again.
        Path source = repo.resolve("src/main/java/io/github/nsfs4j/cli/Main.java");
        Files.setLastModifiedTime(source, FileTime.fromMillis(System.currentTimeMillis() + 2_000));
        Thread.sleep(2_100);
        Result again = run(elsewhere, Map.of(), link.toString(), "--json", "init-pid");
        assertEquals(0, again.status(), again::toString);
        assertEquals(1, ((List<?>) Json.object(again.out()).get("results")).size());
        assertNotEquals(built, Files.getLastModifiedTime(jar), "the changed source was rebuilt");
        assertFalse(Files.getLastModifiedTime(source).compareTo(Files.getLastModifiedTime(jar)) > 0);
    }
}
