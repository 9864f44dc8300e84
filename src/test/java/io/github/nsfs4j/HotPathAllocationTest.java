package io.github.nsfs4j;

import io.github.nsfs4j.linux.Constants;
import io.github.nsfs4j.linux.LibC;
import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.kernel.NsIoctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

import io.github.nsfs4j.testing.Unshared;
import org.junit.jupiter.api.Test;

/**
 * The int-returning requests on an open handle allocate nothing once compiled: the bytes
 * this thread allocated ({@code com.sun.management.ThreadMXBean.getCurrentThreadAllocatedBytes}) over 100,000
 * calls are 0. An allocation check, not a timing one: batches run until the JIT has
 * compiled the path (at most 50), and the last batch must allocate nothing.
 */
class HotPathAllocationTest {

    static final int BATCH = 100_000, MAX_BATCHES = 50;

    /**
     * {@code com.sun.management.ThreadMXBean.getCurrentThreadAllocatedBytes()}, reached by
     * reflection (the tests compile inside the library's module, which does not read
     * java.management), as a handle returning a primitive: the measure allocates nothing.
     */
    private static final MethodHandle ALLOCATED_BYTES;
    private static final Object THREAD_BEAN;

    static {
        try {
            THREAD_BEAN = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean")
                    .invoke(null);
            Class<?> bean = Class.forName("com.sun.management.ThreadMXBean");
            ALLOCATED_BYTES = MethodHandles.publicLookup()
                    .findVirtual(bean, "getCurrentThreadAllocatedBytes", MethodType.methodType(long.class))
                    .asType(MethodType.methodType(long.class, Object.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static long allocatedBytes() {
        try {
            return (long) ALLOCATED_BYTES.invokeExact(THREAD_BEAN);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    private interface Batch {
        long run() throws Exception;
    }

    /** Bytes allocated by the last of up to {@link #MAX_BATCHES} batches; stops at the first that allocates none. */
    private static long allocatedOnceWarm(Batch batch) throws Exception {
        long allocated = -1;
        for (int i = 0; i < MAX_BATCHES && allocated != 0; i++) {
            long before = allocatedBytes();
            long sink = batch.run();
            allocated = allocatedBytes() - before;
            assertTrue(sink != Long.MIN_VALUE);
        }
        return allocated;
    }

    @Test
    void theMeasureSeesAnAllocation() throws Exception {
        long before = allocatedBytes();
        byte[][] kept = new byte[BATCH][];
        for (int i = 0; i < BATCH; i++) {
            kept[i] = new byte[16];
        }
        assertTrue(allocatedBytes() - before >= 16L * BATCH, "the counter counts");
        assertEquals(BATCH, kept.length);
    }

    @Test
    void pidTranslationsAndTypeOnAHandleAllocateNothing() throws Exception {
        try (Unshared child = Unshared.start("pid");
                PidNamespace ns = PidNamespace.ofProcess(child.leafPid())) {
            int leaf = child.leafPid();
            assertEquals(leaf, ns.translate(PidNamespace.Translation.PID_FROM_NAMESPACE, 1));
            for (PidNamespace.Translation translation : PidNamespace.Translation.values()) {
                int arg = translation.name().endsWith("FROM_NAMESPACE") ? 1 : leaf;
                int expected = translation.name().endsWith("FROM_NAMESPACE") ? leaf : 1;
                long allocated = allocatedOnceWarm(() -> {
                    long sum = 0;
                    for (int i = 0; i < BATCH; i++) {
                        sum += ns.translate(translation, arg);
                    }
                    assertEquals((long) expected * BATCH, sum);
                    return sum;
                });
                assertEquals(0, allocated, translation + ": bytes allocated by " + BATCH + " calls");
            }
            // an unknown pid (ESRCH: the errno path) allocates nothing either
            long allocated = allocatedOnceWarm(() -> {
                long sum = 0;
                for (int i = 0; i < BATCH; i++) {
                    sum += ns.translate(PidNamespace.Translation.PID_FROM_NAMESPACE, 4_000_000);
                }
                assertEquals(0, sum);
                return sum;
            });
            assertEquals(0, allocated, "unresolved pid: bytes allocated by " + BATCH + " calls");
        }
    }

    @Test
    void theCriticalIoctlAllocatesNothingAndCapturesErrno() throws Exception {
        int fd = LibC.open("/proc/self/ns/net", Constants.O_RDONLY | Constants.O_CLOEXEC);
        assertTrue(fd >= 0);
        try {
            long request = NsIoctl.NS_GET_NSTYPE.request();
            long allocated = allocatedOnceWarm(() -> {
                long sum = 0;
                for (int i = 0; i < BATCH; i++) {
                    sum += LibC.ioctl_critical(fd, request, 0L);
                    sum += LibC.ioctl_critical(1 << 30, request, 0L); // -EBADF
                }
                assertEquals((long) (NamespaceType.NET.cloneFlag() - 9) * BATCH, sum);
                return sum;
            });
            assertEquals(0, allocated, "bytes allocated by " + 2 * BATCH + " calls");
        } finally {
            LibC.close(fd);
        }
    }
}
