package io.github.nsfs4j;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Unshared;
import org.junit.jupiter.api.Test;

/**
 * {@link UserNamespace#ownerUid()} (NS_GET_OWNER_UID) against the creator's uid as
 * {@code /proc/PID/status} shows it. (The overflow uid seen from inside an unmapped user
 * namespace is checked by {@link RelationsTest#selftestOwner()}.)
 */
class OwnerUidTest {

    /** A uid with no account needed: setpriv takes numbers. */
    static final int OTHER_UID = 4242;

    static String[] asOtherUser() {
        Unshared.requireCommand("setpriv");
        return new String[] {"setpriv", "--reuid=" + OTHER_UID, "--regid=" + OTHER_UID, "--clear-groups"};
    }

    @Test
    void rootMadeUserNamespacesBelongToUidZero() throws Exception {
        try (Unshared c = Unshared.start("user")) {
            assertEquals(0L, Proc.uids(c.topPid()).get(1), "unshare ran as root (truth)");
            try (UserNamespace user = UserNamespace.ofProcess(c.leafPid())) {
                assertEquals(0, user.ownerUid());
            }
        }
    }

    /** Nested with --map-root-user: root inside maps to root outside, so every level's owner is uid 0. */
    @Test
    void nestedRootMadeUserNamespacesBelongToUidZero() throws Exception {
        try (Unshared c = Unshared.builder().types("user").levels(3).start()) {
            for (long pid : c.levelPids()) {
                try (UserNamespace user = UserNamespace.ofProcess(Math.toIntExact(pid))) {
                    assertEquals(0, user.ownerUid(), "level of process " + pid);
                }
            }
        }
    }

    @Test
    void aUserNamespaceMadeByAnotherUserBelongsToThatUser() throws Exception {
        try (Unshared c = Unshared.builder().types("user").prefix(asOtherUser()).start()) {
            List<Long> uids = Proc.uids(c.topPid());
            assertEquals(OTHER_UID, uids.get(1), "the creator's euid (truth): " + uids);
            try (UserNamespace user = UserNamespace.ofProcess(c.leafPid());
                    UserNamespace own = UserNamespace.current();
                    UserNamespace owner = user.owner().orElseThrow()) {
                assertEquals(OTHER_UID, user.ownerUid());
                assertEquals(own, owner, "made from our user namespace");
                if (own.isInitial()) {
                    assertEquals(0, own.ownerUid(), "the initial user namespace belongs to root");
                }
            }
        }
    }

    /**
     * A uid above 2^31 (container uid ranges use them): {@code uid_t} is unsigned, so the
     * owner comes back as the number {@code /proc/PID/status} prints, never negative.
     */
    @Test
    void aUidAboveTwoToTheThirtyFirstComesBackUnsigned() throws Exception {
        long bigUid = 3_000_000_000L;
        Unshared.requireCommand("setpriv");
        try (Unshared c = Unshared.builder().types("user")
                .prefix("setpriv", "--reuid=" + bigUid, "--regid=" + bigUid, "--clear-groups").start()) {
            long truth = Proc.uids(c.topPid()).get(1);
            assertEquals(bigUid, truth, "the creator's euid (truth)");
            try (UserNamespace user = UserNamespace.ofProcess(c.leafPid())) {
                assertEquals(truth, user.ownerUid());
            }
        }
    }

    /**
     * Nested under a user namespace that uid 4242 made with root mapped to 4242: the inner one
     * was made by "root" inside, which is uid 4242 out here.
     */
    @Test
    void theOwnerUidIsMappedIntoTheCallersUserNamespace() throws Exception {
        try (Unshared c = Unshared.builder().types("user").levels(2).mapRootUser(true).prefix(asOtherUser())
                .start()) {
            assertEquals("0 " + OTHER_UID + " 1", String.join(" ",
                    Proc.readLines(java.nio.file.Path.of("/proc/" + c.pid(1) + "/uid_map")).get(0).trim()
                            .split("\\s+")), "level 1 maps root to " + OTHER_UID);
            try (UserNamespace level1 = UserNamespace.ofProcess(c.pid(1));
                    UserNamespace level2 = UserNamespace.ofProcess(c.pid(2))) {
                assertEquals(OTHER_UID, level1.ownerUid());
                assertEquals(OTHER_UID, level2.ownerUid());
                try (UserNamespace parent = level2.parent().orElseThrow()) {
                    assertEquals(level1, parent);
                }
            }
        }
    }
}
