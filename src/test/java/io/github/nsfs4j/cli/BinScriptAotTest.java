package io.github.nsfs4j.cli;

import static io.github.nsfs4j.cli.CliRun.big;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.nsfs4j.testing.Commands;
import io.github.nsfs4j.testing.Json;
import io.github.nsfs4j.testing.Proc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The JDK AOT cache {@code bin/nsfs} keeps beside the jar (JDK 25+): made by the first run,
 * used by the next ones (the JVM's own class-loading log says where Main came from), made
 * again when the jar or the JDK changes, and never the cause of a failed command or of a
 * byte on stdout or stderr: a broken cache, a cache from another JDK, a training run that
 * fails (tried once, not on every run), a target/ the user cannot write. The same for the
 * cache {@code bin/nsfs-jshell} keeps for jshell's own JVM (where that JVM loaded
 * JShellTool from), whose training session leaves no process behind, and whose session
 * does not hold the checkout's build lock. A run that makes a cache says so in one line on
 * stderr (it takes seconds), whatever stderr is; every other run leaves stderr empty. Runs on a copy of bin/ and src/main with a jar
 * assembled from this build ({@link TestJar}), with the JDK of this test as JAVA_HOME.
 */
class BinScriptAotTest {

    @TempDir
    Path tmp;

    private Path repo;
    private Path jar;
    private Path cache;
    private Path key;
    private Path realHome;
    private Path jshellCache;
    private Path jshellKey;

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
        jshellCache = repo.resolve("target/nsfs4j-test-jshell.aot");
        jshellKey = repo.resolve("target/nsfs4j-test-jshell.aot.key");
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
        answer(r);
        assertEquals("", r.err(), r::toString);
    }

    /** The right answer, one JSON document on stdout; on stderr only the line that says the cache is made. */
    private void answerMakingTheCache(UserShell.Result r) throws IOException {
        answer(r);
        saysItMakesTheCache(r, "nsfs");
    }

    private static void answer(UserShell.Result r) throws IOException {
        assertEquals(0, r.status(), r::toString);
        assertEquals(big(Proc.nsInode(ProcessHandle.current().pid(), "net")), Json.object(r.out()).get("ns"), r::toString);
    }

    /**
     * Stderr is exactly the one line of {@code prog} (nsfs, nsfs-jshell) that says it makes
     * the cache, naming the training run's log, though stderr is a file here, not a terminal.
     */
    private void saysItMakesTheCache(UserShell.Result r, String prog) {
        Path log = repo.resolve("target/" + (prog.equals("nsfs") ? "nsfs-aot.log" : "nsfs-jshell-aot.log"));
        assertEquals(1, r.err().lines().count(), r::toString);
        assertTrue(r.err().startsWith(prog + ": making the JDK AOT cache ") && r.err().endsWith("; log: " + log + "\n"),
                r::toString);
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
        answerMakingTheCache(nsfs(Map.of()));
        assertTrue(Files.size(cache) > 0, "no cache made beside the jar");
        String keyLine = Files.readAllLines(key).getFirst();
        assertTrue(keyLine.startsWith("ok " + realHome + " " + jar + " "), keyLine);

        assertTrue(mainSource(Map.of()).endsWith("source: shared objects file"), "the cache is used");
        assertFalse(mainSource(Map.of("NSFS_AOT", "0")).endsWith("source: shared objects file"),
                "NSFS_AOT=0 runs without it");

        // A jar newer than the cache (Maven rebuilt it): the next run makes the cache again.
        FileTime made = Files.getLastModifiedTime(cache);
        Files.setLastModifiedTime(jar, FileTime.fromMillis(made.toMillis() + 1_000));
        answerMakingTheCache(nsfs(Map.of()));
        assertTrue(Files.getLastModifiedTime(cache).compareTo(Files.getLastModifiedTime(jar)) > 0, "cache not remade");
        assertTrue(mainSource(Map.of()).endsWith("source: shared objects file"), "the new cache is used");
    }

    @Test
    void aBrokenOrForeignCacheNeverFailsACommand() throws Exception {
        answerMakingTheCache(nsfs(Map.of()));
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
        answerMakingTheCache(nsfs(Map.of()));
        assertEquals(line, Files.readAllLines(key).getFirst());
        assertTrue(mainSource(Map.of()).endsWith("source: shared objects file"));
    }

    /**
     * A JDK home whose {@code tool} (java or jshell) refuses to make an AOT cache and logs each
     * attempt in {@code attempts}, and is otherwise the real one, as is its other tool.
     */
    private Path refusingHome(String tool, Path attempts) throws IOException {
        Path home = tmp.resolve("jdk");
        Files.createDirectories(home.resolve("bin"));
        for (String each : List.of("java", "jshell")) {
            Path script = home.resolve("bin").resolve(each);
            String refuse = each.equals(tool)
                    ? "case \"$*\" in *AOTCacheOutput*) echo try >>" + attempts + "; exit 3 ;; esac\n" : "";
            Files.writeString(script, "#!/bin/sh\n" + refuse + "exec " + realHome.resolve("bin").resolve(each) + " \"$@\"\n");
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Files.copy(realHome.resolve("release"), home.resolve("release"));
        return home;
    }

    /** For bin/nsfs and bin/nsfs-jshell alike. */
    @ParameterizedTest
    @ValueSource(strings = {"nsfs", "nsfs-jshell"})
    void aFailedTrainingRunIsTriedOnceAndTheCommandStillRuns(String script) throws Exception {
        boolean jshell = script.equals("nsfs-jshell");
        Path attempts = tmp.resolve("attempts.txt");
        Map<String, String> env = Map.of("JAVA_HOME", refusingHome(jshell ? "jshell" : "java", attempts).toString());
        for (int run = 1; run <= 2; run++) {
            UserShell.Result r = jshell ? jshell(env) : nsfs(env);
            if (jshell) {
                jshellAnswer(r);
            } else {
                answer(r);
            }
            if (run == 1) { // tried, and said so
                saysItMakesTheCache(r, script);
            } else {
                assertEquals("", r.err(), r::toString);
            }
        }
        assertEquals(List.of("try"), Files.readAllLines(attempts), "one training run, not one per run");
        assertFalse(Files.exists(jshell ? jshellCache : cache));
        Path keyFile = jshell ? jshellKey : key;
        assertTrue(Files.readString(keyFile, StandardCharsets.UTF_8).startsWith("failed ok "), Files.readString(keyFile));
    }

    @Test
    void aUserWhoCannotWriteTargetRunsWithoutACache() throws Exception {
        Assumptions.assumeTrue(Proc.euid() == 0 && Commands.which("setpriv") != null, "needs root and setpriv");
        cleanAnswer(nsfs(Map.of(), "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"));
        assertFalse(Files.exists(cache));
        assertFalse(Files.exists(key));
    }

    // ---------------------------------------------------------------- bin/nsfs-jshell

    /** Prints the caller's pid namespace inode and, when asked, whether the build lock is free (flock's exit). */
    private static final String JSHELL_SCRIPT = """
            try (var ns = PidNamespace.current()) { System.out.println("PIDNS " + ns.inode()); }
            String lock = System.getenv("NSFS_TEST_LOCK");
            if (lock != null) { System.out.println("LOCK " + new ProcessBuilder("flock", "-n", "-E", "7", lock, "true").start().waitFor()); }
            /exit
            """;

    /** {@code bin/nsfs-jshell [JSHELL-ARGS] script.jsh}, with this test's JDK unless env says otherwise. */
    private UserShell.Result jshell(Map<String, String> env, String... jshellArgs) throws Exception {
        Map<String, String> all = new HashMap<>(Map.of("JAVA_HOME", realHome.toString()));
        all.putAll(env);
        Path script = tmp.resolve("session.jsh");
        Files.writeString(script, JSHELL_SCRIPT);
        String[] command = new String[jshellArgs.length + 2];
        command[0] = repo.resolve("bin/nsfs-jshell").toString();
        System.arraycopy(jshellArgs, 0, command, 1, jshellArgs.length);
        command[command.length - 1] = script.toString();
        return UserShell.run(tmp, tmp, all, 300, command);
    }

    /** The script's answer, and nothing else on stdout or stderr. */
    private static void cleanJshellAnswer(UserShell.Result r, String... more) throws IOException {
        jshellAnswer(r, more);
        assertEquals("", r.err(), r::toString);
    }

    /** The script's answer, and nothing else on stdout. */
    private static void jshellAnswer(UserShell.Result r, String... more) throws IOException {
        assertEquals(0, r.status(), r::toString);
        StringBuilder expected = new StringBuilder("PIDNS " + Proc.nsInode(ProcessHandle.current().pid(), "pid") + "\n");
        for (String line : more) {
            expected.append(line).append('\n');
        }
        assertEquals(expected.toString(), r.out(), r::toString);
    }

    /**
     * Where jshell's own JVM loaded its tool class from in one bin/nsfs-jshell session, by its
     * class-loading log; the session must make the cache first if {@code makes}.
     */
    private String jshellToolSource(Map<String, String> env, boolean makes) throws Exception {
        Path log = tmp.resolve("jshell-class-load-" + System.nanoTime() + ".txt");
        UserShell.Result r = jshell(env, "-J-Xlog:class+load=info:file=" + log);
        if (makes) {
            jshellAnswer(r);
            saysItMakesTheCache(r, "nsfs-jshell");
        } else {
            cleanJshellAnswer(r);
        }
        return Files.readAllLines(log).stream()
                .filter(l -> l.contains(" jdk.internal.jshell.tool.JShellTool source: ")).findFirst()
                .orElseThrow(() -> new AssertionError("JShellTool not loaded? " + r));
    }

    /**
     * The processes whose command line names the test's jar (a snippets' JVM has it on its
     * class path) and that are still running 3 s after the session ended: jshell stops its
     * snippets' JVM with a signal as it leaves, and does not wait for it.
     */
    private List<String> processesLeftWithTheJar() throws Exception {
        List<String> left = new ArrayList<>();
        for (ProcessHandle p : ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().orElse("").contains(jar.toString())).toList()) {
            try {
                p.onExit().get(3, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                left.add(p.pid() + " " + p.info().commandLine().orElse(""));
            }
        }
        return left;
    }

    @Test
    void jshellsOwnJvmGetsItsOwnCacheMadeOnceUsedAfterAndMadeAgainForANewJar() throws Exception {
        // NSFS_AOT=0 on a fresh checkout: no cache made, the JDK's classes from its modules.
        assertTrue(jshellToolSource(Map.of("NSFS_AOT", "0"), false).endsWith("source: jrt:/jdk.jshell"));
        assertFalse(Files.exists(jshellCache), "NSFS_AOT=0 made a cache");

        // The first session trains the cache; its jshell does not keep the build lock the training took.
        boolean flock = Commands.which("flock") != null;
        Map<String, String> env = flock
                ? Map.of("NSFS_TEST_LOCK", repo.resolve("target/.nsfs-build.lock").toString()) : Map.of();
        UserShell.Result first = jshell(env);
        if (flock) {
            jshellAnswer(first, "LOCK 0");
        } else {
            jshellAnswer(first);
        }
        saysItMakesTheCache(first, "nsfs-jshell");
        assertTrue(Files.size(jshellCache) > 0, "no jshell cache made beside the jar");
        String keyLine = Files.readAllLines(jshellKey).getFirst();
        assertTrue(keyLine.startsWith("ok " + realHome + " " + jar + " -J"), keyLine);
        assertFalse(Files.exists(cache), "bin/nsfs's cache is its own, made by bin/nsfs only");
        assertEquals(List.of(), processesLeftWithTheJar(), "the training session or the session left a JVM behind");

        assertTrue(jshellToolSource(Map.of(), false).endsWith("source: shared objects file"), "the cache is used");
        assertTrue(jshellToolSource(Map.of("NSFS_AOT", "0"), false).endsWith("source: jrt:/jdk.jshell"),
                "NSFS_AOT=0 runs without it");

        // A jar newer than the cache (Maven rebuilt it): the next session makes it again, and uses it.
        FileTime made = Files.getLastModifiedTime(jshellCache);
        Files.setLastModifiedTime(jar, FileTime.fromMillis(made.toMillis() + 1_000));
        assertTrue(jshellToolSource(Map.of(), true).endsWith("source: shared objects file"), "the new cache is used");
        assertTrue(Files.getLastModifiedTime(jshellCache).compareTo(Files.getLastModifiedTime(jar)) > 0,
                "jshell cache not remade");
        assertEquals(List.of(), processesLeftWithTheJar());
    }
}
