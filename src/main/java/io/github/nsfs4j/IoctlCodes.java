package io.github.nsfs4j;

/**
 * The asm-generic ioctl request encoding ({@code include/uapi/asm-generic/ioctl.h}), used by
 * x86-64 and arm64: {@code dir << 30 | size << 16 | type << 8 | nr}.
 */
final class IoctlCodes {
    private IoctlCodes() {}

    static final int IOC_NONE = 0;
    static final int IOC_WRITE = 1;
    static final int IOC_READ = 2;

    private static final int NR_BITS = 8;
    private static final int TYPE_BITS = 8;
    private static final int SIZE_BITS = 14;
    private static final int NR_SHIFT = 0;
    private static final int TYPE_SHIFT = NR_SHIFT + NR_BITS;
    private static final int SIZE_SHIFT = TYPE_SHIFT + TYPE_BITS;
    private static final int DIR_SHIFT = SIZE_SHIFT + SIZE_BITS;

    /** {@code _IOC(dir, type, nr, size)}, as the unsigned 32-bit value the kernel compares. */
    static long _IOC(int dir, int type, int nr, long size) {
        if ((type & ~0xff) != 0 || (nr & ~0xff) != 0 || size < 0 || size >= 1L << SIZE_BITS || (dir & ~3) != 0) {
            throw new IllegalArgumentException("ioctl field out of range: dir=" + dir + " type=" + type
                    + " nr=" + nr + " size=" + size);
        }
        return ((long) dir << DIR_SHIFT) | (size << SIZE_SHIFT) | ((long) type << TYPE_SHIFT) | ((long) nr << NR_SHIFT);
    }

    static long _IO(int type, int nr) {
        return _IOC(IOC_NONE, type, nr, 0);
    }

    static long _IOR(int type, int nr, long size) {
        return _IOC(IOC_READ, type, nr, size);
    }

    static long _IOW(int type, int nr, long size) {
        return _IOC(IOC_WRITE, type, nr, size);
    }

    static long _IOWR(int type, int nr, long size) {
        return _IOC(IOC_READ | IOC_WRITE, type, nr, size);
    }
}
