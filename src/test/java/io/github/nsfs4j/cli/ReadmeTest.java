package io.github.nsfs4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's Java blocks run as a new user pastes them: each block, as it stands in
 * README.md, through {@code bin/nsfs-jshell} (a copy of bin/, the default java on PATH, a jar
 * of this build), to its end with no compile error and no exception.
 */
class ReadmeTest {

    @TempDir
    Path tmp;

    /** The first ```java block after the line that starts with {@code heading}. */
    static String javaBlock(String readme, String heading) {
        int at = readme.indexOf("\n" + heading);
        assertTrue(at >= 0, "README.md has no '" + heading + "'");
        int start = readme.indexOf("```java\n", at);
        int end = readme.indexOf("\n```\n", start);
        assertTrue(start > 0 && end > start, "no java block after '" + heading + "'");
        return readme.substring(start + "```java\n".length(), end + 1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"A session to paste", "## API tour", "Acting inside another process"})
    void aJavaBlockRunsInJshell(String heading) throws Exception {
        String block = javaBlock(Files.readString(UserShell.checkout().resolve("README.md")), heading);
        Path script = tmp.resolve("block.jsh");
        Files.writeString(script, block + "System.out.println(\"README BLOCK DONE\");\n/exit\n");
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
}
