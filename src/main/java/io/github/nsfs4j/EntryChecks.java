package io.github.nsfs4j;

import io.github.nsfs4j.internal.Failure;
import io.github.nsfs4j.internal.JvmNamespaces;
import io.github.nsfs4j.internal.NsFile;
import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.kernel.NsIoctl;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The kernel's rules for setns(2) from a thread of the JVM, checked before anything is
 * entered (docs/design.md, "Entering namespaces"): user and time namespaces refused, the
 * JVM's own skipped, the capabilities, an owner in view, a pid namespace below the JVM's.
 */
final class EntryChecks {
    private EntryChecks() {}

    /** What to enter, in the kernel's order, and what was the JVM's own already. */
    record Plan(NsFile[] order, Set<NamespaceType> types, Set<NamespaceType> skipped) {}

    /**
     * Checks every namespace, closes those that are the JVM's own, and returns the rest in the
     * kernel's order. On a refusal nothing is closed: the caller closes all.
     *
     * @param all whether the set is every namespace of a process ({@code allOf})
     */
    static Plan plan(Map<NamespaceType, NsFile> byType, boolean all, String target) throws NamespaceException {
        try {
            Set<NamespaceType> skipped = EnumSet.noneOf(NamespaceType.class);
            for (Map.Entry<NamespaceType, NsFile> e : byType.entrySet()) {
                if (JvmNamespaces.isHome(e.getValue())) {
                    skipped.add(e.getKey());
                }
            }
            for (NamespaceType type : List.of(NamespaceType.USER, NamespaceType.TIME)) {
                NsFile ns = byType.get(type);
                if (ns != null && !skipped.contains(type)) {
                    throw refusal(ns, target, all);
                }
            }
            List<NsFile> order = new ArrayList<>();
            for (NamespaceType type : JvmNamespaces.ENTERABLE) {
                NsFile ns = byType.get(type);
                if (ns != null && !skipped.contains(type)) {
                    order.add(ns);
                }
            }
            checkPermitted(order, target);
            for (NamespaceType type : skipped) {
                byType.remove(type).close();
            }
            // user and time are only here when skipped; every other type is in order
            EnumSet<NamespaceType> types = EnumSet.noneOf(NamespaceType.class);
            order.forEach(ns -> types.add(ns.type()));
            return new Plan(order.toArray(NsFile[]::new), types, skipped);
        } catch (Failure f) {
            throw Failures.of(f);
        }
    }

    private static EntryRefusedException refusal(NsFile ns, String target, boolean all) {
        String why = all ? "its " + ns.type() + " namespace differs from the JVM's, so not all of its namespaces can"
                + " be entered: " : "";
        return ns.type() == NamespaceType.USER
                ? new EntryRefusedException(ns + " of " + target, EntryRefusedException.Reason.USER_NAMESPACE, why
                        + "a user namespace can only be joined by a single-threaded process (the kernel answers EINVAL"
                        + " to a thread of the JVM); run the work in a process started by nsenter --user, which can")
                : new EntryRefusedException(ns + " of " + target, EntryRefusedException.Reason.TIME_NAMESPACE, why
                        + "a time namespace can only be joined by a single-threaded process (the kernel answers EUSERS"
                        + " to a thread of the JVM); its clock offsets are in /proc/PID/timens_offsets, and"
                        + " nsenter --time can start a program in it");
    }

    /** Capabilities, an owner in view, pid ancestry. */
    private static void checkPermitted(List<NsFile> order, String target) throws Failure, NamespaceException {
        if (order.isEmpty()) {
            return;
        }
        boolean hasMnt = order.stream().anyMatch(ns -> ns.type() == NamespaceType.MNT);
        String capEff = JvmNamespaces.missingCapabilities(hasMnt);
        if (capEff != null) {
            throw new EntryRefusedException(order.get(0) + " of " + target,
                    EntryRefusedException.Reason.MISSING_CAPABILITY, "joining a namespace needs CAP_SYS_ADMIN"
                            + (hasMnt ? " and, for a mount namespace, CAP_SYS_CHROOT" : "")
                            + " in the caller's user namespace, and this process lacks it (CapEff " + capEff
                            + "); run as root or give the JVM those capabilities");
        }
        for (NsFile ns : order) {
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
