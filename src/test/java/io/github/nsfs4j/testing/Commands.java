package io.github.nsfs4j.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Runs short commands (and child JVMs) to completion, capturing their output. */
public final class Commands {
    private Commands() {}

    private static final long TIMEOUT_SECONDS = 60;

    /** A finished command. */
    public record Result(List<String> command, int exitCode, String stdout, String stderr) {
        /** The {@code key=value} lines of stdout, in order (a later key wins). */
        public Map<String, String> properties() {
            Map<String, String> map = new LinkedHashMap<>();
            for (String line : stdout.split("\n")) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    map.put(line.substring(0, eq), line.substring(eq + 1));
                }
            }
            return map;
        }

        @Override
        public String toString() {
            return String.join(" ", command) + " -> exit " + exitCode + "\n--- stdout\n" + stdout + "--- stderr\n"
                    + stderr;
        }
    }

    /** Runs a command with stdin from /dev/null; fails the caller after a minute. */
    public static Result run(List<String> command) {
        return run(command, null);
    }

    /** Runs a command with {@code stdin} as its standard input (null: /dev/null); fails the caller after a minute. */
    public static Result run(List<String> command, String stdin) {
        return run(command, stdin, null, Map.of());
    }

    /**
     * Runs a command in directory {@code cwd} (null: this JVM's) with {@code env} added to the
     * environment and {@code stdin} as its standard input (null: /dev/null); fails the caller
     * after a minute.
     */
    public static Result run(List<String> command, String stdin, Path cwd, Map<String, String> env) {
        Path in = null;
        Path out = null;
        Path err = null;
        try {
            if (stdin != null) {
                in = Files.writeString(Files.createTempFile("nsfs4j-test-", ".in"), stdin);
            }
            out = Files.createTempFile("nsfs4j-test-", ".out");
            err = Files.createTempFile("nsfs4j-test-", ".err");
            ProcessBuilder pb = new ProcessBuilder(command).redirectInput(in == null ? new File("/dev/null") : in.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile());
            if (cwd != null) {
                pb.directory(cwd.toFile());
            }
            pb.environment().putAll(env);
            Process p = pb.start();
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly().waitFor();
                throw new IllegalStateException("timed out after " + TIMEOUT_SECONDS + " s: " + command);
            }
            return new Result(List.copyOf(command), p.exitValue(), Files.readString(out), Files.readString(err));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command, e);
        } finally {
            deleteQuietly(in);
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    /** The full path of a command on the PATH, or null. */
    public static Path which(String name) {
        String path = System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin");
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    /**
     * The command line that runs {@code mainClass} in a new JVM (the JDK running the tests),
     * with the test and main classes and jnr-constants on the {@link #classPath() portable class path}.
     */
    public static List<String> javaCommand(List<String> jvmOptions, Class<?> mainClass, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-XX:-UsePerfData");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-Xshare:auto");
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(classPath());
        cmd.add(mainClass.getName());
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static String portableClassPath;

    /**
     * The test classes, the main classes and the jnr-constants jar, copied once per test JVM
     * into a directory of {@code java.io.tmpdir} that everybody may read (directories 0755,
     * files 0644; deleted at exit). A child JVM that runs as another user (setpriv) or in a
     * user namespace, where root's file access is that of others, can read it wherever the
     * checkout lies (a clone under /root, or one owned by another user in a 0700 directory).
     */
    public static synchronized String classPath() {
        if (portableClassPath == null) {
            try {
                Path dir = Files.createTempDirectory("nsfs4j-classpath-");
                Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir), "nsfs4j class path cleanup"));
                for (Path up = dir.getParent(); up != null; up = up.getParent()) {
                    if (!Files.getPosixFilePermissions(up).contains(PosixFilePermission.OTHERS_EXECUTE)) {
                        throw new IllegalStateException(up + " (java.io.tmpdir or above) is not searchable by others:"
                                + " a child JVM as another user could not reach its class path; set java.io.tmpdir");
                    }
                }
                Files.setPosixFilePermissions(dir, DIRECTORY);
                List<String> entries = new ArrayList<>();
                for (String name : List.of(Commands.class.getName(), "io.github.nsfs4j.Namespace",
                        "jnr.constants.platform.Errno")) {
                    Path source = codeSource(name);
                    Path copy = dir.resolve(entries.size() + "-" + source.getFileName());
                    copyReadable(source, copy);
                    entries.add(copy.toString());
                }
                portableClassPath = String.join(File.pathSeparator, entries);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot copy the class path for child JVMs", e);
            }
        }
        return portableClassPath;
    }

    private static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwxr-xr-x");
    private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-r--r--");

    private static Path codeSource(String className) {
        try {
            Class<?> c = Class.forName(className, false, Commands.class.getClassLoader());
            return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (ReflectiveOperationException | java.net.URISyntaxException e) {
            throw new IllegalStateException("cannot locate the class path entry of " + className, e);
        }
    }

    /** Copies a file or a directory tree, every directory 0755 and every file 0644. */
    private static void copyReadable(Path source, Path target) throws IOException {
        try (Stream<Path> walk = Files.walk(source)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Path to = target.resolve(source.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                    Files.setPosixFilePermissions(to, DIRECTORY);
                } else {
                    Files.copy(p, to);
                    Files.setPosixFilePermissions(to, FILE);
                }
            }
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(Commands::deleteQuietly);
        } catch (IOException ignored) {
            // a temp directory left behind is harmless
        }
    }

    private static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // a temp file left behind is harmless
            }
        }
    }
}
