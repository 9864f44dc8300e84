package io.github.nsfs4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.nsfs4j.testing.Commands;
import io.github.nsfs4j.testing.Proc;

import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jar run without what it needs only when something fails: without its {@code lib/}
 * (jnr-constants: the jar {@code mvn install} leaves in ~/.m2, run through NSFS_JAR), or
 * without one of its own classes that only a failure loads. Every failure is still one line
 * on stderr, in words, with the subcommand's exit status ({@code exec}: 125), never a stack
 * trace. Through a copy of bin/nsfs with NSFS_JAR, as a user runs such a jar.
 */
class IncompleteJarTest {

    /** A pid no process has: larger than the kernel's pid_max can be (2^22). */
    private static final String NO_PID = "2147483647";

    @TempDir
    Path tmp;

    private Path nsfs;

    @BeforeEach
    void bin() throws IOException {
        UserShell.copyTree(UserShell.checkout().resolve("bin"), tmp.resolve("checkout/bin"));
        nsfs = tmp.resolve("checkout/bin/nsfs");
        // Every directory on the way readable by anyone: uid 65534 runs the script and the jar.
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** A jar of this build in {@code tmp/NAME/} without lib/ beside it. */
    private Path jarWithoutLib(String name) throws IOException {
        Path dir = tmp.resolve(name);
        Path jar = TestJar.build(dir);
        try (Stream<Path> libs = Files.list(dir.resolve("lib"))) {
            for (Path lib : libs.toList()) {
                Files.delete(lib);
            }
        }
        Files.delete(dir.resolve("lib"));
        return jar;
    }

    /** {@code bin/nsfs ARGS} with NSFS_JAR; as uid/gid 65534 when {@code nobody}. */
    private UserShell.Result nsfs(Path jar, boolean nobody, String... args) throws Exception {
        List<String> command = new ArrayList<>();
        if (nobody) {
            command.addAll(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"));
        }
        command.add(nsfs.toString());
        command.addAll(List.of(args));
        return UserShell.run(tmp, tmp, Map.of("NSFS_JAR", jar.toString()), 120, command.toArray(String[]::new));
    }

    /** Exit {@code status}, nothing on stdout, one line on stderr in the subcommand's voice containing {@code words}. */
    private static void oneLine(UserShell.Result r, int status, String prefix, String words) {
        assertEquals(status, r.status(), r::toString);
        assertEquals("", r.out(), r::toString);
        assertEquals(1, r.err().lines().count(), r::toString);
        assertTrue(r.err().startsWith(prefix + ": ") && r.err().contains(words), r::toString);
        assertFalse(r.err().contains("internal error") || r.err().contains("Exception") || r.err().contains("Error"),
                r::toString);
    }

    @Test
    void withoutItsLibFailuresAreReportedInWords() throws Exception {
        Path jar = jarWithoutLib("nolib");
        oneLine(nsfs(jar, false, "info", "/"), 2, "nsfs info", "is not a namespace file");
        oneLine(nsfs(jar, false, "info", "net:" + NO_PID), 1, "nsfs info", "no process " + NO_PID);
        oneLine(nsfs(jar, false, "exec", "-t", NO_PID, "-n", "--", "true"), ExecCommand.FAILED, "nsfs exec",
                "no such process (ESRCH");

        Assumptions.assumeTrue(Proc.euid() == 0 && Commands.which("setpriv") != null, "needs root and setpriv");
        // Another user's process: the kernel refuses uid 65534 its namespaces (EACCES).
        Process sleep = new ProcessBuilder("sleep", "60").start();
        try {
            String pid = String.valueOf(sleep.pid());
            oneLine(nsfs(jar, true, "info", "net:" + pid), 2, "nsfs info", "(EACCES");
            oneLine(nsfs(jar, true, "exec", "-t", pid, "-n", "--", "true"), ExecCommand.FAILED, "nsfs exec", "(EACCES");
        } finally {
            sleep.destroyForcibly();
            sleep.waitFor();
        }
    }

    @Test
    void aClassOnlyAFailureLoadsMissingIsReportedInWords() throws Exception {
        Path jar = jarWithoutLib("broken");
        // The errno mapping: loaded only when a system call fails (a command's success path never needs it).
        List<String> removed = new ArrayList<>();
        try (FileSystem zip = FileSystems.newFileSystem(jar); Stream<Path> internal =
                Files.list(zip.getPath("io/github/nsfs4j/internal"))) {
            for (Path p : internal.filter(p -> p.getFileName().toString().startsWith("Errnos")).toList()) {
                Files.delete(p);
                removed.add(p.toString());
            }
        }
        assertFalse(removed.isEmpty(), "no class io.github.nsfs4j.internal.Errnos to remove");

        UserShell.Result ok = nsfs(jar, false, "info", "--json", "/proc/self/ns/net");
        assertEquals(0, ok.status(), ok::toString);
        String missing = "class io/github/nsfs4j/internal/Errnos is missing from " + jar;
        oneLine(nsfs(jar, false, "info", "net:" + NO_PID), 2, "nsfs info", missing);
        oneLine(nsfs(jar, false, "exec", "-t", NO_PID, "-n", "--", "true"), ExecCommand.FAILED, "nsfs exec", missing);
    }

    /** The words for jnr-constants itself missing, should a failure path ever need it unguarded. */
    @Test
    void aMissingJnrConstantsIsNamedWithTheRemedy() {
        CliException e = Errors.describe(new NoClassDefFoundError("jnr/constants/platform/Errno"));
        assertEquals(CliException.FAILURE, e.exitCode());
        assertTrue(e.getMessage().startsWith("jnr-constants is missing (no class jnr/constants/platform/Errno)")
                && e.getMessage().contains("lib/"), e.getMessage());
        // wrapped, as a class initializer's failure is
        assertEquals(e.getMessage(), Errors.describe(new ExceptionInInitializerError(
                new NoClassDefFoundError("jnr/constants/platform/Errno"))).getMessage());
    }
}
