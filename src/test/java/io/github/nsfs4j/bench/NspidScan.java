package io.github.nsfs4j.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The init of a pid namespace found the way Java code does without nsfs ioctls (the JDK's
 * attach code reads pids from {@code /proc/<pid>/status} the same way): read the
 * {@code NSpid:} line of every process. A process whose line has two or more ids and ends
 * in 1 is the init of a child pid namespace; the inode of its {@code /proc/<pid>/ns/pid}
 * link says which namespace. Written as plain java.nio code, for the benchmarks only.
 */
public final class NspidScan {
    private NspidScan() {}

    private static final Path PROC = Path.of("/proc");

    /** The host pid of the init of the pid namespace with this inode; 0 if none is found. Stops at the first match. */
    public static int initPidOf(long pidnsInode) {
        int[] found = {0};
        scan((inode, pid) -> {
            if (inode == pidnsInode) {
                found[0] = pid;
                return false;
            }
            return true;
        });
        return found[0];
    }

    /** One pass: pid namespace inode to the host pid of its init, for every child pid namespace in view. */
    public static Map<Long, Integer> allInits() {
        Map<Long, Integer> inits = new HashMap<>();
        scan((inode, pid) -> {
            inits.put(inode, pid);
            return true;
        });
        return inits;
    }

    /** The inode of {@code /proc/<pid>/ns/pid} (its link reads {@code pid:[inode]}), or -1. */
    public static long pidnsInode(int pid) {
        return pidnsInode(PROC.resolve(Integer.toString(pid)));
    }

    private interface Visitor {
        /** Called for each init of a child pid namespace; false stops the scan. */
        boolean visit(long pidnsInode, int hostPid);
    }

    private static void scan(Visitor visitor) {
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(PROC, NspidScan::isNumeric)) {
            for (Path process : processes) {
                if (isChildNamespaceInit(process)) {
                    long inode = pidnsInode(process);
                    if (inode >= 0 && !visitor.visit(inode, Integer.parseInt(process.getFileName().toString()))) {
                        return;
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean isChildNamespaceInit(Path process) {
        try {
            for (String line : Files.readAllLines(process.resolve("status"))) {
                if (line.startsWith("NSpid:")) {
                    String[] ids = line.substring(6).trim().split("\\s+");
                    return ids.length >= 2 && ids[ids.length - 1].equals("1");
                }
            }
        } catch (IOException e) {
            // exited meanwhile, or not ours to read
        }
        return false;
    }

    private static long pidnsInode(Path process) {
        try {
            String link = Files.readSymbolicLink(process.resolve("ns/pid")).toString();
            return Long.parseLong(link.substring(link.indexOf('[') + 1, link.indexOf(']')));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static boolean isNumeric(Path path) {
        String name = path.getFileName().toString();
        return !name.isEmpty() && name.chars().allMatch(c -> c >= '0' && c <= '9');
    }
}
