package io.github.nsfs4j.linux;

/**
 * ioctl request encoding, {@code dir << dirShift | size << 16 | type << 8 | nr}, in the two
 * forms Linux uses: asm-generic ({@code include/uapi/asm-generic/ioctl.h}: x86-64, arm64,
 * riscv64, s390x) and the one of powerpc, mips, sparc and alpha (3 direction bits, a 13-bit
 * size, and "none" as its own bit). The static methods encode for the running architecture.
 */
public final class IoctlCodes {
    private IoctlCodes() {}

    /** The bits of an ioctl request that differ between architecture families. */
    public enum Encoding {
        /** {@code _IOC_NONE 0, _IOC_WRITE 1, _IOC_READ 2}, 14 size bits, 2 direction bits. */
        ASM_GENERIC(0, 1, 2, 14),
        /** {@code _IOC_NONE 1, _IOC_READ 2, _IOC_WRITE 4}, 13 size bits, 3 direction bits. */
        POWERPC(1, 4, 2, 13);

        private static final int NR_SHIFT = 0;
        private static final int TYPE_SHIFT = 8;
        private static final int SIZE_SHIFT = 16;

        private final int none;
        private final int write;
        private final int read;
        private final int sizeBits;

        Encoding(int none, int write, int read, int sizeBits) {
            this.none = none;
            this.write = write;
            this.read = read;
            this.sizeBits = sizeBits;
        }

        /** {@code _IOC(dir, type, nr, size)} with {@code dir} from {@code read}/{@code write}: the unsigned 32-bit value. */
        public long ioc(boolean read, boolean write, int type, int nr, long size) {
            if ((type & ~0xff) != 0 || (nr & ~0xff) != 0 || size < 0 || size >= 1L << sizeBits) {
                throw new IllegalArgumentException("ioctl field out of range: type=" + type + " nr=" + nr
                        + " size=" + size + " (" + sizeBits + " size bits)");
            }
            int dir = (read ? this.read : 0) | (write ? this.write : 0);
            if (dir == 0) {
                dir = none;
            }
            return ((long) dir << (SIZE_SHIFT + sizeBits)) | (size << SIZE_SHIFT) | ((long) type << TYPE_SHIFT)
                    | ((long) nr << NR_SHIFT);
        }

        public long io(int type, int nr) {
            return ioc(false, false, type, nr, 0);
        }

        public long ior(int type, int nr, long size) {
            return ioc(true, false, type, nr, size);
        }
    }

    /**
     * The running architecture's encoding. On an unknown architecture, asm-generic, only so
     * that the request tables can be built: no native call happens there ({@link Arch#require}).
     */
    public static final Encoding RUNNING = Arch.RUNNING == null ? Encoding.ASM_GENERIC : Arch.RUNNING.ioctlEncoding();

    public static long _IO(int type, int nr) {
        return RUNNING.io(type, nr);
    }

    public static long _IOR(int type, int nr, long size) {
        return RUNNING.ior(type, nr, size);
    }
}
