package io.github.nsfs4j.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.github.nsfs4j.DiscoveredNamespace;
import io.github.nsfs4j.NamespaceException;

/**
 * {@code nsfs ls NAMESPACE}: the processes in one namespace, as {@code lsns NAMESPACE} lists
 * them: PID, PPID, USER and COMMAND, as a process tree (drawn in COMMAND; nested under
 * {@code children} in JSON), a process under its parent where that is in the namespace too.
 */
final class ProcessRows {
    private ProcessRows() {}

    private static final class Node {
        final DiscoveredNamespace.Process process;
        final List<Node> children = new ArrayList<>();

        Node(DiscoveredNamespace.Process process) {
            this.process = process;
        }
    }

    static int print(DiscoveredNamespace ns, Args args, PrintStream out) throws NamespaceException {
        Map<Integer, Node> byPid = new HashMap<>();
        List<Node> nodes = new ArrayList<>();
        for (DiscoveredNamespace.Process p : ns.processes()) {
            Node node = new Node(p);
            nodes.add(node);
            byPid.put(p.pid(), node);
        }
        List<Node> roots = new ArrayList<>();
        for (Node node : nodes) {
            Node up = byPid.get(node.process.parentPid());
            if (up != null && up != node) {
                up.children.add(node);
            } else {
                roots.add(node);
            }
        }
        if (args.json()) {
            Map<String, Object> doc = Json.object();
            doc.put("namespaces", json(roots));
            out.print(Json.write(doc));
            return 0;
        }
        List<String[]> lines = new ArrayList<>();
        if (!args.has("--noheadings")) {
            lines.add(new String[] {"PID", "PPID", "USER", "COMMAND"});
        }
        for (Node root : roots) {
            draw(root, "", "", lines);
        }
        boolean raw = args.has("--raw");
        int[] widths = new int[4];
        for (String[] l : lines) {
            for (int c = 0; c < 4; c++) {
                widths[c] = Math.max(widths[c], l[c].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String[] l : lines) {
            if (raw) {
                sb.append(l[0]).append(' ').append(l[1]).append(' ').append(l[2]).append(' ')
                        .append(l[3].replace(" ", "\\x20")).append('\n');
            } else {
                sb.repeat(' ', widths[0] - l[0].length()).append(l[0]).append(' ')
                        .repeat(' ', widths[1] - l[1].length()).append(l[1]).append(' ')
                        .append(l[2]).repeat(' ', widths[2] - l[2].length()).append(' ').append(l[3]).append('\n');
            }
        }
        out.print(sb);
        return 0;
    }

    private static void draw(Node node, String lead, String indent, List<String[]> lines) {
        DiscoveredNamespace.Process p = node.process;
        lines.add(new String[] {Integer.toString(p.pid()), p.parentPid() < 0 ? "" : Integer.toString(p.parentPid()),
            Text.safe(p.user()), lead + Text.safe(p.commandBytes())});
        for (int i = 0; i < node.children.size(); i++) {
            boolean last = i == node.children.size() - 1;
            draw(node.children.get(i), indent + (last ? "\u2514\u2500" : "\u251c\u2500"),
                    indent + (last ? "  " : "\u2502 "), lines);
        }
    }

    private static List<Object> json(List<Node> nodes) {
        List<Object> list = Json.array();
        for (Node node : nodes) {
            DiscoveredNamespace.Process p = node.process;
            Map<String, Object> object = Json.object();
            object.put("pid", p.pid());
            object.put("ppid", p.parentPid() < 0 ? null : p.parentPid());
            object.put("user", p.user());
            object.put("command", new String(p.commandBytes(), java.nio.charset.StandardCharsets.UTF_8));
            if (!node.children.isEmpty()) {
                object.put("children", json(node.children));
            }
            list.add(object);
        }
        return list;
    }
}
