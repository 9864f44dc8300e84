package io.github.nsfs4j.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.github.nsfs4j.testing.Commands;
import io.github.nsfs4j.testing.Unshared;
import org.junit.jupiter.api.Test;

/**
 * The two ways {@link UserNames} names a user (getpwuid_r for a uid; the JDK's owner lookup
 * for a process directory) give what NSS gives ({@code getent passwd}), and the same as each
 * other, for a named user and for a uid no user has.
 */
class UserNamesTest {

    /** A process running as {@code uid}, through util-linux's setpriv. */
    private static Process runningAs(long uid) throws Exception {
        Unshared.requireCommand("setpriv");
        return new ProcessBuilder("setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups", "sleep", "600")
                .redirectErrorStream(true).start();
    }

    /** NSS's name of {@code uid}, or its number when getent knows no such user. */
    private static String getent(long uid) {
        Commands.Result r = Commands.run(List.of("getent", "passwd", Long.toString(uid)));
        return r.exitCode() == 0 ? r.stdout().substring(0, r.stdout().indexOf(':')) : Long.toString(uid);
    }

    private static void check(long uid) throws Exception {
        Process p = runningAs(uid);
        try {
            Path dir = Path.of("/proc", Long.toString(p.pid()));
            // setpriv has become the sleep once /proc/PID is owned by the uid
            for (int i = 0; i < 200 && !new String(Procfs.command(dir)).startsWith("sleep"); i++) {
                Thread.sleep(10);
            }
            String expected = getent(uid);
            assertEquals(expected, new UserNames().ownerOf(dir), "ownerOf /proc/" + p.pid());
            assertEquals(expected, new UserNames().name((int) uid), "name(" + uid + ")");
            UserNames both = new UserNames();
            assertEquals(expected, both.ownerOf(dir));
            assertEquals(expected, both.name((int) uid), "what ownerOf learnt");
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aNamedUser() throws Exception {
        check(65534);
    }

    @Test
    void aUidNoUserHasIsItsUnsignedNumber() throws Exception {
        assertEquals("4000000000", getent(4_000_000_000L), "the test needs a uid without a user");
        check(4_000_000_000L);
    }

    @Test
    void aGoneProcessThrows() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor(10, TimeUnit.SECONDS);
        assertThrows(NoSuchFileException.class, () -> new UserNames().ownerOf(Path.of("/proc", Long.toString(p.pid()))));
    }
}
