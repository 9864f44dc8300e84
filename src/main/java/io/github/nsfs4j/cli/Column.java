package io.github.nsfs4j.cli;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;

import io.github.nsfs4j.DiscoveredNamespace;

/**
 * The columns of {@code nsfs ls}: lsns 2.41's, with its names, JSON names, alignment and
 * empty cells, then nsfs's own (ID, HELD). A cell is text for the table, a value for JSON
 * (a number, a string, an array, or null), and a value for {@code -Q}: a number where the
 * column is a number, else its text; null where the cell is empty.
 */
enum Column {
    NS("ns", true, "namespace identifier (inode number)"),
    TYPE("type", false, "kind of namespace"),
    PATH("path", false, "path to the namespace (/proc/PID/ns/TYPE of the lowest pid)"),
    NPROCS("nprocs", true, "number of processes in the namespace"),
    PID("pid", true, "lowest PID in the namespace"),
    PPID("ppid", true, "PPID of the PID"),
    COMMAND("command", false, "command line of the PID"),
    UID("uid", true, "UID of the PID"),
    USER("user", false, "username of the PID"),
    NETNSID("netnsid", true, "namespace ID as used by network subsystem"),
    NSFS("nsfs", false, "nsfs mountpoint (usually used network subsystem)"),
    PNS("pns", true, "parent namespace identifier (inode number)"),
    ONS("ons", true, "owner namespace identifier (inode number)"),
    ID("id", true, "64-bit namespace id, NS_GET_ID (Linux 6.18+; nsfs)"),
    HELD("held_by", false, "what keeps it alive: process, thread, fd, mount, socket, descendant (nsfs)");

    /** The JSON field name. */
    final String json;
    /** Numbers are right-aligned, as lsns aligns them. */
    final boolean right;
    final String help;

    Column(String json, boolean right, String help) {
        this.json = json;
        this.right = right;
        this.help = help;
    }

    /** lsns's default columns are NS TYPE NPROCS PID USER COMMAND; nsfs adds its own two before COMMAND. */
    static final List<Column> DEFAULT = List.of(NS, TYPE, NPROCS, PID, USER, ID, HELD, COMMAND);

    /** A column by its name as {@code -o} and {@code -Q} give it (any case), or null. */
    static Column named(String name) {
        for (Column c : values()) {
            if (c.name().equalsIgnoreCase(name)) {
                return c;
            }
        }
        return null;
    }

    /** One namespace's cells: what is read for them only when asked (PPID, NETNSID) is read once. */
    static final class Row {
        final DiscoveredNamespace ns;
        private OptionalInt ppid;
        private OptionalInt netnsid;

        Row(DiscoveredNamespace ns) {
            this.ns = ns;
        }

        OptionalInt ppid() {
            if (ppid == null) {
                ppid = ns.parentPid();
            }
            return ppid;
        }

        OptionalInt netnsid() {
            if (netnsid == null) {
                netnsid = ns.netnsId();
            }
            return netnsid;
        }

        /** The table cell: text, or "" where lsns leaves it empty. */
        String text(Column c) {
            Object v = value(c);
            if (v == null) {
                return "";
            }
            if (c == COMMAND) {
                return Text.safe(ns.commandBytes());
            }
            if (v instanceof List<?> list) {
                StringBuilder sb = new StringBuilder();
                for (Object o : list) {
                    sb.append(sb.isEmpty() ? "" : ",").append(o);
                }
                return sb.toString();
            }
            return v instanceof String s ? Text.safe(s) : String.valueOf(v);
        }

        /** The JSON value (and -Q's): a number, a string, a list, or null. */
        Object value(Column c) {
            return switch (c) {
                case NS -> Json.u64(ns.inode());
                case TYPE -> ns.type().procName();
                case PATH -> ns.lowestPid().isPresent() ? "/proc/" + ns.lowestPid().getAsInt() + "/ns/" + ns.type().procName()
                        : null;
                case NPROCS -> ns.processCount();
                case PID -> ns.lowestPid().isPresent() ? ns.lowestPid().getAsInt() : null;
                case PPID -> ppid().isPresent() ? ppid().getAsInt() : null;
                case COMMAND -> ns.processCount() == 0 || ns.commandBytes().length == 0 ? null : ns.command();
                case UID -> ns.uid() >= 0 ? ns.uid() : null;
                case USER -> ns.user().isEmpty() ? null : ns.user();
                case NETNSID -> netnsid().isEmpty() ? null
                        : netnsid().getAsInt() < 0 ? "unassigned" : Integer.toString(netnsid().getAsInt());
                case NSFS -> ns.mountPoints().isEmpty() ? null : String.join("\n", ns.mountPoints());
                case PNS -> Json.u64(ns.parentInode());
                case ONS -> Json.u64(ns.ownerInode());
                case ID -> ns.id().isPresent() ? Json.u64(ns.id().getAsLong()) : null;
                case HELD -> held(ns);
            };
        }
    }

    static List<Object> held(DiscoveredNamespace ns) {
        List<Object> held = Json.array();
        for (DiscoveredNamespace.Holder h : ns.heldBy()) {
            held.add(h.name().toLowerCase(Locale.ROOT));
        }
        return held;
    }

    /** Puts the JSON fields of {@code columns} of {@code row} into {@code object}. */
    static void json(Row row, List<Column> columns, Map<String, Object> object) {
        for (Column c : columns) {
            object.put(c.json, row.value(c));
        }
    }
}
