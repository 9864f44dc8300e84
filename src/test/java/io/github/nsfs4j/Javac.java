package io.github.nsfs4j;

import java.io.File;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.spi.ToolProvider;

/**
 * javac as a user of the library runs it: through {@link ToolProvider} (the JDK's
 * {@code javac} command), against the library's classes and jnr-constants, code outside
 * io.github.nsfs4j.
 */
public final class Javac {
    private Javac() {}

    /** javac's exit status and everything it printed. */
    public record Result(int status, String output) {}

    /**
     * Compiles {@code sources} into {@code classes} with {@code options} and the library's
     * class path (its classes, jnr-constants).
     */
    public static Result compile(Path classes, List<String> options, List<Path> sources) {
        List<String> args = new ArrayList<>(options);
        args.addAll(List.of("-d", classes.toString(), "-classpath",
                classPathOf(Namespace.class) + File.pathSeparator + classPathOf(jnr.constants.Constant.class)));
        sources.forEach(s -> args.add(s.toString()));
        ToolProvider javac = ToolProvider.findFirst("javac").orElseThrow(
                () -> new AssertionError("the tests run on a JDK, which has javac"));
        StringWriter out = new StringWriter();
        int status;
        try (PrintWriter w = new PrintWriter(out)) {
            status = javac.run(w, w, args.toArray(String[]::new));
        }
        return new Result(status, out.toString());
    }

    private static String classPathOf(Class<?> c) {
        try {
            return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (Exception e) {
            throw new AssertionError("cannot locate " + c, e);
        }
    }
}
