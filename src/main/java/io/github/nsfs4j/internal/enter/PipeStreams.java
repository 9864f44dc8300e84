package io.github.nsfs4j.internal.enter;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import io.github.nsfs4j.internal.Errnos;
import io.github.nsfs4j.internal.FdGuard;
import io.github.nsfs4j.linux.Constants;
import io.github.nsfs4j.linux.Errno;
import io.github.nsfs4j.linux.LibC;
import io.github.nsfs4j.linux.ProcessCalls;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The streams of a started process's pipes: they read and write the JVM's pipe ends directly,
 * each in an {@link FdGuard} (closed by {@code close()}, or when the stream becomes
 * unreachable). The JVM's ends are non-blocking, and a read or write that would block waits
 * in poll(2): on the calling thread if it is a platform thread, on a platform thread of
 * nsfs4j if it is a virtual thread, which parks meanwhile, leaving its carrier free. The
 * JDK's own {@code FileInputStream} is no option: it opens files without O_CLOEXEC.
 */
final class PipeStreams {
    private PipeStreams() {}

    static InputStream input(int fd) {
        return new PipeInputStream(fd);
    }

    static OutputStream output(int fd) {
        return new PipeOutputStream(fd);
    }

    /** Loads the stream classes, before a thread enters a mount namespace. */
    static void load() {
        Objects.requireNonNull(PipeInputStream.class);
        Objects.requireNonNull(PipeOutputStream.class);
    }

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
            rc = ProcessCalls.pollOne(raw, events, -1);
        } while (rc == -Errno.EINTR);
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
                    if (n == -Errno.EAGAIN) {
                        awaitReady(raw, Constants.POLLIN);
                    } else if (n != -Errno.EINTR) {
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
                    if (n == -Errno.EAGAIN) {
                        awaitReady(raw, Constants.POLLOUT);
                        continue;
                    }
                    if (n == -Errno.EINTR) {
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
