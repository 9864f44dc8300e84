import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The tables of kernels/run (run as {@code java kernels/Table.java OUT ARCH=ACCEL KVER...
 * [ARCH=ACCEL KVER...]}): reads each guest's cells.tsv, JUnit XML and status from OUT/KVER/,
 * prints per architecture a Markdown table capability x kernel, the packages (and, for an
 * architecture with a root filesystem of its own, OUT/rootfs-ARCH.tsv), then, for more than
 * one architecture, one row per kernel; and every wrong cell and failed test. Exits 1 if a
 * cell is WRONG, a test failed or was skipped, or a kernel has no results.
 */
public class Table {
    record Suite(int tests, int failures, int errors, int skipped, List<String> failed) {}

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args[0]);
        Map<String, String> accels = new LinkedHashMap<>();
        Map<String, List<String>> byArch = new LinkedHashMap<>();
        String arch = null;
        for (String arg : List.of(args).subList(1, args.length)) {
            if (arg.contains("=")) {
                arch = arg.substring(0, arg.indexOf('='));
                accels.put(arch, arg.substring(arg.indexOf('=') + 1));
                byArch.put(arch, new ArrayList<>());
            } else if (arch != null) {
                byArch.get(arch).add(arg);
            }
        }
        byArch.values().removeIf(List::isEmpty);
        List<String> kernels = byArch.values().stream().flatMap(List::stream).toList();
        Map<String, String> packages = new LinkedHashMap<>();
        Path pkgFile = out.resolve("packages.tsv");
        if (Files.exists(pkgFile)) {
            for (String line : Files.readAllLines(pkgFile)) {
                String[] f = line.split("\t");
                if (f.length == 2) {
                    packages.put(f[0], f[1]);
                }
            }
        }
        Set<String> capabilities = new LinkedHashSet<>();
        Map<String, Map<String, String[]>> cells = new LinkedHashMap<>();
        Map<String, Suite> suites = new LinkedHashMap<>();
        Map<String, String> status = new LinkedHashMap<>();
        for (String k : kernels) {
            Path dir = out.resolve(k);
            Path st = dir.resolve("status");
            status.put(k, Files.exists(st) ? Files.readString(st).trim() : "no status");
            Map<String, String[]> byCap = new LinkedHashMap<>();
            Path cellFile = dir.resolve("results/cells.tsv");
            if (Files.exists(cellFile)) {
                for (String line : Files.readAllLines(cellFile)) {
                    String[] f = line.split("\t", -1);
                    if (f.length >= 2) {
                        capabilities.add(f[0]);
                        byCap.put(f[0], f);
                    }
                }
            }
            cells.put(k, byCap);
            suites.put(k, suite(dir.resolve("results/junit")));
        }

        boolean bad = false;
        StringBuilder sb = new StringBuilder();
        String date = ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'"));
        for (Map.Entry<String, List<String>> group : byArch.entrySet()) {
            if (!sb.isEmpty()) {
                sb.append("\n");
            }
            bad |= table(sb, out, date, group.getKey(), accels.get(group.getKey()), group.getValue(), capabilities, cells,
                    suites, status, packages);
        }
        if (byArch.size() > 1) {
            sb.append("\nEvery kernel, every architecture\n\n| architecture | kernel | package | kernel suite | cells |\n"
                    + "|---|---|---|---|---|\n");
            for (Map.Entry<String, List<String>> group : byArch.entrySet()) {
                for (String k : group.getValue()) {
                    Map<String, Integer> count = new LinkedHashMap<>();
                    for (String[] f : cells.get(k).values()) {
                        count.merge(f[1].toLowerCase(java.util.Locale.ROOT), 1, Integer::sum);
                    }
                    String cellText = count.isEmpty() ? "none" : String.join(", ", count.entrySet().stream()
                            .map(e -> e.getValue() + " " + (e.getKey().equals("wrong") ? "**WRONG**" : e.getKey())).toList());
                    sb.append("| ").append(group.getKey()).append(" | ").append(shortName(k)).append(" | ")
                            .append(packages.getOrDefault("linux-image-" + k, "?")).append(" | ")
                            .append(suiteText(suites.get(k), status.get(k))).append(" | ").append(cellText).append(" |\n");
                }
            }
        }
        sb.append('\n');
        for (String k : kernels) {
            for (String[] f : cells.get(k).values()) {
                if (f[1].equals("WRONG")) {
                    sb.append("\nWRONG on ").append(k).append(", ").append(f[0]).append(": ").append(f.length > 2 ? f[2] : "");
                }
            }
            Suite s = suites.get(k);
            if (s != null) {
                for (String t : s.failed) {
                    sb.append("\nFAILED on ").append(k).append(": ").append(t);
                }
            }
        }
        System.out.println(sb);
        System.exit(bad ? 1 : 0);
    }

    /**
     * Appends the table of one architecture (capability x kernel, the suite's result, the
     * packages) to {@code sb}; whether something is wrong in it.
     */
    static boolean table(StringBuilder sb, Path out, String date, String arch, String accel, List<String> kernels,
            Set<String> capabilities, Map<String, Map<String, String[]>> cells, Map<String, Suite> suites,
            Map<String, String> status, Map<String, String> packages) throws IOException {
        boolean bad = false;
        sb.append("Kernel matrix of ").append(date).append(", ").append(arch).append(", under qemu (").append(accel)
                .append(")\n\n");
        sb.append("| capability |");
        for (String k : kernels) {
            sb.append(' ').append(shortName(k)).append(" |");
        }
        sb.append("\n|---|");
        sb.append("---|".repeat(kernels.size())).append('\n');
        for (String cap : capabilities) {
            sb.append("| ").append(cap).append(" |");
            for (String k : kernels) {
                String[] f = cells.get(k).get(cap);
                String text;
                if (f == null) {
                    text = "not run";
                    bad |= "ok".equals(status.get(k));
                } else {
                    String note = f.length > 2 ? f[2] : "";
                    text = switch (f[1]) {
                        case "WORKS" -> note.isEmpty() ? "works" : "works (" + note + ")";
                        case "FALLBACK" -> "fallback, same answers" + (note.isEmpty() ? "" : " (" + note + ")");
                        case "REFUSED" -> "refused, " + note;
                        default -> "**WRONG**";
                    };
                    bad |= f[1].equals("WRONG");
                }
                sb.append(' ').append(text).append(" |");
            }
            sb.append('\n');
        }
        sb.append("| kernel suite (JUnit) |");
        for (String k : kernels) {
            String text = suiteText(suites.get(k), status.get(k));
            bad |= text.contains("**");
            sb.append(' ').append(text).append(" |");
        }
        sb.append("\n\nPackages (Debian):");
        for (String k : kernels) {
            sb.append("\n- ").append(k).append(':');
            packages.forEach((p, v) -> {
                if (p.endsWith("-" + k)) {
                    sb.append(' ').append(p).append(' ').append(v).append(';');
                }
            });
        }
        Path rootfs = out.resolve("rootfs-" + arch + ".tsv");
        if (Files.exists(rootfs)) {
            sb.append("\n- root filesystem (").append(arch).append("):");
            for (String line : Files.readAllLines(rootfs)) {
                String[] f = line.split("\t");
                if (f.length == 2) {
                    sb.append(' ').append(f[0]).append(' ').append(f[1]).append(';');
                }
            }
        }
        sb.append('\n');
        return bad;
    }

    /** The suite's result of one kernel: "21 passed", or what went wrong, in bold. */
    static String suiteText(Suite s, String status) {
        if (!"ok".equals(status)) {
            return "**" + status + "**";
        }
        if (s == null) {
            return "**no report**";
        }
        int failed = s.failures + s.errors;
        String text = (s.tests - failed - s.skipped) + " passed" + (failed > 0 ? ", **" + failed + " failed**" : "")
                + (s.skipped > 0 ? ", **" + s.skipped + " skipped**" : "");
        return s.tests == 0 ? "**no tests**" : text;
    }

    /** "6.12.118+deb13-amd64" -> "6.12.118"; "5.10.0-46-arm64" -> "5.10.0-46". */
    static String shortName(String kver) {
        return kver.replaceAll("\\+deb[0-9.]+", "").replaceAll("-(amd64|arm64|riscv64|s390x|powerpc64le)$", "");
    }

    private static final Pattern SUITE = Pattern.compile("<testsuite\\b[^>]*>");
    private static final Pattern CASE = Pattern.compile(
            "<testcase name=\"([^\"]*)\" classname=\"([^\"]*)\"[^>]*?(/>|>(.*?)</testcase>)", Pattern.DOTALL);
    private static final Pattern PROBLEM = Pattern.compile("<(failure|error)\\b[^>]*?(message=\"([^\"]*)\")?[^>]*>");

    static Suite suite(Path dir) throws IOException {
        Path xml = dir.resolve("TEST-junit-jupiter.xml");
        if (!Files.exists(xml)) {
            return null;
        }
        String text = Files.readString(xml);
        Matcher m = SUITE.matcher(text);
        if (!m.find()) {
            return null;
        }
        String head = m.group();
        List<String> failed = new ArrayList<>();
        Matcher c = CASE.matcher(text);
        while (c.find()) {
            String body = c.group(4) == null ? "" : c.group(4);
            Matcher p = PROBLEM.matcher(body);
            if (p.find()) {
                String msg = p.group(3) == null ? p.group(1) : p.group(3);
                msg = msg.replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
                        .replaceAll("\\s+", " ");
                failed.add(c.group(2) + "." + c.group(1) + ": " + (msg.length() > 400 ? msg.substring(0, 400) + "..." : msg));
            }
        }
        return new Suite(attr(head, "tests"), attr(head, "failures"), attr(head, "errors"), attr(head, "skipped"), failed);
    }

    private static int attr(String tag, String name) {
        Matcher m = Pattern.compile("\\b" + name + "=\"(\\d+)\"").matcher(tag);
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }
}
