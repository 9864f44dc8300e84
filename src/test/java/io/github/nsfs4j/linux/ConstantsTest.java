package io.github.nsfs4j.linux;



import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jnr.constants.Constant;
import org.junit.jupiter.api.Test;

/**
 * The open flags, fcntl commands and errno numbers written as numbers in {@link Constants}
 * and {@link Errnos} (so that a command's start-up never resolves jnr-constants' tables) are
 * the numbers of jnr-constants' own table of each architecture nsfs4j supports, and of the
 * running platform.
 */
class ConstantsTest {

    /**
     * jnr-constants' package of each architecture of {@link Arch}. Its {@code linux} package
     * is x86-64's; it has no riscv64 table, and riscv64 takes these constants from the
     * kernel's asm-generic headers, as aarch64 does, so it is checked against aarch64's.
     */
    private static final Map<Arch, String> JNR_PACKAGE = Map.of(
            Arch.X86_64, "jnr.constants.platform.linux",
            Arch.AARCH64, "jnr.constants.platform.linux.aarch64",
            Arch.RISCV64, "jnr.constants.platform.linux.aarch64",
            Arch.S390X, "jnr.constants.platform.linux.s390x",
            Arch.PPC64LE, "jnr.constants.platform.linux.powerpc64");

    @Test
    void everyArchitectureHasATable() {
        assertEquals(List.of(Arch.values()).size(), JNR_PACKAGE.size(), "an Arch without a jnr-constants table here");
    }

    @Test
    void openFlagsAndFcntlMatchJnrConstantsOnEveryArchitecture() throws ReflectiveOperationException {
        List<String> checked = new ArrayList<>();
        for (Field f : numbers(Constants.class)) {
            String table = f.getName().startsWith("O_") ? "OpenFlags" : f.getName().startsWith("F_") ? "Fcntl" : null;
            if (table == null || !inJnr("jnr.constants.platform." + table, f.getName())) {
                continue;
            }
            for (Map.Entry<Arch, String> arch : JNR_PACKAGE.entrySet()) {
                assertEquals(jnr(arch.getValue() + "." + table, f.getName()), f.getInt(null),
                        "Constants." + f.getName() + " on " + arch.getKey());
            }
            assertEquals(jnr("jnr.constants.platform." + table, f.getName()), f.getInt(null),
                    "Constants." + f.getName() + " on this platform");
            checked.add(f.getName());
        }
        // the ones the library opens namespace files and redirect files with
        assertTrue(checked.containsAll(List.of("O_RDONLY", "O_CLOEXEC", "O_NOCTTY", "O_NONBLOCK", "O_WRONLY", "O_CREAT",
                "O_TRUNC", "O_APPEND", "F_SETFD", "F_GETFL")), "checked only " + checked);
    }

    @Test
    void errnoNumbersMatchJnrConstantsOnEveryArchitecture() throws ReflectiveOperationException {
        List<Field> errnos = numbers(Errno.class);
        assertTrue(errnos.size() >= 15, "Errno has " + errnos.size() + " numbers");
        for (Field f : errnos) {
            for (Map.Entry<Arch, String> arch : JNR_PACKAGE.entrySet()) {
                assertEquals(jnr(arch.getValue() + ".Errno", f.getName()), f.getInt(null),
                        "Errno." + f.getName() + " on " + arch.getKey());
            }
            assertEquals(jnr("jnr.constants.platform.Errno", f.getName()), f.getInt(null),
                    "Errno." + f.getName() + " on this platform");
        }
    }

    /** The {@code static final int} fields of a class, named as C names them (upper case). */
    private static List<Field> numbers(Class<?> c) {
        List<Field> out = new ArrayList<>();
        for (Field f : c.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == int.class && f.getName().matches("[A-Z][A-Z0-9_]+")) {
                out.add(f);
            }
        }
        return out;
    }

    private static boolean inJnr(String enumClass, String name) throws ClassNotFoundException {
        for (Object c : Class.forName(enumClass).getEnumConstants()) {
            if (((Enum<?>) c).name().equals(name)) {
                return true;
            }
        }
        return false;
    }

    private static int jnr(String enumClass, String name) throws ClassNotFoundException {
        for (Object c : Class.forName(enumClass).getEnumConstants()) {
            if (((Enum<?>) c).name().equals(name)) {
                Constant constant = (Constant) c;
                assertTrue(constant.defined(), enumClass + "." + name + " is not defined");
                return constant.intValue();
            }
        }
        throw new AssertionError(enumClass + " has no " + name);
    }
}
