package io.github.nsfs4j.testing;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code lsns -J -l -o NS,TYPE,PNS,ONS}: util-linux's view of every namespace some process
 * is in, with its parent (PNS) and owner (ONS) inode, 0 where lsns shows none. Take the
 * snapshot while the namespaces of interest have processes in them.
 */
public final class Lsns {
    private Lsns() {}

    /** One namespace as lsns lists it. */
    public record Entry(long ns, String type, long pns, long ons) {}

    /**
     * Runs lsns and returns its namespaces by inode. lsns (util-linux 2.38) exits 1, silently,
     * when a process it is reading exits meanwhile (other tests and builds start and end
     * processes all the time), so a failed run is retried a few times.
     */
    public static Map<Long, Entry> snapshot() {
        Commands.Result result = null;
        for (int attempt = 0; attempt < 8; attempt++) {
            result = Commands.run(List.of("lsns", "-J", "-l", "-o", "NS,TYPE,PNS,ONS"));
            if (result.exitCode() == 0) {
                return parse(result.stdout());
            }
        }
        throw new IllegalStateException("lsns failed 8 times: " + result);
    }

    /** Parses {@code lsns -J} output with the columns NS, TYPE, PNS and ONS. */
    public static Map<Long, Entry> parse(String json) {
        Map<Long, Entry> entries = new LinkedHashMap<>();
        for (Object item : Json.asArray(Json.asObject(Json.parse(json)).get("namespaces"))) {
            Map<String, Object> ns = Json.asObject(item);
            Entry e = new Entry(Json.asLong(ns.get("ns")), (String) ns.get("type"), Json.asLong(ns.get("pns")),
                    Json.asLong(ns.get("ons")));
            Entry previous = entries.put(e.ns(), e);
            if (previous != null && !previous.equals(e)) {
                throw new IllegalStateException("lsns lists inode " + e.ns() + " twice: " + previous + ", " + e);
            }
        }
        return Collections.unmodifiableMap(entries);
    }
}
