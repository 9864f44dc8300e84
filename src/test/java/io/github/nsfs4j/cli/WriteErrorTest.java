package io.github.nsfs4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A failed write to stdout ({@code > /dev/full}: ENOSPC) is an error, as lsns makes it:
 * every subcommand, help and version exit 2 with one line on stderr, in-process and through
 * {@code java -jar}. Each command is first run into a file, so that it is known to succeed and
 * to print something: the only difference is where stdout goes.
 */
class WriteErrorTest {

    private static final int SELF = (int) ProcessHandle.current().pid();
    private static final String ENOSPC = "nsfs: write error: No space left on device\n";

    @TempDir
    static Path tmp;

    private static Path jar;

    @BeforeAll
    static void buildJar() throws Exception {
        jar = TestJar.build(tmp.resolve("jar"));
    }

    static Stream<List<String>> commands() {
        String self = String.valueOf(SELF);
        return Stream.of(List.of("ls"), List.of("ls", "--json"), List.of("tree"), List.of("tree", "--json"),
                List.of("info", "net:" + self), List.of("info", "--json", "pid:" + self),
                List.of("pid", "--in", self, self), List.of("pid", "--json", "--from", self, "1"),
                List.of("init-pid"), List.of("init-pid", "--json", self), List.of("mntns"), List.of("mntns", "--json"),
                List.of("--help"), List.of("help", "ls"), List.of("info", "--help"), List.of("--version"),
                List.of("pid", "-V"));
    }

    private static int inProcess(List<String> args, OutputStream stdout, ByteArrayOutputStream err) {
        try (PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            return Main.run(args.toArray(new String[0]), stdout, e);
        }
    }

    @ParameterizedTest
    @MethodSource("commands")
    void inProcess(List<String> args) throws Exception {
        Path file = tmp.resolve("out-" + String.join("_", args).replace('/', '_'));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int ok;
        try (OutputStream out = new FileOutputStream(file.toFile())) {
            ok = inProcess(args, out, err);
        }
        assertEquals(0, ok, () -> args + ": " + err);
        assertTrue(Files.size(file) > 0, args + " printed nothing");

        ByteArrayOutputStream fullErr = new ByteArrayOutputStream();
        int status;
        try (OutputStream full = new FileOutputStream("/dev/full")) {
            status = inProcess(args, full, fullErr);
        }
        String stderr = fullErr.toString(StandardCharsets.UTF_8);
        assertEquals(2, status, () -> args + ": " + stderr);
        assertTrue(stderr.endsWith(ENOSPC), () -> args + ": " + stderr);
        assertEquals(err.toString(StandardCharsets.UTF_8) + ENOSPC, stderr, args::toString);
    }

    private static Process start(List<String> args, ProcessBuilder.Redirect stdout) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar.toString()));
        cmd.addAll(args);
        return new ProcessBuilder(cmd).redirectOutput(stdout).redirectError(ProcessBuilder.Redirect.PIPE).start();
    }

    private static String finish(Process p) throws Exception {
        try {
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS));
            return err;
        } finally {
            p.destroyForcibly();
        }
    }

    @ParameterizedTest
    @MethodSource("commands")
    void throughTheJar(List<String> args) throws Exception {
        File file = tmp.resolve("jar-out-" + String.join("_", args).replace('/', '_')).toFile();
        Process ok = start(args, ProcessBuilder.Redirect.to(file));
        String okErr = finish(ok);
        assertEquals(0, ok.exitValue(), () -> args + ": " + okErr);
        assertTrue(file.length() > 0, args + " printed nothing");

        Process full = start(args, ProcessBuilder.Redirect.to(new File("/dev/full")));
        String err = finish(full);
        assertEquals(2, full.exitValue(), () -> args + ": " + err);
        assertEquals(okErr + ENOSPC, err, args::toString);
    }

    /**
     * A reader that went away ({@code nsfs ls | head -1}) is not a write error, as in util-linux:
     * no message, the command's own status. The pipe's read end is closed before nsfs starts
     * (a FIFO opened read-write, then write-only, then the read-write fd closed), so every
     * write fails with EPIPE.
     */
    @Test
    void aClosedPipeIsNoError() throws Exception {
        Path fifo = tmp.resolve("fifo");
        Process mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertTrue(mk.waitFor(30, TimeUnit.SECONDS) && mk.exitValue() == 0);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (String sub : new String[] {"ls", "--help"}) {
            Process p = new ProcessBuilder("sh", "-c", "exec 3<>\"$1\" 4>\"$1\" 3>&-; \"$2\" -jar \"$3\" \"$4\" >&4 4>&-;"
                    + " echo \"exit $?\" >&2", "sh", fifo.toString(), java, jar.toString(), sub)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            String err = finish(p);
            assertEquals("exit 0\n", err, sub);
        }
    }
}
