package io.github.nsfs4j;

import io.github.nsfs4j.internal.NsFile;

/**
 * A handle on a namespace of a type with no operations of its own (cgroup, ipc, net, time,
 * uts): callers see it only as {@link Namespace}.
 */
final class PlainNamespace extends NamespaceHandle {

    PlainNamespace(NsFile file) {
        super(file);
    }
}
