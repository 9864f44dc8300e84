package io.github.nsfs4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.github.nsfs4j.Javac;

/**
 * The README's Java blocks, every ```java block of README.md as it stands, work as a new
 * user takes them: pasted into {@code bin/nsfs-jshell} (a copy of bin/, the default java on
 * PATH, a jar of this build), to its end with no compile error and no exception; and
 * written into a file as a plain Java program, which javac compiles against the library and
 * jnr-constants. So a block names every import it needs: jshell's and nsfs-jshell's own
 * imports hide a missing one, javac does not.
 */
class ReadmeTest {

    @TempDir
    Path tmp;

    /** A ```java block: the README line of its opening fence, and its text. */
    record Block(int line, String text) {
        @Override
        public String toString() {
            return "README.md line " + line;
        }
    }

    /** Every ```java block of the README, in order. */
    static List<Block> javaBlocks(String readme) {
        List<Block> blocks = new ArrayList<>();
        for (int start = readme.indexOf("\n```java\n"); start >= 0; start = readme.indexOf("\n```java\n", start + 1)) {
            int end = readme.indexOf("\n```\n", start + 1);
            assertTrue(end > start, "a java block at offset " + start + " is not closed");
            int line = (int) readme.substring(0, start + 1).lines().count() + 1;
            blocks.add(new Block(line, readme.substring(start + "\n```java\n".length(), end + 1)));
        }
        return blocks;
    }

    static Stream<Arguments> blocks() throws Exception {
        List<Block> blocks = javaBlocks(Files.readString(UserShell.checkout().resolve("README.md")));
        assertFalse(blocks.isEmpty(), "README.md has no java block");
        return blocks.stream().map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("blocks")
    void aJavaBlockRunsInJshell(Block block) throws Exception {
        Path script = tmp.resolve("block.jsh");
        Files.writeString(script, block.text() + "System.out.println(\"README BLOCK DONE\");\n/exit\n");
        Path bin = tmp.resolve("checkout/bin");
        UserShell.copyTree(UserShell.checkout().resolve("bin"), bin);
        Path jar = TestJar.build(tmp.resolve("jar"));
        UserShell.Result r = UserShell.run(tmp, tmp, Map.of("NSFS_JAR", jar.toString()), 300,
                bin.resolve("nsfs-jshell").toString(), script.toString());
        assertEquals(0, r.status(), r::toString);
        assertTrue(r.out().contains("README BLOCK DONE"), r::toString);
        String all = r.out() + r.err();
        assertFalse(all.contains("Error") || all.contains("Exception") || all.contains("WARNING"), r::toString);
    }

    /**
     * A block as a program: its leading import lines (and blank lines among them) stay at the
     * top, the rest becomes the body of {@code public static void main(String[] args) throws
     * Exception} of a class of its own, the opening of the class and of main written on the
     * first line of the body, so that line N of the file is line N of the block. jshell's
     * top-level statements are statements of main; a top-level method or class declaration,
     * which jshell allows, does not compile there and so has no place in a README block.
     */
    static String program(String className, String block) {
        List<String> lines = block.lines().toList();
        int body = 0;
        while (body < lines.size() && (lines.get(body).isBlank() || lines.get(body).startsWith("import "))) {
            body++;
        }
        StringBuilder sb = new StringBuilder();
        lines.subList(0, body).forEach(l -> sb.append(l).append('\n'));
        sb.append("public class ").append(className).append(" { public static void main(String[] args) throws Exception { ");
        lines.subList(body, lines.size()).forEach(l -> sb.append(l).append('\n'));
        return sb.append("} }\n").toString();
    }

    @Test
    void everyJavaBlockCompilesAsAProgram() throws Exception {
        List<Path> sources = new ArrayList<>();
        StringBuilder where = new StringBuilder();
        for (Block block : javaBlocks(Files.readString(UserShell.checkout().resolve("README.md")))) {
            String name = "ReadmeLine" + block.line();
            sources.add(Files.writeString(Files.createDirectories(tmp.resolve("src")).resolve(name + ".java"),
                    program(name, block.text())));
            where.append(name).append(".java line N is README.md line ").append(block.line()).append(" + N\n");
        }
        assertFalse(sources.isEmpty(), "README.md has no java block");
        Javac.Result javac = Javac.compile(tmp.resolve("classes"), List.of("-proc:none", "-Xlint:none"), sources);
        assertEquals(0, javac.status(), () -> "a README block does not compile as a program:\n" + javac.output() + where);
    }
}
