package io.github.nsfs4j.internal;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.linux.Constants;
import io.github.nsfs4j.linux.LibC;
import io.github.nsfs4j.linux.Structs;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The scan's reader of {@code /proc/PID}: links, the fd directory, owner, thread count,
 * command line and mountinfo, read with the system calls alone (readlinkat, getdents64, statx, open, read)
 * into native buffers made once per scan. A path is built in place ({@code /proc/PID/ns/net}),
 * a link parsed where the kernel wrote it: nothing is allocated for a link that is not kept,
 * so a scan of thousands of processes costs what its system calls cost, also before the JIT
 * has compiled anything (a command's scan runs once). The procfs tree may be a made-up one
 * (tests). Not thread-safe: one per scan.
 */
final class ProcWalk implements AutoCloseable {
    private static final int PATH_MAX = 4096;

    private final Arena arena = Arena.ofConfined();
    private final MemorySegment path = arena.allocate(PATH_MAX);
    private final MemorySegment link = arena.allocate(PATH_MAX);
    private final MemorySegment name = arena.allocate(64);
    private final MemorySegment dirents = arena.allocate(32768, 8);
    private final MemorySegment statx = arena.allocate(Structs.STATX);
    private final byte[] procPrefix;
    /** Length of the directory prefix in {@link #path}: {@code /proc/PID/} or {@code /proc/PID/task/TID/}. */
    private int base;
    /** Length of {@code /proc/PID/} in {@link #path}: what {@link #dirFd} stands for. */
    private int procBase;
    /**
     * An O_PATH fd of {@code /proc/PID} (-1 if it could not be opened: full paths then): every
     * read of the process is made relative to it, so the kernel looks up neither {@code /proc}
     * nor the pid again, and every read is of that process (were it gone and its pid reused,
     * a lookup under the fd fails rather than reading the new one).
     */
    private int dirFd = -1;
    private int dirPid = -1;
    /** Length of the last link read into {@link #link}. */
    private int linkLength;

    ProcWalk(Path proc) {
        procPrefix = (proc.toString() + "/").getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Reads {@code /proc/PID/} from now on (opening it, unless it is the one open already). */
    void process(int pid) {
        int at = put(0, procPrefix);
        at = putInt(at, pid);
        path.set(JAVA_BYTE, at, (byte) 0);
        if (pid != dirPid) {
            closeDir();
            dirFd = LibC.openat(Constants.AT_FDCWD, path, Constants.O_PATH | Constants.O_CLOEXEC, 0);
            dirPid = pid;
        }
        path.set(JAVA_BYTE, at++, (byte) '/');
        base = at;
        procBase = at;
    }

    private void closeDir() {
        if (dirFd >= 0) {
            LibC.close(dirFd);
        }
        dirFd = -1;
        dirPid = -1;
    }

    /** The directory fd the path built in {@link #path} is relative to. */
    private int at() {
        return dirFd >= 0 ? dirFd : Constants.AT_FDCWD;
    }

    /** The path built, relative to {@link #at()}. */
    private MemorySegment built() {
        return dirFd >= 0 ? path.asSlice(procBase) : path;
    }

    /** Reads {@code /proc/PID/task/TID/} from now on. */
    void task(int pid, int tid) {
        process(pid);
        int at = putAscii(base, "task/");
        at = putInt(at, tid);
        path.set(JAVA_BYTE, at++, (byte) '/');
        base = at;
    }

    private int put(int at, byte[] bytes) {
        for (byte b : bytes) {
            path.set(JAVA_BYTE, at++, b);
        }
        return at;
    }

    private int putAscii(int at, String s) {
        for (int i = 0; i < s.length(); i++) {
            path.set(JAVA_BYTE, at++, (byte) s.charAt(i));
        }
        return at;
    }

    private int putInt(int at, int value) {
        int digits = 1;
        for (int v = value; v >= 10; v /= 10) {
            digits++;
        }
        for (int i = digits - 1, v = value; i >= 0; i--, v /= 10) {
            path.set(JAVA_BYTE, at + i, (byte) ('0' + v % 10));
        }
        return at + digits;
    }

    /** Ends the path at {@code base} + {@code rel} (a NUL after it); {@code rel} "" names the directory itself. */
    private void relative(String rel) {
        path.set(JAVA_BYTE, base - 1, (byte) '/'); // a directory's own path ("") cut it off
        int at = putAscii(base, rel);
        if (rel.isEmpty()) {
            at--; // "/proc/PID" without its slash
        }
        path.set(JAVA_BYTE, at, (byte) 0);
    }

    /** The current path plus {@code rel}, as bytes (for a holder that is kept). */
    byte[] pathBytes(String rel) {
        byte[] out = new byte[base + rel.length()];
        for (int i = 0; i < base; i++) {
            out[i] = path.get(JAVA_BYTE, i);
        }
        for (int i = 0; i < rel.length(); i++) {
            out[base + i] = (byte) rel.charAt(i);
        }
        return out;
    }

    // ---------------------------------------------------------------- links

    /** readlink of {@code rel} under the current directory: the link's length (in {@link #link}), or -errno. */
    int readlink(String rel) {
        relative(rel);
        long n = LibC.readlinkat(at(), built(), link, PATH_MAX);
        linkLength = n < 0 ? 0 : (int) n;
        return (int) n;
    }

    /** The inode of the last link if it reads {@code NAME:[digits]} for {@code type}'s name, else -1. */
    long nsInode(NamespaceType type) {
        String procName = type.procName();
        if (linkLength < procName.length() + 3) {
            return -1;
        }
        for (int i = 0; i < procName.length(); i++) {
            if (link.get(JAVA_BYTE, i) != procName.charAt(i)) {
                return -1;
            }
        }
        return bracketedInode(procName.length());
    }

    /** The inode of {@code :[digits]} at {@code at} of the last link, ending it; else -1. */
    private long bracketedInode(int at) {
        if (link.get(JAVA_BYTE, at) != ':' || link.get(JAVA_BYTE, at + 1) != '['
                || link.get(JAVA_BYTE, linkLength - 1) != ']' || at + 2 >= linkLength - 1) {
            return -1;
        }
        long inode = 0;
        for (int i = at + 2; i < linkLength - 1; i++) {
            byte b = link.get(JAVA_BYTE, i);
            if (b < '0' || b > '9' || Long.compareUnsigned(inode, Long.divideUnsigned(-1L, 10)) > 0) {
                return -1;
            }
            inode = inode * 10 + (b - '0');
        }
        return inode;
    }

    /** Whether the last link starts with {@code prefix} (ASCII). */
    boolean linkStartsWith(String prefix) {
        if (linkLength < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (link.get(JAVA_BYTE, i) != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** The inode of a {@code socket:[N]} link read last, else -1. */
    long socketInode() {
        return linkStartsWith("socket:[") ? bracketedInode(6) : -1;
    }

    /** Whether the last link is {@code /} (a root link: the process's root is its mount namespace's). */
    boolean linkIsSlash() {
        return linkLength == 1 && link.get(JAVA_BYTE, 0) == '/';
    }

    /** The last link as text (ISO-8859-1: a byte a char), for the rare links that are kept or looked at closer. */
    String linkText() {
        char[] chars = new char[linkLength];
        for (int i = 0; i < linkLength; i++) {
            chars[i] = (char) (link.get(JAVA_BYTE, i) & 0xff);
        }
        return new String(chars);
    }

    // ---------------------------------------------------------------- the fd directory

    /** Receives each fd of {@link #fds}; the link is the walker's last ({@link #nsInode}, ...). */
    interface FdSink {
        void fd(int number);
    }

    /**
     * Every fd of the current process with its link (fds closed meanwhile left out): 0, or
     * -errno when the directory cannot be read (another user's process, or it exited).
     */
    int fds(FdSink sink) {
        relative("fd");
        int dir = LibC.openat(at(), built(), Constants.O_RDONLY | Constants.O_CLOEXEC, 0);
        if (dir < 0) {
            return dir;
        }
        try {
            for (;;) {
                long n = LibC.getdents64(dir, dirents, dirents.byteSize());
                if (n <= 0) {
                    return (int) Math.min(n, 0);
                }
                // struct linux_dirent64: u64 d_ino, s64 d_off, u16 d_reclen, u8 d_type, char d_name[]
                for (long off = 0; off < n; ) {
                    int reclen = Short.toUnsignedInt(dirents.get(JAVA_SHORT, off + 16));
                    int number = 0;
                    int length = 0;
                    boolean digits = true;
                    for (long i = off + 19; ; i++) {
                        byte b = dirents.get(JAVA_BYTE, i);
                        if (b == 0) {
                            break;
                        }
                        if (b < '0' || b > '9' || length > 9) {
                            digits = false; // ".", "..", or no fd number (a made-up tree's)
                        } else {
                            number = number * 10 + (b - '0');
                            name.set(JAVA_BYTE, length, b);
                        }
                        length++;
                    }
                    if (digits && length > 0) {
                        name.set(JAVA_BYTE, length, (byte) 0);
                        long r = LibC.readlinkat(dir, name, link, PATH_MAX);
                        if (r >= 0) {
                            linkLength = (int) r;
                            sink.fd(number);
                        }
                    }
                    off += reclen;
                }
            }
        } finally {
            LibC.close(dir);
        }
    }

    // ---------------------------------------------------------------- stat, files

    /** The owner uid of the current directory (unsigned in an int), or -errno as a negative long. */
    long ownerUid() {
        int rc;
        if (dirFd >= 0 && base == procBase) {
            rc = LibC.fstatx(dirFd, Constants.STATX_UID, statx); // the kernel sets the owner afresh on each stat
        } else {
            relative("");
            rc = LibC.statx(Constants.AT_FDCWD, path, 0, Constants.STATX_UID, statx);
        }
        return rc < 0 ? rc : Integer.toUnsignedLong(Structs.statxUid(statx));
    }

    /** The number of threads of the current process ({@code task}'s link count minus 2), or -errno. */
    int threadCount() {
        relative("task");
        int rc = LibC.statx(at(), built(), 0, Constants.STATX_NLINK, statx);
        return rc < 0 ? rc : Structs.statxNlink(statx) - 2;
    }

    /** Whether the current directory exists (a process still there, zombie or not): looked up afresh. */
    boolean exists() {
        relative("");
        return LibC.statx(Constants.AT_FDCWD, path, 0, 0, statx) == 0;
    }

    /** The whole of file {@code rel} under the current directory, or null if it cannot be read (errno in {@link #lastErrno}). */
    byte[] read(String rel) {
        return read(rel, false);
    }

    /**
     * The whole of file {@code rel}, read until the end: for a file such as {@code mountinfo}
     * whose reads stop short at a line's end, where {@link #read} stops at the first short
     * read (procfs's cmdline and comm give all they have to one read).
     */
    byte[] readToEnd(String rel) {
        return read(rel, true);
    }

    private byte[] read(String rel, boolean toEnd) {
        relative(rel);
        int fd = LibC.openat(at(), built(), Constants.O_RDONLY | Constants.O_CLOEXEC, 0);
        if (fd < 0) {
            lastErrno = -fd;
            return null;
        }
        try {
            byte[] out = new byte[0];
            for (;;) {
                long n = LibC.read(fd, dirents, dirents.byteSize());
                if (n < 0) {
                    lastErrno = (int) -n;
                    return null;
                }
                if (n == 0) {
                    return out;
                }
                int at = out.length;
                out = Arrays.copyOf(out, at + (int) n);
                MemorySegment.copy(dirents, JAVA_BYTE, 0, out, at, (int) n);
                if (!toEnd && n < dirents.byteSize()) {
                    return out; // procfs's cmdline and comm give all they have to one read: a short one is the end
                }
            }
        } finally {
            LibC.close(fd);
        }
    }

    /** The errno of the last failed {@link #read}. */
    int lastErrno;

    /**
     * The command line with NULs as spaces, as lsns shows it; {@code comm} (without its
     * newline) for a kernel thread; empty if neither can be read; null if the process is gone.
     */
    byte[] command() {
        byte[] raw = read("cmdline");
        if (raw == null) {
            return lastErrno == io.github.nsfs4j.linux.Errno.ENOENT || lastErrno == io.github.nsfs4j.linux.Errno.ESRCH
                    ? null : new byte[0];
        }
        byte[] line = Procfs.commandLine(raw);
        if (line != null) {
            return line;
        }
        byte[] comm = read("comm");
        if (comm == null) {
            return new byte[0];
        }
        int n = comm.length;
        while (n > 0 && (comm[n - 1] == '\n' || comm[n - 1] == ' ')) {
            n--;
        }
        return Arrays.copyOf(comm, n);
    }

    @Override
    public void close() {
        closeDir();
        arena.close();
    }
}
