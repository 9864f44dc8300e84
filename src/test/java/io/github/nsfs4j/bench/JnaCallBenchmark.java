package io.github.nsfs4j.bench;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Issue 6, item 1b: the same four requests bound through JNA, what a Java programmer would
 * otherwise reach for. Two ways, both with errno checking ({@code throws LastErrorException},
 * as the library checks errno on every call):
 * <ul>
 * <li>{@code jnaDirect_*}: direct mapping ({@code Native.register}, static native methods),
 *     JNA's fastest binding;
 * <li>{@code jnaLibrary_*}: interface mapping ({@code Native.load} of a {@code Library}
 *     interface), the binding JNA's documentation leads with and most code uses.
 * </ul>
 * The request numbers are written out here as a JNA user would copy them from the kernel
 * header ({@code include/uapi/linux/nsfs.h}); the ioctl's variadic third argument is bound
 * as a fixed {@code long} or pointer.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class JnaCallBenchmark {

    static final long NS_GET_NSTYPE = 0xb703L;
    static final long NS_GET_PID_FROM_PIDNS = 0x8004b706L;
    static final long NS_GET_PID_IN_PIDNS = 0x8004b708L;
    static final long NS_GET_ID = 0x8008b70dL;
    static final int O_RDONLY = 0;
    static final int O_CLOEXEC = 0x80000;

    /** Direct mapping: JNA registers these natives against libc. */
    static final class Direct {
        static {
            Native.register(Platform.C_LIBRARY_NAME);
        }

        static native int ioctl(int fd, long request, long arg) throws LastErrorException;

        static native int ioctl(int fd, long request, Pointer arg) throws LastErrorException;

        private Direct() {}
    }

    /** Interface mapping: a proxy over libc. */
    public interface CLibrary extends Library {
        CLibrary INSTANCE = Native.load(Platform.C_LIBRARY_NAME, CLibrary.class);

        int open(String path, int flags) throws LastErrorException;

        int close(int fd) throws LastErrorException;

        int ioctl(int fd, long request, long arg) throws LastErrorException;

        int ioctl(int fd, long request, Pointer arg) throws LastErrorException;
    }

    private int fd = -1;
    private int initHostPid;
    private Memory idBuffer;

    @Setup(Level.Trial)
    public void open() {
        initHostPid = Targets.load()[0];
        fd = CLibrary.INSTANCE.open(Targets.pidNsPath(initHostPid), O_RDONLY | O_CLOEXEC);
        idBuffer = new Memory(Long.BYTES);
        // The id as direct mapping reads it; interface mapping must read the same.
        long id = jnaDirect_NS_GET_ID();
        Targets.checkRequests("JNA direct", initHostPid, id, jnaDirect_NS_GET_NSTYPE(), id,
                jnaDirect_NS_GET_PID_FROM_PIDNS(), jnaDirect_NS_GET_PID_IN_PIDNS());
        Targets.checkRequests("JNA library", initHostPid, id, jnaLibrary_NS_GET_NSTYPE(), jnaLibrary_NS_GET_ID(),
                jnaLibrary_NS_GET_PID_FROM_PIDNS(), jnaLibrary_NS_GET_PID_IN_PIDNS());
    }

    @TearDown(Level.Trial)
    public void close() {
        if (fd >= 0) {
            CLibrary.INSTANCE.close(fd);
        }
        if (idBuffer != null) {
            idBuffer.close();
        }
    }

    @Benchmark
    public int jnaDirect_NS_GET_NSTYPE() {
        return Direct.ioctl(fd, NS_GET_NSTYPE, 0L);
    }

    @Benchmark
    public long jnaDirect_NS_GET_ID() {
        Direct.ioctl(fd, NS_GET_ID, idBuffer);
        return idBuffer.getLong(0);
    }

    @Benchmark
    public int jnaDirect_NS_GET_PID_FROM_PIDNS() {
        return Direct.ioctl(fd, NS_GET_PID_FROM_PIDNS, 1L);
    }

    @Benchmark
    public int jnaDirect_NS_GET_PID_IN_PIDNS() {
        return Direct.ioctl(fd, NS_GET_PID_IN_PIDNS, initHostPid);
    }

    @Benchmark
    public int jnaLibrary_NS_GET_NSTYPE() {
        return CLibrary.INSTANCE.ioctl(fd, NS_GET_NSTYPE, 0L);
    }

    @Benchmark
    public long jnaLibrary_NS_GET_ID() {
        CLibrary.INSTANCE.ioctl(fd, NS_GET_ID, idBuffer);
        return idBuffer.getLong(0);
    }

    @Benchmark
    public int jnaLibrary_NS_GET_PID_FROM_PIDNS() {
        return CLibrary.INSTANCE.ioctl(fd, NS_GET_PID_FROM_PIDNS, 1L);
    }

    @Benchmark
    public int jnaLibrary_NS_GET_PID_IN_PIDNS() {
        return CLibrary.INSTANCE.ioctl(fd, NS_GET_PID_IN_PIDNS, initHostPid);
    }
}
