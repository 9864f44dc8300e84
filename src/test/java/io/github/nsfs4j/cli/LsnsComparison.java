package io.github.nsfs4j.cli;

import io.github.nsfs4j.testing.Json;
import io.github.nsfs4j.testing.Lsns;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Compares {@code nsfs ls --json} with {@link Lsns#COMMAND} taken just before and just after
 * it. Other processes come and go on a shared machine, so only namespaces whose lsns row is
 * the same before and after ("stable") are compared; for those, every field must agree.
 */
final class LsnsComparison {
    private LsnsComparison() {}

    /**
     * {@code nsfs ls --json} in its own process between two lsns runs of one shell (all three
     * count the shell and themselves), each writing its document to a file in one directory.
     */
    record Bracket(Path before, Path nsfs, Path after) {
        static Bracket in(Path dir) {
            return new Bracket(dir.resolve("lsns-before.json"), dir.resolve("nsfs-ls.json"),
                    dir.resolve("lsns-after.json"));
        }

        /** The {@code sh -c} script; {@code nsfs} is the shell words that start nsfs, such as {@code "$0"}. */
        String script(String nsfs) {
            String lsns = String.join(" ", Lsns.COMMAND);
            return lsns + " >" + before + " && " + nsfs + " ls --json >" + this.nsfs + " && " + lsns + " >" + after;
        }

        /** Compares the three documents the script wrote. */
        Result compare() throws IOException {
            return LsnsComparison.compare(Lsns.parse(Files.readString(before)), nsfsRows(Files.readString(nsfs)),
                    Lsns.parse(Files.readString(after)), Set.of());
        }
    }

    /**
     * The rows of an {@code nsfs ls --json} document: as {@link Lsns#parse} reads lsns's, but its
     * numbers must be JSON numbers (some lsns versions print some as strings; nsfs never).
     */
    static Map<Long, Lsns.Row> nsfsRows(String json) {
        for (Object row : Json.asArray(Json.object(json).get("namespaces"))) {
            for (String column : List.of("ns", "nprocs", "pid", "pns", "ons")) {
                Object value = Json.asObject(row).get(column);
                if (value != null && !(value instanceof BigInteger)) {
                    throw new IllegalStateException("nsfs ls --json: " + column + " is not a number: " + row);
                }
            }
        }
        return Lsns.parse(json);
    }

    /**
     * The outcome of one comparison.
     *
     * @param compared inodes of stable namespaces that were compared
     * @param unstable inodes whose lsns rows differed between before and after
     * @param mismatches one line per disagreement
     */
    record Result(Set<Long> compared, Set<Long> unstable, List<String> mismatches) {
        boolean agrees(Set<Long> mustCompare) {
            return mismatches.isEmpty() && compared.containsAll(mustCompare);
        }

        @Override
        public String toString() {
            return compared.size() + " namespaces compared, " + unstable.size() + " changing (skipped) "
                    + unstable + ", " + mismatches.size() + " mismatches" + (mismatches.isEmpty() ? ""
                    : ":\n  " + String.join("\n  ", mismatches));
        }
    }

    /**
     * Compares. {@code lsnsOnly}: namespaces the lsns process itself was in, while nsfs ran
     * in-process and so did not see it: lsns counts one process more there.
     */
    static Result compare(Map<Long, Lsns.Row> before, Map<Long, Lsns.Row> nsfs, Map<Long, Lsns.Row> after,
            Set<Long> lsnsOnly) {
        Set<Long> compared = new TreeSet<>();
        Set<Long> unstable = new TreeSet<>();
        List<String> mismatches = new ArrayList<>();
        for (Lsns.Row lsns : before.values()) {
            if (!lsns.equals(after.get(lsns.ns()))) {
                unstable.add(lsns.ns());
                continue;
            }
            compared.add(lsns.ns());
            Lsns.Row expected = lsnsOnly.contains(lsns.ns()) ? lsns.withNprocs(lsns.nprocs() - 1) : lsns;
            Lsns.Row ours = nsfs.get(lsns.ns());
            if (ours == null) {
                mismatches.add("nsfs lacks " + lsns);
            } else if (!expected.equals(ours)) {
                mismatches.add(diff(expected, ours));
            }
        }
        return new Result(compared, unstable, mismatches);
    }

    private static String diff(Lsns.Row lsns, Lsns.Row nsfs) {
        StringBuilder sb = new StringBuilder(lsns.type() + ":[" + lsns.ns() + "]");
        field(sb, "type", lsns.type(), nsfs.type());
        field(sb, "nprocs", lsns.nprocs(), nsfs.nprocs());
        field(sb, "pid", lsns.pid(), nsfs.pid());
        field(sb, "user", lsns.user(), nsfs.user());
        field(sb, "command", lsns.command(), nsfs.command());
        field(sb, "pns", lsns.pns(), nsfs.pns());
        field(sb, "ons", lsns.ons(), nsfs.ons());
        return sb.toString();
    }

    private static void field(StringBuilder sb, String name, Object lsns, Object nsfs) {
        if (!Objects.equals(lsns, nsfs)) {
            sb.append(' ').append(name).append(": lsns ").append(lsns).append(", nsfs ").append(nsfs);
        }
    }
}
