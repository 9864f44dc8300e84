/**
 * Linux namespaces for the JVM, through the namespace-file (nsfs) ioctls: typed handles
 * ({@link io.github.nsfs4j.Namespace}, {@link io.github.nsfs4j.PidNamespace},
 * {@link io.github.nsfs4j.UserNamespace}, {@link io.github.nsfs4j.MountNamespace}), processes
 * held by pidfds ({@link io.github.nsfs4j.Pidfd}), work and processes run inside namespaces
 * ({@link io.github.nsfs4j.NamespaceSet}), discovery of every namespace on the machine
 * ({@link io.github.nsfs4j.NamespaceDiscovery}), and one exception family rooted at
 * {@link io.github.nsfs4j.NamespaceException}. The types and requests of the kernel are in
 * {@code io.github.nsfs4j.kernel}.
 */
package io.github.nsfs4j;
