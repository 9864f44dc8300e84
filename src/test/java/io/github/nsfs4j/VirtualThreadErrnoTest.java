package io.github.nsfs4j;

import io.github.nsfs4j.linux.Constants;
import io.github.nsfs4j.linux.IoctlCodes;
import io.github.nsfs4j.linux.LibC;
import io.github.nsfs4j.linux.ProcessCalls;
import io.github.nsfs4j.linux.Structs;
import io.github.nsfs4j.kernel.NsIoctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Unshared;
import org.junit.jupiter.api.Test;

/**
 * errno and scratch memory belong to the calling thread also on virtual threads, which
 * share a few carriers and move between them at every yield: 10,000 virtual threads each
 * make failing calls with six different errnos and succeeding calls whose answers differ
 * by thread (a child's pid namespace or the caller's, an fd's inode read back from scratch
 * after a yield), and check their own results against procfs.
 */
class VirtualThreadErrnoTest {

    static final int O_RDONLY_CLOEXEC = 0x80000;
    static final int EPERM = 1, ENOENT = 2, ESRCH = 3, EBADF = 9, EINVAL = 22, ENOTTY = 25;
    static final int CLONE_NEWNET = 0x40000000;
    static final int THREADS = 10_000, CALLS = 24;
    static final int BAD_FD = 1 << 30;

    @Test
    void tenThousandVirtualThreadsEachSeeTheirOwnErrnoAndScratch() throws Exception {
        Unshared.requireNamespaces();
        try (Unshared child = Unshared.start("pid", "net", "uts")) {
            int leaf = child.leafPid(); // pid 1 of its new pid namespace
            assertEquals(List.of((long) leaf, 1L), Proc.nsPid(leaf), "NSpid: host pid, then 1 inside");
            String[] paths = {"/proc/self/ns/net", "/proc/" + leaf + "/ns/net", "/proc/self/ns/uts",
                    "/proc/" + leaf + "/ns/uts", "/proc/self/ns/pid", "/proc/" + leaf + "/ns/pid"};
            int[] fds = new int[paths.length];
            long[] inodes = new long[paths.length];
            for (int i = 0; i < paths.length; i++) {
                fds[i] = LibC.open(paths[i], O_RDONLY_CLOEXEC);
                assertTrue(fds[i] >= 0, paths[i] + ": " + fds[i]);
                inodes[i] = Long.parseLong(Proc.fdLink(fds[i]).orElseThrow().replaceAll("\\D", ""));
            }
            int ownNet = fds[0], childPidNs = fds[5], ownUser = LibC.open("/proc/self/ns/user", O_RDONLY_CLOEXEC);
            int noSuchPid = (int) Proc.pidMax() + 1;
            Queue<String> failures = new ConcurrentLinkedQueue<>();
            AtomicInteger carrierSwitches = new AtomicInteger();
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int t = 0; t < THREADS; t++) {
                    int thread = t;
                    pool.submit(() -> {
                        ThreadLocalRandom random = ThreadLocalRandom.current();
                        String carrier = Thread.currentThread().toString();
                        for (int call = 0; call < CALLS; call++) {
                            int op = (thread + call * 7) % 10;
                            int expected;
                            int rc = switch (op) {
                                case 0 -> { expected = -EBADF; yield LibC.close(BAD_FD); }
                                case 1 -> { expected = -ENOENT; yield LibC.open("/nonexistent-nsfs4j/" + thread, O_RDONLY_CLOEXEC); }
                                case 2 -> { expected = -EINVAL; yield LibC.ioctl(ownNet, NsIoctl.NS_GET_PARENT.request(), 0L); }
                                case 3 -> { expected = -ESRCH; yield ProcessCalls.pidfd_open(noSuchPid, 0); }
                                case 4 -> { expected = -ENOTTY; yield LibC.ioctl(ownNet, IoctlCodes._IO(0xb7, 0xf0), 0L); }
                                case 5 -> { expected = -EPERM; yield LibC.ioctl(ownUser, NsIoctl.NS_GET_PARENT.request(), 0L); }
                                case 6 -> { expected = leaf; yield LibC.ioctl(childPidNs, NsIoctl.NS_GET_PID_FROM_PIDNS.request(), 1L); }
                                case 7 -> { expected = 1; yield LibC.ioctl(childPidNs, NsIoctl.NS_GET_PID_IN_PIDNS.request(), leaf); }
                                case 8 -> { expected = CLONE_NEWNET; yield LibC.ioctl(fds[1], NsIoctl.NS_GET_NSTYPE.request(), 0L); }
                                default -> {
                                    // scratch: statx of this thread's fd, a yield (perhaps to another carrier), then read it
                                    int which = (thread + call) % fds.length;
                                    MemorySegment buf = LibC.scratch();
                                    int r = LibC.fstatx(fds[which], Constants.STATX_INO, buf);
                                    Thread.yield();
                                    expected = 0;
                                    if (r == 0 && Structs.statxIno(buf) != inodes[which]) {
                                        failures.add("thread " + thread + ": scratch holds inode " + Structs.statxIno(buf)
                                                + ", its fd's is " + inodes[which]);
                                    }
                                    yield r;
                                }
                            };
                            if (rc != expected) {
                                failures.add("thread " + thread + " op " + op + ": " + rc + ", expected " + expected);
                            }
                            if (random.nextInt(3) == 0) {
                                Thread.yield();
                            }
                        }
                        if (!Thread.currentThread().toString().equals(carrier)) {
                            carrierSwitches.incrementAndGet();
                        }
                    });
                }
                pool.shutdown();
                assertTrue(pool.awaitTermination(5, TimeUnit.MINUTES), "the virtual threads finished");
            } finally {
                for (int fd : fds) {
                    LibC.close(fd);
                }
                LibC.close(ownUser);
            }
            List<String> some = new ArrayList<>(failures).subList(0, Math.min(10, failures.size()));
            assertEquals(List.of(), some, failures.size() + " wrong results; the first ones");
            System.out.println("virtual threads: " + THREADS + " x " + CALLS + " calls, " + carrierSwitches
                    + " threads ended on another carrier than they started on");
        }
    }
}
