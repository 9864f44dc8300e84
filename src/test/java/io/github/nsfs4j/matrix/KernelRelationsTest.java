package io.github.nsfs4j.matrix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.nsfs4j.Namespace;
import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.PidNamespace;
import io.github.nsfs4j.UserNamespace;
import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Unshared;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/**
 * Kernel suite: parent (pid and user), owner (NS_GET_USERNS) and owner uid, against the
 * inodes readlink gives for a chain of nested namespaces and the creator's uid in
 * /proc/PID/status.
 */
class KernelRelationsTest {
    private static final int OTHER_UID = 4242;

    @Test
    void parents() throws Exception {
        Cells.check("parent (pid, user)", () -> {
            try (Unshared tree = Unshared.builder().types("user", "pid").levels(2).start()) {
                for (String type : List.of("pid", "user")) {
                    long[] chain = {Proc.selfNsInode(type), Proc.nsInode(tree.pid(1), type), Proc.nsInode(tree.pid(2), type)};
                    for (int level = 2; level >= 1; level--) {
                        try (Namespace ns = Namespace.ofProcess((int) tree.pid(level), NamespaceType.fromName(type))) {
                            Optional<? extends Namespace> parent = ns instanceof PidNamespace p ? p.parent()
                                    : ((UserNamespace) ns).parent();
                            assertTrue(parent.isPresent(), type + " level " + level + " has a parent in view");
                            try (Namespace pa = parent.get()) {
                                assertEquals(chain[level - 1], pa.inode(), type + " parent of level " + level);
                            }
                        }
                    }
                }
                try (PidNamespace own = PidNamespace.current(); UserNamespace ownUser = UserNamespace.current()) {
                    assertEquals(Optional.empty(), own.parent(), "the caller's own pid namespace: parent out of view");
                    assertEquals(Optional.empty(), ownUser.parent(), "the caller's own user namespace: parent out of view");
                }
            }
            return Cells.works("");
        });
    }

    @Test
    void owners() throws Exception {
        Cells.check("owner (NS_GET_USERNS)", () -> {
            try (Unshared child = Unshared.start("user", "uts", "net", "ipc", "mnt")) {
                long user = Proc.nsInode(child.pid(1), "user");
                for (NamespaceType type : List.of(NamespaceType.UTS, NamespaceType.NET, NamespaceType.IPC, NamespaceType.MNT)) {
                    try (Namespace ns = Namespace.ofProcess((int) child.pid(1), type);
                            UserNamespace owner = ns.owner().orElseThrow()) {
                        assertEquals(user, owner.inode(), type + " is owned by the child's user namespace");
                    }
                }
                try (UserNamespace childUser = UserNamespace.ofProcess((int) child.pid(1));
                        UserNamespace creator = childUser.owner().orElseThrow()) {
                    assertEquals(Proc.selfNsInode("user"), creator.inode(), "a user namespace's owner is where it was made");
                }
            }
            return Cells.works("");
        });
    }

    @Test
    void ownerUid() throws Exception {
        Cells.check("owner uid (NS_GET_OWNER_UID)", () -> {
            Unshared.requireCommand("setpriv");
            try (Unshared child = Unshared.builder().types("user")
                    .prefix("setpriv", "--reuid=" + OTHER_UID, "--regid=" + OTHER_UID, "--clear-groups").start();
                    UserNamespace user = UserNamespace.ofProcess((int) child.pid(1))) {
                long creator = Proc.uids(child.topPid()).get(1);
                assertEquals(OTHER_UID, creator, "the creator's euid (truth)");
                assertEquals(creator, user.ownerUid());
            }
            return Cells.works("");
        });
    }
}
