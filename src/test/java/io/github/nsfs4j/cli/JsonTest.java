package io.github.nsfs4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The hand-written JSON writer: escaping, unsigned numbers, nesting; checked with the test reader. */
class JsonTest {

    @Test
    void stringsAreEscapedAndRoundTrip() {
        String nasty = "a\"b\\c/d\n\r\t\b\f\u0001\u001f\u007f é ✓ \uD83D\uDE00 \u2028";
        String doc = Json.write(Map.of("s", nasty));
        assertTrue(doc.chars().allMatch(c -> c >= 0x20 && c < 0x7f || c == '\n' || c == ' '), doc);
        assertEquals(nasty, io.github.nsfs4j.testing.Json.object(doc).get("s"));
        StringBuilder quoted = new StringBuilder();
        Json.string(quoted, "\"\\\n\u0001é");
        assertEquals("\"\\\"\\\\\\n\\u0001\\u00e9\"", quoted.toString());
    }

    @Test
    void unsignedNumbers() {
        Map<String, Object> o = Json.object();
        o.put("max", Json.u64(-1L));
        o.put("inode", Json.u64(4026531836L));
        o.put("neg", -5);
        o.put("long", Long.MIN_VALUE);
        Map<String, Object> back = io.github.nsfs4j.testing.Json.object(Json.write(o));
        assertEquals(new BigInteger("18446744073709551615"), back.get("max"));
        assertEquals(BigInteger.valueOf(4026531836L), back.get("inode"));
        assertEquals(BigInteger.valueOf(-5), back.get("neg"));
        assertEquals(BigInteger.valueOf(Long.MIN_VALUE), back.get("long"));
    }

    @Test
    void nestingOrderNullsAndEmpties() {
        Map<String, Object> o = Json.object();
        o.put("z", null);
        o.put("a", List.of());
        o.put("m", Json.object());
        o.put("list", Arrays.asList(1, null, true, "x", List.of(Map.of("k", false))));
        String doc = Json.write(o);
        assertTrue(doc.endsWith("}\n"), doc);
        Map<String, Object> back = io.github.nsfs4j.testing.Json.object(doc);
        assertEquals(List.of("z", "a", "m", "list"), List.copyOf(back.keySet()));
        assertEquals(Arrays.asList(BigInteger.ONE, null, true, "x", List.of(Map.of("k", false))), back.get("list"));
        assertEquals("{}\n", Json.write(Json.object()));
    }

    @Test
    void readerIsStrict() {
        assertThrows(IllegalArgumentException.class, () -> io.github.nsfs4j.testing.Json.parse("{} x"));
        assertThrows(IllegalArgumentException.class, () -> io.github.nsfs4j.testing.Json.parse("{\"a\":1,}"));
        assertThrows(IllegalArgumentException.class, () -> io.github.nsfs4j.testing.Json.parse("\"a\nb\""));
        assertThrows(IllegalArgumentException.class, () -> io.github.nsfs4j.testing.Json.parse("{\"a\":1}\n{\"b\":2}"));
    }
}
