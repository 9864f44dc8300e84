package io.github.nsfs4j.internal.enter;

import io.github.nsfs4j.linux.Constants;
import io.github.nsfs4j.linux.Errno;
import io.github.nsfs4j.linux.ProcessCalls;
import io.github.nsfs4j.linux.Structs;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A child of the JVM that nsfs4j started with posix_spawn(3), as a {@link Process}. A reaper
 * thread of nsfs4j waits for it (waitid(2)) and reaps it, as the JDK does for its own
 * children; signals go out only while it is not reaped, so its pid cannot have been reused.
 * Its pipe streams are {@link PipeStreams}.
 */
final class SpawnedProcess extends Process {
    private final int pid;
    private final OutputStream stdin;
    private final InputStream stdout;
    private final InputStream stderr;
    private final CompletableFuture<Integer> exit = new CompletableFuture<>();
    private final Object lock = new Object();
    private boolean reaped;

    SpawnedProcess(int pid, int stdinFd, int stdoutFd, int stderrFd) {
        this.pid = pid;
        this.stdin = stdinFd < 0 ? OutputStream.nullOutputStream() : PipeStreams.output(stdinFd);
        this.stdout = stdoutFd < 0 ? InputStream.nullInputStream() : PipeStreams.input(stdoutFd);
        this.stderr = stderrFd < 0 ? InputStream.nullInputStream() : PipeStreams.input(stderrFd);
        Thread.ofPlatform().daemon().name("nsfs4j-reaper-" + pid).start(this::reap);
    }

    private void reap() {
        MemorySegment info = Arena.ofAuto().allocate(Structs.SIGINFO);
        int rc;
        do { // wait without reaping, so that destroy() cannot signal a reused pid
            rc = ProcessCalls.waitid(Constants.P_PID, pid, info, Constants.WEXITED | Constants.WNOWAIT);
        } while (rc == -Errno.EINTR);
        int status = rc < 0 ? 255 : Structs.exitStatus(info);
        synchronized (lock) {
            do {
                rc = ProcessCalls.waitid(Constants.P_PID, pid, info, Constants.WEXITED);
            } while (rc == -Errno.EINTR);
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
                ProcessCalls.kill(pid, signal);
            }
        }
    }

    @Override
    public String toString() {
        Integer status = exit.getNow(null);
        return "Process[pid=" + pid + ", exitValue=" + (status == null ? "\"not exited\"" : status) + "]";
    }
}
