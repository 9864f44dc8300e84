package io.github.nsfs4j;

/**
 * What {@code NS_MNT_GET_INFO} tells of a mount namespace ({@code struct mnt_ns_info}).
 *
 * @param id the mount namespace's 64-bit id (unsigned), as statmount(2) and listmount(2) use it
 * @param mountCount the number of mounts in it, as listmount(2) counts them (unsigned 32-bit)
 */
public record MountNamespaceInfo(long id, long mountCount) {
    @Override
    public String toString() {
        return "MountNamespaceInfo[id=" + Long.toUnsignedString(id) + ", mountCount=" + mountCount + "]";
    }
}
