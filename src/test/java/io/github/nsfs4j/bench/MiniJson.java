package io.github.nsfs4j.bench;

import io.github.nsfs4j.cli.JsonStrings;
import java.util.List;
import java.util.Map;

/**
 * The JSON the benchmark report needs beyond {@link io.github.nsfs4j.testing.Json}, which
 * reads JMH's result files: numbers out of those documents (JMH writes NaN as the string
 * "NaN"), and a writer for the report's values, doubles included (strings escaped as the
 * CLI escapes them). Not a general-purpose library.
 */
final class MiniJson {
    private MiniJson() {}

    /** A number for a JSON value: JMH writes NaN and infinities as strings. */
    static double number(Object value) {
        if (value instanceof Number n) {
            return n.doubleValue();
        }
        if (value instanceof String str) {
            try {
                return Double.parseDouble(str);
            } catch (NumberFormatException e) {
                return Double.NaN;
            }
        }
        return Double.NaN;
    }

    /** Writes a value: maps, lists, strings, numbers (non-finite as null), booleans, null. */
    static String write(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, 0);
        return sb.append('\n').toString();
    }

    private static void write(StringBuilder sb, Object value, int indent) {
        if (value == null) {
            sb.append("null");
        } else if (value instanceof String str) {
            JsonStrings.append(sb, str);
        } else if (value instanceof Double d) {
            sb.append(Double.isFinite(d) ? formatNumber(d) : "null");
        } else if (value instanceof Number || value instanceof Boolean) {
            sb.append(value);
        } else if (value instanceof Map<?, ?> map) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : map.entrySet()) {
                sb.append(first ? "\n" : ",\n").append("  ".repeat(indent + 1));
                first = false;
                JsonStrings.append(sb, String.valueOf(e.getKey()));
                sb.append(": ");
                write(sb, e.getValue(), indent + 1);
            }
            sb.append(first ? "" : "\n" + "  ".repeat(indent)).append('}');
        } else if (value instanceof List<?> list) {
            sb.append('[');
            boolean first = true;
            for (Object item : list) {
                sb.append(first ? "\n" : ",\n").append("  ".repeat(indent + 1));
                first = false;
                write(sb, item, indent + 1);
            }
            sb.append(first ? "" : "\n" + "  ".repeat(indent)).append(']');
        } else {
            JsonStrings.append(sb, value.toString());
        }
    }

    private static String formatNumber(double d) {
        if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            return Long.toString((long) d);
        }
        return Double.toString(d);
    }
}
