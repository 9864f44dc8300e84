package io.github.nsfs4j.cli;

import static io.github.nsfs4j.cli.CliRun.big;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.nsfs4j.testing.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JDK AOT cache {@code bin/nsfs} keeps beside the jar (JDK 25+): made by the first run,
 * used by the next ones (the JVM's own class-loading log says where Main came from), made
 * again when the jar or the JDK changes, and never the cause of a failed command or of a
 * byte on stdout or stderr: a broken cache, a cache from another JDK, a training run that
 * fails (tried once, not on every run), a target/ the user cannot write. Runs on a copy of
 * bin/ and src/main with a jar assembled from this build ({@link TestJar}), with the JDK of
 * this test as JAVA_HOME.
 */
class BinScriptAotTest {

    @TempDir
    Path tmp;

    private Path repo;
    private Path jar;
    private Path cache;
    private Path key;
    private Path realHome;

    @BeforeEach
    void checkout() throws IOException {
        realHome = Path.of(System.getProperty("java.home"));
        Assumptions.assumeTrue(Runtime.version().feature() >= 25, "the AOT cache needs JDK 25+ (-XX:AOTCacheOutput)");
        repo = tmp.resolve("checkout");
        Files.createDirectories(repo.resolve("src"));
        Files.copy(UserShell.checkout().resolve("pom.xml"), repo.resolve("pom.xml"));
        UserShell.copyTree(UserShell.checkout().resolve("src/main"), repo.resolve("src/main"));
        UserShell.copyTree(UserShell.checkout().resolve("bin"), repo.resolve("bin"));
        // Sources dated in the past, the jar now: fresh, no build.
        try (var files = Files.walk(repo.resolve("src"))) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Files.setLastModifiedTime(p, FileTime.fromMillis(1_000_000L));
            }
        }
        Files.setLastModifiedTime(repo.resolve("pom.xml"), FileTime.fromMillis(1_000_000L));
        jar = TestJar.build(repo.resolve("target"));
        cache = repo.resolve("target/nsfs4j-test.aot");
        key = repo.resolve("target/nsfs4j-test.aot.key");
        for (Path p : List.of(tmp, repo)) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    private UserShell.Result nsfs(Map<String, String> env, String... prefixAndArgs) throws Exception {
        Map<String, String> all = new HashMap<>(Map.of("JAVA_HOME", realHome.toString()));
        all.putAll(env);
        String[] command = new String[prefixAndArgs.length + 4];
        System.arraycopy(prefixAndArgs, 0, command, 0, prefixAndArgs.length);
        command[prefixAndArgs.length] = repo.resolve("bin/nsfs").toString();
        command[prefixAndArgs.length + 1] = "info";
        command[prefixAndArgs.length + 2] = "--json";
        command[prefixAndArgs.length + 3] = "/proc/self/ns/net";
        return UserShell.run(tmp, tmp, all, 300, command);
    }

    /** The right answer, one JSON document on stdout, nothing on stderr. */
    private static void cleanAnswer(UserShell.Result r) throws IOException {
        assertEquals(0, r.status(), r::toString);
        assertEquals(big(Truth.inode(ProcessHandle.current().pid(), "net")), Json.object(r.out()).get("ns"), r::toString);
        assertEquals("", r.err(), r::toString);
    }

    /** Where the JVM of one bin/nsfs run loaded Main from, by its class-loading log. */
    private String mainSource(Map<String, String> env) throws Exception {
        Path log = tmp.resolve("class-load-" + System.nanoTime() + ".txt");
        Map<String, String> all = new HashMap<>(env);
        all.put("JDK_JAVA_OPTIONS", "-Xlog:class+load=info:file=" + log);
        UserShell.Result r = nsfs(all);
        assertEquals(0, r.status(), r::toString);
        return Files.readAllLines(log).stream().filter(l -> l.contains(" io.github.nsfs4j.cli.Main source: "))
                .findFirst().orElseThrow(() -> new AssertionError("Main not loaded? " + r));
    }

    @Test
    void theFirstRunMakesTheCacheTheNextUseItAndANewJarGetsANewOne() throws Exception {
        cleanAnswer(nsfs(Map.of()));
        assertTrue(Files.size(cache) > 0, "no cache made beside the jar");
        String keyLine = Files.readAllLines(key).getFirst();
        assertTrue(keyLine.startsWith("ok " + realHome + " " + jar + " "), keyLine);

        assertTrue(mainSource(Map.of()).endsWith("source: shared objects file"), "the cache is used");
        assertFalse(mainSource(Map.of("NSFS_AOT", "0")).endsWith("source: shared objects file"),
                "NSFS_AOT=0 runs without it");

        // A jar newer than the cache (Maven rebuilt it): the next run makes the cache again.
        FileTime made = Files.getLastModifiedTime(cache);
        Files.setLastModifiedTime(jar, FileTime.fromMillis(made.toMillis() + 1_000));
        cleanAnswer(nsfs(Map.of()));
        assertTrue(Files.getLastModifiedTime(cache).compareTo(Files.getLastModifiedTime(jar)) > 0, "cache not remade");
        assertTrue(mainSource(Map.of()).endsWith("source: shared objects file"), "the new cache is used");
    }

    @Test
    void aBrokenOrForeignCacheNeverFailsACommand() throws Exception {
        cleanAnswer(nsfs(Map.of()));
        // Garbage where the cache was, still dated after the jar, its key intact: the JVM
        // refuses it, silently, and the command runs without it.
        byte[] junk = new byte[4096];
        new java.util.Random(42).nextBytes(junk);
        Files.write(cache, junk);
        cleanAnswer(nsfs(Map.of()));
        assertFalse(mainSource(Map.of()).endsWith("source: shared objects file"));

        // A key naming another JDK: the cache is made again for this one.
        String line = Files.readAllLines(key).getFirst();
        Files.writeString(key, line.replace(realHome.toString(), "/opt/another-jdk") + "\n");
        cleanAnswer(nsfs(Map.of()));
        assertEquals(line, Files.readAllLines(key).getFirst());
        assertTrue(mainSource(Map.of()).endsWith("source: shared objects file"));
    }

    @Test
    void aFailedTrainingRunIsTriedOnceAndTheCommandStillRuns() throws Exception {
        // A JDK home whose java refuses to make a cache (and logs each attempt), else is the real one.
        Path home = Files.createDirectories(tmp.resolve("jdk/bin"));
        Path attempts = tmp.resolve("attempts.txt");
        Files.writeString(home.resolve("java"), """
                #!/bin/sh
                case "$*" in *AOTCacheOutput*) echo try >>%s; exit 3 ;; esac
                exec %s "$@"
                """.formatted(attempts, realHome.resolve("bin/java")));
        Files.setPosixFilePermissions(home.resolve("java"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.copy(realHome.resolve("release"), tmp.resolve("jdk/release"));
        Map<String, String> env = Map.of("JAVA_HOME", tmp.resolve("jdk").toString());
        cleanAnswer(nsfs(env));
        cleanAnswer(nsfs(env));
        assertEquals(List.of("try"), Files.readAllLines(attempts), "one training run, not one per command");
        assertFalse(Files.exists(cache));
        assertTrue(Files.readString(key, StandardCharsets.UTF_8).startsWith("failed ok "), Files.readString(key));
    }

    @Test
    void aUserWhoCannotWriteTargetRunsWithoutACache() throws Exception {
        Assumptions.assumeTrue(NamespaceFixture.isRoot() && NamespaceFixture.onPath("setpriv"), "needs root and setpriv");
        cleanAnswer(nsfs(Map.of(), "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"));
        assertFalse(Files.exists(cache));
        assertFalse(Files.exists(key));
    }
}
