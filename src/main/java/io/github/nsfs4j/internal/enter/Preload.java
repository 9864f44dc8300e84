package io.github.nsfs4j.internal.enter;

import io.github.nsfs4j.internal.Errnos;
import io.github.nsfs4j.internal.Failure;
import io.github.nsfs4j.internal.JvmNamespaces;
import io.github.nsfs4j.linux.Errno;
import io.github.nsfs4j.linux.LibC;
import io.github.nsfs4j.linux.PosixSpawn;

import java.net.InetAddress;
import java.nio.file.FileSystems;

/**
 * Loads, before any thread moves, what a thread may need once it is inside a mount namespace
 * where the JVM's files are not: nsfs4j's classes on that path, the errno texts, and the
 * JDK's file-system and network native libraries (the JDK loads them on first use, from
 * {@code java.home}). Starting processes needs more ({@link #forProcesses()}), which a set
 * that only runs tasks never links.
 */
public final class Preload {
    private Preload() {}

    private static volatile boolean tasks;
    private static volatile boolean processes;

    /** What every entered thread may need: links, classes, the JDK's libraries. */
    public static void forTasks() throws Failure {
        if (tasks) {
            return;
        }
        synchronized (Preload.class) {
            if (tasks) {
                return;
            }
            JvmNamespaces.load();
            JvmNamespaces.firstForeignLink();
            LibC.setns(-1, 0);
            LibC.unshare(0);
            Errnos.describe(Errno.EINVAL);
            Failure.errno("setns", "", Errno.EINVAL, "");
            for (Class<?> c : new Class<?>[] {Job.class, IllegalStateException.class}) {
                load(c);
            }
            FileSystems.getDefault();
            InetAddress.getLoopbackAddress();
            tasks = true;
        }
    }

    /** As {@link #forTasks()}, and what starting a process needs: posix_spawn, the process and its pipes. */
    public static void forProcesses() throws Failure {
        forTasks();
        if (processes) {
            return;
        }
        synchronized (Preload.class) {
            PosixSpawn.link();
            for (Class<?> c : new Class<?>[] {ProcessStart.class, SpawnStart.class, SpawnedProcess.class,
                    PipeStreams.class}) {
                load(c);
            }
            PipeStreams.load();
            processes = true;
        }
    }

    private static void load(Class<?> c) {
        try {
            Class.forName(c.getName(), true, c.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new AssertionError(e);
        }
    }
}
