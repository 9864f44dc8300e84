package io.github.nsfs4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The packages are layers (docs/design.md, "The map"): each may use only the packages below it
 * in {@link #MAY_USE}. Read from the compiled classes (every class a class file names in its
 * constant pool: field and method types, calls, casts, catches), so a fully qualified name, a
 * comment or an import that is never used cannot hide or fake a dependency.
 */
class LayeringTest {

    private static final String ROOT = "io.github.nsfs4j";

    /** Each package, and the packages it may use. Listed top down. */
    static final Map<String, Set<String>> MAY_USE = new LinkedHashMap<>();

    static {
        MAY_USE.put("cli", Set.of("", "kernel"));
        MAY_USE.put("", Set.of("kernel", "internal", "internal.enter"));
        MAY_USE.put("internal.enter", Set.of("kernel", "internal", "linux"));
        MAY_USE.put("internal", Set.of("kernel", "linux"));
        MAY_USE.put("kernel", Set.of("linux"));
        MAY_USE.put("linux", Set.of());
    }

    private static final Pattern REFERENCE = Pattern.compile("io/github/nsfs4j/((?:[a-z]+/)*)[A-Z][\\w$]*");

    @Test
    void everyPackageUsesOnlyTheLayersBelowIt() throws IOException {
        Map<String, Set<String>> used = uses();
        assertEquals(MAY_USE.keySet(), used.keySet(), "the packages of the library are the layers of the map");
        Map<String, Set<String>> forbidden = new TreeMap<>();
        for (Map.Entry<String, Set<String>> e : used.entrySet()) {
            for (String target : e.getValue()) {
                if (!MAY_USE.get(e.getKey()).contains(target)) {
                    forbidden.computeIfAbsent(e.getKey(), k -> new TreeSet<>()).add(target.isEmpty() ? "(api)" : target);
                }
            }
        }
        String offenders = forbidden.isEmpty() ? "" : offenders(forbidden);
        assertEquals(Map.of(), forbidden, () -> "class -> package it may not use: " + offenders);
    }

    /** The map itself has no cycle: each package may use only packages listed after it. */
    @Test
    void theMapIsOrderedTopDown() {
        List<String> order = new ArrayList<>(MAY_USE.keySet());
        for (int i = 0; i < order.size(); i++) {
            for (String below : MAY_USE.get(order.get(i))) {
                assertTrue(order.indexOf(below) > i, order.get(i) + " may use " + below + ", which is not below it");
            }
        }
    }

    /** Every class file of the library, by its package (relative to {@value #ROOT}, "" for the API). */
    private static Map<String, List<Path>> classes() throws IOException {
        Path root = classesDir();
        Map<String, List<Path>> byPackage = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".class"))::iterator) {
                String rel = root.relativize(f.getParent()).toString().replace('/', '.');
                if (f.getFileName().toString().equals("module-info.class")) {
                    continue;
                }
                String pkg = rel.equals(ROOT) ? "" : rel.substring(ROOT.length() + 1);
                byPackage.computeIfAbsent(pkg, k -> new ArrayList<>()).add(f);
            }
        }
        return byPackage;
    }

    private static Path classesDir() {
        try {
            return Path.of(Namespace.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (Exception e) {
            throw new AssertionError("cannot locate the library's classes", e);
        }
    }

    /** Package to the other packages of the library its classes name. */
    private static Map<String, Set<String>> uses() throws IOException {
        Map<String, Set<String>> used = new TreeMap<>();
        for (Map.Entry<String, List<Path>> e : classes().entrySet()) {
            Set<String> targets = used.computeIfAbsent(e.getKey(), k -> new TreeSet<>());
            for (Path f : e.getValue()) {
                for (String pkg : referencedPackages(f)) {
                    if (!pkg.equals(e.getKey())) {
                        targets.add(pkg);
                    }
                }
            }
        }
        return used;
    }

    private static String offenders(Map<String, Set<String>> forbidden) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, List<Path>> e : classes().entrySet()) {
            for (Path f : e.getValue()) {
                for (String pkg : referencedPackages(f)) {
                    if (forbidden.getOrDefault(e.getKey(), Set.of()).contains(pkg.isEmpty() ? "(api)" : pkg)) {
                        sb.append("\n  ").append(f.getFileName()).append(" -> ").append(pkg.isEmpty() ? "(api)" : pkg);
                    }
                }
            }
        }
        return sb.toString();
    }

    /** The library packages a class file names: in every UTF-8 constant (class names and descriptors). */
    static Set<String> referencedPackages(Path classFile) throws IOException {
        Set<String> packages = new TreeSet<>();
        for (String utf8 : utf8Constants(classFile)) {
            Matcher m = REFERENCE.matcher(utf8);
            while (m.find()) {
                String sub = m.group(1);
                packages.add(sub.isEmpty() ? "" : sub.substring(0, sub.length() - 1).replace('/', '.'));
            }
        }
        return packages;
    }

    /** The UTF-8 entries of a class file's constant pool (JVMS 4.4). */
    private static List<String> utf8Constants(Path classFile) throws IOException {
        List<String> strings = new ArrayList<>();
        try (InputStream in = Files.newInputStream(classFile); DataInputStream data = new DataInputStream(in)) {
            if (data.readInt() != 0xCAFEBABE) {
                throw new IOException("not a class file: " + classFile);
            }
            data.readUnsignedShort(); // minor
            data.readUnsignedShort(); // major
            int count = data.readUnsignedShort();
            for (int i = 1; i < count; i++) {
                int tag = data.readUnsignedByte();
                switch (tag) {
                    case 1 -> strings.add(data.readUTF());
                    case 3, 4 -> data.skipNBytes(4);
                    case 5, 6 -> {
                        data.skipNBytes(8);
                        i++; // a long or double takes two entries
                    }
                    case 7, 8, 16, 19, 20 -> data.skipNBytes(2);
                    case 9, 10, 11, 12, 17, 18 -> data.skipNBytes(4);
                    case 15 -> data.skipNBytes(3);
                    default -> throw new IOException("constant pool tag " + tag + " in " + classFile);
                }
            }
        }
        return strings;
    }
}
