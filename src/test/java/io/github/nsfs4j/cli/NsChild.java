package io.github.nsfs4j.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A process in fresh namespaces: {@code unshare FLAGS sh -c 'echo ready; exec sleep 100000'}.
 * With {@code --fork}, the namespaced process is unshare's child (for a new pid namespace,
 * its init), found in {@code /proc/P/task/P/children}. {@link #close()} kills both and waits
 * for them.
 */
final class NsChild implements AutoCloseable {
    private final Process unshare;
    private final long pid;

    private NsChild(Process unshare, long pid) {
        this.unshare = unshare;
        this.pid = pid;
    }

    /** Starts {@code prefix... unshare FLAGS sh -c ...}; {@code prefix} may be empty (e.g. setpriv). */
    static NsChild start(List<String> prefix, String... unshareFlags) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add("unshare");
        cmd.addAll(List.of(unshareFlags));
        cmd.addAll(List.of("sh", "-c", "echo ready; exec sleep 100000"));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        boolean ok = false;
        try {
            BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line = r.readLine();
            if (!"ready".equals(line)) {
                throw new IOException(String.join(" ", cmd) + " did not get ready (exit "
                        + (p.waitFor(5, TimeUnit.SECONDS) ? p.exitValue() : -1) + ")");
            }
            long target = p.pid();
            if (List.of(unshareFlags).contains("--fork")) {
                String children = Files.readString(Path.of("/proc/" + p.pid() + "/task/" + p.pid() + "/children")).trim();
                target = Long.parseLong(children.split("\\s+")[0]);
            }
            ok = true;
            return new NsChild(p, target);
        } finally {
            if (!ok) {
                p.destroyForcibly();
                p.waitFor();
            }
        }
    }

    static NsChild start(String... unshareFlags) throws IOException, InterruptedException {
        return start(List.of(), unshareFlags);
    }

    /** The host pid of the namespaced process (for a new pid namespace: its init). */
    long pid() {
        return pid;
    }

    @Override
    public void close() {
        try {
            stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            unshare.destroyForcibly();
        }
    }

    private void stop() throws InterruptedException {
        if (pid != unshare.pid()) {
            // Kill the inner process first: unshare then reaps it and exits by itself.
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            unshare.waitFor(10, TimeUnit.SECONDS);
        }
        unshare.destroyForcibly();
        unshare.waitFor();
    }
}
