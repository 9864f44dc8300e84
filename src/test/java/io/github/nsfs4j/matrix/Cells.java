package io.github.nsfs4j.matrix;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.nsfs4j.kernel.KernelVersion;
import io.github.nsfs4j.UnsupportedRequestException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The capability cells of the kernel matrix: each check of the kernel suite ends in one cell
 * (works; fallback with the same answers as the kernel's own truth; refused, naming the
 * kernel it needs; or wrong). A cell is one line {@code capability TAB status TAB note} in the
 * file that the system property {@value #PROPERTY} names (kernels/run sets it in each guest;
 * surefire on the host), from which kernels/run builds its table. Without the property the
 * cells only go to the test's report.
 */
public final class Cells {
    private Cells() {}

    /** The system property naming the cells file. */
    public static final String PROPERTY = "nsfs4j.kernel.cells";

    /** A cell's verdict. */
    public enum Status {
        /** The kernel has the request and the library's answer matches the kernel's truth. */
        WORKS,
        /** The kernel lacks the request; the library's fallback gave the same answers as the kernel's truth. */
        FALLBACK,
        /** The kernel lacks the request; the library refused, naming a newer kernel. */
        REFUSED,
        /** A check failed: the library's answer disagrees with the kernel's truth. */
        WRONG
    }

    /** One verdict with a short note (shown in the table). */
    public record Cell(Status status, String note) {}

    /** Works; the note says how (for example the raw errno the kernel gave). */
    public static Cell works(String note) {
        return new Cell(Status.WORKS, note);
    }

    /** Fallback used, same answers as the kernel's truth. */
    public static Cell fallback(String note) {
        return new Cell(Status.FALLBACK, note);
    }

    /**
     * Refused, checked: the exception must name a kernel newer than the running one (a
     * refusal on a kernel that should have the request is wrong, and fails here).
     */
    public static Cell refused(UnsupportedRequestException e) {
        KernelVersion running = KernelVersion.running();
        assertTrue(e.since().compareTo(running) > 0,
                "refused on " + running + ", naming Linux " + e.since() + " as the kernel needed: " + e.getMessage());
        assertTrue(e.getMessage().contains(e.since().toString()), "the message names the version: " + e.getMessage());
        return new Cell(Status.REFUSED, "needs " + e.since());
    }

    /**
     * Refused with a plain {@link io.github.nsfs4j.NamespaceException} whose message names the
     * kernel needed ("Linux 6.18"); checked as {@link #refused(UnsupportedRequestException)}.
     */
    public static Cell refused(io.github.nsfs4j.NamespaceException e) {
        if (e instanceof UnsupportedRequestException u) {
            return refused(u);
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("Linux (\\d+\\.\\d+)").matcher(e.getMessage());
        assertTrue(m.find(), "a refusal must name the kernel needed: " + e.getMessage());
        KernelVersion needed = KernelVersion.parse(m.group(1));
        KernelVersion running = KernelVersion.running();
        assertTrue(needed.compareTo(running) > 0,
                "refused on " + running + ", naming Linux " + needed + " as the kernel needed: " + e.getMessage());
        return new Cell(Status.REFUSED, "needs " + needed);
    }

    /**
     * The library offers nothing for a request the kernel lacks (an empty result, no
     * exception), and says which kernel has it: checked like a refusal.
     */
    public static Cell refused(io.github.nsfs4j.kernel.NsIoctl request, String note) {
        KernelVersion running = KernelVersion.running();
        assertTrue(request.since().compareTo(running) > 0,
                "the kernel lacks " + request + " on " + running + ", but the library says Linux " + request.since() + " has it");
        return new Cell(Status.REFUSED, "needs " + request.since() + (note.isEmpty() ? "" : "; " + note));
    }

    /** A check whose body returns its cell, or throws when the library is wrong. */
    @FunctionalInterface
    public interface Check {
        Cell run() throws Exception;
    }

    /**
     * Runs a check and records its cell; a failure is recorded as WRONG (with the message)
     * and rethrown, so the test fails too.
     */
    public static void check(String capability, Check check) throws Exception {
        Cell cell;
        try {
            cell = check.run();
        } catch (Exception | AssertionError e) {
            record(capability, new Cell(Status.WRONG, oneLine(String.valueOf(e.getMessage()))));
            throw e;
        }
        record(capability, cell);
    }

    private static final Object LOCK = new Object();
    private static boolean truncated;

    static void record(String capability, Cell cell) {
        String line = capability + "\t" + cell.status() + "\t" + oneLine(cell.note()) + "\n";
        System.out.print("kernel cell: " + line);
        String file = System.getProperty(PROPERTY);
        if (file == null || file.isEmpty()) {
            return;
        }
        synchronized (LOCK) {
            try {
                Path path = Path.of(file);
                Files.createDirectories(path.toAbsolutePath().getParent());
                // One JVM, one table: the first cell of a run replaces what an earlier run left.
                StandardOpenOption mode = truncated ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING;
                truncated = true;
                Files.writeString(path, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        mode);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static String oneLine(String s) {
        String flat = s.replaceAll("\\s+", " ").trim();
        return flat.length() > 300 ? flat.substring(0, 300) + "..." : flat;
    }
}
