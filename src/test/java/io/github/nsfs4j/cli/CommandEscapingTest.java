package io.github.nsfs4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import io.github.nsfs4j.testing.Lsns;
import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Unshared;

/**
 * A command line with a tab, control characters, bytes that are not UTF-8, characters a
 * terminal cannot print, and a backslash before an x: {@code nsfs ls} and {@code nsfs tree}
 * show its COMMAND cell exactly as lsns does (the \xNN escapes of util-linux), on one line.
 * The process is made by sh's printf (octal escapes), so its argv holds the raw bytes.
 */
class CommandEscapingTest {

    /** printf arguments: each becomes one argv entry of the process. */
    private static final String[] ARGS = {
        "a\\tb", // tab
        "c\\001d\\177e", // C0 control, DEL
        "\\377\\376f", // not UTF-8
        "\\342\\200g", // a cut UTF-8 sequence
        "\\303\\251h", // é: printable
        "\\302\\205i", // U+0085, a C1 control
        "\\342\\200\\250j", // U+2028, a line separator
        "\\360\\237\\230\\200k", // an emoji: printable
        "back\\\\xslash", // \x: the backslash escaped
        "back\\\\yslash", // \y: left alone
        "nl\\nx", // a newline
    };

    @Test
    void commandCellsAreEscapedAsLsnsDoes() throws Exception {
        NamespaceFixture.requireNamespaces();
        // Java cannot pass bytes that are not UTF-8 in argv: a shell appends them (printf) to the
        // unshare command, so that they reach the processes in the new uts namespace.
        StringBuilder script = new StringBuilder("exec \"$@\" sh");
        for (String arg : ARGS) {
            script.append(" \"$(printf '").append(arg).append("')\"");
        }
        try (Unshared p = Unshared.builder().types("uts").prefix("sh", "-c", script.toString(), "sh")
                .script("echo ready; sleep 100000").start()) { // sh stays, with the bytes in its argv
            long uts = Proc.nsInode(p.leafPid(), "uts");
            byte[] cmdline = Files.readAllBytes(Path.of("/proc", String.valueOf(p.leafPid()), "cmdline"));
            assertTrue(new String(cmdline, StandardCharsets.ISO_8859_1).contains("\u00ff\u00fef"), "raw bytes in argv");

            String lsns = cell(Lsns.output("-t", "uts", "-u", "-o", "NS,TYPE,NPROCS,PID,USER,COMMAND"), uts);
            assertNotNull(lsns, "lsns lists the namespace");
            assertTrue(lsns.contains("a\\x09b") && lsns.contains("\\xff\\xfef"), lsns); // the cases are real
            for (String sub : new String[] {"ls", "tree"}) {
                CliRun run = CliRun.of(sub, "-u");
                assertEquals(0, run.status(), run::toString);
                assertEquals(lsns, cell(run.out(), uts), sub);
                System.out.println("nsfs " + sub + " COMMAND cell, as lsns's: " + lsns);
            }
            // JSON keeps the command as a string: the tab as \t, the newline as \n, ASCII only.
            CliRun json = CliRun.of("ls", "--json", "-t", "uts");
            assertTrue(json.out().contains("a\\tb c\\u0001d\\u007fe"), json::toString);
            assertTrue(json.out().contains("nl\\nx"), json::toString);
        }
    }

    /**
     * The COMMAND cell of the row of inode {@code ns} (the NS column may carry tree marks):
     * from the header's COMMAND column to the end of the line; null if no such row.
     */
    private static String cell(String table, long ns) throws IOException {
        String[] lines = table.split("\n", -1);
        int column = lines[0].indexOf("COMMAND");
        assertTrue(column > 0, table);
        String inode = Long.toUnsignedString(ns);
        String found = null;
        for (String line : lines) {
            String first = line.strip().split(" ")[0].replaceFirst("^[^0-9]+", ""); // without tree marks
            if (first.equals(inode)) {
                assertFalse(found != null, "two rows for " + inode + " in\n" + table);
                found = line.substring(column);
            }
        }
        return found;
    }
}
