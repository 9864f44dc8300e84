package io.github.nsfs4j;

import io.github.nsfs4j.internal.Failure;
import io.github.nsfs4j.internal.NsFile;
import io.github.nsfs4j.internal.enter.LauncherFile;
import io.github.nsfs4j.internal.enter.LauncherStart;
import io.github.nsfs4j.internal.enter.NamespaceThread;
import io.github.nsfs4j.internal.enter.PoolThread;
import io.github.nsfs4j.internal.enter.Preload;
import io.github.nsfs4j.internal.enter.ProcessStart;
import io.github.nsfs4j.internal.enter.SpawnStart;
import io.github.nsfs4j.kernel.NamespaceType;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@link NamespaceSet#start(ProcessBuilder, ProcessOptions)}'s work: chooses the way (posix_spawn
 * from a thread that entered the set, or nsfs4j's launcher for user and time namespaces,
 * {@link ProcessOptions} only it can do, and a working directory), refuses a start that needs the
 * launcher where it cannot run, and turns the options into the internal ones.
 */
final class ProcessStarter {
    /** What a thread can enter, in the kernel's order. */
    private final NsFile[] entries;
    /** The user and time namespaces, which only the launcher joins. */
    private final NsFile[] processOnly;
    /** All of them, in nsenter's order, the launcher's. */
    private final NsFile[] launchOrder;
    private final Set<NamespaceType> types;
    private final String target;

    /**
     * @param plan the set's namespaces
     * @param target what they are, for messages
     */
    ProcessStarter(EntryChecks.Plan plan, String target) {
        this.entries = plan.order();
        this.processOnly = plan.processOnly();
        this.launchOrder = plan.launchOrder();
        this.types = plan.types();
        this.target = target;
    }

    /** Starts {@code builder} in the set's namespaces: {@link NamespaceSet#start(ProcessBuilder, ProcessOptions)}. */
    Process start(ProcessBuilder builder, ProcessOptions options) throws IOException {
        NamespaceThread.checkNotInside();
        boolean launcher = processOnly.length > 0 || options.needsLauncher()
                // posix_spawn gives one errno for a failed chdir and a failed exec; the launcher tells them apart
                || builder.directory() != null && LauncherFile.unavailable() == null;
        if (launcher) {
            String unavailable = LauncherFile.unavailable();
            if (unavailable != null) {
                throw new EntryRefusedException(types + " of " + target,
                        EntryRefusedException.Reason.LAUNCHER_UNAVAILABLE,
                        "starting this process needs " + launcherNeed(options) + ", but " + unavailable);
            }
        }
        try (ProcessStart start = ProcessStart.prepare(builder, internal(options))) {
            Preload.forProcesses();
            if (launcher) {
                LauncherStart launch = new LauncherStart(start, launchOrder, target);
                int pid = Outcomes.<Integer, IOException>of(PoolThread.run(launch.job()));
                return launch.started(pid);
            }
            SpawnStart spawn = new SpawnStart(start, entries, target);
            int pid = Outcomes.<Integer, RuntimeException>of(PoolThread.run(spawn.job()));
            return spawn.started(pid);
        } catch (Failure f) {
            throw Failures.of(f);
        }
    }

    /** What the launcher is needed for, for a refusal. */
    private String launcherNeed(ProcessOptions options) {
        List<String> needs = new ArrayList<>();
        for (NsFile ns : processOnly) {
            needs.add("joining the " + ns.type() + " namespace " + ns);
        }
        if (options.uid() >= 0 || options.gid() >= 0) {
            needs.add("setting the uid or gid");
        }
        if (options.root() != null || options.workingDirectory() != null) {
            needs.add("changing the root or working directory");
        }
        if (options.cgroup() != null) {
            needs.add("joining a cgroup");
        }
        return String.join(" and ", needs) + ", which only nsfs4j's launcher can do";
    }

    private static ProcessStart.Options internal(ProcessOptions o) {
        int closed = 0;
        for (ProcessOptions.Stream s : o.closed()) {
            closed |= 1 << s.ordinal();
        }
        return new ProcessStart.Options(o.uid(), o.gid(), o.preservesCredentials(), o.root(), o.workingDirectory(),
                closed, o.argv0(), o.keepsCapabilities(), o.cgroup());
    }
}
