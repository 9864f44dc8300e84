package io.github.nsfs4j.linux;

import io.github.nsfs4j.internal.JvmNamespaces;
import io.github.nsfs4j.testing.Proc;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bindings that starting processes and checking threads use (LibCBindingTest lists them):
 * each called for real, its result compared with what the JDK or /proc says.
 */
class ProcessBindingTest {

    /** waitid of no such child (errno 10, not used by the library). */
    static final int ECHILD = 10;
    static final int BAD_FD = 1 << 30;

    private static MemorySegment cStrings(Arena arena, List<String> strings) {
        MemorySegment array = arena.allocate(ADDRESS, strings.size() + 1L);
        for (int i = 0; i < strings.size(); i++) {
            array.setAtIndex(ADDRESS, i, arena.allocateFrom(strings.get(i)));
        }
        return array;
    }

    @Test
    void pipe2WriteAndReadMoveBytes_withCloexec() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(JAVA_INT, 2);
            assertEquals(0, ProcessCalls.pipe2(fds, Constants.O_CLOEXEC));
            int r = fds.getAtIndex(JAVA_INT, 0);
            int w = fds.getAtIndex(JAVA_INT, 1);
            try {
                assertTrue((Proc.fdFlags(r).orElseThrow() & Proc.FDINFO_O_CLOEXEC) != 0);
                assertTrue(Proc.fdLink(w).orElseThrow().startsWith("pipe:"));
                assertEquals(5, LibC.write(w, arena.allocateFrom("hello"), 5));
                MemorySegment buf = arena.allocate(16);
                assertEquals(5, LibC.read(r, buf, 16));
                assertEquals("hello", new String(buf.asSlice(0, 5).toArray(JAVA_BYTE), StandardCharsets.US_ASCII));
                LibC.close(w);
                assertEquals(0, LibC.read(r, buf, 16), "end of file once the write end is closed");
            } finally {
                LibC.close(r);
            }
            assertEquals(-Errno.EBADF, LibC.read(r, arena.allocate(1), 1));
            assertEquals(-Errno.EBADF, LibC.write(BAD_FD, arena.allocate(1), 1));
        }
    }

    @Test
    void readlinkatAndStatxOfAPathAgreeWithTheJdk() throws Exception {
        Path link = Path.of("/proc/self/ns/net");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(256);
            long n = LibC.readlinkat(Constants.AT_FDCWD, arena.allocateFrom(link.toString()), buf, 256);
            assertEquals(Proc.readLink(link),
                    new String(buf.asSlice(0, n).toArray(JAVA_BYTE), StandardCharsets.US_ASCII));
            assertEquals(-Errno.ENOENT, LibC.readlinkat(Constants.AT_FDCWD, arena.allocateFrom("/nonexistent-nsfs4j"),
                    buf, 256));
            MemorySegment stx = arena.allocate(Structs.STATX);
            assertEquals(0, LibC.statx(Constants.AT_FDCWD, arena.allocateFrom(link.toString()), 0,
                    Constants.STATX_INO, stx));
            assertEquals(Proc.statIno(link), Structs.statxIno(stx), "links followed: the namespace's inode");
            int dir = JvmNamespaces.openThreadNsDir();
            try {
                assertEquals(0, LibC.statx(dir, arena.allocateFrom("net"), 0, Constants.STATX_INO, stx));
                assertEquals(Proc.statIno(Path.of("/proc/thread-self/ns/net")), Structs.statxIno(stx));
            } finally {
                LibC.close(dir);
            }
        }
    }

    @Test
    void openWithAModeCreatesTheFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("created");
        int fd = LibC.open(file.toString(), Constants.O_WRONLY | Constants.O_CREAT | Constants.O_CLOEXEC, 0600);
        assertTrue(fd >= 0, "open: " + fd);
        LibC.close(fd);
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(file));
    }

    @Test
    void posixSpawnWithFileActionsThenWaitidAndKill() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(JAVA_INT, 2);
            assertEquals(0, ProcessCalls.pipe2(fds, Constants.O_CLOEXEC));
            int r = fds.getAtIndex(JAVA_INT, 0);
            int w = fds.getAtIndex(JAVA_INT, 1);
            MemorySegment actions = arena.allocate(PosixSpawn.FILE_ACTIONS_SIZE, 16);
            MemorySegment attr = arena.allocate(PosixSpawn.ATTR_SIZE, 16);
            assertEquals(0, PosixSpawn.posix_spawn_file_actions_init(actions));
            assertEquals(0, PosixSpawn.posix_spawn_file_actions_adddup2(actions, w, 1));
            assertEquals(0, PosixSpawn.posix_spawn_file_actions_addclosefrom_np(actions, 3));
            assertEquals(0, PosixSpawn.posix_spawn_file_actions_addchdir_np(actions, arena.allocateFrom("/proc")));
            assertEquals(0, PosixSpawn.posix_spawnattr_init(attr));
            assertEquals(0, PosixSpawn.posix_spawnattr_setflags(attr, PosixSpawn.SETSIGMASK));
            assertEquals(0, PosixSpawn.posix_spawnattr_setsigmask(attr, arena.allocate(PosixSpawn.SIGSET_SIZE)));
            MemorySegment pid = arena.allocate(JAVA_INT);
            MemorySegment argv = cStrings(arena, List.of("sh", "-c", "pwd; ls /proc/self/fd | wc -l; exit 3"));
            MemorySegment envp = cStrings(arena, List.of("PATH=/usr/bin:/bin"));
            assertEquals(0, PosixSpawn.posix_spawnp(pid, arena.allocateFrom("sh"), actions, attr, argv, envp));
            assertEquals(-Errno.ENOENT, PosixSpawn.posix_spawnp(arena.allocate(JAVA_INT),
                    arena.allocateFrom("nsfs4j-no-such-command"), actions, attr, argv, envp));
            assertEquals(0, PosixSpawn.posix_spawn_file_actions_destroy(actions));
            assertEquals(0, PosixSpawn.posix_spawnattr_destroy(attr));
            LibC.close(w);
            MemorySegment info = arena.allocate(Structs.SIGINFO);
            int child = pid.get(JAVA_INT, 0);
            assertEquals(0, ProcessCalls.waitid(1, child, info, Constants.WEXITED | Constants.WNOWAIT));
            assertTrue(Proc.state(child).orElseThrow() == 'Z', "WNOWAIT leaves a zombie");
            assertEquals(0, ProcessCalls.waitid(1, child, info, Constants.WEXITED));
            assertEquals(3, Structs.exitStatus(info));
            MemorySegment buf = arena.allocate(256);
            long n = LibC.read(r, buf, 256);
            LibC.close(r);
            // the working directory, and only 0, 1, 2 (and ls's own directory fd) open in the child
            assertEquals("/proc\n4\n", new String(buf.asSlice(0, n).toArray(JAVA_BYTE), StandardCharsets.US_ASCII));

            MemorySegment sleepArgv = cStrings(arena, List.of("sleep", "100"));
            assertEquals(0, PosixSpawn.posix_spawnp(pid, arena.allocateFrom("sleep"), MemorySegment.NULL,
                    MemorySegment.NULL, sleepArgv, envp));
            assertEquals(0, ProcessCalls.kill(pid.get(JAVA_INT, 0), Constants.SIGKILL));
            assertEquals(0, ProcessCalls.waitid(1, pid.get(JAVA_INT, 0), info, Constants.WEXITED));
            assertEquals(128 + 9, Structs.exitStatus(info));
            assertEquals(-ECHILD, ProcessCalls.waitid(1, pid.get(JAVA_INT, 0), info, Constants.WEXITED));
            assertEquals(-Errno.ESRCH, ProcessCalls.kill(Proc.pidMax() - 1, 0));
        }
    }

    /**
     * posix_spawn (no PATH search), addclose, and adddup2 of an fd onto itself, which only
     * clears its close-on-exec: the launcher's start. The child is the shell of an absolute path.
     */
    @Test
    void posixSpawnOfAPathWithCloseAndAnFdKeptAtItsNumber() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            int kept = LibC.open("/etc/hostname", Constants.O_RDONLY | Constants.O_CLOEXEC);
            int dropped = LibC.open("/etc/hostname", Constants.O_RDONLY | Constants.O_CLOEXEC);
            MemorySegment fds = arena.allocate(JAVA_INT, 2);
            assertEquals(0, ProcessCalls.pipe2(fds, Constants.O_CLOEXEC));
            int r = fds.getAtIndex(JAVA_INT, 0);
            int w = fds.getAtIndex(JAVA_INT, 1);
            MemorySegment actions = arena.allocate(PosixSpawn.FILE_ACTIONS_SIZE, 16);
            assertEquals(0, PosixSpawn.posix_spawn_file_actions_init(actions));
            assertEquals(0, PosixSpawn.posix_spawn_file_actions_adddup2(actions, w, 1));
            assertEquals(0, PosixSpawn.posix_spawn_file_actions_addclose(actions, 0));
            assertEquals(0, PosixSpawn.posix_spawn_file_actions_adddup2(actions, kept, kept));
            MemorySegment pid = arena.allocate(JAVA_INT);
            String script = "for f in 0 " + kept + " " + dropped + "; do [ -e /proc/$$/fd/$f ] && echo $f; done; true";
            MemorySegment argv = cStrings(arena, List.of("sh", "-c", script));
            MemorySegment envp = cStrings(arena, List.of("PATH=/usr/bin:/bin"));
            assertEquals(-Errno.ENOENT, PosixSpawn.posix_spawn(pid, arena.allocateFrom("sh"), actions,
                    MemorySegment.NULL, argv, envp), "no PATH search: sh is not in the working directory");
            assertEquals(0, PosixSpawn.posix_spawn(pid, arena.allocateFrom("/bin/sh"), actions, MemorySegment.NULL,
                    argv, envp));
            assertEquals(0, PosixSpawn.posix_spawn_file_actions_destroy(actions));
            LibC.close(w);
            MemorySegment info = arena.allocate(Structs.SIGINFO);
            assertEquals(0, ProcessCalls.waitid(1, pid.get(JAVA_INT, 0), info, Constants.WEXITED));
            MemorySegment buf = arena.allocate(256);
            long n = LibC.read(r, buf, 256);
            assertEquals(kept + "\n", new String(buf.asSlice(0, n).toArray(JAVA_BYTE), StandardCharsets.US_ASCII),
                    "fd 0 closed, the kept fd inherited, the other closed at exec");
            LibC.close(r);
            LibC.close(kept);
            LibC.close(dropped);
        }
    }

    /** memfd_create and close_range against /proc's view of the fds. */
    @Test
    void memfdCreateAndCloseRange() {
        try (Arena arena = Arena.ofConfined()) {
            int memfd = ProcessCalls.memfd_create(arena.allocateFrom("nsfs4j-test"), Constants.MFD_CLOEXEC
                    | Constants.MFD_ALLOW_SEALING);
            assertTrue(memfd >= 0, "memfd_create: " + memfd);
            assertEquals("/memfd:nsfs4j-test (deleted)", Proc.fdLink(memfd).orElseThrow());
            assertEquals(Constants.O_CLOEXEC, Proc.fdFlags(memfd).orElseThrow() & Constants.O_CLOEXEC);
            assertEquals(0, LibC.fcntl(memfd, Constants.F_ADD_SEALS, Constants.F_SEAL_WRITE));
            assertEquals(-Errno.EPERM, (int) LibC.write(memfd, arena.allocate(1), 1), "sealed against writes");
            assertEquals(-Errno.EINVAL, ProcessCalls.memfd_create(arena.allocateFrom("x"), 1 << 30), "an unknown flag");
            int a = LibC.fcntl(memfd, Constants.F_DUPFD_CLOEXEC, 900);
            int b = LibC.fcntl(memfd, Constants.F_DUPFD_CLOEXEC, 901);
            assertEquals(List.of(900, 901), List.of(a, b));
            assertEquals(0, ProcessCalls.close_range(900, 900, 0));
            assertTrue(Proc.fdLink(900).isEmpty() && Proc.fdLink(901).isPresent(), "only 900 closed");
            assertEquals(-Errno.EINVAL, ProcessCalls.close_range(901, 900, 0), "first above last");
            assertEquals(0, ProcessCalls.close_range(901, 999, 0), "a range: 901 and the unused ones above");
            assertTrue(Proc.fdLink(901).isEmpty());
            LibC.close(memfd);
        }
    }
}
