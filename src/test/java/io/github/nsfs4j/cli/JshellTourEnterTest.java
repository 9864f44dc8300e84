package io.github.nsfs4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.nsfs4j.testing.Unshared;

/**
 * The tour's step "act inside a container", run as the tour shows it through bin/nsfs-jshell,
 * on a child with its own hostname and a fresh network namespace (only lo).
 */
class JshellTourEnterTest {

    @Test
    void hostnameAndNetDevOfAnotherUtsAndNetNamespace(@TempDir Path tmp) throws Exception {
        String tour = Files.readString(UserShell.checkout().resolve("bin/lib/nsfs-jshell-tour.jsh"));
        assertTrue(tour.contains("NamespaceSet.of(Pidfd.open(1234), NamespaceType.UTS, NamespaceType.NET)"), tour);
        Path bin = tmp.resolve("checkout/bin");
        UserShell.copyTree(UserShell.checkout().resolve("bin"), bin);
        Path jar = TestJar.build(tmp.resolve("jar"));
        try (Unshared child = Unshared.builder().types("uts", "net")
                .script("hostname nsfs4j-tour && echo ready && exec sleep 100000").start()) {
            Path script = tmp.resolve("tour.jsh");
            Files.writeString(script, String.join("\n",
                    "var box = NamespaceSet.of(Pidfd.open(" + child.leafPid() + "), NamespaceType.UTS, NamespaceType.NET);",
                    "System.out.println(\"HOSTNAME \" + box.call(() -> Files.readString(Path.of(\"/proc/sys/kernel/hostname\"))).strip());",
                    "System.out.println(\"NETDEV \" + box.call(() -> Files.readAllLines(Path.of(\"/proc/thread-self/net/dev\"))).get(2).trim().split(\":\")[0]);",
                    "System.out.println(\"LINES \" + box.call(() -> Files.readAllLines(Path.of(\"/proc/thread-self/net/dev\"))).size());",
                    "box.close();", "/exit", ""));
            UserShell.Result r = UserShell.run(tmp, tmp, Map.of("NSFS_JAR", jar.toString()), 300,
                    bin.resolve("nsfs-jshell").toString(), script.toString());
            assertEquals(0, r.status(), r::toString);
            Map<String, String> v = r.values();
            assertEquals("nsfs4j-tour", v.get("HOSTNAME"), r::toString);
            assertEquals("lo", v.get("NETDEV"), r::toString);
            assertEquals("3", v.get("LINES"), "two header lines and lo only: " + r);
        }
    }

}
