package io.github.nsfs4j.internal;

import io.github.nsfs4j.kernel.NamespaceType;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * {@code /proc/PID/mountinfo}, read as bytes (a mount point is any byte string): its
 * {@code nsfs} entries (namespaces bind-mounted somewhere) and its number of mounts.
 */
public final class Mountinfo {
    private Mountinfo() {}

    /**
     * One {@code nsfs} entry of {@code mountinfo}: a namespace file bind-mounted somewhere.
     *
     * @param root the root field, the namespace's link text ({@code net:[4026532177]})
     * @param mountPoint where it is mounted, as bytes, mountinfo's {@code \ooo} escapes undone
     *     (a mount point is any byte string but NUL: not necessarily text in any encoding)
     */
    public record NsfsMount(String root, byte[] mountPoint) {}

    /**
     * The {@code nsfs} entries of a process's {@code mountinfo}, read as bytes.
     *
     * @throws IOException if it cannot be read (the process is gone, or hidden)
     */
    public static List<NsfsMount> nsfsMounts(Path processDir) throws IOException {
        byte[] text = Files.readAllBytes(processDir.resolve("mountinfo"));
        List<NsfsMount> mounts = new ArrayList<>();
        int start = 0;
        while (start < text.length) {
            int end = indexOf(text, (byte) '\n', start, text.length);
            if (end < 0) {
                end = text.length;
            }
            NsfsMount m = nsfsMount(text, start, end);
            if (m != null) {
                mounts.add(m);
            }
            start = end + 1;
        }
        return mounts;
    }

    /**
     * One line {@code ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE
     * SUPER}: the entry if FSTYPE is nsfs, else null. Fields are separated by single spaces;
     * a space, tab, newline or backslash inside a field is escaped, so splitting is safe.
     */
    private static NsfsMount nsfsMount(byte[] line, int from, int to) {
        List<int[]> fields = new ArrayList<>(12);
        int f = from;
        while (f <= to) {
            int space = indexOf(line, (byte) ' ', f, to);
            int e = space < 0 ? to : space;
            fields.add(new int[] {f, e});
            f = e + 1;
        }
        int dash = -1;
        for (int i = 6; i < fields.size(); i++) {
            int[] field = fields.get(i);
            if (field[1] - field[0] == 1 && line[field[0]] == '-') {
                dash = i;
                break;
            }
        }
        if (dash < 0 || dash + 1 >= fields.size()) {
            return null;
        }
        int[] type = fields.get(dash + 1);
        if (!new String(line, type[0], type[1] - type[0], StandardCharsets.ISO_8859_1).equals("nsfs")) {
            return null;
        }
        int[] root = fields.get(3);
        int[] point = fields.get(4);
        return new NsfsMount(new String(unescape(line, root[0], root[1]), StandardCharsets.ISO_8859_1),
                unescape(line, point[0], point[1]));
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
