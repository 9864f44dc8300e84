package io.github.nsfs4j;

/**
 * Work to run inside other namespaces ({@link NamespaceSet#call}, {@link EnteredExecutor#call}):
 * a {@link java.util.concurrent.Callable} whose checked exception type is a type parameter,
 * so that what the task throws reaches the caller as itself, not wrapped.
 *
 * <pre>{@code
 * String hostname = set.call(() -> Files.readString(Path.of("/proc/sys/kernel/hostname")));  // X = IOException
 * }</pre>
 *
 * <p><b>What runs where.</b> The task runs on a platform thread of nsfs4j that has entered the
 * namespaces. Only that thread has: work the task hands to another thread runs in that
 * thread's namespaces. A thread that already exists (a pool thread, the carrier of a virtual
 * thread) is in the JVM's namespaces, so {@code CompletableFuture.supplyAsync(...)},
 * {@code executor.submit(...)} or a virtual thread started by the task do <em>not</em> run in
 * the entered namespaces. Worse, a thread the kernel creates from the task's thread (a
 * {@code new Thread}, or a pool thread or virtual-thread carrier that the JDK starts at that
 * moment because the pool was still empty) inherits the entered net, uts, ipc, cgroup and
 * mount namespaces and keeps them for its whole life. Do the work on the task's own thread.
 * With a pid namespace entered the thread cannot create threads at all: the kernel refuses
 * {@code clone(CLONE_THREAD)} with EINVAL, which the JDK reports as
 * {@code OutOfMemoryError: unable to create native thread}.
 *
 * <p><b>{@code /proc/self} is the process.</b> It names the JVM's main thread, so
 * {@code /proc/self/ns/*}, {@code /proc/self/mountinfo} and {@code /proc/net/*} (a link to
 * {@code /proc/self/net}) show the JVM's namespaces even inside a task. Read
 * {@code /proc/thread-self/...} instead ({@code /proc/thread-self/net/dev},
 * {@code /proc/thread-self/mountinfo}); {@code /proc/sys/kernel/hostname} and the other
 * {@code /proc/sys} files already follow the calling thread.
 *
 * <p><b>Its own thread's namespaces.</b> A task must not move its thread itself (setns(2) or
 * unshare(2), directly or through a native library): nsfs4j finds it out after the task, ends
 * the thread and throws a {@link RestoreFailedException} that carries the task's outcome
 * (an {@link EnteredExecutor} replaces the thread).
 *
 * <p><b>Mount namespace.</b> With a mount namespace entered, every path the thread opens is
 * resolved in the target's file tree, and so is every class or JDK native library loaded for
 * the first time on it (the JDK loads {@code libnio}, {@code libnet}, ... from its
 * {@code java.home} on first use). nsfs4j loads its own classes and the JDK's file, socket
 * and network libraries before it enters; use your task's other classes once before, or
 * load them with {@link Class#forName(String)}.
 *
 * @param <T> the result type
 * @param <X> the checked exception the task may throw ({@link RuntimeException} if none)
 */
@FunctionalInterface
public interface NamespaceTask<T, X extends Exception> {
    /**
     * Runs the task, on a thread inside the entered namespaces.
     *
     * @return the result, handed to the caller
     * @throws X the task's own failure, handed to the caller as it is
     */
    T call() throws X;
}
