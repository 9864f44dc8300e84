package io.github.nsfs4j.cli;

import java.nio.charset.StandardCharsets;
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
        int width = 0;
        for (String k : fields.keySet()) {
            width = Math.max(width, k.length() + 1);
        }
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, Object> e : fields.entrySet()) {
            String key = e.getKey() + ":";
            sb.append(key).repeat(' ', width - key.length() + 1).append(value(e.getValue())).append('\n');
        }
        return sb.toString();
    }

    /** {@code s} made safe for one cell of a line, as {@link #safe(byte[])} does it. */
    static String safe(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c >= 0x7f || c == '\\') {
                return safe(s.getBytes(StandardCharsets.UTF_8));
            }
        }
        return s; // printable ASCII: the common case, unchanged
    }

    /**
     * UTF-8 bytes as text that stays on one line and shows what the bytes are, the way
     * util-linux (lsns) escapes a string for a UTF-8 terminal: printable characters as they
     * are; a control character, a character the terminal cannot print (a line separator, an
     * unassigned code point) and every byte that is not part of valid UTF-8 as {@code \xNN}
     * per byte; a backslash as {@code \x5c} where it comes before an {@code x}, so that the
     * escapes stay unambiguous.
     */
    static String safe(byte[] utf8) {
        StringBuilder sb = new StringBuilder(utf8.length + 8);
        int i = 0;
        while (i < utf8.length) {
            int b = utf8[i] & 0xff;
            if (b >= 0x20 && b < 0x7f) {
                if (b == '\\' && i + 1 < utf8.length && utf8[i + 1] == 'x') {
                    hex(sb, b);
                } else {
                    sb.append((char) b);
                }
                i++;
                continue;
            }
            int length = sequenceLength(utf8, i);
            int cp = length > 1 ? new String(utf8, i, length, StandardCharsets.UTF_8).codePointAt(0) : -1;
            if (cp >= 0 && printable(cp)) {
                sb.appendCodePoint(cp);
            } else {
                for (int k = 0; k < Math.max(length, 1); k++) {
                    hex(sb, utf8[i + k] & 0xff);
                }
            }
            i += Math.max(length, 1);
        }
        return sb.toString();
    }

    /**
     * The length of the well-formed UTF-8 sequence of two or more bytes at {@code i}, or 0
     * when the bytes there are not one (a lone byte, a cut sequence, an overlong form, a
     * surrogate, beyond U+10FFFF), as Unicode's table of well-formed sequences has it.
     */
    private static int sequenceLength(byte[] b, int i) {
        int lead = b[i] & 0xff;
        int length;
        int min = 0x80;
        int max = 0xbf;
        if (lead >= 0xc2 && lead <= 0xdf) {
            length = 2;
        } else if (lead >= 0xe0 && lead <= 0xef) {
            length = 3;
            min = lead == 0xe0 ? 0xa0 : 0x80;
            max = lead == 0xed ? 0x9f : 0xbf;
        } else if (lead >= 0xf0 && lead <= 0xf4) {
            length = 4;
            min = lead == 0xf0 ? 0x90 : 0x80;
            max = lead == 0xf4 ? 0x8f : 0xbf;
        } else {
            return 0;
        }
        if (i + length > b.length) {
            return 0;
        }
        for (int k = 1; k < length; k++) {
            int c = b[i + k] & 0xff;
            if (c < (k == 1 ? min : 0x80) || c > (k == 1 ? max : 0xbf)) {
                return 0;
            }
        }
        return length;
    }

    /** What glibc's iswprint says in a UTF-8 locale, close enough: not a control, separator or unassigned. */
    private static boolean printable(int cp) {
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR, Character.UNASSIGNED,
                    Character.SURROGATE -> false;
            default -> true;
        };
    }

    private static void hex(StringBuilder sb, int b) {
        sb.append("\\x").append(Character.forDigit(b >> 4, 16)).append(Character.forDigit(b & 0xf, 16));
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
