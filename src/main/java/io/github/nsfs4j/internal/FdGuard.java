package io.github.nsfs4j.internal;

import io.github.nsfs4j.linux.LibC;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Cleaner;

/**
 * An owned fd that is never released while a call is using it. Callers bracket each use with
 * {@link #acquire} and {@link #release}; {@link #close} marks the guard closed and the fd is
 * closed by whoever leaves last, so no call can act on a number the kernel has reused.
 *
 * <p>The safety net for a handle dropped without {@code close()} (typical in jshell): each
 * guard is registered with one shared {@link Cleaner} for its owner, with an action that
 * closes the guard and refers to nothing else, so the owner can become unreachable; the guard
 * never refers to its owner either. The action goes through the same state as {@link #close},
 * so whichever of the two comes first closes the fd, once, and never under a call in flight
 * (a call keeps its fd open by its count, even if the JIT has let the owner die meanwhile).
 * An explicit {@code close()} also deregisters the action, so nothing is left to run.
 */
public final class FdGuard {
    /** One daemon thread for every handle of the library. */
    private static final Cleaner CLEANER = Cleaner.create(r -> {
        Thread t = new Thread(r, "nsfs4j-cleaner");
        t.setDaemon(true);
        return t;
    });

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
    private final Cleaner.Cleanable cleanable;

    /**
     * Guards {@code fd} for {@code owner}: when the owner becomes unreachable unclosed, the
     * shared cleaner closes the fd.
     *
     * @param fd the fd, now owned by the guard
     * @param owner the handle that holds the guard (only registered, never stored)
     */
    public FdGuard(int fd, Object owner) {
        this.fd = fd;
        // A method reference on this guard: the action holds the guard alone, never the owner.
        this.cleanable = CLEANER.register(owner, this::markClosed);
    }

    /**
     * Registers a call in flight and returns the fd, valid until {@link #release()}.
     *
     * @return the fd, or -1 if the guard is closed
     */
    public int acquire() {
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

    /** Ends a call begun by a successful {@link #acquire()}; closes the fd if it was the last after close(). */
    public void release() {
        if ((int) STATE.getAndAdd(this, -1) - 1 == CLOSED) {
            LibC.close(fd);
        }
    }

    public boolean isOpen() {
        return (int) STATE.getVolatile(this) >= 0;
    }

    /**
     * Idempotent: no new call starts; the fd is closed now, or when the last call in flight
     * ends. Deregisters the cleaner's action (which then finds the guard closed and does nothing).
     */
    public void close() {
        markClosed();
        cleanable.clean();
    }

    /** The close itself, shared by {@link #close()} and the cleaner: only the first caller closes. */
    private void markClosed() {
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
