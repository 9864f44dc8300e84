package io.github.nsfs4j.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.github.nsfs4j.DiscoveredNamespace;
import io.github.nsfs4j.NamespaceException;
import io.github.nsfs4j.NamespaceSnapshot;
import io.github.nsfs4j.kernel.NamespaceType;

/** {@code nsfs ls [--json] [-t TYPE]...}: every namespace visible on this machine, one row each. */
final class LsCommand implements Command {

    @Override
    public String name() {
        return "ls";
    }

    @Override
    public String summary() {
        return "every namespace on this machine: of processes, fds and bind mounts";
    }

    @Override
    public String help() {
        return """
                Usage: nsfs ls [--json] [-t TYPE]... [-u]

                Every namespace visible on this machine, one row each, in inode order: those
                that processes are in (like lsns), those only a thread is in (one that called
                setns or unshare: /proc/PID/task/TID/ns; lsns does not list these), those
                only held open by a file descriptor (/proc/PID/fd), those only kept alive by a
                bind mount (/proc/PID/mountinfo), and ancestors known only as the parent or
                owner of another namespace.

                Columns (--json field in parentheses):
                  NS       inode, as readlink /proc/PID/ns/TYPE shows it (ns)
                  TYPE     cgroup, ipc, mnt, net, pid, time, user or uts (type)
                  NPROCS   processes in it; 0 if only an fd, a mount or a child holds it (nprocs)
                  PID      the lowest pid in it, - if none (pid: null)
                  USER     that process's user; with no process, the user that created it
                           (a user namespace) or its owning user namespace (user)
                  ID       64-bit namespace id, NS_GET_ID, Linux 6.18+ (id: null if none)
                  HELD     what keeps it alive: process, thread, fd, mount, descendant (held_by)
                  COMMAND  that process's command line (command: null if no process)
                --json only:
                  pns      the parent's inode (pid and user namespaces; 0 if none or not visible)
                  ons      the owning user namespace's inode (0 if none or not visible)
                  path     a path that opened it during the scan (/proc/PID/ns/TYPE,
                           /proc/PID/task/TID/ns/TYPE, /proc/PID/fd/N,
                           /proc/PID/root/MOUNTPOINT; null for a descendant-only one)
                  partial  true when processes could not be inspected (not root): nprocs,
                           pid, user and command then count only those you could
                and, after "namespaces": processes_scanned, processes_refused,
                processes_vanished, namespaces_vanished
                ns, type, nprocs, pid, user, command, pns and ons agree with
                lsns -J -l -o NS,TYPE,NPROCS,PID,USER,COMMAND,PNS,ONS where lsns lists it.

                Options:
                  -t, --type TYPE    only namespaces of this type (repeatable); TYPE is one of
                                     cgroup ipc mnt net pid time user uts
                  -u, --notruncate   do not cut lines to the terminal's width
                  -J, --json         print {"namespaces":[...]} on stdout
                  -h, --help         show this help

                Examples:
                  nsfs ls
                  nsfs ls -t net -t pid
                  nsfs ls --json | jq '.namespaces[] | select(.nprocs == 0 and (.partial | not))'

                Exit status: 0 listed; 2 usage error or failure (/proc cannot be read).
                """;
    }

    @Override
    public Args.Spec spec() {
        return new Args.Spec().option("--type", "-t").flag("--notruncate", "-u");
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) throws NamespaceException {
        if (!args.operands().isEmpty()) {
            throw CliException.usage("ls takes no operands (got '" + args.operands().getFirst()
                    + "'); to choose types use -t TYPE; see 'nsfs ls --help'");
        }
        Set<NamespaceType> types = types(args.values("--type"));
        NamespaceSnapshot snapshot = NamespaceRows.scan(types, args.json(), err, prefix());
        if (args.json()) {
            List<Object> list = Json.array();
            for (DiscoveredNamespace ns : snapshot.namespaces()) {
                list.add(NamespaceRows.json(ns, snapshot.isPartial()));
            }
            Map<String, Object> doc = Json.object();
            doc.put("namespaces", list);
            NamespaceRows.counts(doc, snapshot);
            out.print(Json.write(doc));
        } else {
            List<List<String>> rows = new ArrayList<>();
            for (DiscoveredNamespace ns : snapshot.namespaces()) {
                rows.add(NamespaceRows.cells(ns, Long.toUnsignedString(ns.inode())));
            }
            out.print(NamespaceRows.table(rows, false, NamespaceRows.terminalWidth(out, args.has("--notruncate"))));
        }
        return 0;
    }

    /** The types of {@code -t} options; every type when none. */
    static Set<NamespaceType> types(List<String> names) {
        Set<NamespaceType> types = EnumSet.noneOf(NamespaceType.class);
        for (String name : names) {
            try {
                types.add(NamespaceType.fromName(name));
            } catch (IllegalArgumentException e) {
                throw CliException.usage("unknown namespace type '" + name
                        + "' for -t; TYPE is one of cgroup ipc mnt net pid time user uts");
            }
        }
        return types.isEmpty() ? EnumSet.allOf(NamespaceType.class) : types;
    }
}
