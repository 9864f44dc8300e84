package io.github.nsfs4j.bench;

import io.github.nsfs4j.testing.Json;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns one run of {@code bench/run} into its report: reads the JMH result files
 * ({@code jmh-<group>-<n>.json}), the C baselines' and lsns' lines ({@code c.tsv},
 * {@code lsns.tsv}) and {@code meta.tsv} from a results directory, prints the table of
 * ratios (Markdown) and writes {@code table.md}, {@code results.csv}, {@code results.json}
 * and {@code chart.svg} beside them. Every figure comes from that one run.
 *
 * <p>Usage: {@code java -cp ... io.github.nsfs4j.bench.Report RESULTS_DIR}
 */
public final class Report {

    /** One measured method at one N: mean time of one operation in ns, with its spread. */
    record Measurement(String source, String method, int n, double meanNs, double errorNs, double minNs,
            double bytesPerOp, int samples) {}

    /** A goal of issue 6 and what this run says about it. */
    record Goal(String goal, String verdict, String detail) {}

    static final String[] REQUESTS = {"NS_GET_NSTYPE", "NS_GET_ID", "NS_GET_PID_FROM_PIDNS", "NS_GET_PID_IN_PIDNS",
        "NS_GET_TGID_FROM_PIDNS", "NS_GET_TGID_IN_PIDNS"};

    /** Scale methods: id, label. */
    static final String[][] SCALE = {
        {"ScaleBenchmark.ioctl_openHandles", "nsfs4j: translate(PID_FROM_NAMESPACE, 1) on N open handles"},
        {"c.scale.ioctl_open_handles", "C: ioctl on N open fds"},
        {"ScaleBenchmark.nsfs4j_open_initPid_close", "nsfs4j: ofProcess + initPid() + close, N times"},
        {"c.scale.open_ioctl_close", "C: open + ioctl + close, N times"},
        {"c.scale.twofork", "C: two-fork SCM_CREDENTIALS (open + lookup + close), N times"},
        {"ScaleBenchmark.nspidScan_java", "Java: one pass over /proc/*/status NSpid"},
        {"c.scale.nspid_scan", "C: one pass over /proc/*/status NSpid"},
        {"ScaleBenchmark.nsfs4j_procfsFallback", "nsfs4j NSpid fallback (one /proc scan per namespace), N times"},
    };

    static final String DISCOVERY_API = "DiscoveryBenchmark.nsfs4j_NamespaceDiscovery_scan";
    static final String DISCOVERY_HAND = "DiscoveryBenchmark.handRolled_procfs_publicApi";

    private final Path dir;
    private final List<Measurement> all = new ArrayList<>();
    private final Map<String, String> meta = new LinkedHashMap<>();
    private final List<Goal> goals = new ArrayList<>();

    private Report(Path dir) {
        this.dir = dir;
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: Report RESULTS_DIR");
            System.exit(2);
        }
        Report report = new Report(Path.of(args[0]));
        report.load();
        String table = report.table();
        Files.writeString(report.dir.resolve("table.md"), table);
        Files.writeString(report.dir.resolve("results.csv"), report.csv());
        Files.writeString(report.dir.resolve("results.json"), Json.write(report.json()));
        Files.writeString(report.dir.resolve("chart.svg"), report.svg());
        System.out.print(table);
    }

    // ------------------------------------------------------------------ loading

    private static final Pattern JMH_FILE = Pattern.compile("jmh-([a-z]+)-(\\d+)\\.json");

    void load() throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "jmh-*.json")) {
            for (Path file : files) {
                Matcher m = JMH_FILE.matcher(file.getFileName().toString());
                if (m.matches()) {
                    loadJmh(file, Integer.parseInt(m.group(2)));
                }
            }
        }
        loadTsv(dir.resolve("c.tsv"), "c");
        loadTsv(dir.resolve("lsns.tsv"), "lsns");
        loadTsv(dir.resolve("startup.tsv"), "startup");
        Path metaFile = dir.resolve("meta.tsv");
        if (Files.exists(metaFile)) {
            for (String line : Files.readAllLines(metaFile)) {
                int tab = line.indexOf('\t');
                if (tab > 0) {
                    meta.put(line.substring(0, tab), line.substring(tab + 1));
                }
            }
        }
        if (all.isEmpty()) {
            throw new IllegalStateException("no results in " + dir);
        }
    }

    @SuppressWarnings("unchecked")
    private void loadJmh(Path file, int n) throws IOException {
        for (Object o : Json.asArray(Json.parse(Files.readString(file)))) {
            Map<String, Object> run = (Map<String, Object>) o;
            String benchmark = (String) run.get("benchmark");
            String[] parts = benchmark.split("\\.");
            String method = parts[parts.length - 2] + "." + parts[parts.length - 1];
            Map<String, Object> primary = (Map<String, Object>) run.get("primaryMetric");
            double scale = unitToNs((String) primary.get("scoreUnit"));
            double bytes = Double.NaN;
            Map<String, Object> secondary = (Map<String, Object>) run.getOrDefault("secondaryMetrics", Map.of());
            for (Map.Entry<String, Object> e : secondary.entrySet()) {
                if (e.getKey().endsWith("gc.alloc.rate.norm")) {
                    bytes = Json.asDouble(((Map<String, Object>) e.getValue()).get("score"));
                }
            }
            int samples = 0;
            Object raw = primary.get("rawData");
            if (raw instanceof List<?> forks) {
                for (Object fork : forks) {
                    samples += ((List<?>) fork).size();
                }
            }
            all.add(new Measurement("jmh", method, n, Json.asDouble(primary.get("score")) * scale,
                    Json.asDouble(primary.get("scoreError")) * scale, Double.NaN, bytes, samples));
        }
    }

    private static double unitToNs(String unit) {
        return switch (unit) {
            case "ns/op" -> 1;
            case "us/op" -> 1e3;
            case "ms/op" -> 1e6;
            case "s/op" -> 1e9;
            default -> throw new IllegalArgumentException("unexpected JMH unit " + unit);
        };
    }

    private void loadTsv(Path file, String source) throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        for (String line : Files.readAllLines(file)) {
            String[] f = line.split("\t");
            if (f.length != 6 || line.startsWith("#")) {
                continue;
            }
            all.add(new Measurement(source, f[0], Integer.parseInt(f[1]), parse(f[2]), parse(f[3]), parse(f[4]),
                    Double.NaN, Integer.parseInt(f[5])));
        }
    }

    private static double parse(String s) {
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    // ------------------------------------------------------------------ lookups

    /** The measurement of a method at n, if any. */
    Optional<Measurement> at(String method, int n) {
        return all.stream().filter(m -> m.method.equals(method) && m.n == n).findFirst();
    }

    /** The one measurement of a per-call method (measured at one stage only). */
    Optional<Measurement> one(String method) {
        return all.stream().filter(m -> m.method.equals(method)).findFirst();
    }

    double ns(String method) {
        return one(method).map(Measurement::meanNs).orElse(Double.NaN);
    }

    double bytes(String method) {
        return one(method).map(Measurement::bytesPerOp).orElse(Double.NaN);
    }

    TreeSet<Integer> stages(String... methods) {
        TreeSet<Integer> ns = new TreeSet<>();
        for (Measurement m : all) {
            for (String method : methods) {
                if (m.method.equals(method)) {
                    ns.add(m.n);
                }
            }
        }
        return ns;
    }

    // ------------------------------------------------------------------ the table

    String table() {
        goals.clear();
        StringBuilder t = new StringBuilder();
        t.append("## nsfs4j benchmark results\n\n");
        if ("smoke".equals(meta.get("mode"))) {
            t.append("**Smoke run: it checks that the harness works; its figures are not measurements"
                    + " (no warmup, one short iteration, JMH in process).**\n\n");
        }
        t.append("| run | |\n|---|---|\n");
        for (String key : List.of("date", "mode", "kernel", "jdk", "cpu", "cores", "load_before", "load_after",
                "elapsed_seconds", "jmh", "c_compiler", "c_after_jmh", "startup_timer")) {
            if (meta.containsKey(key)) {
                t.append("| ").append(key).append(" | ").append(escape(meta.get(key))).append(" |\n");
            }
        }
        int callStage = one("NsfsCallBenchmark.nsfs4j_NS_GET_PID_FROM_PIDNS").map(Measurement::n).orElse(0);

        t.append("\n### 1. One request on an open handle (ns per call; ± is JMH's 99.9% interval, C's standard deviation)\n\n");
        t.append("Pid namespace of the first of the ").append(callStage).append(" made for the run; "
                + "NS_GET_PID_FROM_PIDNS asks for pid 1, NS_GET_PID_IN_PIDNS for the init's host pid.\n\n");
        t.append("\"C loop, 2 threads\": the same C loop with a second thread alive in the process, as a JVM"
                + " always has; the kernel then counts a reference on the file in every call (fdget() takes its"
                + " fast path only while the fd table is not shared).\n\n");
        t.append("| request | C loop | nsfs4j | nsfs4j / C | nsfs4j - C (resolved?) | C loop, 2 threads "
                + "| nsfs4j / C, 2 threads | Panama, no handle | JNA direct "
                + "| JNA interface | nsfs4j / JNA direct | nsfs4j / JNA interface |\n");
        t.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        boolean within5 = true;
        boolean fasterThanJna = true;
        boolean anyCall = false;
        StringBuilder within = new StringBuilder();
        StringBuilder jna = new StringBuilder();
        for (String r : REQUESTS) {
            double c = ns("c." + r);
            double lib = ns("NsfsCallBenchmark.nsfs4j_" + r);
            double jd = ns("JnaCallBenchmark.jnaDirect_" + r);
            double jl = ns("JnaCallBenchmark.jnaLibrary_" + r);
            t.append("| ").append(r).append(" | ").append(withError("c." + r)).append(" | ")
                    .append(withError("NsfsCallBenchmark.nsfs4j_" + r)).append(" | ").append(ratio(lib, c))
                    .append(" | ").append(difference("NsfsCallBenchmark.nsfs4j_" + r, "c." + r))
                    .append(" | ").append(withError("c2." + r)).append(" | ").append(ratio(lib, ns("c2." + r)))
                    .append(" | ").append(withError("NsfsCallBenchmark.libc_" + r)).append(" | ")
                    .append(withError("JnaCallBenchmark.jnaDirect_" + r)).append(" | ")
                    .append(withError("JnaCallBenchmark.jnaLibrary_" + r)).append(" | ").append(ratio(lib, jd))
                    .append(" | ").append(ratio(lib, jl)).append(" |\n");
            if (Double.isFinite(lib) && Double.isFinite(c)) {
                anyCall = true;
                within5 &= lib / c <= 1.05;
                within.append(within.isEmpty() ? "" : ", ").append(r).append(' ').append(ratio(lib, c));
            }
            if (Double.isFinite(lib) && Double.isFinite(jd) && Double.isFinite(jl)) {
                fasterThanJna &= lib < jd && lib < jl;
                jna.append(jna.isEmpty() ? "" : ", ").append(r).append(' ').append(ratio(lib, jd)).append(" / ")
                        .append(ratio(lib, jl));
            }
        }
        goals.add(new Goal("per-call time within 5% of the C loop (nsfs4j / C <= 1.05 for all four; issue 12)",
                anyCall ? (within5 ? "met" : "not met") : "n/a", within.toString()));
        goals.add(new Goal("faster than JNA (nsfs4j / JNA < 1, direct and interface mapping)",
                jna.isEmpty() ? "n/a" : (fasterThanJna ? "met" : "not met"), jna.toString()));

        t.append("\n### 2. Allocation per call (B/op, JMH -prof gc; one allocated object would be >= 16 B/op)\n\n");
        t.append("| request | nsfs4j | Panama, no handle | JNA direct | JNA interface |\n|---|---:|---:|---:|---:|\n");
        boolean zero = true;
        StringBuilder zeroDetail = new StringBuilder();
        boolean anyBytes = false;
        for (String r : REQUESTS) {
            double b = bytes("NsfsCallBenchmark.nsfs4j_" + r);
            t.append("| ").append(r).append(" | ").append(bytesText(b)).append(" | ")
                    .append(bytesText(bytes("NsfsCallBenchmark.libc_" + r))).append(" | ")
                    .append(bytesText(bytes("JnaCallBenchmark.jnaDirect_" + r))).append(" | ")
                    .append(bytesText(bytes("JnaCallBenchmark.jnaLibrary_" + r))).append(" |\n");
            if (Double.isFinite(b)) {
                anyBytes = true;
                zero &= b < 1.0;
                zeroDetail.append(zeroDetail.isEmpty() ? "" : ", ").append(r).append(' ').append(bytesText(b));
            }
        }
        goals.add(new Goal("0 B/op for every int-returning request on an open handle (below 1 B/op: no object allocated)",
                anyBytes ? (zero ? "met" : "not met") : "n/a", zeroDetail.toString()));

        t.append("\nPublic convenience methods on the same handle:\n\n");
        t.append("| call | time | B/op | vs the C loop of its request |\n|---|---:|---:|---:|\n");
        apiRow(t, "initPid().orElse(0)", "NsfsCallBenchmark.api_initPid", "c.NS_GET_PID_FROM_PIDNS");
        apiRow(t, "pidInNamespace(pid).orElse(0)", "NsfsCallBenchmark.api_pidInNamespace", "c.NS_GET_PID_IN_PIDNS");
        apiRow(t, "type() (read at open, no ioctl)", "NsfsCallBenchmark.api_type_cached", null);
        apiRow(t, "id().orElse(0) (read at open, no ioctl)", "NsfsCallBenchmark.api_id_cached", null);

        t.append("\n### 3. The init pid of one container (the LXCFS question)\n\n");
        double handle = ns("NsfsCallBenchmark.nsfs4j_NS_GET_PID_FROM_PIDNS");
        t.append("| method | time per lookup | x nsfs4j on an open handle | B/op |\n|---|---:|---:|---:|\n");
        String[][] lookups = {
            {"NsfsCallBenchmark.nsfs4j_NS_GET_PID_FROM_PIDNS", "nsfs4j, open handle: translate(PID_FROM_NAMESPACE, 1)"},
            {"c.NS_GET_PID_FROM_PIDNS", "C: ioctl on an open fd"},
            {"InitPidBenchmark.nsfs4j_open_initPid_close", "nsfs4j: PidNamespace.ofProcess(pid) + initPid() + close"},
            {"c.open_ioctl_close", "C: open + ioctl + close"},
            {"c.twofork", "C: two-fork SCM_CREDENTIALS (LXCFS's method)"},
            {"c.nspid_scan", "C: scan /proc/*/status NSpid"},
            {"InitPidBenchmark.nspidScan_java", "Java: scan /proc/*/status NSpid"},
            {"InitPidBenchmark.nsfs4j_procfsFallback", "nsfs4j's NSpid fallback (pre-6.11 path)"},
        };
        for (String[] l : lookups) {
            double v = ns(l[0]);
            t.append("| ").append(l[1]).append(" | ").append(withError(l[0])).append(" | ")
                    .append(l[0].equals(lookups[0][0]) ? "1" : factor(v / handle)).append(" | ")
                    .append(bytesText(bytes(l[0]))).append(" |\n");
        }
        double twofork = ns("c.twofork");
        goals.add(new Goal("at least 1,000x faster than the two-fork method (open handle)",
                Double.isFinite(twofork / handle) ? (twofork / handle >= 1000 ? "met" : "not met") : "n/a",
                "two-fork / nsfs4j = " + factor(twofork / handle) + "; with open + close per lookup: "
                        + factor(twofork / ns("InitPidBenchmark.nsfs4j_open_initPid_close"))));

        TreeSet<Integer> scaleNs = stages(column(SCALE, 0));
        t.append("\n### 4. Scale: the init pid of every one of N pid namespaces (time for all N)\n\n");
        t.append("| method |");
        for (int n : scaleNs) {
            t.append(" N=").append(n).append(" |");
        }
        t.append(" per namespace, N=").append(scaleNs.isEmpty() ? "?" : scaleNs.first()).append(" | per namespace, N=")
                .append(scaleNs.isEmpty() ? "?" : scaleNs.last()).append(" | slope of log t / log N (1 = linear) |\n|---|");
        t.append("---:|".repeat(scaleNs.size() + 3)).append('\n');
        for (String[] s : SCALE) {
            t.append("| ").append(s[1]).append(" |");
            for (int n : scaleNs) {
                t.append(' ').append(at(s[0], n).map(m -> time(m.meanNs)).orElse("-")).append(" |");
            }
            t.append(' ').append(scaleNs.isEmpty() ? "-" : perNs(s[0], scaleNs.first())).append(" | ")
                    .append(scaleNs.isEmpty() ? "-" : perNs(s[0], scaleNs.last())).append(" | ")
                    .append(fixed(slope(s[0]), 2)).append(" |\n");
        }
        double ioctlSlope = slope(SCALE[0][0]);
        goals.add(new Goal("cost linear in N for the ioctl path (log-log slope within 0.9..1.1)",
                Double.isFinite(ioctlSlope) ? (Math.abs(ioctlSlope - 1) <= 0.1 ? "met" : "not met") : "n/a",
                "slope " + fixed(ioctlSlope, 2) + " for nsfs4j on open handles; " + fixed(slope(SCALE[2][0]), 2)
                        + " with open + close; per namespace " + perNs(SCALE[0][0], scaleNs.isEmpty() ? 0 : scaleNs.first())
                        + " at N=" + (scaleNs.isEmpty() ? "?" : scaleNs.first()) + ", "
                        + perNs(SCALE[0][0], scaleNs.isEmpty() ? 0 : scaleNs.last()) + " at N="
                        + (scaleNs.isEmpty() ? "?" : scaleNs.last())));

        TreeSet<Integer> extra = stages("lsns.wall", DISCOVERY_API, DISCOVERY_HAND);
        t.append("\n### 5. Discovery (all namespaces in view)\n\n| method |");
        for (int n : extra) {
            t.append(' ').append(n).append(" extra namespaces |");
        }
        t.append("\n|---|").append("---:|".repeat(extra.size())).append('\n');
        t.append("| lsns -J, wall time of the command |");
        for (int n : extra) {
            t.append(' ').append(at("lsns.wall", n).map(m -> time(m.meanNs)).orElse("-")).append(" |");
        }
        t.append("\n| nsfs4j: NamespaceDiscovery.scan(), in process |");
        for (int n : extra) {
            t.append(' ').append(at(DISCOVERY_API, n).map(m -> time(m.meanNs))
                    .orElse("n/a (discovery not yet available)")).append(" |");
        }
        t.append("\n| NamespaceDiscovery.scan() / lsns |");
        for (int n : extra) {
            t.append(' ').append(ratio(at(DISCOVERY_API, n).map(Measurement::meanNs).orElse(Double.NaN),
                    at("lsns.wall", n).map(Measurement::meanNs).orElse(Double.NaN))).append(" |");
        }
        t.append("\n| floor: hand-rolled over the public API (ns links + Namespace.ofProcess per new namespace) |");
        for (int n : extra) {
            t.append(' ').append(at(DISCOVERY_HAND, n).map(m -> time(m.meanNs)).orElse("-")).append(" |");
        }
        t.append("\n| namespaces found by lsns |");
        for (int n : extra) {
            t.append(' ').append(meta.getOrDefault("lsns_namespaces_" + n + "_extra", "-")).append(" |");
        }
        t.append("\n| B/op of NamespaceDiscovery.scan() |");
        for (int n : extra) {
            t.append(' ').append(at(DISCOVERY_API, n).map(m -> bytesText(m.bytesPerOp)).orElse("-")).append(" |");
        }
        t.append('\n');

        startupTable(t);

        t.append("\n### Goals of issues 6 and 12 (judged on this run, thresholds fixed before it)\n\n| goal | verdict | figures |\n|---|---|---|\n");
        for (Goal g : goals) {
            t.append("| ").append(g.goal).append(" | ").append(g.verdict).append(" | ").append(escape(g.detail))
                    .append(" |\n");
        }
        return t.toString();
    }

    /** The start-up rows: {label, method without the cache, method with it, the C tool to compare with}. */
    static final String[][] STARTUP = {
        {"`java -version` (the JVM's floor)", "startup.java_version", null, null},
        {"bare Java: link one downcall handle, one ioctl", "startup.bare_one_ioctl.noaot", "startup.bare_one_ioctl.aot", null},
        {"`nsfs --version`", "startup.nsfs_version.noaot", "startup.nsfs_version.aot", null},
        {"`nsfs info net:PID`", "startup.nsfs_info.noaot", "startup.nsfs_info.aot", "startup.readlink"},
        {"`nsfs ls`", "startup.nsfs_ls.noaot", "startup.nsfs_ls.aot", "startup.lsns"},
        {"`nsfs pid --from PID 1`", "startup.nsfs_pid_from.noaot", "startup.nsfs_pid_from.aot", null},
        {"`java -jar nsfs4j.jar info net:PID` (no script, default JVM options)", "startup.jar_info", null, "startup.readlink"},
        {"`lsns`", "startup.lsns", null, null},
        {"`readlink /proc/PID/ns/net`", "startup.readlink", null, null},
        {"`nsenter -t PID -n true`", "startup.nsenter", null, null},
    };

    private void startupTable(StringBuilder t) {
        double floor = ns("startup.java_version");
        t.append("\n### 6. Start-up: one command, as a user starts it (wall time; ± is the standard deviation)\n\n");
        t.append("Timed by ").append(escape(meta.getOrDefault("startup_timer", "?")))
                .append("; `nsfs` is bin/nsfs (the script, its JIT settings, and its AOT cache where the column says so),"
                        + " PID the init of a pid namespace made for the run.\n\n");
        t.append("| command | without AOT cache | with AOT cache | x java -version (without / with) "
                + "| x the C tool (without / with) | min (without / with) | CPU, user+sys (without / with) "
                + "| CPU x java -version (without / with) |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
        double floorCpu = ns("startup.java_version.cpu");
        for (String[] row : STARTUP) {
            double without = ns(row[1]);
            double with = row[2] == null ? Double.NaN : ns(row[2]);
            double tool = row[3] == null ? Double.NaN : ns(row[3]);
            t.append("| ").append(row[0]).append(" | ").append(withError(row[1])).append(" | ")
                    .append(row[2] == null ? "-" : withError(row[2])).append(" | ").append(ratio(without, floor))
                    .append(row[2] == null ? "" : " / " + ratio(with, floor)).append(" | ")
                    .append(row[3] == null ? "-" : ratio(without, tool) + (row[2] == null ? "" : " / " + ratio(with, tool)))
                    .append(" | ").append(time(one(row[1]).map(Measurement::minNs).orElse(Double.NaN)))
                    .append(row[2] == null ? "" : " / " + time(one(row[2]).map(Measurement::minNs).orElse(Double.NaN)))
                    .append(" | ").append(time(ns(row[1] + ".cpu")))
                    .append(row[2] == null ? "" : " / " + time(ns(row[2] + ".cpu")))
                    .append(" | ").append(ratio(ns(row[1] + ".cpu"), floorCpu))
                    .append(row[2] == null ? "" : " / " + ratio(ns(row[2] + ".cpu"), floorCpu))
                    .append(" |\n");
        }
        t.append("\nThe library in a fresh JVM (default JVM options, no AOT cache), timed inside it: "
                + "`PidNamespace.ofProcess(pid)` + `initPid()` + close, the first time: ")
                .append(withError("startup.first_call")).append("; the second time, in the same JVM: ")
                .append(withError("startup.second_call")).append(" (").append(one("startup.first_call")
                        .map(m -> m.samples + " JVMs").orElse("-")).append("). Making bin/nsfs's AOT cache (one training"
                        + " run and its assembly, once per jar and JDK): ").append(time(ns("startup.aot_training")))
                .append(".\n");
        double info = ns("startup.nsfs_info.aot");
        double ls = ns("startup.nsfs_ls.aot");
        goals.add(new Goal("`nsfs info NSREF` at most 2x `java -version` (through bin/nsfs, with its AOT cache)",
                verdict(info / floor <= 2.0, info / floor), "nsfs info " + time(info) + " / java -version "
                        + time(floor) + " = " + ratio(info, floor) + "; without the cache " + ratio(ns("startup.nsfs_info.noaot"), floor)
                        + "; CPU time " + ratio(ns("startup.nsfs_info.aot.cpu"), ns("startup.java_version.cpu"))));
        goals.add(new Goal("`nsfs ls` at most 2.5x `java -version` (through bin/nsfs, with its AOT cache)",
                verdict(ls / floor <= 2.5, ls / floor), "nsfs ls " + time(ls) + " / java -version "
                        + time(floor) + " = " + ratio(ls, floor) + "; without the cache " + ratio(ns("startup.nsfs_ls.noaot"), floor)
                        + "; lsns " + time(ns("startup.lsns")) + "; CPU time "
                        + ratio(ns("startup.nsfs_ls.aot.cpu"), ns("startup.java_version.cpu"))));
    }

    /**
     * {@code a - b}, and whether the run resolves it: the difference is larger than the two
     * intervals together (JMH's 99.9% half-width, the C loop's standard deviation).
     */
    private String difference(String a, String b) {
        Optional<Measurement> x = one(a);
        Optional<Measurement> y = one(b);
        if (x.isEmpty() || y.isEmpty() || !Double.isFinite(x.get().meanNs) || !Double.isFinite(y.get().meanNs)) {
            return "-";
        }
        double d = x.get().meanNs - y.get().meanNs;
        double e = finiteOr0(x.get().errorNs) + finiteOr0(y.get().errorNs);
        return (d >= 0 ? "+" : "-") + time(Math.abs(d)) + " ± " + time(e) + (Math.abs(d) > e ? " (yes)" : " (no)");
    }

    private static String verdict(boolean met, double value) {
        return Double.isFinite(value) ? (met ? "met" : "not met") : "n/a";
    }

    private void apiRow(StringBuilder t, String label, String method, String cMethod) {
        double v = ns(method);
        t.append("| ").append(label).append(" | ").append(withError(method)).append(" | ")
                .append(bytesText(bytes(method))).append(" | ")
                .append(cMethod == null ? "-" : ratio(v, ns(cMethod))).append(" |\n");
    }

    private static String[] column(String[][] rows, int i) {
        String[] out = new String[rows.length];
        for (int r = 0; r < rows.length; r++) {
            out[r] = rows[r][i];
        }
        return out;
    }

    private String perNs(String method, int n) {
        return at(method, n).map(m -> time(m.meanNs / Math.max(1, n))).orElse("-");
    }

    /** Least-squares slope of log(time) against log(N) over the stages measured. */
    double slope(String method) {
        List<double[]> points = new ArrayList<>();
        for (Measurement m : all) {
            if (m.method.equals(method) && m.n > 0 && m.meanNs > 0) {
                points.add(new double[] {Math.log(m.n), Math.log(m.meanNs)});
            }
        }
        if (points.size() < 2) {
            return Double.NaN;
        }
        double mx = 0, my = 0;
        for (double[] p : points) {
            mx += p[0];
            my += p[1];
        }
        mx /= points.size();
        my /= points.size();
        double sxy = 0, sxx = 0;
        for (double[] p : points) {
            sxy += (p[0] - mx) * (p[1] - my);
            sxx += (p[0] - mx) * (p[0] - mx);
        }
        return sxx == 0 ? Double.NaN : sxy / sxx;
    }

    private String withError(String method) {
        return one(method).map(m -> time(m.meanNs) + (Double.isFinite(m.errorNs) && m.errorNs > 0
                ? " ± " + time(m.errorNs) : "")).orElse("-");
    }

    // ------------------------------------------------------------------ formatting

    static String time(double ns) {
        if (!Double.isFinite(ns)) {
            return "-";
        }
        if (ns == 0) {
            return "0";
        }
        if (ns < 1e3) {
            return sig(ns) + " ns";
        }
        if (ns < 1e6) {
            return sig(ns / 1e3) + " µs";
        }
        if (ns < 1e9) {
            return sig(ns / 1e6) + " ms";
        }
        return sig(ns / 1e9) + " s";
    }

    /** Three significant digits, never scientific notation. */
    static String sig(double v) {
        double a = Math.abs(v);
        int decimals = a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3;
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    static String fixed(double v, int decimals) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%." + decimals + "f", v) : "-";
    }

    static String ratio(double a, double b) {
        return Double.isFinite(a) && Double.isFinite(b) && b > 0 ? fixed(a / b, 2) : "-";
    }

    static String factor(double f) {
        if (!Double.isFinite(f)) {
            return "-";
        }
        return f >= 100 ? String.format(Locale.ROOT, "%,.0f", f) : fixed(f, f >= 10 ? 1 : 2);
    }

    static String bytesText(double b) {
        if (!Double.isFinite(b)) {
            return "-";
        }
        return b < 1 ? fixed(b, 3) : b < 100 ? fixed(b, 1) : String.format(Locale.ROOT, "%,.0f", b);
    }

    private static String escape(String s) {
        return s.replace("|", "\\|");
    }

    // ------------------------------------------------------------------ CSV and JSON

    String csv() {
        StringBuilder sb = new StringBuilder("source,method,n,mean_ns,error_ns,min_ns,bytes_per_op,samples\n");
        for (Measurement m : all) {
            sb.append(m.source).append(',').append(m.method).append(',').append(m.n).append(',')
                    .append(num(m.meanNs)).append(',').append(num(m.errorNs)).append(',').append(num(m.minNs))
                    .append(',').append(num(m.bytesPerOp)).append(',').append(m.samples).append('\n');
        }
        return sb.toString();
    }

    private static String num(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.3f", v) : "";
    }

    Map<String, Object> json() {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("meta", new LinkedHashMap<>(meta));
        List<Object> ms = new ArrayList<>();
        for (Measurement m : all) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("source", m.source);
            o.put("method", m.method);
            o.put("n", m.n);
            o.put("mean_ns", m.meanNs);
            o.put("error_ns", m.errorNs);
            o.put("min_ns", m.minNs);
            o.put("bytes_per_op", m.bytesPerOp);
            o.put("samples", m.samples);
            ms.add(o);
        }
        root.put("measurements", ms);
        Map<String, Object> ratios = new LinkedHashMap<>();
        for (String r : REQUESTS) {
            double lib = ns("NsfsCallBenchmark.nsfs4j_" + r);
            ratios.put("nsfs4j_over_c." + r, lib / ns("c." + r));
            ratios.put("nsfs4j_over_c_2_threads." + r, lib / ns("c2." + r));
            ratios.put("nsfs4j_over_jna_direct." + r, lib / ns("JnaCallBenchmark.jnaDirect_" + r));
            ratios.put("nsfs4j_over_jna_interface." + r, lib / ns("JnaCallBenchmark.jnaLibrary_" + r));
        }
        double handle = ns("NsfsCallBenchmark.nsfs4j_NS_GET_PID_FROM_PIDNS");
        ratios.put("twofork_over_nsfs4j_open_handle", ns("c.twofork") / handle);
        ratios.put("nspid_scan_java_over_nsfs4j_open_handle", ns("InitPidBenchmark.nspidScan_java") / handle);
        ratios.put("procfs_fallback_over_nsfs4j_open_handle", ns("InitPidBenchmark.nsfs4j_procfsFallback") / handle);
        for (String[] s : SCALE) {
            ratios.put("slope." + s[0], slope(s[0]));
        }
        double floor = ns("startup.java_version");
        for (String[] row : STARTUP) {
            if (!row[1].equals("startup.java_version")) {
                ratios.put(row[1].substring("startup.".length()) + "_over_java_version", ns(row[1]) / floor);
            }
            if (row[2] != null) {
                ratios.put(row[2].substring("startup.".length()) + "_over_java_version", ns(row[2]) / floor);
            }
        }
        root.put("ratios", ratios);
        List<Object> gs = new ArrayList<>();
        for (Goal g : goals) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("goal", g.goal);
            o.put("verdict", g.verdict);
            o.put("detail", g.detail);
            gs.add(o);
        }
        root.put("goals", gs);
        return root;
    }

    // ------------------------------------------------------------------ the chart

    private static final String C = "#4c72b0";
    private static final String NSFS4J = "#dd8452";
    private static final String TWOFORK = "#8172b3";
    private static final String SCAN = "#937860";
    private static final String FALLBACK = "#8c8c8c";
    /** Panel 1: C loop, nsfs4j, Panama without the handle, JNA direct, JNA interface. */
    private static final String[] COLORS = {C, NSFS4J, "#55a868", "#c44e52", TWOFORK};
    /** Panel 3, by row of SCALE: a Java method and its C baseline share a colour (C dashed). */
    private static final String[] SCALE_COLORS = {NSFS4J, NSFS4J, "#55a868", "#55a868", TWOFORK, SCAN, SCAN, FALLBACK};

    String svg() {
        Svg s = new Svg(960);
        s.text(20, 28, 16, "bold", "nsfs4j benchmarks (bench/run, " + meta.getOrDefault("mode", "?") + " mode, "
                + meta.getOrDefault("date", "?") + ")");
        s.text(20, 46, 11, "normal", "Linux " + meta.getOrDefault("kernel", "?") + "; " + meta.getOrDefault("jdk", "?")
                + "; " + meta.getOrDefault("cpu", "?") + ", " + meta.getOrDefault("cores", "?")
                + " cores; every figure from this one run");
        int y = 74;

        // Panel 1: one request on an open handle, linear ns.
        s.text(20, y, 13, "bold", "1. One request on an open handle (ns per call, lower is better;"
                + " whiskers: JMH 99.9% interval, C standard deviation)");
        y += 10;
        String[][] series = {
            {"c.", "C loop"}, {"NsfsCallBenchmark.nsfs4j_", "nsfs4j"}, {"NsfsCallBenchmark.libc_", "Panama, no handle"},
            {"JnaCallBenchmark.jnaDirect_", "JNA direct"}, {"JnaCallBenchmark.jnaLibrary_", "JNA interface"},
        };
        double max = 0;
        for (String r : REQUESTS) {
            for (String[] se : series) {
                double v = ns(se[0] + r);
                double err = one(se[0] + r).map(Measurement::errorNs).orElse(0.0);
                if (Double.isFinite(v)) {
                    max = Math.max(max, v + (Double.isFinite(err) ? err : 0));
                }
            }
        }
        max = niceCeil(max);
        int left = 200, width = 620, bar = 11;
        for (int i = 0; i < series.length; i++) {
            s.rect(left + i * 125, y + 4, 10, 10, COLORS[i]);
            s.text(left + i * 125 + 14, y + 13, 11, "normal", series[i][1]);
        }
        y += 24;
        int top = y;
        for (String r : REQUESTS) {
            s.text(20, y + series.length * bar / 2 + 4, 11, "normal", r);
            for (int i = 0; i < series.length; i++) {
                double v = ns(series[i][0] + r);
                if (Double.isFinite(v) && max > 0) {
                    double w = v / max * width;
                    s.rect(left, y, w, bar - 2, COLORS[i]);
                    double err = one(series[i][0] + r).map(Measurement::errorNs).orElse(Double.NaN);
                    double end = w;
                    if (Double.isFinite(err) && err > 0) {
                        // The error bar: JMH's 99.9% interval, the C loop's standard deviation.
                        double lo = Math.max(0, v - err) / max * width;
                        end = Math.max(w, (v + err) / max * width);
                        double mid = y + (bar - 2) / 2.0;
                        s.line(left + lo, mid, left + end, mid, "#222");
                        s.line(left + lo, mid - 3, left + lo, mid + 3, "#222");
                        s.line(left + end, mid - 3, left + end, mid + 3, "#222");
                    }
                    s.text(left + end + 4, y + bar - 3, 9, "normal", time(v));
                }
                y += bar;
            }
            y += 8;
        }
        axisLinear(s, left, width, top - 4, y, max);
        y += 36;

        // Panel 2: the init pid of one namespace, log scale.
        s.text(20, y, 13, "bold", "2. The init pid of one pid namespace (time per lookup, log scale)");
        y += 14;
        String[][] lookups = {
            {"NsfsCallBenchmark.nsfs4j_NS_GET_PID_FROM_PIDNS", "nsfs4j, open handle", NSFS4J},
            {"c.NS_GET_PID_FROM_PIDNS", "C ioctl, open fd", C},
            {"InitPidBenchmark.nsfs4j_open_initPid_close", "nsfs4j open+initPid+close", NSFS4J},
            {"c.open_ioctl_close", "C open+ioctl+close", C},
            {"c.twofork", "C two-fork SCM_CREDENTIALS", TWOFORK},
            {"c.nspid_scan", "C /proc NSpid scan", C},
            {"InitPidBenchmark.nspidScan_java", "Java /proc NSpid scan", SCAN},
            {"InitPidBenchmark.nsfs4j_procfsFallback", "nsfs4j NSpid fallback", FALLBACK},
        };
        double lo = 100, hi = 1e8;
        top = y;
        for (int i = 0; i < lookups.length; i++) {
            double v = ns(lookups[i][0]);
            s.text(20, y + 10, 11, "normal", lookups[i][1]);
            if (Double.isFinite(v) && v > 0) {
                double w = logX(v, lo, hi) * width;
                s.rect(left, y, Math.max(1, w), 12, lookups[i][2]);
                s.text(left + w + 4, y + 10, 9, "normal", time(v));
            }
            y += 16;
        }
        axisLog(s, left, width, top - 2, y, lo, hi);
        y += 36;

        // Panel 3: scale, log-log.
        s.text(20, y, 13, "bold", "3. Every init pid of N pid namespaces (total time, log-log)");
        y += 12;
        TreeSet<Integer> scaleNs = stages(column(SCALE, 0));
        int plotH = 260, plotW = 520, px = 90;
        int py = y + 10;
        double tlo = 1e3, thi = 1e11;
        if (scaleNs.size() >= 1) {
            double nlo = Math.max(1, scaleNs.first()) / 2.0, nhi = scaleNs.last() * 2.0;
            s.line(px, py, px, py + plotH, "#333");
            s.line(px, py + plotH, px + plotW, py + plotH, "#333");
            for (double t = tlo; t <= thi; t *= 10) {
                double yy = py + plotH - logX(t, tlo, thi) * plotH;
                s.line(px - 4, yy, px + plotW, yy, "#e5e5e5");
                s.text(20, yy + 4, 10, "normal", time(t));
            }
            for (int n : scaleNs) {
                double xx = px + logX(n, nlo, nhi) * plotW;
                s.line(xx, py, xx, py + plotH + 4, "#e5e5e5");
                s.text(xx - 12, py + plotH + 16, 10, "normal", "N=" + n);
            }
            for (int i = 0; i < SCALE.length; i++) {
                StringBuilder pts = new StringBuilder();
                for (int n : scaleNs) {
                    Optional<Measurement> m = at(SCALE[i][0], n);
                    if (m.isPresent() && m.get().meanNs > 0) {
                        double xx = px + logX(n, nlo, nhi) * plotW;
                        double yy = py + plotH - logX(m.get().meanNs, tlo, thi) * plotH;
                        pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", xx, yy));
                        s.circle(xx, yy, 3, SCALE_COLORS[i]);
                    }
                }
                s.polyline(pts.toString().trim(), SCALE_COLORS[i], SCALE[i][0].startsWith("c.") ? "5,3" : null);
                s.polyline(String.format(Locale.ROOT, "%d,%d %d,%d", px + plotW + 14, py + i * 30 + 5,
                        px + plotW + 30, py + i * 30 + 5), SCALE_COLORS[i], SCALE[i][0].startsWith("c.") ? "4,2" : null);
                s.wrapped(px + plotW + 34, py + i * 30 + 9, 10, SCALE[i][1], 44);
            }
            s.text(px, py + plotH + 34, 10, "normal", "dashed: C baselines; solid: Java");
        }
        y = py + plotH + 50;

        // Panel 4: start-up, one command each, without and with the AOT cache, linear ms.
        s.text(20, y, 13, "bold", "4. Start-up: one command as a user starts it (wall time; bin/nsfs without"
                + " and with its AOT cache)");
        y += 10;
        double smax = 0;
        for (String[] row : STARTUP) {
            smax = Math.max(smax, Math.max(finiteOr0(ns(row[1])), row[2] == null ? 0 : finiteOr0(ns(row[2]))));
        }
        smax = niceCeil(smax);
        s.rect(left, y + 4, 10, 10, FALLBACK);
        s.text(left + 14, y + 13, 11, "normal", "without AOT cache (or no cache to have)");
        s.rect(left + 260, y + 4, 10, 10, NSFS4J);
        s.text(left + 274, y + 13, 11, "normal", "with AOT cache");
        y += 24;
        top = y;
        for (String[] row : STARTUP) {
            s.wrapped(20, y + 9, 10, row[0].replace("`", ""), 30);
            for (int k = 1; k <= 2; k++) {
                double v = row[k] == null ? Double.NaN : ns(row[k]);
                if (Double.isFinite(v) && smax > 0) {
                    double w = v / smax * width;
                    s.rect(left, y, Math.max(1, w), bar - 2, k == 1 ? FALLBACK : NSFS4J);
                    s.text(left + w + 4, y + bar - 3, 9, "normal", time(v));
                }
                y += bar;
            }
            y += 8;
        }
        axisLinear(s, left, width, top - 4, y, smax);
        y += 30;
        return s.finish(y);
    }

    private static double finiteOr0(double v) {
        return Double.isFinite(v) ? v : 0;
    }

    private static double niceCeil(double v) {
        if (v <= 0) {
            return 1;
        }
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            if (m * p >= v) {
                return m * p;
            }
        }
        return 10 * p;
    }

    private static double logX(double v, double lo, double hi) {
        return Math.max(0, Math.min(1, (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))));
    }

    private static void axisLinear(Svg s, int left, int width, int top, int bottom, double max) {
        for (int i = 0; i <= 4; i++) {
            double x = left + width * i / 4.0;
            s.line(x, top, x, bottom, "#e5e5e5");
            s.text(x - 10, bottom + 12, 10, "normal", time(max * i / 4));
        }
    }

    private static void axisLog(Svg s, int left, int width, int top, int bottom, double lo, double hi) {
        for (double v = lo; v <= hi * 1.0001; v *= 10) {
            double x = left + logX(v, lo, hi) * width;
            s.line(x, top, x, bottom, "#e5e5e5");
            s.text(x - 10, bottom + 12, 10, "normal", time(v));
        }
    }

    /** A minimal SVG writer: absolute coordinates, a few shapes, escaped text. */
    static final class Svg {
        private final StringBuilder body = new StringBuilder();
        private final int width;

        Svg(int width) {
            this.width = width;
        }

        void text(double x, double y, int size, String weight, String text) {
            body.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" font-weight=\"%s\">%s</text>%n",
                    x, y, size, weight, esc(text)));
        }

        void wrapped(double x, double y, int size, String text, int perLine) {
            List<String> lines = new ArrayList<>();
            StringBuilder line = new StringBuilder();
            for (String word : text.split(" ")) {
                if (line.length() + word.length() + 1 > perLine && !line.isEmpty()) {
                    lines.add(line.toString());
                    line.setLength(0);
                }
                line.append(line.isEmpty() ? "" : " ").append(word);
            }
            lines.add(line.toString());
            for (int i = 0; i < lines.size(); i++) {
                text(x, y + i * (size + 2), size, "normal", lines.get(i));
            }
        }

        void rect(double x, double y, double w, double h, String fill) {
            body.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>%n",
                    x, y, w, h, fill));
        }

        void line(double x1, double y1, double x2, double y2, String stroke) {
            body.append(String.format(Locale.ROOT,
                    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1\"/>%n",
                    x1, y1, x2, y2, stroke));
        }

        void circle(double x, double y, double r, String fill) {
            body.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"%s\"/>%n", x, y, r,
                    fill));
        }

        void polyline(String points, String stroke, String dash) {
            if (points.isEmpty()) {
                return;
            }
            body.append("<polyline points=\"").append(points).append("\" fill=\"none\" stroke=\"").append(stroke)
                    .append("\" stroke-width=\"2\"").append(dash == null ? "" : " stroke-dasharray=\"" + dash + "\"")
                    .append("/>\n");
        }

        String finish(int height) {
            return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + width + "\" height=\"" + height
                    + "\" viewBox=\"0 0 " + width + " " + height + "\" font-family=\"DejaVu Sans, Arial, sans-serif\">\n"
                    + "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n" + body + "</svg>\n";
        }

        private static String esc(String s) {
            return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
        }
    }
}
