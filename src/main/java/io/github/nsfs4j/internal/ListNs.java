package io.github.nsfs4j.internal;

import io.github.nsfs4j.linux.Downcalls;
import io.github.nsfs4j.linux.Errno;
import io.github.nsfs4j.linux.LibC;
import io.github.nsfs4j.linux.Structs;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/** listns(2) (Linux 6.19): the ids of the active namespaces, page by page. */
public final class ListNs {
    private ListNs() {}

    private static final int BATCH = 256;

    /**
     * The ids of every active namespace of the {@code CLONE_NEW*} types in {@code typeMask} (0:
     * all), owned by the user namespace with id {@code ownerId} (0: any owner), ascending.
     *
     * @return the ids, or null where the kernel has no listns (ENOSYS)
     * @throws Failure if the kernel refuses
     */
    public static List<Long> activeIds(int typeMask, long ownerId) throws Failure {
        Downcalls.requireNativeAccess();
        List<Long> ids = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment req = arena.allocate(Structs.NS_ID_REQ);
            MemorySegment out = arena.allocate((long) BATCH * Long.BYTES, 8);
            long cursor = 0;
            for (;;) {
                int n = LibC.listns(Structs.nsIdRequest(req, cursor, typeMask, ownerId), out, BATCH, 0);
                if (n == -Errno.ENOSYS) {
                    return null;
                }
                if (n == -Errno.ENOENT && cursor != 0) {
                    return ids; // the kernel's answer for a cursor with nothing after it: the last page was full
                }
                if (n < 0) {
                    throw Failure.errno("listns", "the namespaces of this machine", -n, "cannot list namespaces");
                }
                for (int i = 0; i < n; i++) {
                    ids.add(out.getAtIndex(ValueLayout.JAVA_LONG, i));
                }
                if (n < BATCH) {
                    return ids;
                }
                cursor = ids.getLast();
            }
        }
    }
}
