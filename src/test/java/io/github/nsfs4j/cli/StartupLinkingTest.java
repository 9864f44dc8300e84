package io.github.nsfs4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Unshared;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a command links before its answer, counted by the JVM itself ({@code -Xlog:class+load}
 * names every {@code DowncallStub} class the linker spins): each distinct downcall shape costs
 * milliseconds of a command's start-up (docs/performance.md), so the system calls share one
 * shape through syscall(2). A command that grows a shape fails here, not only in a benchmark.
 */
class StartupLinkingTest {

    /** Runs the jar in a fresh JVM with class-load logging; returns its stdout (log lines and answer). */
    private static String run(Path jar, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Xlog:class+load=info:stdout", "-cp",
                jar.toString(), "io.github.nsfs4j.cli.Main"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the command did not end");
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    private static long stubs(String log) {
        return log.lines().filter(l -> l.contains("jdk.internal.foreign.abi.DowncallStub")).count();
    }

    @Test
    void infoAndLsLinkOneDowncallShape(@TempDir Path dir) throws Exception {
        Path jar = TestJar.build(dir);
        try (Unshared child = Unshared.start("net", "uts")) {
            long inode = Proc.nsInode(child.leafPid(), "net");
            String info = run(jar, "info", "net:" + child.leafPid());
            assertTrue(info.contains(Long.toString(inode)), info);
            assertEquals(1, stubs(info), "info: open, ioctl, fstatfs, statx and close all through syscall(2)");

            String ls = run(jar, "ls", "-t", "uts");
            assertTrue(ls.contains(Long.toString(Proc.nsInode(child.leafPid(), "uts"))), ls);
            // The USER column: names learnt through the JDK's owner lookup of /proc/PID; getpwuid_r
            // only for a namespace no process is in whose owner's uid runs no process either.
            assertEquals(1, stubs(ls), "ls: syscall(2) alone");
        }
    }
}
