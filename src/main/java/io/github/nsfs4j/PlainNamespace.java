package io.github.nsfs4j;

import java.util.OptionalLong;

/**
 * A handle on a namespace of a type with no operations of its own (cgroup, ipc, net, time,
 * uts): callers see it only as {@link Namespace}.
 */
final class PlainNamespace extends NamespaceHandle {

    PlainNamespace(int fd, NamespaceType type, long device, long inode, OptionalLong id) {
        super(fd, type, device, inode, id);
    }
}
