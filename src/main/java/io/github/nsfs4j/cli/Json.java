package io.github.nsfs4j.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small JSON writer. Values are Java objects: {@link Map} (objects, in iteration order),
 * {@link List} (arrays), {@link String}, {@link Boolean}, {@link Integer} and {@link Long}
 * (signed), {@link U64} (an unsigned 64-bit value) and {@code null}. Output is pretty-printed
 * with two-space indents, ASCII only (other characters are escaped), so it stays valid JSON
 * whatever the terminal's encoding.
 */
final class Json {
    private Json() {}

    /** An unsigned 64-bit number, such as an inode or a namespace id. */
    record U64(long bits) {
        @Override
        public String toString() {
            return Long.toUnsignedString(bits);
        }
    }

    /** An unsigned 64-bit number. */
    static U64 u64(long bits) {
        return new U64(bits);
    }

    /** A new JSON object that keeps the insertion order of its fields. */
    static Map<String, Object> object() {
        return new LinkedHashMap<>();
    }

    /** A new JSON array. */
    static List<Object> array() {
        return new ArrayList<>();
    }

    /** The document for {@code value}, with a trailing newline. */
    static String write(Object value) {
        StringBuilder sb = new StringBuilder(256);
        write(sb, value, 0);
        return sb.append('\n').toString();
    }

    private static void write(StringBuilder sb, Object value, int depth) {
        switch (value) {
            case null -> sb.append("null");
            case String s -> string(sb, s);
            case Boolean b -> sb.append(b.booleanValue());
            case Integer i -> sb.append(i.intValue());
            case Long l -> sb.append(l.longValue());
            case U64 u -> sb.append(Long.toUnsignedString(u.bits()));
            case Map<?, ?> map -> {
                if (map.isEmpty()) {
                    sb.append("{}");
                    return;
                }
                sb.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    sb.append(first ? "\n" : ",\n");
                    first = false;
                    indent(sb, depth + 1);
                    string(sb, String.valueOf(e.getKey()));
                    sb.append(": ");
                    write(sb, e.getValue(), depth + 1);
                }
                sb.append('\n');
                indent(sb, depth);
                sb.append('}');
            }
            case List<?> list -> {
                if (list.isEmpty()) {
                    sb.append("[]");
                    return;
                }
                sb.append('[');
                boolean first = true;
                for (Object element : list) {
                    sb.append(first ? "\n" : ",\n");
                    first = false;
                    indent(sb, depth + 1);
                    write(sb, element, depth + 1);
                }
                sb.append('\n');
                indent(sb, depth);
                sb.append(']');
            }
            default -> throw new IllegalStateException("no JSON form for " + value.getClass().getName());
        }
    }

    private static void indent(StringBuilder sb, int depth) {
        sb.repeat("  ", depth);
    }

    /** Appends {@code s} as a JSON string: quotes, backslashes, control and non-ASCII characters escaped. */
    static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20 || c >= 0x7f) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
