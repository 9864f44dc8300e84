package io.github.nsfs4j.matrix;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The kernel's own answers, asked without the library: open, close, ioctl and syscall
 * through glibc, with errno captured per call. The kernel suite uses it to record what a
 * request really returns on this kernel (for example the errno of a pid translation of a
 * pid that does not exist) and so to judge the library's answer.
 */
@SuppressWarnings("restricted")
final class RawKernel {
    private RawKernel() {}

    static final int ENOENT = 2, ESRCH = 3, EBADF = 9, EINVAL = 22, ENOTTY = 25, ENOSYS = 38;
    static final int O_RDONLY_CLOEXEC = 0x80000;
    static final long SYS_PIDFD_OPEN = 434, SYS_PIDFD_GETFD = 438, SYS_LISTNS = 470;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
    private static final MethodHandle OPEN = link("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), 2);
    private static final MethodHandle CLOSE = link("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT), -1);
    private static final MethodHandle IOCTL = link("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), 2);
    private static final MethodHandle FSTATFS = link("fstatfs", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS), -1);
    private static final MethodHandle SYSCALL = link("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), 1);

    private static final MethodHandle OPEN_BY_HANDLE_AT = link("open_by_handle_at",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), -1);
    /** FD_NSFS_ROOT and FILEID_NSFS, from the kernel's headers (6.18). */
    static final int FD_NSFS_ROOT = -10003, FILEID_NSFS = 0xf1;

    private static MethodHandle link(String name, FunctionDescriptor fd, int firstVariadic) {
        MemorySegment symbol = LINKER.defaultLookup().find(name).orElseThrow();
        return firstVariadic < 0 ? LINKER.downcallHandle(symbol, fd, CAPTURE_ERRNO)
                : LINKER.downcallHandle(symbol, fd, CAPTURE_ERRNO, Linker.Option.firstVariadicArg(firstVariadic));
    }

    /** open(path, O_RDONLY|O_CLOEXEC): the fd, or -errno. */
    static int open(String path) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int fd = (int) OPEN.invokeExact(state, arena.allocateFrom(path), O_RDONLY_CLOEXEC, 0);
            return fd >= 0 ? fd : -(int) ERRNO.get(state, 0L);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static void close(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            int rc = (int) CLOSE.invokeExact(arena.allocate(CAPTURE), fd);
            if (rc != 0) {
                throw new IllegalStateException("close(" + fd + ") failed");
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** ioctl(fd, request, arg) with a value (or address) argument: the result, or -errno. */
    static int ioctl(int fd, long request, long arg) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int rc = (int) IOCTL.invokeExact(state, fd, request, arg);
            return rc >= 0 ? rc : -(int) ERRNO.get(state, 0L);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** ioctl on a freshly opened path: the result, or -errno (a returned fd is closed). */
    static int ioctlOnPath(String path, long request, long arg, boolean returnsFd) {
        int fd = open(path);
        if (fd < 0) {
            throw new IllegalStateException("open " + path + ": errno " + -fd);
        }
        try {
            int rc = ioctl(fd, request, arg);
            if (rc >= 0 && returnsFd) {
                close(rc);
            }
            return rc;
        } finally {
            close(fd);
        }
    }

    /** The C library's fstatfs(fd, buf), its own {@code struct statfs}: 0, or -errno. */
    static int fstatfs(int fd, MemorySegment buf) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int rc = (int) FSTATFS.invokeExact(state, fd, buf);
            return rc >= 0 ? rc : -(int) ERRNO.get(state, 0L);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** syscall(number, a, b, c, d): the result, or -errno. */
    static long syscall(long number, long a, long b, long c, long d) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            long rc = (long) SYSCALL.invokeExact(state, number, a, b, c, d);
            return rc >= 0 ? rc : -(int) ERRNO.get(state, 0L);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * open_by_handle_at(FD_NSFS_ROOT, {bytes 16, FILEID_NSFS, id, cloneFlag, inode}, O_RDONLY|O_CLOEXEC):
     * the kernel's own answer to an nsfs handle (the fd is closed): 0, or -errno.
     */
    static int openNsfsHandle(long id, int cloneFlag, int inode) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment handle = arena.allocate(24, 8); // struct file_handle + struct nsfs_file_handle
            handle.set(JAVA_INT, 0, 16);
            handle.set(JAVA_INT, 4, FILEID_NSFS);
            handle.set(JAVA_LONG, 8, id);
            handle.set(JAVA_INT, 16, cloneFlag);
            handle.set(JAVA_INT, 20, inode);
            MemorySegment state = arena.allocate(CAPTURE);
            int fd = (int) OPEN_BY_HANDLE_AT.invokeExact(state, FD_NSFS_ROOT, handle, O_RDONLY_CLOEXEC);
            if (fd < 0) {
                return -(int) ERRNO.get(state, 0L);
            }
            close(fd);
            return 0;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** A u64 written by an ioctl at a fresh buffer: the value, or empty with the errno. */
    record U64(int rc, long value) {}

    static U64 ioctlU64(String path, long request) {
        int fd = open(path);
        if (fd < 0) {
            throw new IllegalStateException("open " + path + ": errno " + -fd);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(JAVA_LONG);
            int rc = ioctl(fd, request, buf.address());
            return new U64(rc, buf.get(JAVA_LONG, 0));
        } finally {
            close(fd);
        }
    }

    /** A pointer-argument nsfs request on a fresh fd of {@code path}, into a zeroed 64-byte buffer: the result, or -errno. */
    static int ioctlU64OrStruct(String path, long request, boolean newFd) {
        int fd = open(path);
        if (fd < 0) {
            throw new IllegalStateException("open " + path + ": errno " + -fd);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(64, 8);
            int rc = ioctl(fd, request, buf.address());
            if (rc >= 0 && newFd) {
                close(rc);
            }
            return rc;
        } finally {
            close(fd);
        }
    }

    /** The errno name for a -errno result, for notes: "ESRCH", "ENOTTY", ... */
    static String errnoName(long rc) {
        return switch ((int) -rc) {
            case ENOENT -> "ENOENT";
            case ESRCH -> "ESRCH";
            case EBADF -> "EBADF";
            case EINVAL -> "EINVAL";
            case ENOTTY -> "ENOTTY";
            case ENOSYS -> "ENOSYS";
            case 1 -> "EPERM";
            case 13 -> "EACCES";
            case 95 -> "EOPNOTSUPP";
            case 116 -> "ESTALE";
            default -> rc >= 0 ? "ok (" + rc + ")" : "errno " + -rc;
        };
    }
}
