package io.github.nsfs4j.cli;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs the scripts of bin/ (and the commands around them) as a user's shell would: stdin from
 * /dev/null, no JAVA_HOME and nothing inherited from the Maven that runs the tests
 * ({@code MAVEN_*}) or from an earlier nsfs run ({@code NSFS_*}), so the default {@code java}
 * on PATH is what the script meets. Also a fresh copy of parts of the checkout to run them in.
 */
final class UserShell {
    private UserShell() {}

    /** A finished command. */
    record Result(int status, String out, String err) {
        /** The {@code KEY value} lines of stdout (key in capitals and underscores). */
        Map<String, String> values() {
            Map<String, String> values = new HashMap<>();
            out.lines().forEach(line -> {
                int space = line.indexOf(' ');
                if (space > 0 && line.substring(0, space).matches("[A-Z_]+")) {
                    values.put(line.substring(0, space), line.substring(space + 1));
                }
            });
            return values;
        }

        @Override
        public String toString() {
            return "exit " + status + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    /**
     * Runs {@code command} in {@code cwd} with {@code env} added to the cleaned environment;
     * stdout and stderr go through files in {@code tmp}. Fails the caller after
     * {@code timeoutSeconds}.
     */
    static Result run(Path tmp, Path cwd, Map<String, String> env, long timeoutSeconds, String... command)
            throws IOException, InterruptedException {
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        Map<String, String> environment = pb.environment();
        environment.remove("JAVA_HOME");
        environment.keySet().removeIf(k -> k.startsWith("MAVEN_") || k.startsWith("NSFS_"));
        environment.putAll(env);
        Process p = pb.start();
        try {
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                throw new AssertionError(String.join(" ", command) + " did not finish in " + timeoutSeconds + " s");
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            p.destroyForcibly();
            p.waitFor();
        }
    }

    /** This checkout (Maven's basedir). */
    static Path checkout() {
        return Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath();
    }

    /** Copies the tree {@code from} to {@code to}, keeping file attributes (the executable bits). */
    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }
}
