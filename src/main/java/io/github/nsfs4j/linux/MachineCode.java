package io.github.nsfs4j.linux;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Machine code as an assembler of one architecture emits it: the bytes, the labels, the
 * branches still to be resolved, and a listing that says, for every instruction, what it was
 * meant to be, written as {@code objdump} prints it. The listing is what the encoding is tested
 * against: a test disassembles the bytes and compares instruction by instruction
 * ({@code LauncherCodeTest}). Used by {@link X86_64Assembler} and {@link Aarch64Assembler}.
 */
final class MachineCode {
    /** One instruction: where it starts, how long it is, and its text as objdump prints it. */
    record Line(int offset, int length, String text) {}

    /** Writes a branch's displacement into its instruction once the target is known. */
    interface Patch {
        void apply(byte[] code, int instruction, int target);
    }

    private record Branch(int line, String label, Patch patch) {}

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final List<Line> lines = new ArrayList<>();
    private final Map<String, Integer> labels = new HashMap<>();
    private final List<Branch> branches = new ArrayList<>();
    private final boolean littleEndianWords;

    /** @param littleEndianWords whether {@link #word} writes 32-bit little-endian words (every architecture here) */
    MachineCode(boolean littleEndianWords) {
        this.littleEndianWords = littleEndianWords;
    }

    /** The offset the next instruction gets. */
    int here() {
        return bytes.size();
    }

    /** Places a label at the next instruction. */
    void label(String name) {
        if (labels.putIfAbsent(name, here()) != null) {
            throw new IllegalStateException("label " + name + " placed twice");
        }
    }

    /** An instruction of these bytes; its text as objdump prints it. */
    void emit(String text, int... b) {
        int start = here();
        for (int x : b) {
            bytes.write(x);
        }
        lines.add(new Line(start, here() - start, text));
    }

    /** A 32-bit instruction word (the fixed-width architectures). */
    void word(String text, int w) {
        if (littleEndianWords) {
            emit(text, w & 0xff, (w >>> 8) & 0xff, (w >>> 16) & 0xff, w >>> 24);
        } else {
            emit(text, w >>> 24, (w >>> 16) & 0xff, (w >>> 8) & 0xff, w & 0xff);
        }
    }

    /**
     * A branch to a label (placed before or after): the instruction as emitted by {@code emit}
     * or {@code word} just before this call, its text with {@code %s} where the target goes.
     */
    void branchTo(String label, Patch patch) {
        branches.add(new Branch(lines.size() - 1, label, patch));
    }

    /** The finished code: every branch resolved, or an exception naming a label never placed. */
    Assembled finish() {
        byte[] code = bytes.toByteArray();
        List<Line> listing = new ArrayList<>(lines);
        for (Branch b : branches) {
            Integer target = labels.get(b.label());
            if (target == null) {
                throw new IllegalStateException("branch to label " + b.label() + ", never placed");
            }
            Line line = listing.get(b.line());
            b.patch().apply(code, line.offset(), target);
            listing.set(b.line(), new Line(line.offset(), line.length(), String.format(line.text(),
                    "0x" + Integer.toHexString(target))));
        }
        return new Assembled(code, List.copyOf(listing));
    }

    /** Assembled code and its listing (offsets from the first byte of the code). */
    record Assembled(byte[] code, List<Line> listing) {}
}
