package io.github.nsfs4j.engines;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.github.nsfs4j.NamespaceSet;
import io.github.nsfs4j.Pidfd;
import io.github.nsfs4j.cli.Main;
import io.github.nsfs4j.testing.Commands;
import io.github.nsfs4j.testing.LsnsRelease;
import io.github.nsfs4j.testing.Proc;

/**
 * One probe script, run inside a container by each tool (nsfs exec, NamespaceSet.start,
 * nsenter 2.41, the engine's own exec), and what its output must share with the kernel's truth
 * about the container's init and with the other tools' output. Each comparison adds a row to
 * {@code target/engine-results.md}, the table docs/testing.md shows.
 */
final class Probe {
    private Probe() {}

    /** Every namespace link of a process, as /proc/PID/ns lists them. */
    static final List<String> LINKS = List.of("cgroup", "ipc", "mnt", "net", "pid", "pid_for_children", "time",
            "time_for_children", "user", "uts");

    /** The script: key=value lines (NSpid of the shell itself, which is the command the tool started). */
    static final String SCRIPT = "for n in " + String.join(" ", LINKS) + "; do echo \"ns.$n=$(readlink /proc/self/ns/$n)\";"
            + " done; echo \"hostname=$(hostname)\"; echo \"marker=$(cat /marker)\"; echo \"uid=$(id -u)\";"
            + " echo \"gid=$(id -g)\"; echo \"uptime=$(cut -d' ' -f1 /proc/uptime)\";"
            + " echo \"nspid=$(grep NSpid /proc/$$/status | cut -f2-)\"";

    /** Seconds two readings of uptime may be apart (tools run one after the other; JVMs start in between). */
    static final double UPTIME_TOLERANCE = 30;

    /** What a container is, as the test made it and as the kernel shows its init. */
    record Container(String name, long pid, String hostname, String marker, Map<String, String> links,
            double boottimeOffset) {
        /** The kernel's truth about {@code pid}: readlink /proc/PID/ns/*, the boottime offset of its time namespace. */
        static Container of(String name, long pid, String hostname, String marker) {
            Map<String, String> links = new LinkedHashMap<>();
            for (String link : LINKS) {
                links.put(link, Proc.nsLink(pid, link));
            }
            double offset = 0;
            for (String line : Proc.readLines(Path.of("/proc", Long.toString(pid), "timens_offsets"))) {
                String[] f = line.trim().split("\\s+");
                if (f[0].equals("boottime")) {
                    offset = Long.parseLong(f[1]) + Long.parseLong(f[2]) / 1e9;
                }
            }
            return new Container(name, pid, hostname, marker, links, offset);
        }

        /** The nsenter options naming each type whose namespace differs from the caller's (nsfs exec -a's choice). */
        List<String> differingTypeOptions() {
            Map<String, String> option = Map.of("cgroup", "-C", "ipc", "-i", "mnt", "-m", "net", "-n", "pid", "-p",
                    "time", "-T", "user", "-U", "uts", "-u");
            List<String> options = new ArrayList<>();
            option.forEach((type, o) -> {
                if (!links.get(type).equals(Proc.nsLink(ProcessHandle.current().pid(), type))) {
                    options.add(o);
                }
            });
            options.sort(null);
            return options;
        }
    }

    /** The output of one tool's run: its key=value lines. */
    record Output(String tool, String runAs, Commands.Result run, Map<String, String> values) {
        static Output of(String tool, String runAs, Commands.Result run) {
            Map<String, String> values = new LinkedHashMap<>();
            for (String line : run.stdout().split("\n")) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    values.put(line.substring(0, eq), line.substring(eq + 1));
                }
            }
            return new Output(tool, runAs, run, values);
        }

        String get(String key) {
            return values.get(key);
        }
    }

    /** {@code nsfs exec -t PID OPTIONS -- sh -c SCRIPT}, the CLI in a child JVM, run as {@code prefix} says. */
    static Output nsfsCli(Container c, List<String> prefix, Path cwd, String runAs, String... options) {
        List<String> args = new ArrayList<>(List.of("exec", "-t", Long.toString(c.pid())));
        args.addAll(List.of(options));
        args.addAll(List.of("--", "sh", "-c", SCRIPT));
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(Commands.javaCommand(List.of("--enable-native-access=ALL-UNNAMED"), Main.class,
                args.toArray(String[]::new)));
        return Output.of("nsfs exec " + String.join(" ", options), runAs, EngineFixture.run(cwd, Map.of(), cmd));
    }

    /** {@code NamespaceSet.allOf(pidfd).start(sh -c SCRIPT)} in this JVM (root). */
    static Output nsfsApi(Container c) {
        try (Pidfd pidfd = Pidfd.open(Math.toIntExact(c.pid())); NamespaceSet all = NamespaceSet.allOf(pidfd)) {
            Process p = all.start(new ProcessBuilder("sh", "-c", SCRIPT).redirectError(ProcessBuilder.Redirect.PIPE));
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            int exit = p.waitFor();
            return Output.of("NamespaceSet.allOf().start", "root",
                    new Commands.Result(List.of("NamespaceSet.allOf(" + c.pid() + ").start(sh -c SCRIPT)"), exit, out,
                            err));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** util-linux 2.41's {@code nsenter -t PID OPTIONS -- sh -c SCRIPT}, run as {@code prefix} says. */
    static Output nsenter(Container c, List<String> prefix, Path cwd, String runAs, String... options) {
        List<String> args = new ArrayList<>(List.of("-t", Long.toString(c.pid())));
        args.addAll(List.of(options));
        args.addAll(List.of("--", "sh", "-c", SCRIPT));
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(LsnsRelease.nsenter(args.toArray(String[]::new)));
        return Output.of("nsenter 2.41 " + String.join(" ", options), runAs, EngineFixture.run(cwd, Map.of(), cmd));
    }

    /**
     * Root's part, the same for every container: nsfs exec -a (CLI), NamespaceSet.allOf().start
     * (API) and nsenter 2.41 -a each run inside {@code c}, and nsfs's output equals nsenter's.
     * Returns the host's uptime, read before, for the engine's own exec to be checked against.
     */
    static double assertRootEntersAsNsenter(Container c, Path cwd) {
        for (String type : List.of("ipc", "mnt", "net", "pid", "uts")) { // so that "equal to the init's" means entered
            assertNotEquals(Proc.nsLink(ProcessHandle.current().pid(), type), c.links().get(type), type);
        }
        double uptime = hostUptime();
        Output cli = nsfsCli(c, List.of(), cwd, "root", "-a");
        assertInside(c, cli, uptime);
        assertInside(c, nsfsApi(c), uptime);
        Output nsenter = nsenter(c, List.of(), cwd, "root", "-a");
        assertInside(c, nsenter, uptime);
        assertSameAsNsenter(c, cli, nsenter);
        return uptime;
    }

    /** The host's uptime now, in seconds. */
    static double hostUptime() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/uptime")).split(" ")[0]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * That {@code o} ran inside {@code c}: every namespace link is the init's (readlink
     * /proc/PID/ns/*), hostname and marker are the container's, uid and gid are 0 there, the
     * uptime is the host's plus the boottime offset of the init's time namespace, and NSpid, read
     * from the container's /proc, has one field and is not the init's 1. Adds the row.
     */
    static void assertInside(Container c, Output o, double hostUptime) {
        assertEquals(0, o.run().exitCode(), o.run()::toString);
        for (String link : LINKS) {
            assertEquals(c.links().get(link), o.get("ns." + link), link + " of " + o.tool() + " in " + c.name()
                    + "\n" + o.run());
        }
        assertEquals(c.hostname(), o.get("hostname"), o.run()::toString);
        assertEquals(c.marker(), o.get("marker"), o.run()::toString);
        assertEquals("0", o.get("uid"), o.run()::toString);
        assertEquals("0", o.get("gid"), o.run()::toString);
        double uptime = Double.parseDouble(o.get("uptime"));
        assertTrue(Math.abs(uptime - (hostUptime + c.boottimeOffset())) < UPTIME_TOLERANCE, () -> "uptime " + uptime
                + " is not the host's " + hostUptime + " + the offset " + c.boottimeOffset() + "\n" + o.run());
        String[] nspid = o.get("nspid").trim().split("\\s+");
        assertEquals(1, nspid.length, o.run()::toString);
        assertTrue(Long.parseLong(nspid[0]) > 1, o.run()::toString);
        row(c, o, uptime);
    }

    /**
     * That nsfs's output and nsenter 2.41's are the same, line by line, but for uptime (read a
     * moment apart) and NSpid's number (each run is a new process; its field count must agree).
     */
    static void assertSameAsNsenter(Container c, Output nsfs, Output nsenter) {
        assertEquals(0, nsenter.run().exitCode(), nsenter.run()::toString);
        assertEquals(nsenter.values().keySet(), nsfs.values().keySet(), () -> nsfs.run() + "\n" + nsenter.run());
        for (String key : nsenter.values().keySet()) {
            if (key.equals("uptime")) {
                assertTrue(Math.abs(Double.parseDouble(nsfs.get(key)) - Double.parseDouble(nsenter.get(key)))
                        < UPTIME_TOLERANCE, () -> nsfs.run() + "\n" + nsenter.run());
            } else if (key.equals("nspid")) {
                assertEquals(nsenter.get(key).trim().split("\\s+").length, nsfs.get(key).trim().split("\\s+").length,
                        () -> nsfs.run() + "\n" + nsenter.run());
            } else {
                assertEquals(nsenter.get(key), nsfs.get(key), () -> key + "\n" + nsfs.run() + "\n" + nsenter.run());
            }
        }
        append("| " + c.name() + " | " + nsfs.tool() + " vs " + nsenter.tool() + " | " + nsfs.runAs() + " | all "
                + nsenter.values().size() + " lines equal (uptime within " + (int) UPTIME_TOLERANCE
                + " s; NSpid: same field count) |");
    }

    /** A tool that refused to enter: the row says so, in the tool's own words. */
    static void refused(Container c, Output o) {
        String why = o.run().stderr().strip().replace("\n", "; ").replace("|", "\\|");
        append("| " + c.name() + " | " + o.tool() + " | " + o.runAs() + " | refused, exit " + o.run().exitCode() + ": `"
                + why + "` |");
    }

    private static void row(Container c, Output o, double uptime) {
        append("| " + c.name() + " | " + o.tool() + " | " + o.runAs() + " | " + LINKS.size()
                + " links = init's; hostname `" + o.get("hostname") + "`; marker `" + o.get("marker") + "`; uid:gid "
                + o.get("uid") + ":" + o.get("gid") + String.format("; uptime %.0f = host's + %.0f", uptime,
                        c.boottimeOffset()) + "; NSpid `" + o.get("nspid").trim() + "` |");
    }

    private static synchronized void append(String line) {
        System.out.println(line);
        Path file = Path.of(System.getProperty("basedir", System.getProperty("user.dir")), "target",
                "engine-results.md");
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
