package io.github.nsfs4j;

import io.github.nsfs4j.internal.Failure;
import io.github.nsfs4j.internal.NsFile;
import io.github.nsfs4j.internal.enter.Job;

/**
 * A task as a job for the threads that enter, and a job's outcome as its caller gets it: what
 * the task returned, or what it (or entering) threw.
 */
final class Outcomes {
    private Outcomes() {}

    /** The job that runs {@code task} inside {@code entries}. */
    static <T, X extends Exception> Job<T> job(NsFile[] entries, String target, NamespaceTask<T, X> task) {
        return new Job<>(entries, target) {
            @Override
            protected T work() throws Exception {
                return task.call();
            }
        };
    }

    /**
     * The job's result, or its failure thrown as it is: the task's own exception, a failure to
     * enter as its public exception, and, where the thread could not be proven home afterwards,
     * a {@link RestoreFailedException} (added to the task's exception as suppressed if it threw).
     */
    @SuppressWarnings("unchecked")
    static <T, X extends Exception> T of(Job<T> job) throws X, NamespaceException {
        Throwable failure = job.failure() instanceof Failure f ? Failures.of(f) : job.failure();
        if (job.restoreFailure() != null) {
            RestoreFailedException restore = new RestoreFailedException(job.target(), job.restoreErrno(),
                    job.restoreFailure(), job.completed(), job.result());
            if (failure == null) {
                failure = restore;
            } else {
                failure.addSuppressed(restore);
            }
        }
        if (failure == null) {
            return job.result();
        }
        if (failure instanceof RuntimeException e) {
            throw e;
        }
        if (failure instanceof Error e) {
            throw e;
        }
        if (failure instanceof NamespaceException e) {
            throw e;
        }
        throw (X) failure; // the task's own checked exception: the only other kind it can throw
    }
}
