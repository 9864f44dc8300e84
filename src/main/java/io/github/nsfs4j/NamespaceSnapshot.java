package io.github.nsfs4j;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The result of one {@link NamespaceDiscovery#scan}: the namespaces found, in inode order,
 * and how many things were skipped because they vanished or were out of reach meanwhile.
 *
 * @param namespaces every namespace found, ordered by inode
 * @param processesScanned processes whose namespaces were read
 * @param processesVanished processes that exited during the scan
 * @param processesDenied processes whose namespaces the caller may not read
 * @param namespacesVanished namespaces that died between being seen and being opened
 */
public record NamespaceSnapshot(List<DiscoveredNamespace> namespaces, int processesScanned,
        int processesVanished, int processesDenied, int namespacesVanished) {

    public NamespaceSnapshot {
        namespaces = List.copyOf(namespaces);
    }

    /** The namespace with this inode, if it was found. */
    public Optional<DiscoveredNamespace> byInode(long inode) {
        for (DiscoveredNamespace ns : namespaces) {
            if (ns.inode() == inode) {
                return Optional.of(ns);
            }
        }
        return Optional.empty();
    }

    /** One node of a namespace tree. */
    public record Node(DiscoveredNamespace namespace, List<Node> children) {
        public Node {
            children = List.copyOf(children);
        }
    }

    /**
     * Every namespace under the user namespace that owns it (user namespaces under the one
     * they were created in). Roots are namespaces whose owner is not visible (the initial
     * user namespace, for a caller in it).
     */
    public List<Node> treeByOwner() {
        return tree(ns -> ns.ownerInode());
    }

    /**
     * Pid and user namespaces under their parents; other types, which have no hierarchy,
     * are roots.
     */
    public List<Node> treeByParent() {
        return tree(ns -> ns.type().isHierarchical() ? ns.parentInode() : 0L);
    }

    private List<Node> tree(java.util.function.ToLongFunction<DiscoveredNamespace> up) {
        Map<Long, List<DiscoveredNamespace>> childrenOf = new HashMap<>();
        List<DiscoveredNamespace> roots = new ArrayList<>();
        for (DiscoveredNamespace ns : namespaces) {
            long above = up.applyAsLong(ns);
            if (above != 0 && above != ns.inode() && byInode(above).isPresent()) {
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
        children.sort(Comparator.comparing((Node n) -> n.namespace().type()).thenComparingLong(n -> n.namespace().inode()));
        return new Node(ns, children);
    }
}
