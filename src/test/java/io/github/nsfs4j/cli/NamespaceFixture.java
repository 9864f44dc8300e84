package io.github.nsfs4j.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.github.nsfs4j.testing.Commands;
import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Unshared;

/**
 * Extra namespaces for the {@code ls} and {@code tree} tests, made with {@link Unshared}:
 * <ul>
 * <li>{@link #multi}: a process in fresh net, uts, ipc, mnt, cgroup and time namespaces;
 * <li>{@link #nested}: three levels of user and pid namespaces nested directly,
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
final class NamespaceFixture implements AutoCloseable {

    Unshared multi;
    private Unshared nestedTree;
    /** Host pids of A, B, C, D. */
    long[] nested;
    private Process holder;
    long holderPid;
    long fdHeld;
    Path mountFile;
    private boolean mounted;
    long mountHeld;

    /** Skips the test (or fails it, as {@link Unshared} does) unless namespaces can be made and lsns runs. */
    static void requireNamespaces() {
        Unshared.requireNamespaces();
        Unshared.requireCommand("lsns");
    }

    /** Makes every namespace; on any failure, undoes what was made and rethrows. */
    static NamespaceFixture start(Path tmp) throws Exception {
        NamespaceFixture f = new NamespaceFixture();
        boolean ok = false;
        try {
            f.multi = Unshared.start("net", "uts", "ipc", "mnt", "cgroup", "time");
            f.nestedTree = Unshared.builder().types("user", "pid").mapRootUser(true).levels(3).nestDirectly().start();
            f.nested = f.nestedTree.pids().stream().mapToLong(Long::longValue).toArray();
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

    private void startFdHeld() throws Exception {
        try (Unshared inNet = Unshared.start("net")) {
            fdHeld = Proc.nsInode(inNet.leafPid(), "net");
            List<String> cmd = List.of("sh", "-c",
                    "exec 3</proc/" + inNet.leafPid() + "/ns/net; echo ready; exec sleep 100000");
            holder = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            holderPid = holder.pid();
            String line = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8))
                    .readLine();
            if (!"ready".equals(line)) {
                throw new IOException(String.join(" ", cmd) + " did not get ready (exit "
                        + (holder.waitFor(5, TimeUnit.SECONDS) ? holder.exitValue() : -1) + ")");
            }
        } // the processes in the namespace are killed and reaped here: fd 3 keeps it
        String link = Proc.readLink(Path.of("/proc/" + holderPid + "/fd/3"));
        if (!link.equals("net:[" + fdHeld + "]")) {
            throw new IOException("holder's fd 3 is " + link + ", expected net:[" + fdHeld + "]");
        }
    }

    private void startMountHeld(Path tmp) throws Exception {
        mountFile = Files.createTempFile(tmp, "netns", "");
        Unshared.bindMount("net", mountFile);
        mounted = true;
        mountHeld = Proc.statIno(mountFile);
    }

    /** Kills and reaps every process, unmounts and deletes the bind-mount file; keeps going on errors. */
    @Override
    public void close() throws Exception {
        Exception first = null;
        for (Unshared tree : new Unshared[] {multi, nestedTree}) {
            try {
                if (tree != null) {
                    tree.close();
                }
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        if (holder != null) {
            holder.destroyForcibly();
            holder.waitFor();
        }
        if (mountFile != null) {
            if (mounted) {
                Commands.Result r = Commands.run(List.of("umount", mountFile.toString()));
                if (r.exitCode() != 0 && first == null) {
                    first = new IOException("umount failed: " + r);
                }
            }
            Files.deleteIfExists(mountFile);
        }
        if (first != null) {
            throw first;
        }
    }
}
