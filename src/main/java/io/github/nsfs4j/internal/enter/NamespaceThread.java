package io.github.nsfs4j.internal.enter;

import io.github.nsfs4j.internal.Failure;
import io.github.nsfs4j.internal.JvmNamespaces;
import io.github.nsfs4j.internal.NsFile;
import io.github.nsfs4j.linux.Constants;
import io.github.nsfs4j.linux.LibC;
import io.github.nsfs4j.kernel.NamespaceType;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A platform thread of nsfs4j that enters namespaces with setns(2), one fd per type, in the
 * kernel's order; a mount namespace after unsharing the thread's root and working directory
 * (setns refuses a thread that shares them). {@link PoolThread} serves one-shot jobs and goes
 * back after each; {@link ExecutorThread} enters once and serves an executor.
 */
public abstract class NamespaceThread extends Thread {

    /** Test hook: where set, consulted before each setns; a non-zero result is used as the -errno instead. */
    public interface Faults {
        int setns(NamespaceType type, boolean restoring);
    }

    /** See {@link Faults}; null outside tests. */
    public static volatile Faults faults;

    /** Threads ever started (for tests: a refusal must not start one). */
    public static final AtomicLong STARTED = new AtomicLong();

    static final AtomicInteger NUMBER = new AtomicInteger();

    private boolean fsUnshared;
    /** How many of the entries this thread has entered. */
    int entered;
    /** This thread's /proc/thread-self/ns, open while it serves; -1 if not (yet) open. */
    int nsDir = -1;
    /** True from the first setns until the thread is proven home again (or for good). */
    volatile boolean inside;

    NamespaceThread(String name) {
        super(null, null, name, 0, false);
        setDaemon(true);
    }

    /** Refuses a call made from inside a task: it would run on another thread, not in these namespaces. */
    public static void checkNotInside() {
        if (Thread.currentThread() instanceof NamespaceThread t && t.inside) {
            throw new IllegalStateException("nsfs4j: called from a task that runs inside namespaces; the inner work"
                    + " would run on another thread, in the JVM's namespaces, not in these. Enter every namespace"
                    + " you need in one NamespaceSet instead");
        }
    }

    /** Refuses to start a thread from a thread outside the JVM's namespaces: it would inherit them. */
    static void checkHome(String what) {
        String foreign = JvmNamespaces.firstForeignLink();
        if (foreign != null) {
            throw new IllegalStateException("nsfs4j: this thread is not in the JVM's namespaces (" + foreign
                    + "), so " + what + " would not be either; it was probably started by a task running inside"
                    + " namespaces, which it should not do: see NamespaceTask");
        }
    }

    /** Waits for {@code t} to end; an interrupt meanwhile is kept for the caller. */
    public static void joinUninterruptibly(Thread t) {
        boolean interrupted = false;
        while (t.isAlive()) {
            try {
                t.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether this thread unshared its fs_struct to enter a mount namespace: it ends, never reused. */
    final boolean fsUnshared() {
        return fsUnshared;
    }

    /** Enters each namespace in order; on failure throws, with {@link #entered} telling how far it got. */
    final void enter(NsFile[] entries, String target) throws Failure {
        inside = true;
        for (NsFile ns : entries) {
            NamespaceType type = ns.type();
            if (type == NamespaceType.MNT && !fsUnshared) {
                int rc = LibC.unshare(Constants.CLONE_FS);
                if (rc < 0) {
                    throw Failure.errno("unshare(CLONE_FS)", target, -rc, "cannot give the thread its own root and"
                            + " working directory, which joining a mount namespace needs");
                }
                fsUnshared = true;
            }
            int rc = setns(ns, type, false);
            if (rc < 0) {
                throw Failure.errno("setns", ns + " of " + target, -rc, "the kernel refused to move the thread"
                        + " into the namespace; nothing of the task ran");
            }
            entered++;
        }
    }

    static int setns(NsFile ns, NamespaceType type, boolean restoring) throws Failure {
        Faults f = faults;
        if (f != null) {
            int injected = f.setns(type, restoring);
            if (injected != 0) {
                return injected;
            }
        }
        int flag = type.cloneFlag();
        return ns.apply(fd -> LibC.setns(fd, flag), "setns");
    }

    /** Closes this thread's ns directory fd, if open. */
    final void closeNsDir() {
        if (nsDir >= 0) {
            LibC.close(nsDir);
            nsDir = -1;
        }
    }
}
