package io.github.nsfs4j;

import io.github.nsfs4j.internal.Failure;
import io.github.nsfs4j.internal.Procfs;

/**
 * The calling thread's credentials as the kernel checks them for namespace operations, from
 * {@code /proc/thread-self/status}: what decides whether another process's namespaces may be
 * opened (ptrace read access: the same uid, or root) and entered ({@code CAP_SYS_ADMIN}).
 *
 * @param effectiveUid the effective uid (unsigned)
 * @param effectiveCapabilities the effective capability set ({@code CapEff}), bit N for capability N
 *     of {@code <linux/capability.h>}, such as 21 for {@code CAP_SYS_ADMIN}
 */
public record Credentials(long effectiveUid, long effectiveCapabilities) {

    /**
     * The calling thread's credentials, read now.
     *
     * @return the credentials
     * @throws NamespaceException if {@code /proc/thread-self/status} cannot be read
     */
    public static Credentials ofCaller() throws NamespaceException {
        try {
            Procfs.Status status = Procfs.ownStatus();
            return new Credentials(status.effectiveUid(), status.effectiveCapabilities());
        } catch (Failure f) {
            throw Failures.of(f);
        }
    }

    /**
     * Whether the effective uid is 0.
     *
     * @return true for root
     */
    public boolean isRoot() {
        return effectiveUid == 0;
    }
}
