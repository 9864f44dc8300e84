package io.github.nsfs4j;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.ToLongFunction;

/**
 * The result of one {@link NamespaceDiscovery#scan}: the namespaces found, in inode order,
 * and how many things were skipped because they vanished or were out of reach meanwhile.
 * Immutable; a picture of one moment, holding no fd.
 *
 * @param namespaces every namespace found, ordered by inode
 * @param processesScanned processes whose namespaces were read
 * @param processesVanished processes that exited during the scan
 * @param processesDenied processes whose namespaces the caller may not read
 * @param namespacesVanished namespaces that died between being seen and being opened
 * @param namespacesOfUnknownType namespaces of a type this library does not know (one added by
 *     a newer kernel), seen in {@code /proc/PID/ns}, an fd or an nsfs bind mount: skipped, not
 *     listed
 * @param namespacesRefused namespaces seen (in a link, an fd, a mount) whose file the kernel,
 *     or a sandbox between the program and the kernel, refused to open or to answer on (EACCES;
 *     ENOTTY or ENOSYS from a seccomp filter or qemu-user): not listed, since nothing read of
 *     them would be a fact, and not counted as vanished. A scan in which every namespace was
 *     refused throws instead of returning an empty snapshot.
 * @param refusal the first of those refusals (operation, namespace, errno), if any
 * @param socketsRefused sockets whose net namespace could not be asked for: pidfd_getfd(2)
 *     refused (it needs ptrace attach access to the process: root) or missing (before Linux
 *     5.6), or SIOCGSKNS refused (it needs CAP_NET_ADMIN over that namespace). A net namespace
 *     that only such a socket keeps alive is not listed
 * @param socketRefusal the first of those refusals, if any
 */
public record NamespaceSnapshot(List<DiscoveredNamespace> namespaces, int processesScanned,
        int processesVanished, int processesDenied, int namespacesVanished, int namespacesOfUnknownType,
        int namespacesRefused, Optional<String> refusal, int socketsRefused, Optional<String> socketRefusal) {

    /** Copies {@code namespaces} into an unmodifiable list. */
    public NamespaceSnapshot {
        namespaces = List.copyOf(namespaces);
        Objects.requireNonNull(refusal, "refusal");
        Objects.requireNonNull(socketRefusal, "socketRefusal");
    }

    /**
     * Whether this is a partial view: some processes could not be inspected
     * ({@link #processesDenied()} &gt; 0: another user's, for a caller that is not root). Then no
     * namespace's {@link DiscoveredNamespace#processCount()}, {@link DiscoveredNamespace#lowestPid()},
     * user or command is a fact about the machine: they describe the processes the caller
     * could inspect, and processes it could not may be in any namespace (lsns, run by the same
     * user, shows the same counts). A namespace with a count of 0 may have processes in it.
     *
     * @return true if some processes were refused
     */
    public boolean isPartial() {
        return processesDenied > 0;
    }

    /**
     * Looks a namespace up by inode.
     *
     * @param inode its inode number
     * @return the namespace with this inode, if the scan found it
     */
    public Optional<DiscoveredNamespace> byInode(long inode) {
        for (DiscoveredNamespace ns : namespaces) {
            if (ns.inode() == inode) {
                return Optional.of(ns);
            }
        }
        return Optional.empty();
    }

    /**
     * One node of a namespace tree.
     *
     * @param namespace the namespace
     * @param children the namespaces under it, in inode order
     */
    public record Node(DiscoveredNamespace namespace, List<Node> children) {
        /** Copies {@code children} into an unmodifiable list. */
        public Node {
            children = List.copyOf(children);
        }

        /** {@code user:[4026531837] (9 children)}: the namespace and how many are right under it. */
        @Override
        public String toString() {
            return namespace.describe() + " (" + children.size() + (children.size() == 1 ? " child)" : " children)");
        }
    }

    /**
     * Every namespace under the user namespace that owns it (user namespaces under the one
     * they were created in), as {@code lsns --tree=owner} draws it. Roots are namespaces
     * whose owner is not visible (the initial user namespace, for a caller in it). Roots and
     * children are in inode order.
     *
     * @return the roots, each with its subtree
     */
    public List<Node> treeByOwner() {
        return tree(DiscoveredNamespace::ownerInode);
    }

    /**
     * Pid and user namespaces under their parents, as {@code lsns --tree=parent} draws them;
     * other types, which have no hierarchy, are roots. Roots and children are in inode order.
     *
     * @return the roots, each with its subtree
     */
    public List<Node> treeByParent() {
        return tree(ns -> ns.type().isHierarchical() ? ns.parentInode() : 0L);
    }

    private List<Node> tree(ToLongFunction<DiscoveredNamespace> up) {
        Map<Long, DiscoveredNamespace> byInode = new HashMap<>();
        for (DiscoveredNamespace ns : namespaces) {
            byInode.put(ns.inode(), ns);
        }
        Map<Long, List<DiscoveredNamespace>> childrenOf = new HashMap<>();
        List<DiscoveredNamespace> roots = new ArrayList<>();
        for (DiscoveredNamespace ns : namespaces) {
            long above = up.applyAsLong(ns);
            if (above != 0 && above != ns.inode() && byInode.containsKey(above)) {
                childrenOf.computeIfAbsent(above, k -> new ArrayList<>()).add(ns);
            } else {
                roots.add(ns);
            }
        }
        List<Node> result = new ArrayList<>();
        for (DiscoveredNamespace root : roots) {
            result.add(node(root, childrenOf));
        }
        return result;
    }

    private static Node node(DiscoveredNamespace ns, Map<Long, List<DiscoveredNamespace>> childrenOf) {
        List<Node> children = new ArrayList<>();
        for (DiscoveredNamespace child : childrenOf.getOrDefault(ns.inode(), List.of())) {
            children.add(node(child, childrenOf));
        }
        return new Node(ns, children);
    }

    /**
     * A summary for jshell and logs, not the whole list (see {@link #namespaces()}):
     * {@code NamespaceSnapshot[42 namespaces, 120 processes scanned, 1 denied]}, with the
     * vanished, unknown-type and refused counts where not zero.
     */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("NamespaceSnapshot[").append(namespaces.size())
                .append(namespaces.size() == 1 ? " namespace, " : " namespaces, ")
                .append(processesScanned).append(" processes scanned");
        if (processesVanished > 0) {
            sb.append(", ").append(processesVanished).append(" vanished");
        }
        if (processesDenied > 0) {
            sb.append(", ").append(processesDenied).append(" denied");
        }
        if (namespacesVanished > 0) {
            sb.append(", ").append(namespacesVanished).append(" namespaces vanished");
        }
        if (namespacesOfUnknownType > 0) {
            sb.append(", ").append(namespacesOfUnknownType).append(" of unknown type");
        }
        if (namespacesRefused > 0) {
            sb.append(", ").append(namespacesRefused).append(" refused");
        }
        if (socketsRefused > 0) {
            sb.append(", ").append(socketsRefused).append(" sockets refused");
        }
        return sb.append(']').toString();
    }
}
