/**
 * Not API: the C layer. The Linux ABI as C sees it: system calls through syscall(2),
 * posix_spawn(3), the one place that links downcalls, structure layouts, numbers and
 * constants per architecture. Int fds, raw request numbers, {@code -errno} results; no
 * checks, no ownership, no exceptions. Not exported; see docs/design.md.
 */
package io.github.nsfs4j.linux;
