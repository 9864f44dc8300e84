package io.github.nsfs4j;

/**
 * The thread that ran a task could not be brought back to the JVM's namespaces, or nsfs4j
 * could not prove that it was ({@code /proc/thread-self/ns/*} named another namespace
 * afterwards). The thread has ended and is never reused, so nothing else runs in the wrong
 * namespace; this exception tells the caller that the task itself completed
 * ({@link #taskCompleted()}) and what it returned ({@link #result(Class)}), or, if the task failed,
 * is added to the task's exception as suppressed.
 */
public final class RestoreFailedException extends NamespaceException {
    private static final long serialVersionUID = 1L;

    /** What the task returned, if it completed (not serialized). */
    private final transient Object result;
    /** Whether the task returned normally before the restore failed. */
    private final boolean taskCompleted;

    RestoreFailedException(String target, int errno, String detail, boolean taskCompleted, Object result) {
        super("setns", target, errno, detail + "; the thread has ended and will not be reused");
        this.taskCompleted = taskCompleted;
        this.result = result;
    }

    /**
     * Whether the task returned normally before the restore failed.
     *
     * @return true if it did
     */
    public boolean taskCompleted() {
        return taskCompleted;
    }

    /**
     * What the task returned, if it completed, as the type the task returns: for a task that
     * returns a {@code String}, {@code e.result(String.class)}.
     *
     * @param <T> the task's result type
     * @param type the task's result type
     * @return the task's result; {@code null} if it did not complete, or returned null
     * @throws ClassCastException if the task returned something of another type
     */
    public <T> T result(Class<T> type) {
        return type.cast(result);
    }
}
