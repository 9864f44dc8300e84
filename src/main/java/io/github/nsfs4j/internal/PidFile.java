package io.github.nsfs4j.internal;

import io.github.nsfs4j.linux.Constants;
import io.github.nsfs4j.linux.Downcalls;
import io.github.nsfs4j.linux.Errno;
import io.github.nsfs4j.linux.LibC;
import io.github.nsfs4j.linux.ProcessCalls;
import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.kernel.PidfdIoctl;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntUnaryOperator;

/**
 * A process held by a pidfd, in an {@link FdGuard}: the pid it was opened with, whether the
 * process still runs, and its namespaces, opened without a race. Thread-safe. The public
 * {@code Pidfd} wraps one.
 */
public final class PidFile implements AutoCloseable {
    private final FdGuard fd;
    private final int pid;
    /** Held with PIDFD_THREAD: pid is a thread id, its namespaces are that thread's. */
    private final boolean thread;

    private PidFile(int fd, int pid, boolean thread) {
        this.fd = new FdGuard(fd, this);
        this.pid = pid;
        this.thread = thread;
    }

    /** pidfd_open(2) of a process of the caller's pid namespace. */
    public static PidFile open(int pid) throws Failure {
        if (pid <= 0) {
            throw new IllegalArgumentException("pid must be positive, got " + pid);
        }
        Downcalls.requireNativeAccess();
        int fd = ProcessCalls.pidfd_open(pid, 0);
        if (fd == -Errno.ENOENT || fd == -Errno.EINVAL) {
            // not a thread group leader: a thread id, as nsenter -t takes it; held by a thread's
            // pidfd (PIDFD_THREAD, Linux 6.9), so that its namespaces are that thread's
            int threadFd = ProcessCalls.pidfd_open(pid, Constants.PIDFD_THREAD);
            if (threadFd >= 0) {
                return new PidFile(threadFd, pid, true);
            }
            throw Failure.errno("pidfd_open", "process " + pid, -fd, -threadFd == Errno.EINVAL
                    ? "it is a thread id, not a process id: holding a thread needs Linux 6.9 (PIDFD_THREAD)"
                    : "cannot open a pidfd");
        }
        if (fd < 0) {
            throw Failure.errno("pidfd_open", "process " + pid, -fd, "cannot open a pidfd");
        }
        return new PidFile(fd, pid, false);
    }

    public int pid() {
        return pid;
    }

    public boolean isOpen() {
        return fd.isOpen();
    }

    @Override
    public void close() {
        fd.close();
    }

    /** Any call on the pidfd, held open for it: its result, or -errno. */
    public int apply(IntUnaryOperator call, String operation) throws Failure {
        int raw = fd.acquire();
        if (raw < 0) {
            throw Failure.closed(operation, toString());
        }
        try {
            return call.applyAsInt(raw);
        } finally {
            fd.release();
        }
    }

    /** pidfd_send_signal(2): sends {@code signal} to this process; a process already gone is ESRCH. */
    public void sendSignal(int signal) throws Failure {
        int rc = apply(raw -> ProcessCalls.pidfd_send_signal(raw, signal), "pidfd_send_signal");
        if (rc < 0) {
            throw Failure.errno("pidfd_send_signal", toString(), -rc, "cannot send signal " + signal);
        }
    }

    /**
     * Whether the whole thread group still runs: poll(2) for {@code POLLIN}, which the kernel
     * raises once it has exited (Linux 5.3); a zombie is not alive.
     */
    public boolean isAlive() throws Failure {
        int revents = apply(raw -> ProcessCalls.pollOne(raw, Constants.POLLIN, 0), "isAlive");
        if (revents < 0) {
            throw Failure.errno("poll", toString(), -revents, "cannot poll the pidfd");
        }
        return (revents & Constants.POLLIN) == 0;
    }

    /** Throws, as ESRCH would, if the process has exited: proof that its pid still names it. */
    public void requireAlive() throws Failure {
        if (!isAlive()) {
            throw Failure.of(Failure.Kind.GONE, "pidfd", "process " + pid, Errno.ESRCH, "the process has exited");
        }
    }

    /**
     * One of the process's namespaces: {@code PIDFD_GET_<TYPE>_NAMESPACE} (Linux 6.11); else,
     * and for a live process whose main thread has exited (the kernel then answers ESRCH,
     * asking the exited thread), the process's or a live thread's link under {@code /proc},
     * each open followed by a check on the pidfd that the process was still alive after it.
     */
    public NsFile namespace(NamespaceType type) throws Failure {
        PidfdIoctl request = PidfdIoctl.namespaceOf(type);
        String operation = "PIDFD_GET_" + type.name() + "_NAMESPACE";
        int nsFd = apply(raw -> LibC.ioctl(raw, request.request(), 0L), operation);
        if (nsFd >= 0) {
            return NamespaceFiles.adoptOrClose(nsFd, "process " + pid, type);
        }
        boolean leaderGone = -nsFd == Errno.ESRCH && isAlive();
        if (Errnos.meaning(operation, -nsFd, null) != Errnos.Meaning.MISSING && !leaderGone) {
            throw Failure.errno(operation, "process " + pid, -nsFd, "cannot open the process's namespace");
        }
        return throughProc(type);
    }

    /**
     * The namespace through {@code /proc}: the process's own link, else a live thread's (the
     * main thread's link is gone once it has exited); each open is checked on the pidfd.
     */
    private NsFile throughProc(NamespaceType type) throws Failure {
        Path dir = Procfs.PROC.resolve(Integer.toString(pid));
        List<Path> links = new ArrayList<>();
        links.add(dir.resolve("ns").resolve(type.procName()));
        try {
            // a thread's own namespaces only: its group's other threads may be elsewhere
            for (int tid : thread ? new int[0] : Procfs.numericEntries(dir.resolve("task"))) {
                if (tid != pid) {
                    links.add(dir.resolve("task").resolve(Integer.toString(tid)).resolve("ns").resolve(type.procName()));
                }
            }
        } catch (IOException e) {
            // the process is gone (or /proc is not the caller's): the checks below say which
        }
        for (Path link : links) {
            NsFile ns;
            try {
                ns = NamespaceFiles.open(link.toString(), type);
            } catch (Failure e) {
                if (e.kind() == Failure.Kind.GONE) {
                    continue; // that thread has exited (or is the exited main thread): try the next
                }
                throw e;
            }
            boolean alive = false;
            try {
                alive = isAlive(); // throws if this pidfd was closed meanwhile: ns must not leak then
            } finally {
                if (!alive) {
                    ns.close();
                }
            }
            if (!alive) {
                break;
            }
            return ns;
        }
        throw Failure.of(Failure.Kind.GONE, "open", NamespaceFiles.procPath(pid, type), 0, isAlive()
                ? "no thread of the process shows its namespaces in /proc (is /proc the caller's?)"
                : "the process exited while its namespace was being opened");
    }

    /**
     * The process's environment as it was when it started or last changed its own
     * ({@code /proc/PID/environ}, read O_CLOEXEC), what nsenter's {@code --env} gives COMMAND:
     * each {@code NAME=VALUE} entry in order, decoded as the JVM decodes file names; an entry
     * without {@code =} or with an empty name is left out; a name given twice keeps its first
     * value. The pidfd is checked after the read, so the answer is this process's.
     */
    public Map<String, String> environment() throws Failure {
        byte[] bytes = Procfs.readAll("/proc/" + pid + "/environ", "cannot read the process's environment");
        requireAlive();
        Map<String, String> env = new LinkedHashMap<>();
        int start = 0;
        for (int i = 0; i <= bytes.length; i++) {
            if (i == bytes.length || bytes[i] == 0) {
                String entry = new String(bytes, start, i - start, LibC.PATH_CHARSET);
                int eq = entry.indexOf('=');
                if (eq > 0) {
                    env.putIfAbsent(entry.substring(0, eq), entry.substring(eq + 1));
                }
                start = i + 1;
            }
        }
        return env;
    }

    /**
     * The process's cgroup in the cgroup v2 hierarchy: the {@code 0::PATH} line of
     * {@code /proc/PID/cgroup}, as the JVM's cgroup namespace names it; null where the process
     * has none (only cgroup v1 hierarchies). The pidfd is checked after the read.
     */
    public String cgroup() throws Failure {
        byte[] bytes = Procfs.readAll("/proc/" + pid + "/cgroup", "cannot read the process's cgroup");
        requireAlive();
        for (String line : new String(bytes, LibC.PATH_CHARSET).split("\n")) {
            if (line.startsWith("0::")) {
                return line.substring(3);
            }
        }
        return null;
    }

    /** {@code pidfd:1234}, with a mark when closed. */
    @Override
    public String toString() {
        return "pidfd:" + pid + (isOpen() ? "" : " (closed)");
    }
}
