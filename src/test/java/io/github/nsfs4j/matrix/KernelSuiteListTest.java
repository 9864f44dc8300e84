package io.github.nsfs4j.matrix;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * kernels/suite, the list of test classes that kernels/run runs in every guest, names only
 * classes that exist, and names every test class of this package: a renamed or new class
 * cannot silently drop out of the kernel matrix.
 */
class KernelSuiteListTest {

    @Test
    void suiteNamesExactlyTheKernelClassesAndOnlyExistingOnes() throws IOException {
        List<String> listed = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("kernels/suite"))) {
            String name = line.replaceAll("#.*", "").strip();
            if (!name.isEmpty()) {
                listed.add(name);
            }
        }
        List<String> missing = new ArrayList<>();
        for (String name : listed) {
            try {
                Class.forName(name, false, getClass().getClassLoader());
            } catch (ClassNotFoundException e) {
                missing.add(name);
            }
        }
        assertEquals(List.of(), missing, "kernels/suite names classes that do not exist");
        Path dir = Path.of("src/test/java/io/github/nsfs4j/matrix");
        List<String> unlisted = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String file = f.getFileName().toString();
                String name = "io.github.nsfs4j.matrix." + file.replace(".java", "");
                if (file.startsWith("Kernel") && file.endsWith("Test.java") && !file.equals("KernelSuiteListTest.java")
                        && !listed.contains(name)) {
                    unlisted.add(name);
                }
            }
        }
        assertEquals(List.of(), unlisted, "kernel test classes missing from kernels/suite");
    }
}
