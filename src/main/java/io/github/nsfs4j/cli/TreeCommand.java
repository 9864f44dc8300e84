package io.github.nsfs4j.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.github.nsfs4j.NamespaceException;
import io.github.nsfs4j.NamespaceSnapshot;
import io.github.nsfs4j.kernel.NamespaceType;

/** {@code nsfs tree [--json] [--by owner|parent]}: the namespace hierarchy. */
final class TreeCommand implements Command {

    @Override
    public String name() {
        return "tree";
    }

    @Override
    public String summary() {
        return "the namespace hierarchy: by owning user namespace, or by parent";
    }

    @Override
    public String help() {
        return """
                Usage: nsfs tree [--json] [--by owner|parent] [-u]

                The namespaces of 'nsfs ls' as a tree, like lsns --tree:
                  --by owner   (default) every namespace under the user namespace that owns
                               it, user namespaces under the one they were created in
                  --by parent  pid and user namespaces under their parents; the other types
                               have no hierarchy and stand alone
                Ancestors that no process is in are filled in (HELD: descendant). Roots and
                children are in inode order. The columns are those of 'nsfs ls'; the NS
                column draws the tree with box-drawing characters.

                With --json: {"namespaces":[...]}, the roots, each object with the fields of
                'nsfs ls --json' and its children nested under "children" ([] for a leaf).

                Options:
                  --by owner|parent  which hierarchy (default: owner)
                  -u, --notruncate   do not cut lines to the terminal's width
                  -J, --json         print the tree as one JSON document
                  -h, --help         show this help

                Examples:
                  nsfs tree
                  nsfs tree --by parent
                  nsfs tree --json | jq '.namespaces[0].children | length'

                Exit status: 0 shown; 2 usage error or failure.
                """;
    }

    @Override
    public Args.Spec spec() {
        return new Args.Spec().option("--by").flag("--notruncate", "-u");
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) throws NamespaceException {
        if (!args.operands().isEmpty()) {
            throw CliException.usage("tree takes no operands (got '" + args.operands().getFirst()
                    + "'); see 'nsfs tree --help'");
        }
        boolean byParent = false;
        for (String by : args.values("--by")) {
            switch (by.toLowerCase(Locale.ROOT)) {
                case "owner" -> byParent = false;
                case "parent" -> byParent = true;
                default -> throw CliException.usage("--by takes owner or parent, not '" + by + "'");
            }
        }
        NamespaceSnapshot snapshot = NamespaceRows.scan(EnumSet.allOf(NamespaceType.class), args.json(), err, prefix());
        List<NamespaceSnapshot.Node> roots = byParent ? snapshot.treeByParent() : snapshot.treeByOwner();
        if (args.json()) {
            Map<String, Object> doc = Json.object();
            doc.put("namespaces", json(roots, snapshot.isPartial()));
            NamespaceRows.counts(doc, snapshot);
            out.print(Json.write(doc));
        } else {
            List<Column.Row> rows = new ArrayList<>();
            List<String> prefixes = new ArrayList<>();
            for (NamespaceSnapshot.Node root : roots) {
                draw(root, "", "", rows, prefixes);
            }
            out.print(NamespaceRows.render(Column.DEFAULT, rows, Column.NS, prefixes, false, true,
                    NamespaceRows.terminalWidth(out, args.has("--notruncate"))));
        }
        return 0;
    }

    private static List<Object> json(List<NamespaceSnapshot.Node> nodes, boolean partial) {
        List<Object> list = Json.array();
        for (NamespaceSnapshot.Node node : nodes) {
            Map<String, Object> object = NamespaceRows.json(node.namespace(), partial);
            object.put("children", json(node.children(), partial));
            list.add(object);
        }
        return list;
    }

    /**
     * Adds the rows of {@code node} and its subtree: {@code lead} goes before its own inode
     * ({@code ├─} or {@code └─}), {@code indent} before its children's marks ({@code │ } under
     * a node with siblings below it, spaces under the last one).
     */
    private static void draw(NamespaceSnapshot.Node node, String lead, String indent, List<Column.Row> rows,
            List<String> prefixes) {
        rows.add(new Column.Row(node.namespace()));
        prefixes.add(lead);
        List<NamespaceSnapshot.Node> children = node.children();
        for (int i = 0; i < children.size(); i++) {
            boolean last = i == children.size() - 1;
            draw(children.get(i), indent + (last ? "\u2514\u2500" : "\u251c\u2500"), indent + (last ? "  " : "\u2502 "),
                    rows, prefixes);
        }
    }
}
