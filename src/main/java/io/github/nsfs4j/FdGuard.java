package io.github.nsfs4j;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * An owned fd that is never released while a call is using it. Callers bracket each use with
 * {@link #acquire} and {@link #release}; {@link #close} marks the guard closed and the fd is
 * closed by whoever leaves last, so no call can act on a number the kernel has reused.
 */
final class FdGuard {
    /** Closed flag (sign bit) and the number of calls in flight (the other bits). */
    @SuppressWarnings("unused") // accessed through STATE
    private volatile int state;
    private static final int CLOSED = Integer.MIN_VALUE;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(FdGuard.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int fd;

    FdGuard(int fd) {
        this.fd = fd;
    }

    /**
     * Registers a call in flight and returns the fd, valid until {@link #release()}.
     *
     * @return the fd, or -1 if the guard is closed
     */
    int acquire() {
        for (;;) {
            int s = (int) STATE.getVolatile(this);
            if (s < 0) {
                return -1;
            }
            if (STATE.compareAndSet(this, s, s + 1)) {
                return fd;
            }
        }
    }

    /**
     * As {@link #acquire()}, but throws when closed.
     *
     * @param operation what the caller is about to do, for the exception
     * @param owner the handle, whose {@code toString()} names it in the exception
     */
    int acquire(String operation, Object owner) throws ClosedNamespaceException {
        int raw = acquire();
        if (raw < 0) {
            throw new ClosedNamespaceException(operation, owner.toString());
        }
        return raw;
    }

    /** Ends a call begun by a successful {@link #acquire()}; closes the fd if it was the last after close(). */
    void release() {
        if ((int) STATE.getAndAdd(this, -1) - 1 == CLOSED) {
            LibC.close(fd);
        }
    }

    boolean isOpen() {
        return (int) STATE.getVolatile(this) >= 0;
    }

    /** Idempotent: no new call starts; the fd is closed now, or when the last call in flight ends. */
    void close() {
        for (;;) {
            int s = (int) STATE.getVolatile(this);
            if (s < 0) {
                return;
            }
            if (STATE.compareAndSet(this, s, s | CLOSED)) {
                if (s == 0) {
                    LibC.close(fd);
                }
                return;
            }
        }
    }
}
