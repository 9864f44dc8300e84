/**
 * The kernel's vocabulary: the namespace types ({@link io.github.nsfs4j.kernel.NamespaceType}),
 * every nsfs and pidfd ioctl request with its number on the running architecture
 * ({@link io.github.nsfs4j.kernel.NsIoctl}, {@link io.github.nsfs4j.kernel.PidfdIoctl}),
 * kernel versions, and which requests the running kernel has
 * ({@link io.github.nsfs4j.kernel.KernelSupport}). The handles of {@code io.github.nsfs4j}
 * are built on it.
 */
package io.github.nsfs4j.kernel;
