package io.github.nsfs4j.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import io.github.nsfs4j.DiscoveredNamespace;
import io.github.nsfs4j.NamespaceDiscovery;
import io.github.nsfs4j.NamespaceException;
import io.github.nsfs4j.NamespaceSnapshot;
import io.github.nsfs4j.kernel.NamespaceType;

/** What {@code nsfs ls} and {@code nsfs tree} share: the scan, one namespace as JSON, the table. */
final class NamespaceRows {
    private NamespaceRows() {}

    /**
     * Scans the machine; a note on stderr when processes could not be read and the caller is
     * not root. Namespaces the kernel (or a sandbox) refused to open are a failure: the listing
     * would leave them out as if they did not exist.
     */
    static NamespaceSnapshot scan(Set<NamespaceType> types, boolean json, PrintStream err, String prefix)
            throws NamespaceException {
        NamespaceSnapshot snapshot = NamespaceDiscovery.scan(types.isEmpty() ? EnumSet.allOf(NamespaceType.class) : types);
        if (snapshot.namespacesRefused() > 0) {
            throw CliException.failure(snapshot.namespacesRefused() + " namespace(s) could not be opened, so they"
                    + " cannot be listed: " + snapshot.refusal().orElse("refused") + " (run as root, outside any"
                    + " sandbox that filters system calls)");
        }
        if (!json && snapshot.processesDenied() > 0 && !NsRef.callerIsRoot()) {
            err.println(prefix + ": " + snapshot.processesDenied() + " process(es) could not be inspected"
                    + " (permission refused); run as root to see every namespace");
        }
        if (!json && snapshot.socketsRefused() > 0) {
            err.println(prefix + ": the net namespaces of " + snapshot.socketsRefused() + " socket(s) could not be"
                    + " asked for, so a net namespace only a socket keeps alive may be missing: "
                    + Text.safe(snapshot.socketRefusal().orElse("refused")));
        }
        return snapshot;
    }

    /**
     * The top-level counts of a listing's document, after {@code namespaces}: how many
     * processes were read, refused (another user's, for a caller that is not root) and
     * vanished, and how many namespaces vanished mid-scan.
     */
    static void counts(Map<String, Object> doc, NamespaceSnapshot snapshot) {
        doc.put("processes_scanned", snapshot.processesScanned());
        doc.put("processes_refused", snapshot.processesDenied());
        doc.put("processes_vanished", snapshot.processesVanished());
        doc.put("namespaces_vanished", snapshot.namespacesVanished());
        doc.put("sockets_refused", snapshot.socketsRefused());
    }

    /**
     * One namespace as a JSON object: {@code ns id type nprocs pid user command pns ons held_by
     * path partial}. {@code pid} and {@code command} are null when no process is in it, as lsns
     * prints them. {@code partial} is true when processes were refused
     * ({@link NamespaceSnapshot#isPartial()}): then {@code nprocs}, {@code pid}, {@code user}
     * and {@code command} describe only the processes the caller could inspect.
     */
    static Map<String, Object> json(DiscoveredNamespace ns, boolean partial) {
        Map<String, Object> row = Json.object();
        row.put("ns", Json.u64(ns.inode()));
        row.put("id", ns.id().isPresent() ? Json.u64(ns.id().getAsLong()) : null);
        row.put("type", ns.type().procName());
        row.put("nprocs", ns.processCount());
        row.put("pid", ns.lowestPid().isPresent() ? ns.lowestPid().getAsInt() : null);
        row.put("user", ns.user().isEmpty() ? null : ns.user());
        row.put("command", ns.processCount() == 0 ? null : ns.command());
        row.put("pns", Json.u64(ns.parentInode()));
        row.put("ons", Json.u64(ns.ownerInode()));
        row.put("held_by", Column.held(ns));
        row.put("path", ns.pathString());
        row.put("socket", ns.socket());
        row.put("partial", partial);
        return row;
    }

    static String holder(DiscoveredNamespace.Holder h) {
        return h.name().toLowerCase(Locale.ROOT);
    }

    /**
     * The table of {@code rows}: a header (unless {@code headings} is false), then one line a
     * row, as util-linux's libsmartcols prints lsns's: numbers right-aligned, text left, empty
     * cells empty, one space between columns, the last column not padded. {@code treeColumn},
     * if not null, is drawn as a tree: left-aligned, each cell after its row's prefix
     * ({@code prefixes}). Raw ({@code -r}): cells separated by one space and not aligned, a
     * space inside a cell written {@code \x20}. Lines are cut to {@code width} where it is
     * not 0.
     */
    static String render(List<Column> columns, List<Column.Row> rows, Column treeColumn, List<String> prefixes,
            boolean raw, boolean headings, int width) {
        int n = columns.size();
        List<String[]> lines = new ArrayList<>(rows.size() + 1);
        if (headings) {
            String[] header = new String[n];
            for (int c = 0; c < n; c++) {
                header[c] = columns.get(c).name();
            }
            lines.add(header);
        }
        for (int r = 0; r < rows.size(); r++) {
            String[] cells = new String[n];
            for (int c = 0; c < n; c++) {
                Column column = columns.get(c);
                String cell = rows.get(r).text(column);
                cells[c] = column == treeColumn && prefixes != null ? prefixes.get(r) + cell : cell;
            }
            lines.add(cells);
        }
        StringBuilder sb = new StringBuilder();
        if (raw) {
            for (String[] cells : lines) {
                for (int c = 0; c < n; c++) {
                    if (c > 0) {
                        sb.append(' ');
                    }
                    sb.append(cells[c].replace(" ", "\\x20"));
                }
                sb.append('\n');
            }
            return sb.toString();
        }
        int[] widths = new int[n];
        for (String[] cells : lines) {
            for (int c = 0; c < n; c++) {
                widths[c] = Math.max(widths[c], cells[c].codePointCount(0, cells[c].length()));
            }
        }
        StringBuilder line = new StringBuilder();
        for (String[] cells : lines) {
            line.setLength(0);
            for (int c = 0; c < n; c++) {
                Column column = columns.get(c);
                boolean right = column.right && column != treeColumn;
                int pad = widths[c] - cells[c].codePointCount(0, cells[c].length());
                if (c > 0) {
                    line.append(' ');
                }
                if (right) {
                    line.repeat(' ', pad).append(cells[c]);
                } else {
                    line.append(cells[c]);
                    if (c < n - 1) {
                        line.repeat(' ', pad);
                    }
                }
            }
            int end = line.length();
            while (end > 0 && line.charAt(end - 1) == ' ') {
                end--;
            }
            line.setLength(end);
            sb.append(line).append('\n');
        }
        return width > 0 ? truncate(sb.toString(), width) : sb.toString();
    }

    /** Every line cut to {@code width} characters (the COMMAND column last, so commands are cut, as lsns does). */
    private static String truncate(String text, int width) {
        StringBuilder sb = new StringBuilder(text.length());
        int start = 0;
        while (start < text.length()) {
            int end = text.indexOf('\n', start);
            String line = text.substring(start, end < 0 ? text.length() : end);
            sb.append(line.length() <= width ? line : line.substring(0, width).stripTrailing()).append('\n');
            start = end < 0 ? text.length() : end + 1;
        }
        return sb.toString();
    }

    /** The width to cut at for a terminal of {@code columns}: 0 (a size the terminal does not know: do not cut), or 20 at least. */
    private static int width(int columns) {
        return columns == 0 ? 0 : Math.max(columns, 20);
    }

    /**
     * Whether this process's stdout is a terminal: {@code /proc/self/fd/1} names a terminal
     * device. Not {@code System.console()}: its first call looks up a console provider
     * (JLine's, through a ServiceLoader and the runtime image), a cost at every
     * {@code ls}; {@code isatty(3)} asks the same question of the same fd.
     */
    static boolean stdoutIsTerminal() {
        try {
            String device = Files.readSymbolicLink(Path.of("/proc/self/fd/1")).toString();
            return device.startsWith("/dev/pts/") || device.startsWith("/dev/tty") || device.equals("/dev/console");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * The terminal's width when {@code out} is this process's stdout on a terminal and
     * truncation is wanted; 0 (do not cut) otherwise. Reads {@code COLUMNS}, else asks
     * {@code stty size} on /dev/tty.
     */
    static int terminalWidth(PrintStream out, boolean noTruncate) {
        if (noTruncate || out != System.out || !stdoutIsTerminal()) {
            return 0;
        }
        try {
            String columns = System.getenv("COLUMNS");
            if (columns != null && columns.matches("[0-9]{1,5}")) {
                return width(Integer.parseInt(columns));
            }
            Process p = new ProcessBuilder("stty", "size").redirectInput(new java.io.File("/dev/tty"))
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String size = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            if (!p.waitFor(2, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return 0;
            }
            String[] parts = size.split("\\s+");
            return parts.length == 2 && parts[1].matches("[0-9]{1,5}") ? width(Integer.parseInt(parts[1])) : 0;
        } catch (IOException | RuntimeException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }
}
