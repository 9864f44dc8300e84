package io.github.nsfs4j.cli;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.spi.ToolProvider;

/**
 * The nsfs jar as Maven's package phase makes it (the compiled main classes, the manifest
 * entries of pom.xml, jnr-constants in lib/ beside it), assembled with the JDK's jar tool
 * from this test run's class path: tests run before the package phase, so the real jar
 * does not exist yet. BinScriptTest checks the real one.
 */
final class TestJar {
    private TestJar() {}

    /** Builds {@code dir/nsfs4j-test.jar} and {@code dir/lib/jnr-constants-*.jar}; returns the jar. */
    static Path build(Path dir) throws IOException {
        Path classes = null;
        Path jnr = null;
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path p = Path.of(entry);
            if (Files.isDirectory(p) && p.getFileName().toString().equals("classes")
                    && Files.exists(p.resolve("io/github/nsfs4j/cli/Main.class"))) {
                classes = p;
            } else if (p.getFileName().toString().startsWith("jnr-constants") && entry.endsWith(".jar")) {
                jnr = p;
            }
        }
        if (classes == null || jnr == null) {
            throw new IOException("main classes or jnr-constants not on the class path: "
                    + System.getProperty("java.class.path"));
        }
        Files.createDirectories(dir.resolve("lib"));
        Files.copy(jnr, dir.resolve("lib").resolve(jnr.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Path manifest = dir.resolve("MANIFEST.MF");
        Files.writeString(manifest, "Manifest-Version: 1.0\n"
                + "Main-Class: io.github.nsfs4j.cli.Main\n"
                + "Enable-Native-Access: ALL-UNNAMED\n"
                + "Class-Path: lib/" + jnr.getFileName() + "\n");
        Path jar = dir.resolve("nsfs4j-test.jar");
        Files.deleteIfExists(jar);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream print = new PrintStream(log, true, StandardCharsets.UTF_8);
        int rc = ToolProvider.findFirst("jar").orElseThrow(() -> new IOException("no jar tool in this JDK"))
                .run(print, print, "--create", "--file", jar.toString(), "--manifest", manifest.toString(),
                        "-C", classes.toString(), ".");
        if (rc != 0) {
            throw new IOException("jar failed (" + rc + "): " + log.toString(StandardCharsets.UTF_8));
        }
        return jar;
    }
}
