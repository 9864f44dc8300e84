package io.github.nsfs4j;

import io.github.nsfs4j.internal.Failure;
import io.github.nsfs4j.internal.JvmNamespaces;
import io.github.nsfs4j.internal.NsFile;
import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.kernel.NsIoctl;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The kernel's rules for setns(2), checked before anything is entered (docs/design.md,
 * "Entering namespaces"): the JVM's own skipped; user and time namespaces kept for processes
 * (nsfs4j's launcher joins them) and refused to tasks; the capabilities, an owner in view, a
 * pid namespace below the JVM's.
 */
final class EntryChecks {
    private EntryChecks() {}

    /**
     * What to enter, and what was the JVM's own already.
     *
     * @param order what a thread can enter, in the kernel's order
     * @param processOnly the user and time namespaces: only a new process can join them
     * @param launchOrder all of them, in nsenter's order (the launcher's)
     */
    record Plan(NsFile[] order, NsFile[] processOnly, NsFile[] launchOrder, Set<NamespaceType> types,
            Set<NamespaceType> skipped) {}

    /** The types only a single-threaded process can join, in nsenter's order (time last). */
    static final List<NamespaceType> PROCESS_ONLY = List.of(NamespaceType.USER, NamespaceType.TIME);

    /** nsenter's order, which the launcher keeps: user, cgroup, ipc, uts, net, pid, mnt, time. */
    static final List<NamespaceType> NSENTER_ORDER = List.of(NamespaceType.USER, NamespaceType.CGROUP,
            NamespaceType.IPC, NamespaceType.UTS, NamespaceType.NET, NamespaceType.PID, NamespaceType.MNT,
            NamespaceType.TIME);

    /** Opens the namespaces of a set into a map by type. */
    interface Opening {
        void open(Map<NamespaceType, NsFile> byType) throws Failure;
    }

    /**
     * Opens the namespaces, checks every one, closes those that are the JVM's own, and returns
     * the rest; on any failure, opening included, every one opened is closed.
     */
    static Plan plan(String target, Opening opening) throws NamespaceException {
        Map<NamespaceType, NsFile> byType = new EnumMap<>(NamespaceType.class);
        boolean success = false;
        try {
            opening.open(byType);
            Plan plan = plan(byType, target);
            success = true;
            return plan;
        } catch (Failure f) {
            throw Failures.of(f);
        } finally {
            if (!success) {
                byType.values().forEach(NsFile::close);
            }
        }
    }

    /** As above, for what is open: on a refusal nothing is closed (the caller closes all). */
    private static Plan plan(Map<NamespaceType, NsFile> byType, String target) throws NamespaceException {
        try {
            Set<NamespaceType> skipped = EnumSet.noneOf(NamespaceType.class);
            for (Map.Entry<NamespaceType, NsFile> e : byType.entrySet()) {
                if (JvmNamespaces.isHome(e.getValue())) {
                    skipped.add(e.getKey());
                }
            }
            List<NsFile> processOnly = entered(byType, skipped, PROCESS_ONLY);
            List<NsFile> order = entered(byType, skipped, JvmNamespaces.ENTERABLE);
            // With a user namespace to join, the launcher enters the others after it where the JVM's own
            // capabilities do not reach (nsenter's second pass): the kernel decides, not CapEff.
            boolean user = byType.containsKey(NamespaceType.USER) && !skipped.contains(NamespaceType.USER);
            checkPermitted(order, processOnly, !user, target);
            for (NamespaceType type : skipped) {
                byType.remove(type).close();
            }
            EnumSet<NamespaceType> types = EnumSet.noneOf(NamespaceType.class);
            order.forEach(ns -> types.add(ns.type()));
            processOnly.forEach(ns -> types.add(ns.type()));
            return new Plan(order.toArray(NsFile[]::new), processOnly.toArray(NsFile[]::new),
                    entered(byType, skipped, NSENTER_ORDER).toArray(NsFile[]::new), types, skipped);
        } catch (Failure f) {
            throw Failures.of(f);
        }
    }

    /** Those of {@code byType} that are not skipped, in {@code order}. */
    private static List<NsFile> entered(Map<NamespaceType, NsFile> byType, Set<NamespaceType> skipped,
            List<NamespaceType> order) {
        List<NsFile> out = new ArrayList<>();
        for (NamespaceType type : order) {
            NsFile ns = byType.get(type);
            if (ns != null && !skipped.contains(type)) {
                out.add(ns);
            }
        }
        return out;
    }

    /** The refusal of a task in a user or time namespace, before any thread is started. */
    static EntryRefusedException taskRefusal(NsFile ns, String target) {
        return ns.type() == NamespaceType.USER
                ? new EntryRefusedException(ns + " of " + target, EntryRefusedException.Reason.USER_NAMESPACE,
                        "a task cannot run in a user namespace: the kernel lets only a single-threaded process join one"
                        + " (EINVAL to a thread of the JVM); NamespaceSet.start starts a process in it (nsfs4j's"
                        + " launcher joins it), as nsenter --user does")
                : new EntryRefusedException(ns + " of " + target, EntryRefusedException.Reason.TIME_NAMESPACE,
                        "a task cannot run in a time namespace: the kernel lets only a single-threaded process join one"
                        + " (EUSERS to a thread of the JVM); its clock offsets are in /proc/PID/timens_offsets, and"
                        + " NamespaceSet.start starts a process in it, as nsenter --time does");
    }

    /** Capabilities (unless a user namespace is joined first), an owner in view, pid ancestry. */
    private static void checkPermitted(List<NsFile> order, List<NsFile> processOnly, boolean capabilities,
            String target) throws Failure, NamespaceException {
        List<NsFile> all = new ArrayList<>(order);
        all.addAll(processOnly);
        if (all.isEmpty()) {
            return;
        }
        boolean hasMnt = order.stream().anyMatch(ns -> ns.type() == NamespaceType.MNT);
        String capEff = capabilities ? JvmNamespaces.missingCapabilities(hasMnt) : null;
        if (capEff != null) {
            throw new EntryRefusedException(all.get(0) + " of " + target,
                    EntryRefusedException.Reason.MISSING_CAPABILITY, "joining a namespace needs CAP_SYS_ADMIN"
                            + (hasMnt ? " and, for a mount namespace, CAP_SYS_CHROOT" : "")
                            + " in the caller's user namespace, and this process lacks it (CapEff " + capEff
                            + "); run as root or give the JVM those capabilities");
        }
        for (NsFile ns : all) {
            NsFile owner = ns.related(NsIoctl.NS_GET_USERNS, NamespaceType.USER);
            if (owner == null) {
                throw new EntryRefusedException(ns + " of " + target, EntryRefusedException.Reason.MISSING_CAPABILITY,
                        "it is owned by a user namespace outside the JVM's (not its own or a descendant), where"
                                + " the JVM has no capabilities");
            }
            owner.close();
            if (ns.type() == NamespaceType.PID) {
                checkDescendant(ns, target);
            }
        }
    }

    /** A pid namespace can be entered if the JVM's pid namespace is it or one of its ancestors. */
    private static void checkDescendant(NsFile pid, String target) throws Failure, NamespaceException {
        NsFile home = JvmNamespaces.home(NamespaceType.PID);
        NsFile next = pid.related(NsIoctl.NS_GET_PARENT, NamespaceType.PID);
        while (next != null) {
            try (NsFile ancestor = next) {
                if (ancestor.sameNamespace(home)) {
                    return;
                }
                next = ancestor.related(NsIoctl.NS_GET_PARENT, NamespaceType.PID);
            }
        }
        throw new EntryRefusedException(pid + " of " + target,
                EntryRefusedException.Reason.PID_NAMESPACE_NOT_DESCENDANT, "it is not below the JVM's pid namespace "
                        + home + " (the kernel lets a process place children only in its own pid namespace or a"
                        + " descendant, and answers EINVAL)");
    }
}
