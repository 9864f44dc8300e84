package io.github.nsfs4j;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;

import io.github.nsfs4j.testing.Proc;

/**
 * The kernel's view of the JVM's threads: for every task under {@code /proc/self/task}, the
 * namespace links that differ from the process's own ({@code /proc/self/ns}). Read with
 * readlink only, never through nsfs4j.
 */
final class ThreadNamespaces {
    private ThreadNamespaces() {}

    static final List<String> LINKS = List.of("cgroup", "ipc", "mnt", "net", "pid", "pid_for_children", "time",
            "time_for_children", "user", "uts");

    /** The calling (carrier) thread's id, from {@code /proc/thread-self} ({@code PID/task/TID}). */
    static long tid() {
        String self = Proc.readLink(Path.of("/proc/thread-self"));
        return Long.parseLong(self.substring(self.lastIndexOf('/') + 1));
    }

    /** tid to the links (as {@code net:[...]}) in which that thread differs from the process; empty when all are home. */
    static TreeMap<Long, List<String>> foreignThreads() {
        TreeMap<Long, List<String>> foreign = new TreeMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                List<String> differing = new ArrayList<>();
                for (String link : LINKS) {
                    try {
                        String mine = Files.readSymbolicLink(task.resolve("ns").resolve(link)).toString();
                        // /proc/self, not the pid: inside a pid namespace the JVM may see a procfs of its parent's
                        String home = Proc.readLink(Path.of("/proc/self/ns", link));
                        if (!mine.equals(home)) {
                            differing.add(link + "=" + mine);
                        }
                    } catch (NoSuchFileException e) {
                        // the thread ended while being read
                    }
                }
                if (!differing.isEmpty()) {
                    foreign.put(Long.parseLong(task.getFileName().toString()), differing);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return foreign;
    }

    /** readlink {@code /proc/thread-self/ns/LINK} on the calling thread. */
    static String own(String link) {
        return Proc.readLink(Path.of("/proc/thread-self/ns", link));
    }

    /**
     * {@link #foreignThreads()} once it is empty, or after 5 s: a thread that ends leaves
     * {@code /proc/self/task} a moment after Java sees it terminated.
     */
    static TreeMap<Long, List<String>> foreignThreadsSettled() throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        TreeMap<Long, List<String>> foreign = foreignThreads();
        while (!foreign.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
            foreign = foreignThreads();
        }
        return foreign;
    }
}
