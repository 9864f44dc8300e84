package io.github.nsfs4j.internal;

import io.github.nsfs4j.kernel.NamespaceType;

import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Whether a namespace is the machine's initial one of its type: the answer behind
 * {@code Namespace.isInitial()}, from what the running kernel shows rather than from its
 * version.
 *
 * <p>The kernel gives the initial namespaces fixed inodes (uapi {@code enum init_ns_ino}),
 * below the range it allocates every other namespace's inode from (0xF0000000 up), so the
 * fixed value names the initial namespace wherever it appears. Six types have had theirs
 * since before Linux 4.11, the oldest kernel nsfs4j opens namespaces on: ipc, uts, user, pid
 * (3.8), cgroup (since the type exists, 4.6), time (since the type exists, 5.6). Net and
 * mount got theirs only in 6.18; before, their initial namespaces have ordinary inodes. For
 * those two the answer comes from a witness: kthreadd (pid 2), a kernel thread and so in
 * every initial namespace, or else init (pid 1), as {@code /proc} shows them when it is the
 * initial pid namespace's {@code /proc}. Its namespace of the type has the fixed inode where
 * the kernel gives one, and an ordinary one where it does not: either way, a namespace is
 * initial if and only if it has the witness's inode (both were alive when compared, so the
 * inode cannot have been reused). Where no witness is visible (a caller in a container's pid
 * namespace, no {@code /proc}, no permission to read those links), one more fact decides:
 * if the caller's own namespace of the type has the fixed inode, the kernel uses fixed
 * inodes for it, and any other inode is not initial. Else nothing can tell, and the answer
 * is an exception rather than a guess.
 */
public final class InitialNamespaces {
    private InitialNamespaces() {}

    /** The types whose initial namespace has its fixed inode on every kernel with NS_GET_NSTYPE (4.11). */
    private static final Set<NamespaceType> ALWAYS_FIXED = EnumSet.of(NamespaceType.IPC, NamespaceType.UTS,
            NamespaceType.USER, NamespaceType.PID, NamespaceType.CGROUP, NamespaceType.TIME);

    /** The witness's inode per type, once seen (the initial namespaces live as long as the boot); 0 = not yet. */
    private static final AtomicLongArray WITNESSED = new AtomicLongArray(NamespaceType.values().length);

    /** What the running kernel shows about a type's initial namespace. */
    public interface Kernel {
        /**
         * The inode of the initial namespace of the type, from kthreadd or init.
         *
         * @return the inode, or -1 where neither is visible
         */
        long witnessInode(NamespaceType type);

        /**
         * The inode of the calling thread's own namespace of the type.
         *
         * @return the inode, or -1 where it cannot be read
         */
        long ownInode(NamespaceType type);
    }

    /** The real kernel, through {@code /proc}. */
    public static final Kernel PROC = new Kernel() {
        @Override
        public long witnessInode(NamespaceType type) {
            long known = WITNESSED.get(type.ordinal());
            if (known != 0) {
                return known;
            }
            for (int pid : new int[] {2, 1}) {
                long inode = witness(pid, type);
                if (inode > 0) {
                    WITNESSED.set(type.ordinal(), inode);
                    return inode;
                }
            }
            return -1;
        }

        @Override
        public long ownInode(NamespaceType type) {
            return Procfs.linkInode(Path.of("/proc/thread-self/ns/" + type.procName()), type);
        }
    };

    /**
     * The inode of {@code pid}'s namespace of the type, if {@code pid} is kthreadd (2) or init
     * (1) of the initial pid namespace (its pid link has the pid type's fixed inode, which
     * every kernel nsfs4j runs on gives); else -1.
     */
    private static long witness(int pid, NamespaceType type) {
        Path proc = Procfs.PROC.resolve(Integer.toString(pid));
        if (Procfs.linkInode(proc.resolve("ns/pid"), NamespaceType.PID) != fixedInode(NamespaceType.PID)) {
            return -1;
        }
        if (pid == 2) {
            try {
                if (!"kthreadd".equals(Procfs.comm(proc))) {
                    return -1;
                }
            } catch (IOException e) {
                return -1;
            }
        }
        return Procfs.linkInode(proc.resolve("ns").resolve(type.procName()), type);
    }

    /** The fixed inode of the initial namespace of a type ({@code enum init_ns_ino}, {@code include/uapi/linux/nsfs.h}). */
    public static long fixedInode(NamespaceType type) {
        return switch (type) {
            case IPC -> 0xEFFFFFFFL;
            case UTS -> 0xEFFFFFFEL;
            case USER -> 0xEFFFFFFDL;
            case PID -> 0xEFFFFFFCL;
            case CGROUP -> 0xEFFFFFFBL;
            case TIME -> 0xEFFFFFFAL;
            case NET -> 0xEFFFFFF9L;
            case MNT -> 0xEFFFFFF8L;
        };
    }

    /**
     * Decides for the namespace {@code target} (for the exception) of {@code type} with {@code inode}.
     *
     * @throws Failure where the kernel shows no way to tell
     */
    public static boolean isInitial(NamespaceType type, long inode, Object target, Kernel kernel) throws Failure {
        long fixed = fixedInode(type);
        if (inode == fixed) {
            return true;
        }
        if (ALWAYS_FIXED.contains(type)) {
            return false;
        }
        long witness = kernel.witnessInode(type);
        if (witness > 0) {
            return inode == witness;
        }
        if (kernel.ownInode(type) == fixed) {
            return false; // the kernel gives this type its fixed inode, and this one has another
        }
        throw Failure.of(Failure.Kind.FAILED, "isInitial", String.valueOf(target), 0, "cannot tell on this kernel: its"
                + " initial " + type + " namespace has no fixed inode here (Linux 6.18 gives one), and neither"
                + " kthreadd nor init of the initial pid namespace is visible to compare with (that needs the"
                + " initial pid namespace's /proc and permission to read /proc/2/ns/" + type.procName() + ")");
    }

    /** {@link #isInitial(NamespaceType, long, Object, Kernel)} on the running kernel. */
    public static boolean isInitial(NamespaceType type, long inode, Object target) throws Failure {
        return isInitial(type, inode, target, PROC);
    }
}
