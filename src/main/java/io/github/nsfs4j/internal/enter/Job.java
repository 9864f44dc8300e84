package io.github.nsfs4j.internal.enter;

import io.github.nsfs4j.internal.NsFile;

import java.util.concurrent.CompletableFuture;

/**
 * One piece of work run inside namespaces, with its outcome: what the work returned or threw,
 * and whether the thread that ran it could be proven back where it belongs. The API reads the
 * outcome ({@code io.github.nsfs4j.Outcomes}) and turns it into a result or an exception.
 */
public abstract class Job<T> {
    final NsFile[] entries;
    final String target;
    final CompletableFuture<Void> done = new CompletableFuture<>();
    private T result;
    private boolean completed;
    private Throwable failure;
    private String restoreFailure;
    private int restoreErrno;
    private String abandoned;
    boolean discarded;
    /** The executor thread that ran it and was discarded (the caller waits for it to end). */
    Thread endedThread;

    /**
     * @param entries the namespaces to enter, in the kernel's order
     * @param target what they are, for messages
     */
    protected Job(NsFile[] entries, String target) {
        this.entries = entries;
        this.target = target;
    }

    /** The work; runs on the entered thread. */
    protected abstract T work() throws Exception;

    final void runWork() {
        try {
            result = work();
            completed = true;
        } catch (Throwable t) {
            failure = t;
        }
    }

    final void fail(Throwable t) {
        failure = t;
    }

    final void restoreFailed(int errno, String detail) {
        restoreErrno = errno;
        restoreFailure = detail;
    }

    final void abandon(String why) {
        abandoned = why;
    }

    /** What the work returned, if it completed. */
    public T result() {
        return result;
    }

    /** Whether the work returned normally. */
    public boolean completed() {
        return completed;
    }

    /** What the work (or entering) threw, or null. */
    public Throwable failure() {
        return failure;
    }

    /** Why the thread could not be proven back home after the work, or null if it was. */
    public String restoreFailure() {
        return restoreFailure;
    }

    /** The errno of a failed return, or 0. */
    public int restoreErrno() {
        return restoreErrno;
    }

    /** Why the job never ran (its executor was shut down), or null. */
    public String abandoned() {
        return abandoned;
    }

    /** What the namespaces are, for messages. */
    public String target() {
        return target;
    }
}
