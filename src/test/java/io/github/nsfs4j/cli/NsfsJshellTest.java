package io.github.nsfs4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.nsfs4j.Namespace;
import io.github.nsfs4j.PidNamespace;
import io.github.nsfs4j.testing.Commands;
import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Unshared;

/**
 * {@code bin/nsfs-jshell SCRIPT} as a user runs it: a copy of bin/ (the script and
 * bin/lib), the default {@code java} first on PATH and no JAVA_HOME, {@code NSFS_JAR}
 * pointing at a jar assembled from this build (see {@link TestJar}; BinScriptTest runs it
 * on a jar Maven built). The script opens the caller's pid namespace and prints its type,
 * inode, id, parent and init pid; each is checked against the kernel (readlink,
 * /proc/self/status) and the library in this JVM. With root and unshare, also a child pid
 * namespace's init pid and parent.
 */
class NsfsJshellTest {

    private static final int SELF = (int) ProcessHandle.current().pid();

    @TempDir
    Path tmp;

    private static final String SCRIPT = """
            var ns = PidNamespace.current();
            System.out.println("TYPE " + ns.type());
            System.out.println("INODE " + ns.inode());
            System.out.println("ID " + ns.id().stream().mapToObj(Long::toUnsignedString).findFirst().orElse("none"));
            System.out.println("PARENT " + ns.parent().map(p -> String.valueOf(p.inode())).orElse("none"));
            System.out.println("INIT " + ns.initPid().stream().mapToObj(String::valueOf).findFirst().orElse("none"));
            System.out.println("STRING " + ns);
            List<String> defaultImports = new ArrayList<>(List.of(Path.of("/proc").toString()));
            System.out.println("IMPORTS " + defaultImports);
            String child = System.getenv("NSFS_TEST_CHILD");
            if (child != null) {
                try (PidNamespace c = PidNamespace.ofProcess(Integer.parseInt(child))) {
                    System.out.println("CHILD_INIT " + c.initPid().orElse(-1));
                    System.out.println("CHILD_PARENT " + c.parent().map(p -> p.inode()).orElse(-1L));
                }
            }
            ns.close();
            /exit
            """;

    /** Runs {@code bin/nsfs-jshell script.jsh} on a copy of bin/ with the given jar; checks the answers. */
    static void checkScriptRun(Path tmp, Path binDir, Map<String, String> env) throws Exception {
        Path script = tmp.resolve("pidns.jsh");
        Files.writeString(script, SCRIPT);
        Unshared child = null;
        Map<String, String> fullEnv = new HashMap<>(env);
        if (Proc.euid() == 0 && Commands.which("unshare") != null) {
            child = Unshared.start("pid");
            fullEnv.put("NSFS_TEST_CHILD", String.valueOf(child.leafPid()));
        }
        UserShell.Result r;
        try {
            r = UserShell.run(tmp, tmp, fullEnv, 300, binDir.resolve("nsfs-jshell").toString(), script.toString());
        } finally {
            if (child != null) {
                child.close();
            }
        }
        UserShell.Result result = r;
        assertEquals(0, result.status(), result::toString);
        assertFalse(result.err().contains("WARNING"), result::toString);
        assertFalse(result.out().contains("Try:"), () -> "no tour when a script runs: " + result);
        Map<String, String> v = result.values();
        long inode = Proc.nsInode(SELF, "pid");
        assertEquals("pid", v.get("TYPE"), result::toString);
        assertEquals(String.valueOf(inode), v.get("INODE"), result::toString);
        try (PidNamespace own = PidNamespace.ofProcess(SELF)) {
            String id = own.id().isPresent() ? Long.toUnsignedString(own.id().getAsLong()) : "none";
            assertEquals(id, v.get("ID"), result::toString);
            assertEquals(own.parent().map(p -> {
                try (Namespace closing = p) {
                    return String.valueOf(closing.inode());
                }
            }).orElse("none"), v.get("PARENT"), result::toString);
            assertEquals("pid:[" + inode + "]" + (id.equals("none") ? "" : " id=" + id), v.get("STRING"), result::toString);
        }
        // The kernel's truth for the init pid: in the initial pid namespace (one NSpid column), 1.
        if (Proc.nsPid(ProcessHandle.current().pid()).size() == 1) {
            assertEquals("1", v.get("INIT"), result::toString);
        }
        assertEquals("[/proc]", v.get("IMPORTS"), result::toString);
        if (fullEnv.containsKey("NSFS_TEST_CHILD")) {
            assertEquals(fullEnv.get("NSFS_TEST_CHILD"), v.get("CHILD_INIT"), result::toString);
            assertEquals(String.valueOf(inode), v.get("CHILD_PARENT"), result::toString);
        }
    }

    @Test
    void aScriptSeesTheKernelsAnswers() throws Exception {
        Path bin = tmp.resolve("checkout/bin");
        UserShell.copyTree(UserShell.checkout().resolve("bin"), bin);
        assertTrue(Files.isExecutable(bin.resolve("nsfs-jshell")), "bin/nsfs-jshell must be executable");
        Path jar = TestJar.build(tmp.resolve("jar"));
        checkScriptRun(tmp, bin, Map.of("NSFS_JAR", jar.toString()));
    }

    @Test
    void anInteractiveSessionShowsTheTourAndHasTheApi() throws Exception {
        Path bin = tmp.resolve("checkout/bin");
        UserShell.copyTree(UserShell.checkout().resolve("bin"), bin);
        Path jar = TestJar.build(tmp.resolve("jar"));
        Path input = tmp.resolve("input.txt");
        Files.writeString(input, "NamespaceType.fromName(\"net\").cloneFlag()\n/exit\n");
        ProcessBuilder pb = new ProcessBuilder(bin.resolve("nsfs-jshell").toString()).directory(tmp.toFile())
                .redirectInput(input.toFile()).redirectErrorStream(true);
        pb.environment().remove("JAVA_HOME");
        pb.environment().put("NSFS_JAR", jar.toString());
        pb.environment().remove("NSFS_JSHELL_QUIET");
        Process p = pb.start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(300, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), out);
            assertTrue(out.contains("nsfs4j in jshell") && out.contains("PidNamespace.current()"), out);
            assertTrue(out.contains("==> 1073741824"), out); // CLONE_NEWNET
            assertFalse(out.contains("WARNING"), out);
        } finally {
            p.destroyForcibly();
            p.waitFor();
        }
    }
}
