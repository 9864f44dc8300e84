package io.github.nsfs4j.cli;

import io.github.nsfs4j.testing.Json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** One in-process run of {@code nsfs}: exit status, stdout, stderr. */
record CliRun(int status, String out, String err) {

    static CliRun of(Object... args) {
        String[] argv = new String[args.length];
        for (int i = 0; i < args.length; i++) {
            argv[i] = String.valueOf(args[i]);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;
        try (PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            status = Main.run(argv, out, e);
        }
        return new CliRun(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** stdout as one JSON object (fails if stdout holds anything else). */
    Map<String, Object> json() {
        return Json.object(out);
    }

    /** stderr's lines. */
    List<String> errLines() {
        return err.lines().toList();
    }

    /** Asserts the contract's failure shape: this status, nothing on stdout, one line on stderr, no stack trace. */
    CliRun assertFailure(int expectedStatus) {
        assertEquals(expectedStatus, status, this::toString);
        assertEquals("", out, this::toString);
        assertEquals(1, errLines().size(), this::toString);
        assertFalse(err.contains("Exception"), this::toString);
        assertFalse(err.contains("\tat "), this::toString);
        return this;
    }

    @Override
    public String toString() {
        return "exit " + status + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }

    /** A JSON number as an unsigned 64-bit long. */
    static long u64(Object number) {
        return ((BigInteger) number).longValue();
    }

    static BigInteger big(long unsigned) {
        return new BigInteger(Long.toUnsignedString(unsigned));
    }
}
