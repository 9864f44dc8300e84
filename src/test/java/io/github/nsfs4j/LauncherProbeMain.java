package io.github.nsfs4j;

import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.testing.Proc;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Run by NamespaceSetLauncherTest in a child JVM (as an unprivileged user, or with its
 * standard streams closed): {@code PID TYPES COMMAND...} starts COMMAND in the namespaces
 * TYPES ({@code all}, a comma list such as {@code user,net}, or {@code files:PATH,PATH}) of process
 * PID, with the JVM's
 * own standard streams, and prints {@code exit N}, or the exception's class and message; then
 * whether the JVM's fds and children are as before. TYPES may end with options of
 * {@link ProcessOptions}: {@code +preserve} (preserveCredentials), {@code +keepcaps}
 * (keepCapabilities), {@code +cgroup} (joinCgroup of PID's cgroup).
 */
public final class LauncherProbeMain {
    private LauncherProbeMain() {}

    public static void main(String[] args) throws Exception {
        int pid = Integer.parseInt(args[0]);
        String[] spec = args[1].split("\\+");
        List<String> command = Arrays.asList(args).subList(2, args.length);
        Map<Integer, String> fdsBefore = Proc.fds();
        List<Long> childrenBefore = Proc.children(ProcessHandle.current().pid());
        // namespace files need no process (PID is then ignored)
        try (Pidfd target = spec[0].startsWith("files:") ? null : Pidfd.open(pid);
                NamespaceSet set = set(target, spec[0])) {
            ProcessOptions options = new ProcessOptions();
            for (String option : Arrays.asList(spec).subList(1, spec.length)) {
                switch (option) {
                    case "preserve" -> options.preserveCredentials();
                    case "keepcaps" -> options.keepCapabilities();
                    case "cgroup" -> options.joinCgroup(target.cgroup().orElseThrow());
                    default -> throw new IllegalArgumentException("no option " + option);
                }
            }
            Process p = set.start(new ProcessBuilder(command).inheritIO(), options);
            System.out.println("exit " + p.waitFor());
        } catch (Exception e) {
            System.out.println(e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        Map<Integer, String> added = new TreeMap<>(Proc.fds());
        added.entrySet().removeIf(e -> e.getValue().equals(fdsBefore.get(e.getKey())) || lasting(e.getValue()));
        System.out.println("fds " + (added.isEmpty() ? "as before" : "added " + added));
        List<Long> children = Proc.children(ProcessHandle.current().pid());
        System.out.println("children " + (children.equals(childrenBefore) ? "as before" : children));
    }

    /** {@code all}, types ({@code user,net}), or {@code files:PATH,PATH} (namespace files, whatever process). */
    private static NamespaceSet set(Pidfd target, String spec) throws Exception {
        if (spec.equals("all")) {
            return NamespaceSet.allOf(target);
        }
        if (spec.startsWith("files:")) {
            List<Namespace> files = new java.util.ArrayList<>();
            try {
                for (String path : spec.substring(6).split(",")) {
                    files.add(Namespace.open(java.nio.file.Path.of(path)));
                }
                return NamespaceSet.of(files);
            } finally {
                files.forEach(Namespace::close);
            }
        }
        return NamespaceSet.of(target, types(spec));
    }

    /**
     * What the first start leaves open on purpose, for the JVM's life: the launcher's memfd, the
     * JVM's own namespaces, the ns directory of an nsfs4j thread; a jar the class loader opened
     * (jnr-constants, for an errno's name); and the listing of /proc/self/fd.
     */
    private static boolean lasting(String link) {
        String self = "/proc/" + ProcessHandle.current().pid() + "/";
        if (link.endsWith(".jar") || link.equals("/memfd:" + io.github.nsfs4j.linux.Launcher.NAME + " (deleted)") || link.equals(self + "fd")
                || (link.startsWith(self + "task/") && link.endsWith("/ns"))) {
            return true;
        }
        java.util.regex.Matcher m = Proc.NS_LINK.matcher(link);
        return m.matches() && link.equals(Proc.nsLink(ProcessHandle.current().pid(), m.group(1)));
    }

    private static Set<NamespaceType> types(String list) {
        Set<NamespaceType> types = EnumSet.noneOf(NamespaceType.class);
        for (String name : list.split(",")) {
            types.add(NamespaceType.valueOf(name.toUpperCase(java.util.Locale.ROOT)));
        }
        return types;
    }
}
