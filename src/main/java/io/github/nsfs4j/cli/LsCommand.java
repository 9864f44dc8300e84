package io.github.nsfs4j.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.github.nsfs4j.DiscoveredNamespace;
import io.github.nsfs4j.NamespaceDiscovery;
import io.github.nsfs4j.NamespaceException;
import io.github.nsfs4j.NamespaceSnapshot;
import io.github.nsfs4j.kernel.NamespaceType;

/**
 * {@code nsfs ls [options] [NAMESPACE]}: every namespace visible on this machine, one row
 * each, with lsns 2.41's options, columns and formats.
 */
final class LsCommand implements Command {

    @Override
    public String name() {
        return "ls";
    }

    @Override
    public String summary() {
        return "every namespace on this machine: of processes, fds, bind mounts and sockets";
    }

    @Override
    public String help() {
        StringBuilder columns = new StringBuilder();
        for (Column c : Column.values()) {
            columns.append(String.format("  %-8s %s%n", c.name(), c.help));
        }
        return """
                Usage: nsfs ls [options] [NAMESPACE]

                Every namespace visible on this machine, one row each, in inode order: those
                that processes are in (like lsns), those only a thread is in (one that called
                setns or unshare: /proc/PID/task/TID/ns; lsns does not list these), those
                only held open by a file descriptor (/proc/PID/fd), those only kept alive by a
                bind mount (mountinfo of every mount namespace), those only kept alive by a
                socket (pidfd_getfd and SIOCGSKNS, as root), and ancestors known only as the
                parent or owner of another namespace. With NAMESPACE (an inode), the
                processes in that namespace, as a process tree.

                Columns (-o; the --json field is the name in lower case, HELD's is held_by):
                """ + columns + """
                Default: NS TYPE NPROCS PID USER ID HELD COMMAND. Empty cells are left empty,
                as lsns leaves them.

                Options (lsns 2.41's):
                  -J, --json             print {"namespaces":[...]}: without -o every field
                                         (ns id type nprocs pid user command pns ons held_by
                                         path socket partial), with -o those columns and
                                         partial; then processes_scanned, processes_refused,
                                         processes_vanished, namespaces_vanished,
                                         sockets_refused
                  -l, --list             list format (the default)
                  -n, --noheadings       no header line
                  -o, --output LIST      the columns, comma-separated; +LIST adds to the default
                      --output-all       every column
                  -P, --persistent       only namespaces without processes
                  -p, --task PID         only the namespaces of process PID
                  -Q, --filter EXPR      only rows for which EXPR holds: comparisons
                                         (== != < <= > >= =~ !~, or eq ne lt le gt ge) of
                                         columns, integers and "strings", joined by && || !
                                         (and or not) and parentheses; a subset of lsns's
                                         language: anything else is refused
                  -r, --raw              raw output: cells separated by one space, spaces in a
                                         cell as \\x20
                  -t, --type TYPE        only namespaces of this type (repeatable); TYPE is one
                                         of cgroup ipc mnt net pid time user uts
                  -T, --tree[=REL]       a tree: owner (default), parent, or process
                  -u, --notruncate       do not cut lines to the terminal's width
                  -W, --nowrap           one line per cell (nsfs never wraps)
                  -H, --list-columns     list the columns
                  -h, --help             show this help

                When processes could not be inspected (not root), every --json row has
                "partial": true: nprocs, pid, user and command then count only the processes
                you could inspect.

                Examples:
                  nsfs ls
                  nsfs ls -t net -o NS,NPROCS,NETNSID,NSFS
                  nsfs ls -Q 'TYPE == "net" && NPROCS == 0'
                  nsfs ls --json | jq '.namespaces[] | select(.nprocs == 0 and (.partial | not))'

                Exit status: 0 listed; 1 NAMESPACE or the process of -p not found; 2 usage
                error or failure (/proc cannot be read, namespaces refused).
                """;
    }

    @Override
    public Args.Spec spec() {
        return new Args.Spec().option("--type", "-t").flag("--notruncate", "-u").flag("--list", "-l")
                .flag("--noheadings", "-n").option("--output", "-o").flag("--output-all").flag("--persistent", "-P")
                .option("--task", "-p").option("--filter", "-Q").flag("--raw", "-r").flag("--nowrap", "-W")
                .optional("--tree", "-T").flag("--list-columns", "-H");
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) throws NamespaceException {
        if (args.has("--list-columns")) {
            out.print(listColumns());
            return 0;
        }
        List<Column> columns = columns(args);
        Filter filter = args.values("--filter").isEmpty() ? null : Filter.parse(lastOf(args.values("--filter")));
        String tree = tree(args);
        if (args.operands().size() > 1) {
            throw CliException.usage("ls takes at most one NAMESPACE (got '" + args.operands().get(1)
                    + "'); see 'nsfs ls --help'");
        }
        long namespace = args.operands().isEmpty() ? -1 : inode(args.operands().getFirst());
        Set<NamespaceType> types = types(args.values("--type"));
        Set<Long> ofTask = args.has("--task") ? taskNamespaces(lastOf(args.values("--task"))) : null;
        NamespaceSnapshot snapshot = NamespaceRows.scan(types, args.json(), err, prefix());
        List<Column.Row> rows = new ArrayList<>();
        for (DiscoveredNamespace ns : snapshot.namespaces()) {
            Column.Row row = new Column.Row(ns);
            if (namespace >= 0 && ns.inode() != namespace
                    || ofTask != null && !ofTask.contains(ns.inode())
                    || args.has("--persistent") && ns.processCount() > 0
                    || filter != null && !filter.matches(row)) {
                continue;
            }
            rows.add(row);
        }
        if (namespace >= 0) {
            if (rows.isEmpty()) {
                throw CliException.notFound("not found namespace: " + Long.toUnsignedString(namespace));
            }
            return ProcessRows.print(rows.getFirst().ns, args, out);
        }
        boolean explicit = !args.values("--output").isEmpty() || args.has("--output-all");
        if (args.json()) {
            Map<String, Object> doc = Json.object();
            doc.put("namespaces", tree != null ? jsonTree(rows, tree, columns, explicit, snapshot.isPartial())
                    : jsonRows(rows, columns, explicit, snapshot.isPartial()));
            NamespaceRows.counts(doc, snapshot);
            out.print(Json.write(doc));
            return 0;
        }
        Column treeColumn = tree == null ? null : tree.equals("process") ? Column.COMMAND : Column.NS;
        List<Column.Row> ordered = rows;
        List<String> prefixes = null;
        if (tree != null) {
            ordered = new ArrayList<>();
            prefixes = new ArrayList<>();
            for (Node root : forest(rows, tree)) {
                root.flatten("", "", ordered, prefixes);
            }
        }
        out.print(NamespaceRows.render(columns, ordered, treeColumn, prefixes, args.has("--raw"),
                !args.has("--noheadings"), NamespaceRows.terminalWidth(out, args.has("--notruncate")
                        || args.has("--raw"))));
        return 0;
    }

    private static String lastOf(List<String> values) {
        return values.getLast();
    }

    /** The columns of -o (+LIST adds to the default) or --output-all; the default without. */
    private static List<Column> columns(Args args) {
        if (args.has("--output-all")) {
            return List.of(Column.values());
        }
        List<String> lists = args.values("--output");
        if (lists.isEmpty()) {
            return Column.DEFAULT;
        }
        List<Column> columns = new ArrayList<>();
        for (String list : lists) {
            String spec = list;
            if (spec.startsWith("+")) {
                if (columns.isEmpty()) {
                    columns.addAll(Column.DEFAULT);
                }
                spec = spec.substring(1);
            }
            for (String name : spec.split(",", -1)) {
                Column c = Column.named(name.trim());
                if (c == null) {
                    throw CliException.usage("unknown column: " + name + " (nsfs ls -H lists them)");
                }
                columns.add(c);
            }
        }
        return columns;
    }

    /** -T's relation, or null without -T. */
    private static String tree(Args args) {
        if (!args.has("--tree")) {
            return null;
        }
        String rel = lastOf(args.values("--tree"));
        if (rel == null || rel.equals("owner")) {
            return "owner";
        }
        if (rel.equals("parent") || rel.equals("process")) {
            return rel;
        }
        throw CliException.usage("unknown tree relation '" + rel + "' for -T; give owner, parent or process"
                + " (attached: -Tparent, --tree=parent)");
    }

    /** A NAMESPACE operand: an inode number. */
    private static long inode(String text) {
        if (text.isEmpty() || text.length() > 20 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw CliException.usage("invalid namespace argument: '" + text + "' (an inode number, as NS shows it)");
        }
        try {
            return Long.parseUnsignedLong(text);
        } catch (NumberFormatException e) {
            throw CliException.usage("invalid namespace argument: '" + text + "' (an inode number, as NS shows it)");
        }
    }

    /** The inodes of the namespaces of -p's process. */
    private static Set<Long> taskNamespaces(String text) {
        int pid = NsRef.pid(text, " for -p");
        try {
            return new java.util.HashSet<>(NamespaceDiscovery.inodesOf(pid).values());
        } catch (io.github.nsfs4j.NoSuchNamespaceException e) {
            throw CliException.notFound("no process " + pid + " (it has exited, or it is not visible here)");
        } catch (NamespaceException e) {
            throw CliException.failure("cannot read the namespaces of process " + pid + ": " + e.getMessage());
        }
    }

    private static List<Object> jsonRows(List<Column.Row> rows, List<Column> columns, boolean explicit,
            boolean partial) {
        List<Object> list = Json.array();
        for (Column.Row row : rows) {
            list.add(jsonRow(row, columns, explicit, partial));
        }
        return list;
    }

    private static Map<String, Object> jsonRow(Column.Row row, List<Column> columns, boolean explicit,
            boolean partial) {
        if (!explicit) {
            return NamespaceRows.json(row.ns, partial);
        }
        Map<String, Object> object = Json.object();
        Column.json(row, columns, object);
        object.put("partial", partial);
        return object;
    }

    private static List<Object> jsonTree(List<Column.Row> rows, String tree, List<Column> columns, boolean explicit,
            boolean partial) {
        List<Object> list = Json.array();
        for (Node root : forest(rows, tree)) {
            list.add(root.json(columns, explicit, partial));
        }
        return list;
    }

    /** One namespace of a tree and those under it. */
    private static final class Node {
        final Column.Row row;
        final List<Node> children = new ArrayList<>();

        Node(Column.Row row) {
            this.row = row;
        }

        void flatten(String lead, String indent, List<Column.Row> rows, List<String> prefixes) {
            rows.add(row);
            prefixes.add(lead);
            for (int i = 0; i < children.size(); i++) {
                boolean last = i == children.size() - 1;
                children.get(i).flatten(indent + (last ? "\u2514\u2500" : "\u251c\u2500"),
                        indent + (last ? "  " : "\u2502 "), rows, prefixes);
            }
        }

        Map<String, Object> json(List<Column> columns, boolean explicit, boolean partial) {
            Map<String, Object> object = jsonRow(row, columns, explicit, partial);
            List<Object> list = Json.array();
            for (Node child : children) {
                list.add(child.json(columns, explicit, partial));
            }
            object.put("children", list);
            return object;
        }
    }

    /**
     * The rows as a forest: by owner (the owning user namespace), by parent (pid and user
     * namespaces), or by process (under the namespace of the same type whose lowest pid is
     * the parent process of this one's), each row under the row of its relation if that is
     * listed, else a root; in inode order.
     */
    private static List<Node> forest(List<Column.Row> rows, String tree) {
        Map<Long, Node> byInode = new HashMap<>();
        Map<String, Node> byTypeAndPid = new HashMap<>();
        List<Node> nodes = new ArrayList<>();
        for (Column.Row row : rows) {
            Node node = new Node(row);
            nodes.add(node);
            byInode.put(row.ns.inode(), node);
            if (row.ns.lowestPid().isPresent()) {
                byTypeAndPid.put(row.ns.type() + ":" + row.ns.lowestPid().getAsInt(), node);
            }
        }
        List<Node> roots = new ArrayList<>();
        for (Node node : nodes) {
            DiscoveredNamespace ns = node.row.ns;
            Node up = null;
            if (tree.equals("owner")) {
                up = byInode.get(ns.ownerInode());
            } else if (tree.equals("parent")) {
                up = ns.type().isHierarchical() ? byInode.get(ns.parentInode()) : null;
            } else if (node.row.ppid().isPresent()) {
                up = byTypeAndPid.get(ns.type() + ":" + node.row.ppid().getAsInt());
            }
            if (up != null && up != node) {
                up.children.add(node);
            } else {
                roots.add(node);
            }
        }
        return roots;
    }

    /** {@code -H}: the columns as lsns lists them: name, type, what it shows. */
    private static String listColumns() {
        StringBuilder sb = new StringBuilder();
        for (Column c : Column.values()) {
            sb.append(String.format("%7s %-9s %s%n", c.name(), c.right && c != Column.NETNSID ? "<integer>"
                    : "<string>", c.help));
        }
        return sb.toString();
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
