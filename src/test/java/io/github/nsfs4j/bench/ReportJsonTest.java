package io.github.nsfs4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.nsfs4j.testing.Json;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The JSON of the benchmark report ({@code results.json}, published as
 * docs/performance-results.json), written by {@link Json#write} and read back with
 * {@link Json#asDouble}: the published file is exactly what the writer makes of its values.
 */
class ReportJsonTest {

    @Test
    void publishedResultsAreWhatTheWriterMakes() throws Exception {
        String published = Files.readString(Path.of("docs/performance-results.json"));
        assertEquals(published, Json.write(asReportValues(Json.parse(published))));
    }

    @Test
    void stringsAreEscapedAsTheCliEscapesThem() {
        // The same literal as cli.JsonTest's check of the command's own string escaping.
        assertEquals("\"\\\"\\\\\\n\\u0001\\u00e9\"\n", Json.write("\"\\\n\u0001é"));
        String nasty = "a\"b\\c/d\n\r\t\b\f\u0001\u001f\u007f é ✓ \uD83D\uDE00 \u2028";
        String doc = Json.write(Map.of(nasty, nasty));
        assertTrue(doc.chars().allMatch(c -> c >= 0x20 && c < 0x7f || c == '\n'), doc);
        assertEquals(Map.of(nasty, nasty), Json.parse(doc));
    }

    @Test
    void numbersNullsAndNesting() {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("whole", 3.0);
        o.put("fraction", 2.5);
        o.put("big", 1e15);
        o.put("nan", Double.NaN);
        o.put("inf", Double.NEGATIVE_INFINITY);
        o.put("int", 5);
        o.put("flag", true);
        o.put("none", null);
        o.put("empty", Map.of());
        o.put("list", Arrays.asList(List.of(), 1, "x"));
        assertEquals("""
                {
                  "whole": 3,
                  "fraction": 2.5,
                  "big": 1.0E15,
                  "nan": null,
                  "inf": null,
                  "int": 5,
                  "flag": true,
                  "none": null,
                  "empty": {},
                  "list": [
                    [],
                    1,
                    "x"
                  ]
                }
                """, Json.write(o));
    }

    @Test
    void asDoubleReadsJmhNumbers() {
        assertEquals(2.5, Json.asDouble(new BigDecimal("2.5")));
        assertEquals(7.0, Json.asDouble(BigInteger.valueOf(7)));
        assertEquals(Double.NaN, Json.asDouble("NaN")); // JMH's way of writing NaN
        assertEquals(Double.POSITIVE_INFINITY, Json.asDouble("Infinity"));
        assertEquals(Double.NaN, Json.asDouble("x"));
        assertEquals(Double.NaN, Json.asDouble(null));
    }

    /** Read values as Report makes them: ints (n, samples) as Integer, other numbers as Double. */
    private static Object asReportValues(Object value) {
        return switch (value) {
            case BigInteger i when i.bitLength() < 32 -> i.intValue();
            case BigInteger i -> i.doubleValue();
            case BigDecimal d -> d.doubleValue();
            case Map<?, ?> m -> {
                Map<Object, Object> copy = new LinkedHashMap<>();
                m.forEach((k, v) -> copy.put(k, asReportValues(v)));
                yield copy;
            }
            case List<?> l -> {
                List<Object> copy = new ArrayList<>();
                l.forEach(v -> copy.add(asReportValues(v)));
                yield copy;
            }
            case null, default -> value;
        };
    }
}
