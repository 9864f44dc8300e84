package io.github.nsfs4j;

import io.github.nsfs4j.kernel.NamespaceType;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9 item 11: a namespace type newer than this library (a name under
 * {@code /proc/PID/ns} beyond the eight it knows) must not make discovery fail: such
 * namespaces are skipped and counted. No kernel has such a type yet, so the scan runs over a
 * made-up procfs tree shaped like a future kernel's: a process with a {@code future} link, an
 * fd on a {@code future} namespace, and an nsfs bind mount of one, beside a socket fd (whose
 * {@code socket:[N]} link looks the same but is no namespace).
 */
class UnknownNamespaceTypeDiscoveryTest {

    @TempDir
    Path proc;

    private void link(String path, String target) throws Exception {
        Path p = proc.resolve(path);
        Files.createDirectories(p.getParent());
        Files.createSymbolicLink(p, Path.of(target));
    }

    private void file(String path, String text) throws Exception {
        Path p = proc.resolve(path);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text, StandardCharsets.UTF_8);
    }

    @Test
    void aFutureTypeIsSkippedAndCountedNotAFailure() throws Exception {
        link("self/ns/net", "net:[4026531833]");
        link("self/ns/pid_for_children", "pid:[4026531836]");
        link("self/ns/future", "future:[4026539001]");
        link("self/ns/future_for_children", "future:[4026539001]");
        link("100/ns/future", "future:[4026539001]");
        link("100/ns/mnt", "mnt:[4026539006]");
        link("100/fd/3", "future:[4026539002]");
        link("100/fd/4", "socket:[4026539003]");
        link("100/fd/5", "pipe:[4026539007]");
        file("100/cmdline", "sleep\0" + "100\0");
        file("100/mountinfo", "40 27 0:4 future:[4026539004] /run/future\\040ns rw shared:1 - nsfs nsfs rw\n"
                + "41 27 0:4 net:[4026539005] /run/netns/blue rw - nsfs nsfs rw\n"
                + "42 27 0:22 / /proc rw,nosuid - proc proc rw\n");
        link("101/ns/future", "future:[4026539001]"); // the same one, counted once
        link("101/task/101/ns/future", "future:[4026539001]");

        NamespaceSnapshot snapshot = NamespaceDiscovery.scan(proc, EnumSet.allOf(NamespaceType.class), () -> {},
                () -> {});
        assertEquals(3, snapshot.namespacesOfUnknownType(), snapshot::toString);
        assertTrue(snapshot.toString().endsWith(", 3 of unknown type]"), snapshot::toString);
        // The known ones in the made-up tree cannot be opened (they are ordinary symlinks):
        // they count as vanished, as a namespace that died before being opened does.
        assertEquals(2, snapshot.namespacesVanished(), snapshot::toString);
        assertEquals(0, snapshot.namespaces().size(), snapshot::toString);
        assertEquals(2, snapshot.processesScanned(), snapshot::toString);

        // A type filter counts them all the same: they are of no type it could select.
        assertEquals(3, NamespaceDiscovery.scan(proc, EnumSet.of(NamespaceType.NET), () -> {}, () -> {})
                .namespacesOfUnknownType());
    }
}
