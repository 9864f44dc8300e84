package io.github.nsfs4j.cli;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.PidNamespace;

/** {@code nsfs init-pid [--json] NSREF...}: the init process of pid namespaces. */
final class InitPidCommand implements Command {

    @Override
    public String name() {
        return "init-pid";
    }

    @Override
    public String summary() {
        return "the init process of pid namespaces, as pids of your pid namespace";
    }

    @Override
    public String help() {
        return """
                Usage: nsfs init-pid [--json] [NSREF...]

                For each pid namespace, the pid (in your pid namespace) of its init process,
                its pid 1: the question LXCFS asks (NS_GET_PID_FROM_PIDNS, Linux 6.11+).
                Without NSREF: your own pid namespace.

                NSREF is a pid namespace file (/proc/1234/ns/pid, a bind mount), pid:PID, or
                a bare PID, meaning the pid namespace of that process.

                Output: one line per NSREF, "NSREF INIT_PID", with - where the namespace has no
                init left. With --json:
                  {"results":[{"ns":..,"id":..,"init_pid":4238}, ...]}
                A NSREF that cannot be opened is left out, with a message on stderr (and when
                none can be opened, nothing is printed on stdout).

                Options:
                  -J, --json     print one JSON object on stdout
                  -h, --help     show this help

                Example:
                  nsfs init-pid $(pgrep -x sleep)

                Exit status: 0 all found; 1 some namespace is gone or has no init left;
                2 usage error or failure.
                """;
    }

    @Override
    public Args.Spec spec() {
        return new Args.Spec();
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) {
        List<NsRef> refs = args.operands().isEmpty()
                ? List.of(NsRef.parse("/proc/self/ns/pid", NamespaceType.PID))
                : NsRef.parseAll(args.operands(), NamespaceType.PID);
        List<Object> results = Json.array();
        StringBuilder text = new StringBuilder();
        int status = 0;
        for (NsRef ref : refs) {
            try (PidNamespace ns = (PidNamespace) ref.open()) {
                OptionalInt init = ns.initPid();
                Map<String, Object> entry = Json.object();
                entry.put("ns", Json.u64(ns.inode()));
                entry.put("id", ns.id().isPresent() ? Json.u64(ns.id().getAsLong()) : null);
                entry.put("init_pid", init.isPresent() ? init.getAsInt() : null);
                results.add(entry);
                text.append(Text.safe(ref.text())).append(' ').append(init.isPresent() ? String.valueOf(init.getAsInt()) : "-")
                        .append('\n');
                if (init.isEmpty()) {
                    status = Math.max(status, CliException.NOT_FOUND);
                }
            } catch (Exception e) {
                CliException failure = Errors.describe(e);
                if (failure == null) {
                    throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
                }
                err.println(prefix() + ": " + Main.oneLine(failure.getMessage()));
                status = Math.max(status, failure.exitCode());
            }
        }
        if (results.isEmpty()) {
            return status; // every NSREF failed: like any failure, nothing on stdout
        }
        if (args.json()) {
            Map<String, Object> doc = Json.object();
            doc.put("results", results);
            out.print(Json.write(doc));
        } else {
            out.print(text);
        }
        return status;
    }
}
