package io.github.nsfs4j.cli;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

/**
 * Extra namespaces for the {@code ls} and {@code tree} tests, made with unshare(1):
 * <ul>
 * <li>{@link #multi}: one process in fresh net, uts, ipc, mnt, cgroup and time namespaces;
 * <li>{@link #nested}: three levels of user and pid namespaces,
 *     {@code unshare --user --map-root-user --pid --fork} three times over: processes
 *     A (unshare, user U1), B (user U2, init of pid P1), C (user U3, init of P2) and
 *     D (user U3, init of P3, the sleep);
 * <li>{@link #fdHeld}: a net namespace no process is in, held only by fd 3 of {@link #holder}
 *     (a process outside it that opened {@code /proc/P/ns/net} before P was killed);
 * <li>{@link #mountHeld}: a net namespace kept only by a bind mount, {@code unshare --net=FILE true}.
 * </ul>
 * {@link #close()} kills and reaps every process and unmounts the bind mount, also after a
 * partial start.
 */
@SuppressWarnings("try") // close() may be interrupted while it reaps: that is reported, not hidden
final class NamespaceFixture implements AutoCloseable {

    /** With this environment variable set to 1, a machine that cannot make namespaces fails the tests. */
    static final String REQUIRE_ENV = "NSFS4J_REQUIRE_NAMESPACES";

    NsChild multi;
    /** The nested chain's outer unshare process (A). */
    private Process nestedOuter;
    /** Host pids of A, B, C, D. */
    long[] nested;
    private Process holder;
    long holderPid;
    long fdHeld;
    Path mountFile;
    private boolean mounted;
    long mountHeld;

    /** Skips the test (or fails it with {@value #REQUIRE_ENV}=1) unless root with unshare and lsns. */
    static void requireNamespaces() throws IOException {
        String why = null;
        if (!isRoot()) {
            why = "not root";
        } else if (!onPath("unshare")) {
            why = "no unshare(1) on the PATH";
        } else if (!onPath("lsns")) {
            why = "no lsns(8) on the PATH";
        }
        if (why == null) {
            return;
        }
        if ("1".equals(System.getenv(REQUIRE_ENV))) {
            fail("cannot make the test's namespaces (" + why + ") but " + REQUIRE_ENV + "=1");
        }
        Assumptions.abort("cannot make the test's namespaces: " + why);
    }

    static boolean isRoot() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("Uid:")) {
                return line.substring(4).trim().split("\\s+")[1].equals("0");
            }
        }
        return false;
    }

    static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    /** Makes every namespace; on any failure, undoes what was made and rethrows. */
    static NamespaceFixture start(Path tmp) throws Exception {
        NamespaceFixture f = new NamespaceFixture();
        boolean ok = false;
        try {
            f.multi = NsChild.start("--fork", "--net", "--uts", "--ipc", "--mount", "--cgroup", "--time");
            f.startNested();
            f.startFdHeld();
            f.startMountHeld(tmp);
            ok = true;
            return f;
        } finally {
            if (!ok) {
                f.close();
            }
        }
    }

    private void startNested() throws Exception {
        List<String> cmd = new ArrayList<>();
        for (int level = 0; level < 3; level++) {
            cmd.addAll(List.of("unshare", "--user", "--map-root-user", "--pid", "--fork"));
        }
        cmd.addAll(List.of("sh", "-c", "echo ready; exec sleep 100000"));
        nestedOuter = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        awaitReady(nestedOuter, cmd);
        nested = new long[4];
        nested[0] = nestedOuter.pid();
        for (int i = 1; i < 4; i++) {
            nested[i] = onlyChild(nested[i - 1]);
        }
    }

    private void startFdHeld() throws Exception {
        try (NsChild inNet = NsChild.start("--net")) {
            fdHeld = Truth.inode(inNet.pid(), "net");
            List<String> cmd = List.of("sh", "-c", "exec 3</proc/" + inNet.pid() + "/ns/net; echo ready; exec sleep 100000");
            holder = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            holderPid = holder.pid();
            awaitReady(holder, cmd);
        } // the only process in the namespace is killed and reaped here: fd 3 keeps it
        String link = Files.readSymbolicLink(Path.of("/proc/" + holderPid + "/fd/3")).toString();
        if (!link.equals("net:[" + fdHeld + "]")) {
            throw new IOException("holder's fd 3 is " + link + ", expected net:[" + fdHeld + "]");
        }
    }

    private void startMountHeld(Path tmp) throws Exception {
        mountFile = Files.createTempFile(tmp, "netns", "");
        run("unshare", "--net=" + mountFile, "true");
        mounted = true;
        mountHeld = (Long) Files.getAttribute(mountFile, "unix:ino");
    }

    private static void awaitReady(Process p, List<String> cmd) throws IOException, InterruptedException {
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = r.readLine();
        if (!"ready".equals(line)) {
            throw new IOException(String.join(" ", cmd) + " did not get ready (exit "
                    + (p.waitFor(5, TimeUnit.SECONDS) ? p.exitValue() : -1) + ")");
        }
    }

    /** The one child of a process (its {@code /proc/P/task/P/children}). */
    private static long onlyChild(long pid) throws IOException, InterruptedException {
        for (int attempt = 0; attempt < 100; attempt++) {
            String children = Files.readString(Path.of("/proc/" + pid + "/task/" + pid + "/children")).trim();
            if (!children.isEmpty()) {
                return Long.parseLong(children.split("\\s+")[0]);
            }
            Thread.sleep(20);
        }
        throw new IOException("process " + pid + " has no child");
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            p.waitFor();
            throw new IOException(String.join(" ", command) + " failed: " + out.strip());
        }
    }

    /** Kills and reaps every process, unmounts and deletes the bind-mount file; keeps going on errors. */
    @Override
    public void close() throws Exception {
        Exception first = null;
        if (multi != null) {
            multi.close();
        }
        if (nestedOuter != null) {
            // SIGKILL to B, the init of P1, kills every process of P1 (C and D); then A.
            if (nested != null && nested[1] > 0) {
                ProcessHandle.of(nested[1]).ifPresent(ProcessHandle::destroyForcibly);
            }
            nestedOuter.destroyForcibly();
            nestedOuter.waitFor();
        }
        if (holder != null) {
            holder.destroyForcibly();
            holder.waitFor();
        }
        if (mountFile != null) {
            try {
                if (mounted) {
                    run("umount", mountFile.toString());
                }
            } catch (IOException e) {
                first = e;
            }
            Files.deleteIfExists(mountFile);
        }
        if (first != null) {
            throw first;
        }
    }
}
