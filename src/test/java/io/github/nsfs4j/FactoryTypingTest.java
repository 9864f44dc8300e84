package io.github.nsfs4j;

import io.github.nsfs4j.kernel.NamespaceType;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A factory on a type returns only that type (issue 9, item 13): the general factories are
 * static methods of the {@link Namespace} interface, which the handle classes do not inherit,
 * so {@code PidNamespace.current(NamespaceType.NET)} is a compile error. Checked by compiling
 * snippets against the library with javac, as a user's code would be.
 */
class FactoryTypingTest {

    private static final List<String> TYPED = List.of("PidNamespace", "UserNamespace", "MountNamespace");

    /** The general factory calls, written on a typed class: none may compile. */
    private static final List<String> GENERAL_CALLS = List.of(
            "current(NamespaceType.NET)",
            "ofProcess(1, NamespaceType.NET)",
            "ofProcess(ProcessHandle.current(), NamespaceType.NET)",
            "open(java.nio.file.Path.of(\"/proc/self/ns/net\"), NamespaceType.NET)",
            "adopt(3)",
            "duplicate(3)");

    @Test
    void aGeneralFactoryCannotBeCalledOnATypedClass(@TempDir Path dir) throws Exception {
        List<String> bodies = new ArrayList<>();
        for (String typed : TYPED) {
            for (String call : GENERAL_CALLS) {
                bodies.add("Object f() throws Exception { return " + typed + "." + call + "; }");
            }
        }
        Map<Integer, List<String>> errors = compile(dir, bodies);
        for (int i = 0; i < bodies.size(); i++) {
            String snippet = bodies.get(i);
            List<String> mine = errors.getOrDefault(i, List.of());
            assertFalse(mine.isEmpty(), snippet + " compiles, but must not");
            String call = GENERAL_CALLS.get(i % GENERAL_CALLS.size());
            String method = call.substring(0, call.indexOf('('));
            assertTrue(mine.stream().anyMatch(m -> m.contains(method)), snippet + ": the error is not about "
                    + method + ": " + mine);
        }
    }

    /** The same snippets compile where they belong, so the test above fails only for the right reason. */
    @Test
    void theRightCallsCompile(@TempDir Path dir) throws Exception {
        List<String> lines = new ArrayList<>();
        for (String call : GENERAL_CALLS.subList(0, 3)) {
            lines.add("Namespace a" + lines.size() + " = Namespace." + call + ";");
        }
        lines.add("Namespace b0 = Namespace.open(java.nio.file.Path.of(\"/proc/self/ns/net\"));");
        lines.add("Namespace b1 = Namespace.adopt(3);");
        lines.add("Namespace b2 = Namespace.duplicate(3);");
        for (String typed : TYPED) {
            String var = typed.toLowerCase(Locale.ROOT);
            lines.add(typed + " " + var + "0 = " + typed + ".current();");
            lines.add(typed + " " + var + "1 = " + typed + ".ofProcess(1);");
            lines.add(typed + " " + var + "2 = " + typed + ".open(java.nio.file.Path.of(\"/proc/self/ns/pid\"));");
        }
        // pattern matching over the handle classes, with the five plain types under default
        lines.add("""
                Object x = switch (b0) {
                    case PidNamespace p -> p.initPid();
                    case UserNamespace u -> u.ownerUid();
                    case MountNamespace m -> m.info();
                    default -> b0.type();
                };""");
        Map<Integer, List<String>> errors = compile(dir, List.of(
                "void f() throws Exception {\n" + String.join("\n", lines) + "\n}"));
        assertEquals(Map.of(), errors);
    }

    /** The same rule by reflection: what javac resolves above is what the classes declare. */
    @Test
    void typedClassesDeclareOnlyFactoriesOfTheirOwnType() throws Exception {
        for (Class<?> c : List.of(PidNamespace.class, UserNamespace.class, MountNamespace.class)) {
            assertTrue(Modifier.isFinal(c.getModifiers()), c + " is final");
            for (Method m : c.getMethods()) {
                if (!Modifier.isStatic(m.getModifiers())) {
                    continue;
                }
                assertSame(c, m.getReturnType(), m + ": a static method of " + c.getSimpleName()
                        + " returns that class");
                assertFalse(Arrays.asList(m.getParameterTypes()).contains(NamespaceType.class),
                        m + " takes a NamespaceType");
            }
            assertNotNull(c.getMethod("current"));
        }
        assertTrue(Namespace.class.isInterface() && Namespace.class.isSealed());
        assertFalse(Modifier.isPublic(NamespaceHandle.class.getModifiers()), "the base class is not API");
        assertFalse(Modifier.isPublic(PlainNamespace.class.getModifiers()), "the plain class is not API");
    }

    /**
     * Compiles each body as the members of a class {@code user.SnippetN} (user code outside
     * io.github.nsfs4j), all in one javac run against the library ({@link Javac}); returns the
     * error lines by N.
     */
    private static Map<Integer, List<String>> compile(Path dir, List<String> bodies) throws Exception {
        Path src = Files.createDirectories(dir.resolve("src/user"));
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < bodies.size(); i++) {
            Path file = src.resolve("Snippet" + i + ".java");
            Files.writeString(file, "package user;\nimport io.github.nsfs4j.*;\nimport io.github.nsfs4j.kernel.*;\nclass Snippet" + i + " {\n"
                    + bodies.get(i) + "\n}\n");
            files.add(file);
        }
        Javac.Result javac = Javac.compile(dir.resolve("classes"),
                List.of("-proc:none", "-implicit:none", "-Xmaxerrs", "10000"), files);
        Map<Integer, List<String>> errors = new TreeMap<>();
        // the message, and for "cannot find symbol" the symbol javac names on a line of its own
        Matcher m = Pattern.compile("Snippet(\\d+)\\.java:\\d+: error: (.*)(?:\\R.*\\R.*\\R\\s*symbol:\\s*(.*))?")
                .matcher(javac.output());
        while (m.find()) {
            errors.computeIfAbsent(Integer.parseInt(m.group(1)), k -> new ArrayList<>())
                    .add(m.group(3) == null ? m.group(2) : m.group(2) + ": " + m.group(3));
        }
        assertEquals(javac.status() != 0, !errors.isEmpty(),
                "javac's exit status and its errors agree: " + javac.output());
        return errors;
    }
}
