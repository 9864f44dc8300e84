package io.github.nsfs4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.nsfs4j.testing.Commands;
import io.github.nsfs4j.testing.Proc;
import io.github.nsfs4j.testing.Unshared;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

/**
 * Runs {@code bench/probes/enter-rules}, the C probe behind docs/design.md's launcher table, so
 * that it keeps building and the rules the launcher's design rests on are re-checked on every
 * kernel the tests run on: a thread of a multithreaded process can join neither a user (EINVAL)
 * nor a time namespace (EUSERS); a CLONE_VM child can join a user namespace but not a time one;
 * a forked child joins all eight, as root and as the namespaces' unprivileged owner, and one
 * more fork after the pid namespace lands in it.
 */
class EnterRulesProbeTest {

    @Test
    void theRulesTheLauncherRestsOn() {
        Unshared.requireNamespaces();
        Unshared.require(Proc.euid() == 0, "the probe needs root (it runs its second half as uid 65534)");
        Unshared.requireCommand("gcc");
        Unshared.requireCommand("setpriv");
        Commands.Result r = Commands.run(List.of("bench/probes/enter-rules"));
        assertEquals(0, r.exitCode(), r.toString());
        List<Map<String, String>> rows = new ArrayList<>();
        for (String line : r.stdout().lines().toList()) {
            if (line.startsWith("#")) {
                continue;
            }
            Map<String, String> row = new TreeMap<>();
            String[] words = line.split(" ");
            row.put("place", words[0]);
            for (int i = 1; i < words.length; i++) {
                String[] kv = words[i].split("=", 2);
                row.put(kv[0], kv[1]);
            }
            rows.add(row);
        }
        assertEquals(6, rows.size(), "thread, vfork, fork, for root and for uid 65534: " + r.stdout());
        for (Map<String, String> row : rows) {
            String place = row.get("place");
            switch (place) {
                case "thread" -> {
                    assertEquals("EINVAL", row.get("user"), "a thread joins no user namespace: " + row);
                    assertEquals("EUSERS", row.get("time"), "a thread joins no time namespace: " + row);
                }
                case "vfork" -> {
                    assertEquals("EUSERS", row.get("time"), "a CLONE_VM child shares the mm: " + row);
                    assertEquals("ok", row.get("user"), row.toString());
                    assertEquals("ok", row.get("mnt"), row.toString());
                }
                case "fork" -> {
                    for (String type : List.of("user", "cgroup", "ipc", "uts", "net", "pid", "mnt", "time")) {
                        assertEquals("ok", row.get(type), "a forked child joins " + type + ": " + row);
                    }
                    assertEquals("2", row.get("grandchild_nspid_levels"), row.toString());
                }
                default -> throw new AssertionError("unknown place " + place + " in " + r.stdout());
            }
        }
        assertTrue(r.stdout().contains("## uid 65534"), r.stdout());
    }
}
