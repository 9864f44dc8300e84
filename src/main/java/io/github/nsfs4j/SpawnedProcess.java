package io.github.nsfs4j;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A child of the JVM that nsfs4j started with posix_spawn(3), as a {@link Process}. A reaper
 * thread of nsfs4j waits for it (waitid(2)) and reaps it, as the JDK does for its own
 * children; signals go out only while it is not reaped, so its pid cannot have been reused.
 * Pipe streams read and write the pipe fds directly, each in an {@link FdGuard}: closed by
 * {@code close()}, or when the stream becomes unreachable. The JVM's ends of the pipes are
 * non-blocking, and a read or write that would block waits in poll(2): on the calling thread
 * if it is a platform thread, on a platform thread of nsfs4j if it is a virtual thread
 * (which parks meanwhile, leaving its carrier free).
 */
final class SpawnedProcess extends Process {
    private static final int P_PID = 1;

    private final int pid;
    private final OutputStream stdin;
    private final InputStream stdout;
    private final InputStream stderr;
    private final CompletableFuture<Integer> exit = new CompletableFuture<>();
    private final Object lock = new Object();
    private boolean reaped;

    SpawnedProcess(int pid, int stdinFd, int stdoutFd, int stderrFd) {
        this.pid = pid;
        this.stdin = stdinFd < 0 ? OutputStream.nullOutputStream() : new PipeOutputStream(stdinFd);
        this.stdout = stdoutFd < 0 ? InputStream.nullInputStream() : new PipeInputStream(stdoutFd);
        this.stderr = stderrFd < 0 ? InputStream.nullInputStream() : new PipeInputStream(stderrFd);
        Thread.ofPlatform().daemon().name("nsfs4j-reaper-" + pid).start(this::reap);
    }

    /** Loads the classes this needs, before a thread enters a mount namespace. */
    static void preload() {
        Objects.requireNonNull(FdGuard.class);
        Objects.requireNonNull(PipeInputStream.class);
        Objects.requireNonNull(PipeOutputStream.class);
    }

    private void reap() {
        MemorySegment info = Arena.ofAuto().allocate(Structs.SIGINFO);
        int rc;
        do { // wait without reaping, so that destroy() cannot signal a reused pid
            rc = LibC.waitid(P_PID, pid, info, Constants.WEXITED | Constants.WNOWAIT);
        } while (rc == -Errnos.EINTR);
        int status = rc < 0 ? 255 : Structs.exitStatus(info);
        synchronized (lock) {
            do {
                rc = LibC.waitid(P_PID, pid, info, Constants.WEXITED);
            } while (rc == -Errnos.EINTR);
            reaped = true;
        }
        exit.complete(status);
    }

    @Override
    public OutputStream getOutputStream() {
        return stdin;
    }

    @Override
    public InputStream getInputStream() {
        return stdout;
    }

    @Override
    public InputStream getErrorStream() {
        return stderr;
    }

    @Override
    public int waitFor() throws InterruptedException {
        try {
            return exit.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    @Override
    public boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
        try {
            exit.get(timeout, unit);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    @Override
    public CompletableFuture<Process> onExit() {
        return exit.thenApply(status -> this);
    }

    @Override
    public int exitValue() {
        Integer status = exit.getNow(null);
        if (status == null) {
            throw new IllegalThreadStateException("process " + pid + " has not exited");
        }
        return status;
    }

    @Override
    public boolean isAlive() {
        return !exit.isDone();
    }

    @Override
    public long pid() {
        return pid;
    }

    @Override
    public ProcessHandle toHandle() {
        synchronized (lock) {
            return ProcessHandle.of(pid).filter(h -> !reaped)
                    .orElseThrow(() -> new IllegalStateException("process " + pid + " has exited and was reaped"));
        }
    }

    @Override
    public boolean supportsNormalTermination() {
        return true;
    }

    @Override
    public void destroy() {
        signal(Constants.SIGTERM);
    }

    @Override
    public Process destroyForcibly() {
        signal(Constants.SIGKILL);
        return this;
    }

    private void signal(int signal) {
        synchronized (lock) {
            if (!reaped) {
                LibC.kill(pid, signal);
            }
        }
    }

    @Override
    public String toString() {
        Integer status = exit.getNow(null);
        return "Process[pid=" + pid + ", exitValue=" + (status == null ? "\"not exited\"" : status) + "]";
    }

    // ---------------------------------------------------------------- pipe streams

    /** Platform threads that wait in poll(2) for a virtual thread; made on demand, ended after a minute idle. */
    private static final ExecutorService POLLERS = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS,
            new SynchronousQueue<>(), Thread.ofPlatform().daemon().name("nsfs4j-pipe-wait-", 0).factory());

    /**
     * Waits until the JVM's end of a pipe (non-blocking) can be read or written. A platform
     * thread waits in poll(2) itself. A virtual thread must not: a native call keeps it on its
     * carrier and the JDK does not make up for that (it does for its own blocking file
     * reads), so a few readers waiting for output would stop every virtual thread. It hands
     * the poll to a platform thread of nsfs4j and parks until that returns; the caller holds
     * the fd's guard meanwhile, so the fd number stays this pipe's.
     */
    private static void awaitReady(int raw, short events) throws IOException {
        int rc;
        if (Thread.currentThread().isVirtual()) {
            rc = CompletableFuture.supplyAsync(() -> pollUntilReady(raw, events), POLLERS).join();
        } else {
            rc = pollUntilReady(raw, events);
        }
        if (rc < 0) {
            throw new IOException("poll on the process's pipe: " + Errnos.describe(-rc));
        }
    }

    private static int pollUntilReady(int raw, short events) {
        int rc;
        do {
            rc = LibC.pollOne(raw, events, -1);
        } while (rc == -Errnos.EINTR);
        return rc;
    }

    private static final class PipeInputStream extends InputStream {
        private final FdGuard guard;

        PipeInputStream(int raw) {
            guard = new FdGuard(raw, this); // closed by close(), or once the stream is unreachable
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) {
                return 0;
            }
            int raw = guard.acquire();
            if (raw < 0) {
                throw new IOException("Stream closed");
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buf = arena.allocate(Math.min(len, 64 * 1024));
                long n;
                for (;;) {
                    n = LibC.read(raw, buf, buf.byteSize());
                    if (n == -Errnos.EAGAIN) {
                        awaitReady(raw, Constants.POLLIN);
                    } else if (n != -Errnos.EINTR) {
                        break;
                    }
                }
                if (n < 0) {
                    throw new IOException("read from the process's pipe: " + Errnos.describe((int) -n));
                }
                if (n == 0) {
                    return -1;
                }
                MemorySegment.copy(buf, JAVA_BYTE, 0, b, off, (int) n);
                return (int) n;
            } finally {
                guard.release();
            }
        }

        @Override
        public void close() {
            guard.close();
        }
    }

    private static final class PipeOutputStream extends OutputStream {
        private final FdGuard guard;

        PipeOutputStream(int raw) {
            guard = new FdGuard(raw, this); // closed by close(), or once the stream is unreachable
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            int raw = guard.acquire();
            if (raw < 0) {
                throw new IOException("Stream closed");
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buf = arena.allocate(Math.max(len, 1));
                MemorySegment.copy(b, off, buf, JAVA_BYTE, 0, len);
                long done = 0;
                while (done < len) {
                    long n = LibC.write(raw, buf.asSlice(done), len - done);
                    if (n == -Errnos.EAGAIN) {
                        awaitReady(raw, Constants.POLLOUT);
                        continue;
                    }
                    if (n == -Errnos.EINTR) {
                        continue;
                    }
                    if (n < 0) {
                        throw new IOException("write to the process's pipe: " + Errnos.describe((int) -n));
                    }
                    done += n;
                }
            } finally {
                guard.release();
            }
        }

        @Override
        public void close() {
            guard.close();
        }
    }
}
