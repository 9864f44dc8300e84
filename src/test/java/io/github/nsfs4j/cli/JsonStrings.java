package io.github.nsfs4j.cli;

/**
 * The CLI's JSON string escaping ({@code Json.string}, package-private in src/main), for test
 * code in other packages that writes JSON, such as the benchmark report.
 */
public final class JsonStrings {
    private JsonStrings() {}

    /** Appends {@code s} as a JSON string literal, as {@code nsfs --json} writes strings. */
    public static void append(StringBuilder sb, String s) {
        Json.string(sb, s);
    }
}
