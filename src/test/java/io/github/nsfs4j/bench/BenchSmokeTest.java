package io.github.nsfs4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.nsfs4j.testing.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@code bench/run --smoke} on the classes of this build, so that the benchmark harness
 * (JMH classes, C baselines, namespace set-up and clean-up, report, chart) cannot rot.
 * Asserts that it produced sane output: every method measured and checked, every file
 * written and well-formed, every namespace gone. It asserts nothing about speed.
 */
class BenchSmokeTest {

    /** Every method the report needs, at the N where it is measured (smoke: N = 2 and 4). */
    private static final List<String> PER_CALL = List.of(
            "NsfsCallBenchmark.nsfs4j_NS_GET_NSTYPE", "NsfsCallBenchmark.nsfs4j_NS_GET_ID",
            "NsfsCallBenchmark.nsfs4j_NS_GET_PID_FROM_PIDNS", "NsfsCallBenchmark.nsfs4j_NS_GET_PID_IN_PIDNS",
            "NsfsCallBenchmark.libc_NS_GET_PID_FROM_PIDNS", "NsfsCallBenchmark.api_initPid",
            "NsfsCallBenchmark.nsfs4j_NS_GET_TGID_FROM_PIDNS", "NsfsCallBenchmark.nsfs4j_NS_GET_TGID_IN_PIDNS",
            "c.NS_GET_TGID_FROM_PIDNS", "c.NS_GET_TGID_IN_PIDNS", "c2.NS_GET_NSTYPE", "c2.NS_GET_PID_FROM_PIDNS",
            "c2.NS_GET_PID_IN_PIDNS", "c2.NS_GET_TGID_FROM_PIDNS", "c2.NS_GET_TGID_IN_PIDNS",
            "c.cpu.NS_GET_NSTYPE", "c2.cpu.NS_GET_TGID_IN_PIDNS", "java.cpu.nsfs4j.NS_GET_NSTYPE",
            "java.cpu.nsfs4j.NS_GET_TGID_IN_PIDNS", "java.cpu.libc.NS_GET_PID_FROM_PIDNS",
            "JnaCallBenchmark.jnaDirect_NS_GET_PID_FROM_PIDNS", "JnaCallBenchmark.jnaLibrary_NS_GET_PID_FROM_PIDNS",
            "InitPidBenchmark.nsfs4j_open_initPid_close", "InitPidBenchmark.nsfs4j_procfsFallback",
            "InitPidBenchmark.nspidScan_java",
            "c.NS_GET_NSTYPE", "c.NS_GET_ID", "c.NS_GET_PID_FROM_PIDNS", "c.NS_GET_PID_IN_PIDNS",
            "c.open_ioctl_close", "c.twofork", "c.nspid_scan",
            "startup.java_version", "startup.bare_one_ioctl.noaot", "startup.bare_one_ioctl.aot",
            "startup.nsfs_version.noaot", "startup.nsfs_version.aot", "startup.nsfs_info.noaot", "startup.nsfs_info.aot",
            "startup.nsfs_ls.noaot", "startup.nsfs_ls.aot", "startup.nsfs_pid_from.noaot", "startup.nsfs_pid_from.aot",
            "startup.jar_info", "startup.readlink", "startup.nsenter", "startup.first_call", "startup.second_call",
            "startup.aot_training");
    private static final List<String> SCALE = List.of(
            "ScaleBenchmark.ioctl_openHandles", "ScaleBenchmark.nsfs4j_open_initPid_close",
            "ScaleBenchmark.nspidScan_java", "ScaleBenchmark.nsfs4j_procfsFallback",
            "c.scale.ioctl_open_handles", "c.scale.open_ioctl_close", "c.scale.twofork", "c.scale.nspid_scan");

    @Test
    void smokeRunProducesACompleteReport(@TempDir Path out) throws Exception {
        requirePrerequisites();
        Path root = Path.of("").toAbsolutePath();
        Path script = root.resolve("bench/run");
        assertTrue(Files.isRegularFile(script), "bench/run not found from " + root);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();

        Path stdout = out.resolve("stdout.txt");
        Path stderr = out.resolve("stderr.txt");
        Path results = out.resolve("results");
        Process run = new ProcessBuilder("bash", script.toString(), "--smoke", "--out", results.toString(),
                "--classpath", System.getProperty("java.class.path"), "--java", java)
                .directory(root.toFile()).redirectOutput(stdout.toFile()).redirectError(stderr.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        if (!run.waitFor(600, TimeUnit.SECONDS)) {
            // SIGTERM: bench/run's trap kills and reaps its namespaces.
            run.destroy();
            run.waitFor(30, TimeUnit.SECONDS);
            fail("bench/run --smoke did not finish in 600 s\n" + tail(stderr));
        }
        assertEquals(0, run.exitValue(), () -> "bench/run --smoke failed\n" + tail(stderr));

        // The table: printed, and the same as table.md.
        String table = Files.readString(stdout);
        assertEquals(Files.readString(results.resolve("table.md")), table);
        for (String heading : List.of("### 1. One request on an open handle", "### 2. Allocation per call",
                "### 3. The init pid of one container", "### 4. Scale", "### 5. Discovery", "### 6. Start-up", "### Goals of issues 6 and 12",
                "### CPU time per call")) {
            assertTrue(table.contains(heading), () -> heading + " missing from\n" + table);
        }
        assertTrue(table.contains("| nsfs4j: NamespaceDiscovery.scan(), in process |"), table);

        // results.json: every method measured, with a positive time; JMH ones with B/op.
        Map<String, Object> json = Json.object(Files.readString(results.resolve("results.json")));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> measurements = (List<Map<String, Object>>) (List<?>) json.get("measurements");
        Set<String> seen = new HashSet<>();
        for (Map<String, Object> m : measurements) {
            String method = (String) m.get("method");
            int n = (int) Json.asDouble(m.get("n"));
            double mean = Json.asDouble(m.get("mean_ns"));
            assertTrue(mean > 0 && Double.isFinite(mean), () -> "no time for " + method + ": " + m);
            if ("jmh".equals(m.get("source"))) {
                double bytes = Json.asDouble(m.get("bytes_per_op"));
                assertTrue(bytes >= 0 && Double.isFinite(bytes), () -> "no B/op for " + method + ": " + m);
            }
            seen.add(method + "@" + n);
            seen.add(method);
        }
        for (String method : PER_CALL) {
            assertTrue(seen.contains(method), () -> method + " not measured; have " + seen);
        }
        for (String method : SCALE) {
            for (int n : new int[] {2, 4}) {
                assertTrue(seen.contains(method + "@" + n), () -> method + " not measured at N=" + n);
            }
        }
        for (int extra : new int[] {0, 4}) {
            assertTrue(seen.contains("DiscoveryBenchmark.nsfs4j_NamespaceDiscovery_scan@" + extra), seen::toString);
            assertTrue(seen.contains("DiscoveryBenchmark.handRolled_procfs_publicApi@" + extra), seen::toString);
        }
        List<?> goals = (List<?>) json.get("goals");
        assertEquals(7, goals.size(), goals::toString);
        for (Object g : goals) {
            String verdict = (String) ((Map<?, ?>) g).get("verdict");
            assertTrue(Set.of("met", "not met", "n/a").contains(verdict), g::toString);
        }

        // results.csv: a header and one line per measurement.
        List<String> csv = Files.readAllLines(results.resolve("results.csv"));
        assertEquals("source,method,n,mean_ns,error_ns,min_ns,bytes_per_op,samples", csv.get(0));
        assertEquals(measurements.size() + 1, csv.size());

        // chart.svg: one svg element, balanced text elements, the three panels' content.
        String svg = Files.readString(results.resolve("chart.svg"), StandardCharsets.UTF_8);
        assertTrue(svg.startsWith("<svg xmlns=\"http://www.w3.org/2000/svg\"") && svg.endsWith("</svg>\n"), svg);
        assertEquals(count(svg, "<text "), count(svg, "</text>"), "unbalanced <text> in chart.svg");
        assertFalse(svg.contains("NaN") || svg.contains("Infinity"), "chart.svg has a non-number coordinate");
        assertTrue(svg.contains("NS_GET_PID_FROM_PIDNS") && svg.contains("two-fork") && svg.contains("<polyline")
                && svg.contains("Start-up"),
                "chart.svg lacks its panels");

        // No namespace left behind: every init the run made is gone.
        for (String file : List.of("targets-2.txt", "targets-4.txt")) {
            for (String line : Files.readAllLines(results.resolve(file))) {
                long pid = Long.parseLong(line.trim());
                assertFalse(isLeftoverInit(pid), () -> "the init " + pid + " of a benchmark namespace is still alive");
            }
        }
    }

    /** Whether pid is alive in a pid namespace other than ours (a leftover namespace init). */
    private static boolean isLeftoverInit(long pid) {
        try {
            String theirs = Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/pid")).toString();
            String ours = Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString();
            return !theirs.equals(ours);
        } catch (IOException e) {
            return false; // gone
        }
    }

    private static void requirePrerequisites() throws IOException, InterruptedException {
        boolean required = "1".equals(System.getenv("NSFS4J_REQUIRE_NAMESPACES"));
        String missing = null;
        if (!Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"))) {
            missing = "root (bench/run makes pid namespaces and joins them)";
        } else if (!onPath("unshare")) {
            missing = "unshare (util-linux)";
        } else if (!onPath("gcc")) {
            missing = "gcc (for the C baselines)";
        }
        if (missing != null) {
            if (required) {
                fail("NSFS4J_REQUIRE_NAMESPACES=1 but the benchmark smoke run cannot run: it needs " + missing);
            }
            Assumptions.abort("the benchmark smoke run needs " + missing);
        }
    }

    private static boolean onPath(String command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("sh", "-c", "command -v " + command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor() == 0;
    }

    private static int count(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + part.length())) {
            n++;
        }
        return n;
    }

    private static String tail(Path file) {
        try {
            List<String> lines = Files.readAllLines(file);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no " + file + ": " + e + ")";
        }
    }
}
