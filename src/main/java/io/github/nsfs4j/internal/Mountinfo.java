package io.github.nsfs4j.internal;

import io.github.nsfs4j.kernel.NamespaceType;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;

/**
 * {@code /proc/PID/mountinfo}, read as bytes (a mount point is any byte string): its
 * {@code nsfs} entries (namespaces bind-mounted somewhere), its {@code cgroup2} ones, and its
 * number of mounts.
 */
public final class Mountinfo {
    private Mountinfo() {}

    /**
     * One entry of {@code mountinfo} of the file system type asked for: an {@code nsfs} one is a
     * namespace file bind-mounted somewhere, a {@code cgroup2} one a cgroup v2 hierarchy.
     *
     * @param root the root field: for nsfs the namespace's link text ({@code net:[4026532177]}),
     *     for cgroup2 the cgroup mounted there
     * @param mountPoint where it is mounted, as bytes, mountinfo's {@code \ooo} escapes undone
     *     (a mount point is any byte string but NUL: not necessarily text in any encoding)
     */
    public record Mount(String root, byte[] mountPoint) {}

    /**
     * The {@code nsfs} entries of a process's {@code mountinfo}, read as bytes.
     *
     * @throws IOException if it cannot be read (the process is gone, or hidden)
     */
    public static List<Mount> nsfsMounts(Path processDir) throws IOException {
        return nsfsMounts(Files.readAllBytes(processDir.resolve("mountinfo")));
    }

    /** The {@code nsfs} entries of the text of a {@code mountinfo}. */
    public static List<Mount> nsfsMounts(byte[] text) {
        return mounts(text, NSFS);
    }

    /**
     * The {@code cgroup2} entries of the text of a {@code mountinfo}, in its order: each root
     * field is the cgroup mounted there, as the reader's cgroup namespace names it.
     */
    public static List<Mount> cgroup2Mounts(byte[] text) {
        return mounts(text, CGROUP2);
    }

    private static final byte[] NSFS = {'n', 's', 'f', 's'};
    private static final byte[] CGROUP2 = {'c', 'g', 'r', 'o', 'u', 'p', '2'};

    private static List<Mount> mounts(byte[] text, byte[] fstype) {
        List<Mount> mounts = new ArrayList<>();
        int start = 0;
        while (start < text.length) {
            int end = indexOf(text, (byte) '\n', start, text.length);
            if (end < 0) {
                end = text.length;
            }
            Mount m = mount(text, start, end, fstype);
            if (m != null) {
                mounts.add(m);
            }
            start = end + 1;
        }
        return mounts;
    }

    /**
     * One line {@code ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE
     * SUPER}: the entry if FSTYPE is {@code fstype}, else null. Fields are separated by single
     * spaces; a space, tab, newline or backslash inside a field is escaped, so splitting is safe.
     */
    private static Mount mount(byte[] line, int from, int to, byte[] fstype) {
        int rootFrom = 0, rootTo = 0, pointFrom = 0, pointTo = 0;
        int f = from;
        for (int field = 0; f <= to; field++) {
            int space = indexOf(line, (byte) ' ', f, to);
            int e = space < 0 ? to : space;
            if (field == 3) {
                rootFrom = f;
                rootTo = e;
            } else if (field == 4) {
                pointFrom = f;
                pointTo = e;
            } else if (field >= 6 && e - f == 1 && line[f] == '-') {
                // the separator: FSTYPE follows (nothing allocated for the other lines)
                int type = e + 1;
                if (type > to) {
                    return null;
                }
                int typeEnd = indexOf(line, (byte) ' ', type, to);
                if (!Arrays.equals(line, type, typeEnd < 0 ? to : typeEnd, fstype, 0, fstype.length)) {
                    return null;
                }
                return new Mount(new String(unescape(line, rootFrom, rootTo), StandardCharsets.ISO_8859_1),
                        unescape(line, pointFrom, pointTo));
            }
            f = e + 1;
        }
        return null;
    }

    /** mountinfo's field escapes: {@code \ooo} (three octal digits) is that byte; anything else stays. */
    public static byte[] unescape(byte[] text, int from, int to) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(to - from);
        for (int i = from; i < to; i++) {
            byte b = text[i];
            if (b == '\\' && i + 4 <= to && isOctal(text, i + 1, i + 4)) {
                out.write(((text[i + 1] - '0') << 6) | ((text[i + 2] - '0') << 3) | (text[i + 3] - '0'));
                i += 3;
            } else {
                out.write(b);
            }
        }
        return out.toByteArray();
    }

    private static boolean isOctal(byte[] text, int from, int to) {
        for (int i = from; i < to; i++) {
            if (text[i] < '0' || text[i] > '7') {
                return false;
            }
        }
        return text[from] <= '3'; // at most \377
    }

    private static int indexOf(byte[] text, byte b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (text[i] == b) {
                return i;
            }
        }
        return -1;
    }

    /** The number of lines of a process's {@code mountinfo}. */
    private static long mountinfoLines(Path processDir) throws IOException {
        byte[] text = Files.readAllBytes(processDir.resolve("mountinfo"));
        long lines = 0;
        for (byte b : text) {
            if (b == '\n') {
                lines++;
            }
        }
        return lines;
    }

    /**
     * The number of mounts of the mount namespace {@code inode} as process {@code pid}'s
     * {@code mountinfo} shows them; empty if that process is gone, unreadable, or no longer in
     * that namespace (its link is read before and after).
     */
    public static OptionalLong mountCount(int pid, long inode) {
        Path dir = Procfs.PROC.resolve(Integer.toString(pid));
        Path link = dir.resolve("ns/mnt");
        try {
            if (Procfs.linkInode(link, NamespaceType.MNT) != inode) {
                return OptionalLong.empty();
            }
            long lines = mountinfoLines(dir);
            return Procfs.linkInode(link, NamespaceType.MNT) == inode ? OptionalLong.of(lines) : OptionalLong.empty();
        } catch (IOException e) {
            return OptionalLong.empty();
        }
    }
}
