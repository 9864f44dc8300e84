package io.github.nsfs4j.cli;

import java.io.PrintStream;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

import io.github.nsfs4j.Namespace;
import io.github.nsfs4j.NamespaceException;
import io.github.nsfs4j.PidNamespace;
import io.github.nsfs4j.UnsupportedRequestException;
import io.github.nsfs4j.UserNamespace;

/** {@code nsfs info [--json] NSREF}: one namespace. */
final class InfoCommand implements Command {

    @Override
    public String name() {
        return "info";
    }

    @Override
    public String summary() {
        return "one namespace: inode, id, type, parent, owner (and init process of a pid namespace)";
    }

    @Override
    public String help() {
        return """
                Usage: nsfs info [--json] NSREF

                Shows one namespace:
                  ns         its inode, as readlink /proc/PID/ns/TYPE shows it
                  id         its 64-bit id (NS_GET_ID, Linux 6.18+; null where the kernel lacks it)
                  type       cgroup, ipc, mnt, net, pid, time, user or uts
                  pns        the parent's inode (pid and user namespaces; 0 if none or not visible)
                  ons        the owning user namespace's inode (0 if not visible to you)
                  owner_uid  the uid that created it (user namespaces only, otherwise null)
                  init_pid   for a pid namespace: its init process, as a pid of your pid
                             namespace (null if it has none left)

                NSREF is a namespace file (/proc/1234/ns/net, a bind mount such as
                /run/netns/blue), TYPE:PID (net:1234 means /proc/1234/ns/net), or
                net:PID:FD, the net namespace of socket fd FD of process PID (one that
                only a socket keeps alive has no other name; Linux 5.6, root).

                Options:
                  -J, --json     print one JSON object on stdout
                  -h, --help     show this help

                Examples:
                  nsfs info net:$$
                  nsfs info --json /run/netns/blue

                Exit status: 0 shown; 1 the namespace or process is gone; 2 usage error or failure.
                """;
    }

    @Override
    public Args.Spec spec() {
        return new Args.Spec();
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) throws NamespaceException {
        if (args.operands().size() != 1) {
            throw CliException.usage(args.operands().isEmpty()
                    ? "give the namespace to show: NSREF (/proc/PID/ns/TYPE or TYPE:PID); see 'nsfs info --help'"
                    : "give exactly one NSREF (got " + args.operands().size() + "); see 'nsfs info --help'");
        }
        NsRef ref = NsRef.parse(args.operands().getFirst(), null);
        Map<String, Object> info;
        try (Namespace ns = ref.open()) {
            info = describe(ns, err, prefix());
        }
        if (args.json()) {
            out.print(Json.write(info));
        } else {
            out.print(Text.keyValues(info));
        }
        return 0;
    }

    /** The fields of {@code nsfs info} for an open namespace. */
    static Map<String, Object> describe(Namespace ns, PrintStream err, String prefix) throws NamespaceException {
        Map<String, Object> info = Json.object();
        info.put("ns", Json.u64(ns.inode()));
        info.put("id", ns.id().isPresent() ? Json.u64(ns.id().getAsLong()) : null);
        info.put("type", ns.type().procName());
        info.put("pns", Json.u64(parentInode(ns)));
        info.put("ons", Json.u64(inodeOf(ns.owner())));
        info.put("owner_uid", ns instanceof UserNamespace user ? user.ownerUid() : null);
        if (ns instanceof PidNamespace pid) {
            Integer init = null;
            try {
                OptionalInt found = pid.initPid();
                init = found.isPresent() ? found.getAsInt() : null;
            } catch (UnsupportedRequestException e) {
                err.println(prefix + ": init_pid unknown: " + Errors.describe(e).getMessage());
            }
            info.put("init_pid", init);
        }
        return info;
    }

    /** The parent's inode for pid and user namespaces, 0 if none or not visible (and for other types). */
    static long parentInode(Namespace ns) throws NamespaceException {
        // instanceof, not a pattern switch: its bootstrap would spin a class in every command's start-up
        if (ns instanceof PidNamespace pid) {
            return inodeOf(pid.parent());
        }
        return ns instanceof UserNamespace user ? inodeOf(user.parent()) : 0;
    }

    /** The inode of a related namespace, which is closed here; 0 if absent. */
    static long inodeOf(Optional<? extends Namespace> related) {
        if (related.isEmpty()) {
            return 0;
        }
        try (Namespace ns = related.get()) {
            return ns.inode();
        }
    }
}
