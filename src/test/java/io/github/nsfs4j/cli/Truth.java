package io.github.nsfs4j.cli;

import io.github.nsfs4j.testing.Json;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** What util-linux lsns says. */
final class Truth {
    private Truth() {}

    /** One row of {@code lsns -J -l -o NS,TYPE,PNS,ONS}. */
    record LsnsRow(long ns, String type, long pns, long ons) {}

    /** The lsns row for inode {@code ns}, or null if lsns does not list it. */
    static LsnsRow lsns(long ns) throws IOException, InterruptedException {
        for (LsnsRow row : lsnsAll()) {
            if (row.ns == ns) {
                return row;
            }
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    static List<LsnsRow> lsnsAll() throws IOException, InterruptedException {
        String json = run("lsns", "-J", "-l", "-o", "NS,TYPE,PNS,ONS");
        List<LsnsRow> rows = new ArrayList<>();
        for (Object o : (List<Object>) Json.object(json).get("namespaces")) {
            Map<String, Object> m = (Map<String, Object>) o;
            rows.add(new LsnsRow(num(m.get("ns")), (String) m.get("type"), num(m.get("pns")), num(m.get("ons"))));
        }
        return rows;
    }

    private static long num(Object o) {
        return o == null ? 0 : ((BigInteger) o).longValue();
    }

    /** Runs a command to completion and returns its stdout; fails on a non-zero exit. */
    static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                throw new IOException(String.join(" ", command) + " did not finish");
            }
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " exited " + p.exitValue());
            }
            return out;
        } finally {
            p.destroyForcibly();
            p.waitFor();
        }
    }
}
