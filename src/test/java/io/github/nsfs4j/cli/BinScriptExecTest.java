package io.github.nsfs4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.nsfs4j.testing.Unshared;

/**
 * {@code bin/nsfs exec} as a shell runs it (issue 18, item 5): COMMAND gets the caller's
 * environment as nsenter passes it ({@code OLDPWD} included, which the script's own cd must
 * not change), and a deleted working directory, where no JVM can start, is one line in words
 * and status 125, never the JVM's stack trace and exit 1. The script runs this build's jar
 * ({@code NSFS_JAR}), so that nothing is built.
 */
class BinScriptExecTest {
    private static Unshared container;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        container = Unshared.builder().types("net").start();
    }

    @AfterAll
    static void stop() {
        if (container != null) {
            container.close();
        }
    }

    private UserShell.Result run(Path cwd, String... command) throws Exception {
        Path jar = TestJar.build(tmp.resolve("jar"));
        return UserShell.run(tmp, cwd, Map.of("NSFS_JAR", jar.toString(), "NSFS_AOT", "0"), 120, command);
    }

    private static String nsfs() {
        return UserShell.checkout().resolve("bin/nsfs").toString();
    }

    /** OLDPWD set to a directory, set to a name that is none, and unset: what COMMAND sees is what nsenter's sees. */
    @Test
    void oldpwdReachesTheCommandAsNsenterPassesIt() throws Exception {
        Unshared.requireCommand("nsenter");
        String pid = Long.toString(container.leafPid());
        String show = "printf '%s|%s' \"${OLDPWD-unset}\" \"$(readlink /proc/self/ns/net)\"";
        for (List<String> oldpwd : List.of(List.of("OLDPWD=/usr"), List.of("OLDPWD=/nsfs4j-no-such-dir"),
                List.of("-u", "OLDPWD"))) {
            List<String> nsenter = new ArrayList<>(List.of("env"));
            nsenter.addAll(oldpwd);
            nsenter.addAll(List.of("nsenter", "-t", pid, "-n", "--", "sh", "-c", show));
            List<String> ours = new ArrayList<>(List.of("env"));
            ours.addAll(oldpwd);
            ours.addAll(List.of(nsfs(), "exec", "-t", pid, "-n", "--", "sh", "-c", show));
            UserShell.Result expected = run(tmp, nsenter.toArray(String[]::new));
            assertEquals(0, expected.status(), expected::toString);
            UserShell.Result actual = run(tmp, ours.toArray(String[]::new));
            assertEquals(0, actual.status(), actual::toString);
            assertEquals(expected.out(), actual.out(), "with " + oldpwd);
            assertEquals("", actual.err(), actual::toString);
        }
    }

    /** From a deleted directory: one line in words, 125 for exec (2 for the others), no stack trace. */
    @Test
    void aDeletedWorkingDirectoryIsAMessage() throws Exception {
        String pid = Long.toString(container.leafPid());
        for (List<String> args : List.of(List.of("exec", "-t", pid, "-n", "--", "true"), List.of("--json", "ls"))) {
            Path gone = Files.createTempDirectory(tmp, "gone");
            List<String> command = new ArrayList<>(List.of("sh", "-c", "cd \"$1\" && rmdir \"$1\" && shift && exec \"$@\"",
                    "sh", gone.toString(), nsfs()));
            command.addAll(args);
            UserShell.Result r = run(tmp, command.toArray(String[]::new));
            assertEquals(args.getFirst().equals("exec") ? 125 : 2, r.status(), r::toString);
            assertTrue(r.err().contains("nsfs: the working directory has been deleted"), r::toString);
            assertFalse(r.err().contains("\tat ") || r.err().contains("java.lang.Error"), r::toString);
            assertEquals("", r.out(), r::toString);
            assertFalse(Files.exists(gone));
        }
    }
}
