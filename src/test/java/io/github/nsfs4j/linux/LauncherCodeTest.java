package io.github.nsfs4j.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.nsfs4j.testing.Commands;
import io.github.nsfs4j.testing.Tools;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The launcher's machine code, as a disassembler reads it: for every instruction the bytes
 * nsfs4j emits decode, at the same offset and with the same length, to the instruction its
 * listing says it meant (objdump of Debian's binutils-multiarch, installed when missing). An
 * encoding mistake shows as another instruction, other operands, or a shifted offset.
 */
class LauncherCodeTest {
    /** {@code   1c:\t48 89 e3 \tmov    rbx,rsp}: offset, bytes, text. */
    private static final Pattern LINE = Pattern.compile("^\\s*([0-9a-f]+):\\t([0-9a-f ]+?)\\s*\\t(.*)$");

    @ParameterizedTest
    @EnumSource(value = Arch.class, names = {"X86_64", "AARCH64"})
    void everyInstructionDisassemblesToWhatItsListingSays(Arch arch, @TempDir Path dir) throws Exception {
        MachineCode.Assembled code = Launcher.code(arch);
        Path bin = Files.write(dir.resolve(arch.name() + ".bin"), code.code());
        List<String> command = new ArrayList<>(List.of(Tools.objdump(), "-D", "-b", "binary", "--insn-width=16"));
        command.addAll(arch == Arch.X86_64 ? List.of("-m", "i386:x86-64", "-M", "intel") : List.of("-m", "aarch64"));
        command.add(bin.toString());
        Commands.Result r = Commands.run(command);
        assertEquals(0, r.exitCode(), r.toString());
        List<String> seen = new ArrayList<>();
        for (String line : r.stdout().split("\n")) {
            Matcher m = LINE.matcher(line);
            if (m.matches()) {
                // x86-64: one hex pair per byte; aarch64: one 8-digit word per instruction
                int length = arch == Arch.X86_64 ? m.group(2).split(" ").length : m.group(2).length() / 2;
                String text = m.group(3).replaceAll("\\s*//.*$", "").trim().replaceAll("\\s+", " ");
                seen.add(m.group(1) + " " + length + " " + text);
            }
        }
        List<String> meant = new ArrayList<>();
        for (MachineCode.Line l : code.listing()) {
            meant.add(Integer.toHexString(l.offset()) + " " + l.length() + " " + l.text().replaceAll("\\s+", " "));
        }
        assertTrue(meant.size() > 100, "the listing has every instruction");
        for (int i = 0; i < Math.min(meant.size(), seen.size()); i++) {
            assertEquals(meant.get(i), seen.get(i), arch + ": instruction " + i + " (the line is offset, length, text)");
        }
        assertEquals(meant.size(), seen.size(), arch + ": as many instructions as the listing");
    }

    @ParameterizedTest
    @EnumSource(value = Arch.class, names = {"X86_64", "AARCH64"})
    void theElfHeaderIsWhatReadelfExpects(Arch arch, @TempDir Path dir) throws Exception {
        Path elf = Files.write(dir.resolve("launcher"), Launcher.elf(arch));
        Commands.Result r = Commands.run(List.of(Tools.objdump(), "-f", "-p", elf.toString()));
        assertEquals(0, r.exitCode(), r.toString());
        String out = r.stdout();
        assertTrue(out.contains(arch == Arch.X86_64 ? "elf64-x86-64" : "elf64-littleaarch64"), out);
        assertTrue(out.contains("EXEC_P"), "a static executable: " + out);
        assertTrue(out.contains("start address 0x" + String.format("%016x", Launcher.BASE + Launcher.CODE_OFFSET)),
                out);
        assertTrue(out.contains("flags r-x"), "one read-and-execute segment: " + out);
        assertTrue(out.contains("STACK") && out.contains("flags rw-"), "a stack that is not executable: " + out);
    }

    /** Where nothing is generated, asking for the program says so (the library refuses such starts up front). */
    @ParameterizedTest
    @EnumSource(value = Arch.class, names = {"RISCV64", "S390X", "PPC64LE"})
    void otherArchitecturesHaveNoLauncher(Arch arch) {
        org.junit.jupiter.api.Assertions.assertFalse(Launcher.generatedFor(arch));
        UnsupportedOperationException e = org.junit.jupiter.api.Assertions.assertThrows(
                UnsupportedOperationException.class, () -> Launcher.elf(arch));
        assertTrue(e.getMessage().contains("x86-64 and aarch64") && e.getMessage().contains(arch.toString()),
                e.getMessage());
    }
}
