package io.github.nsfs4j.testing;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * util-linux's {@code lsns}: its view of every namespace some process is in, the truth that
 * {@code nsfs ls} is held against. {@link #snapshot()} takes the eight columns {@link #COLUMNS};
 * take it while the namespaces of interest have processes in them.
 */
public final class Lsns {
    private Lsns() {}

    /** The columns of a {@link Row}, as {@code lsns -o} names them. */
    public static final String COLUMNS = "NS,TYPE,NPROCS,PID,USER,COMMAND,PNS,ONS";

    /** The command that prints them as JSON ({@code nsfs ls --json} prints the same document). */
    public static final List<String> COMMAND = List.of("lsns", "-J", "-l", "-o", COLUMNS);

    /**
     * One namespace as lsns lists it. {@code pid} and {@code command} are null where no process
     * is in it; {@code pns} and {@code ons} 0 where lsns shows none.
     */
    public record Row(long ns, String type, long nprocs, Long pid, String user, String command, long pns, long ons) {
        public Row withNprocs(long n) {
            return new Row(ns, type, n, pid, user, command, pns, ons);
        }
    }

    /** Runs {@link #COMMAND} and returns its namespaces by inode. */
    public static Map<Long, Row> snapshot() {
        return parse(output(COMMAND.subList(1, COMMAND.size()).toArray(String[]::new)));
    }

    /**
     * What {@code lsns OPTIONS} prints. lsns (util-linux 2.38) exits 1, silently, when a process
     * it is reading exits meanwhile (other tests and builds start and end processes all the
     * time), so a failed run is retried a few times.
     */
    public static String output(String... options) {
        List<String> cmd = new ArrayList<>(List.of("lsns"));
        cmd.addAll(List.of(options));
        Commands.Result result = null;
        for (int attempt = 0; attempt < 8; attempt++) {
            result = Commands.run(cmd);
            if (result.exitCode() == 0) {
                return result.stdout();
            }
        }
        throw new IllegalStateException("lsns failed 8 times: " + result);
    }

    /** The rows of a {@code {"namespaces":[...]}} document with the columns {@link #COLUMNS}, by inode. */
    public static Map<Long, Row> parse(String json) {
        Map<Long, Row> rows = new LinkedHashMap<>();
        for (Object item : Json.asArray(Json.object(json).get("namespaces"))) {
            Map<String, Object> m = Json.asObject(item);
            Row row = new Row(Json.asLong(m.get("ns")), (String) m.get("type"), Json.asLong(m.get("nprocs")),
                    m.get("pid") == null ? null : Json.asLong(m.get("pid")), (String) m.get("user"),
                    (String) m.get("command"), Json.asLong(m.get("pns")), Json.asLong(m.get("ons")));
            Row previous = rows.put(row.ns(), row);
            if (previous != null && !previous.equals(row)) {
                throw new IllegalStateException("inode " + row.ns() + " is listed twice: " + previous + ", " + row);
            }
        }
        return Collections.unmodifiableMap(rows);
    }
}
