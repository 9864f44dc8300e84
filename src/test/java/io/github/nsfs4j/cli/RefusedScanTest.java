package io.github.nsfs4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.nsfs4j.testing.Commands;
import io.github.nsfs4j.testing.Proc;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code nsfs ls} and {@code nsfs tree} behind a seccomp filter that refuses every nsfs ioctl
 * (as a sandbox does; {@link SandboxedMain}): the scan could not look, so it must say what was
 * refused and exit 2, never list rows with made-up parents and owners, nor an empty list with
 * status 0.
 */
class RefusedScanTest {

    private static final int ENOTTY = 25;
    private static final int ENOSYS = 38;

    @ParameterizedTest
    @ValueSource(ints = {ENOTTY, ENOSYS})
    void aSandboxThatRefusesTheIoctlsIsAFailureNotAnEmptyList(int errno) {
        Assumptions.assumeTrue(System.getProperty("os.arch").equals("amd64"), "the filter is x86-64's");
        for (List<String> args : List.of(List.of("ls", "--json"), List.of("ls"), List.of("tree", "--json"))) {
            List<String> a = new ArrayList<>();
            a.add(Integer.toString(errno));
            a.addAll(args);
            Commands.Result r = Commands.run(Commands.javaCommand(List.of("--enable-native-access=ALL-UNNAMED"),
                    SandboxedMain.class, a.toArray(String[]::new)));
            assertEquals(2, r.exitCode(), () -> args + ": " + r);
            assertEquals("", r.stdout(), () -> args + ": nothing listed as if it were the truth: " + r);
            List<String> lines = r.stderr().lines().toList();
            assertEquals(1, lines.size(), () -> args + ": one line: " + r);
            String line = lines.getFirst();
            assertTrue(line.startsWith("nsfs " + args.getFirst() + ": "), line);
            assertTrue(line.contains(errno == ENOTTY ? "ENOTTY" : "ENOSYS"), () -> "names the errno: " + line);
            assertTrue(line.contains("NS_GET_"), () -> "names the refused request: " + line);
            assertTrue(line.contains("sandbox"), () -> "says why a kernel would not answer so: " + line);
        }
        // The filter applies to nothing but the ioctls: the same JVM reads /proc as before.
        assertTrue(Proc.pids().size() > 1);
    }
}
