package io.github.nsfs4j.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.github.nsfs4j.MountNamespace;
import io.github.nsfs4j.MountNamespaceInfo;
import io.github.nsfs4j.NamespaceAccessDeniedException;
import io.github.nsfs4j.NamespaceException;
import io.github.nsfs4j.UnsupportedRequestException;

/** {@code nsfs mntns [--json]}: every mount namespace, in id order. */
final class MntnsCommand implements Command {

    @Override
    public String name() {
        return "mntns";
    }

    @Override
    public String summary() {
        return "every mount namespace, in id order, with its number of mounts";
    }

    @Override
    public String help() {
        return """
                Usage: nsfs mntns [--json]

                Every mount namespace, in id order, walked with NS_MNT_GET_NEXT/PREV from your
                own (Linux 6.12+): its id, its inode and its number of mounts. The kernel
                allows the walk only to a caller in the initial pid namespace with
                CAP_SYS_ADMIN; elsewhere only your own mount namespace is shown, and stderr
                says why. Before Linux 6.12 (no walk), the mount namespaces that processes
                are in, found through /proc, with nr_mounts from a member's mountinfo; stderr
                says so.

                With --json:
                  {"mount_namespaces":[{"id":..,"ns":..,"nr_mounts":..}, ...]}

                Options:
                  -J, --json     print one JSON object on stdout
                  -h, --help     show this help

                Exit status: 0 shown; 2 failure.
                """;
    }

    @Override
    public Args.Spec spec() {
        return new Args.Spec();
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) throws NamespaceException {
        if (!args.operands().isEmpty()) {
            throw CliException.usage("mntns takes no arguments (got '" + args.operands().getFirst()
                    + "'); see 'nsfs mntns --help'");
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        try (MountNamespace own = MountNamespace.current()) {
            String partial = null;
            try {
                own.walkAll(ns -> rows.add(row(ns, err)));
            } catch (UnsupportedRequestException e) {
                // No walk before Linux 6.12: listAll()'s fallback, the mount namespaces that
                // processes are in, from /proc; the library marks them so, and so does stderr.
                rows.clear();
                rows.addAll(fromProc(own.listAll()));
                err.println(prefix() + ": " + Errors.describe(e).getMessage() + " to walk mount namespaces;"
                        + " listing those that processes are in, found through /proc, with nr_mounts from a"
                        + " member's mountinfo (a mount namespace that only an fd or a bind mount keeps alive is"
                        + " missing)");
            } catch (NamespaceException e) {
                partial = whyPartial(e);
            }
            if (partial != null) {
                rows.clear();
                rows.add(row(own, err));
                err.println(prefix() + ": showing only your own mount namespace: " + partial);
            }
        }
        if (args.json()) {
            Map<String, Object> doc = Json.object();
            doc.put("mount_namespaces", rows);
            out.print(Json.write(doc));
        } else {
            List<List<String>> table = new ArrayList<>();
            for (Map<String, Object> r : rows) {
                table.add(List.of(Text.value(r.get("id")), Text.value(r.get("ns")), Text.value(r.get("nr_mounts"))));
            }
            out.print(Text.table(List.of("ID", "NS", "NR_MOUNTS"), table));
        }
        return 0;
    }

    /** The rows of {@link MountNamespace#listAll()}'s fallback ({@code nr_mounts} null where unknown). */
    private static List<Map<String, Object>> fromProc(List<MountNamespaceInfo> found) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (MountNamespaceInfo ns : found) {
            Map<String, Object> row = Json.object();
            row.put("id", ns.id() != 0 ? Json.u64(ns.id()) : null);
            row.put("ns", Json.u64(ns.inode()));
            row.put("nr_mounts", ns.mountCount() >= 0 ? ns.mountCount() : null);
            rows.add(row);
        }
        return rows;
    }

    /** Why the walk stopped, for an expected refusal; rethrows anything else. */
    private static String whyPartial(NamespaceException e) throws NamespaceException {
        return switch (e) {
            case NamespaceAccessDeniedException denied -> "the kernel refuses the walk (NS_MNT_GET_NEXT/PREV: "
                    + denied.errnoName().orElse("EPERM") + ") unless the caller is in the initial pid namespace"
                    + " with CAP_SYS_ADMIN in the initial user namespace; run nsfs as root on the host";
            case UnsupportedRequestException unsupported -> "walking the others " + Errors.describe(unsupported)
                    .getMessage();
            default -> throw e;
        };
    }

    /** The row of one mount namespace: id and mount count from NS_MNT_GET_INFO. */
    private Map<String, Object> row(MountNamespace ns, PrintStream err) throws NamespaceException {
        Map<String, Object> row = Json.object();
        try {
            MountNamespaceInfo info = ns.info();
            row.put("id", Json.u64(info.id()));
            row.put("ns", Json.u64(ns.inode()));
            row.put("nr_mounts", info.mountCount());
        } catch (UnsupportedRequestException e) {
            err.println(prefix() + ": no mount count: " + Errors.describe(e).getMessage());
            row.put("id", ns.id().isPresent() ? Json.u64(ns.id().getAsLong()) : null);
            row.put("ns", Json.u64(ns.inode()));
            row.put("nr_mounts", null);
        }
        return row;
    }
}
