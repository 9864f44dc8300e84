package io.github.nsfs4j;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** What the library reads from {@code /proc} as text: the process list and {@code type:[inode]} links. */
final class Procfs {
    private Procfs() {}

    static final Path PROC = Path.of("/proc");

    /**
     * Every process in {@code /proc}, ascending (so the first one seen in a namespace is its
     * lowest pid).
     *
     * @throws IOException if {@code /proc} cannot be listed
     */
    static int[] pids() throws IOException {
        int[] pids = new int[256];
        int n = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(PROC)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (!name.isEmpty() && name.chars().allMatch(c -> c >= '0' && c <= '9')) {
                    if (n == pids.length) {
                        pids = Arrays.copyOf(pids, n * 2);
                    }
                    pids[n++] = Integer.parseInt(name);
                }
            }
        }
        int[] sorted = Arrays.copyOf(pids, n);
        Arrays.sort(sorted);
        return sorted;
    }

    /** The inode that a namespace link such as {@code /proc/PID/ns/pid} names, or -1 if it cannot be read. */
    static long linkInode(Path link, NamespaceType type) {
        try {
            return nsInode(Files.readSymbolicLink(link).toString(), type);
        } catch (IOException e) {
            return -1;
        }
    }

    /** The type named by a {@code type:[inode]} link text, or null if it is not a namespace link. */
    static NamespaceType typeOfLink(String target) {
        int colon = target.indexOf(":[");
        if (colon <= 0 || !target.endsWith("]")) {
            return null;
        }
        String name = target.substring(0, colon);
        for (NamespaceType type : NamespaceType.values()) {
            if (type.procName().equals(name)) {
                return type;
            }
        }
        return null;
    }

    /** The inode of a {@code type:[inode]} link text of the given type, or -1. */
    static long nsInode(String target, NamespaceType type) {
        String prefix = type.procName() + ":[";
        if (!target.startsWith(prefix) || !target.endsWith("]")) {
            return -1;
        }
        try {
            return Long.parseLong(target, prefix.length(), target.length() - 1, 10);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
