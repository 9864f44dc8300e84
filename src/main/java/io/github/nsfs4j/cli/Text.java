package io.github.nsfs4j.cli;

import java.util.List;
import java.util.Map;

/** Plain-text output: aligned {@code key: value} lines and tables; {@code -} for null. */
final class Text {
    private Text() {}

    /** A value as text: {@code -} for null, unsigned for {@link Json.U64}. */
    static String value(Object v) {
        return v == null ? "-" : String.valueOf(v);
    }

    /** {@code key: value} lines, values aligned. */
    static String keyValues(Map<String, Object> fields) {
        int width = fields.keySet().stream().mapToInt(String::length).max().orElse(0) + 1;
        StringBuilder sb = new StringBuilder();
        fields.forEach((k, v) -> {
            String key = k + ":";
            sb.append(key).repeat(' ', width - key.length() + 1).append(value(v)).append('\n');
        });
        return sb.toString();
    }

    /**
     * A table with a header, columns separated by one space; every column right-aligned
     * (numbers) unless its index is in {@code leftAligned}.
     */
    static String table(List<String> header, List<List<String>> rows, int... leftAligned) {
        int[] width = new int[header.size()];
        for (int c = 0; c < width.length; c++) {
            width[c] = header.get(c).length();
            for (List<String> row : rows) {
                width[c] = Math.max(width[c], row.get(c).length());
            }
        }
        StringBuilder sb = new StringBuilder();
        appendRow(sb, header, width, leftAligned);
        for (List<String> row : rows) {
            appendRow(sb, row, width, leftAligned);
        }
        return sb.toString();
    }

    private static void appendRow(StringBuilder sb, List<String> cells, int[] width, int[] leftAligned) {
        StringBuilder line = new StringBuilder();
        for (int c = 0; c < cells.size(); c++) {
            if (c > 0) {
                line.append(' ');
            }
            String cell = cells.get(c);
            int pad = width[c] - cell.length();
            if (isLeft(c, leftAligned)) {
                line.append(cell);
                if (c < cells.size() - 1) {
                    line.repeat(' ', pad);
                }
            } else {
                line.repeat(' ', pad).append(cell);
            }
        }
        sb.append(line).append('\n');
    }

    private static boolean isLeft(int column, int[] leftAligned) {
        for (int c : leftAligned) {
            if (c == column) {
                return true;
            }
        }
        return false;
    }
}
