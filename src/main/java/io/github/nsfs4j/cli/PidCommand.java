package io.github.nsfs4j.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.github.nsfs4j.NamespaceException;
import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.PidNamespace;
import io.github.nsfs4j.PidNamespace.Translation;

/** {@code nsfs pid [--json] [--tgid] (--from|--in) NSREF PID...}: pid translation. */
final class PidCommand implements Command {

    @Override
    public String name() {
        return "pid";
    }

    @Override
    public String summary() {
        return "translate pids between your pid namespace and another";
    }

    @Override
    public String help() {
        return """
                Usage: nsfs pid [--json] [--tgid] (--from|--in) NSREF PID...

                Translates pids between your pid namespace and the pid namespace NSREF
                (Linux 6.11+ ioctls; older kernels through /proc/PID/status where the library can).
                  --from NSREF  each PID is a pid inside NSREF: print it as your namespace sees it
                                (NS_GET_PID_FROM_PIDNS)
                  --in NSREF    each PID is a pid of your namespace: print it as NSREF sees it
                                (NS_GET_PID_IN_PIDNS)
                  --tgid        print the thread-group leader of each pid instead
                                (NS_GET_TGID_FROM_PIDNS / NS_GET_TGID_IN_PIDNS)

                NSREF is a pid namespace file (/proc/1234/ns/pid, a bind mount), pid:PID, or
                a bare PID, meaning the pid namespace of that process.

                Output: one line per PID, "PID RESULT", with - where the pid does not exist
                on its side or is not visible on the other. With --json:
                  {"ns":..,"id":..,"direction":"from"|"in","tgid":false,
                   "results":[{"pid":1,"result":4238},{"pid":99,"result":null}]}

                Options:
                  -J, --json     print one JSON object on stdout
                  -h, --help     show this help

                Examples:
                  nsfs pid --from 4238 1        # the host pid of init in 4238's pid namespace
                  nsfs pid --in 4238 4300 4301  # what 4238's namespace calls these host pids

                Exit status: 0 all resolved; 1 some PID unresolved, or the namespace is gone;
                2 usage error or failure.
                """;
    }

    @Override
    public Args.Spec spec() {
        return new Args.Spec().option("--from").option("--in").flag("--tgid");
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) throws NamespaceException {
        int directions = args.values("--from").size() + args.values("--in").size();
        if (directions != 1) {
            throw CliException.usage(directions == 0
                    ? "say which way to translate: --from NSREF or --in NSREF; see 'nsfs pid --help'"
                    : "give --from or --in once, not both or twice; see 'nsfs pid --help'");
        }
        boolean from = args.has("--from");
        boolean tgid = args.has("--tgid");
        NsRef ref = NsRef.parse(args.values(from ? "--from" : "--in").getFirst(), NamespaceType.PID);
        if (args.operands().isEmpty()) {
            throw CliException.usage("give the PIDs to translate after --" + (from ? "from" : "in")
                    + " NSREF; see 'nsfs pid --help'");
        }
        List<Integer> pids = new ArrayList<>();
        for (String operand : args.operands()) {
            pids.add(NsRef.pid(operand, ""));
        }
        Translation translation = from
                ? (tgid ? Translation.TGID_FROM_NAMESPACE : Translation.PID_FROM_NAMESPACE)
                : (tgid ? Translation.TGID_IN_NAMESPACE : Translation.PID_IN_NAMESPACE);

        Map<String, Object> doc = Json.object();
        List<Object> results = Json.array();
        boolean unresolved = false;
        StringBuilder text = new StringBuilder();
        try (PidNamespace ns = (PidNamespace) ref.open()) {
            doc.put("ns", Json.u64(ns.inode()));
            doc.put("id", ns.id().isPresent() ? Json.u64(ns.id().getAsLong()) : null);
            doc.put("direction", from ? "from" : "in");
            doc.put("tgid", tgid);
            for (int pid : pids) {
                int result = ns.translate(translation, pid);
                Map<String, Object> entry = Json.object();
                entry.put("pid", pid);
                entry.put("result", result > 0 ? result : null);
                results.add(entry);
                unresolved |= result <= 0;
                text.append(pid).append(' ').append(result > 0 ? String.valueOf(result) : "-").append('\n');
            }
        }
        doc.put("results", results);
        out.print(args.json() ? Json.write(doc) : text.toString());
        return unresolved ? CliException.NOT_FOUND : 0;
    }
}
