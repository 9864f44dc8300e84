package io.github.nsfs4j;

/**
 * What {@code NS_MNT_GET_INFO} tells of a mount namespace ({@code struct mnt_ns_info}).
 *
 * @param id the mount namespace's 64-bit id (unsigned), as statmount(2) and listmount(2) use it
 * @param mountCount the number of mounts in it, as listmount(2) counts them (unsigned 32-bit)
 */
public record MountNamespaceInfo(long id, long mountCount) {
    /** {@code MNT_NS_INFO_SIZE_VER0}: {@code {u32 size; u32 nr_mounts; u64 mnt_ns_id}}. */
    static final int SIZE_VER0 = 16;
    static final long SIZE_OFFSET = 0;
    static final long NR_MOUNTS_OFFSET = 4;
    static final long MNT_NS_ID_OFFSET = 8;

    @Override
    public String toString() {
        return "MountNamespaceInfo[id=" + Long.toUnsignedString(id) + ", mountCount=" + mountCount + "]";
    }
}
