package io.github.nsfs4j.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The parsed arguments of one subcommand: flags, options with values, and operands, in the
 * GNU style that lsns and nsenter use. Options may come before, between or after operands;
 * {@code --name=value} and {@code --name value} both work; {@code --} ends the options.
 */
final class Args {

    /**
     * What a subcommand accepts: each option's names (the first is canonical) and whether it
     * takes a value. {@code --json}, {@code -h/--help} and {@code -V/--version} are always accepted.
     */
    static final class Spec {
        private final Map<String, String> canonical = new HashMap<>();
        private final Set<String> withValue = new HashSet<>();

        Spec() {
            flag("--json", "-J");
            flag("--help", "-h");
            flag("--version", "-V");
        }

        /** An option without a value. */
        Spec flag(String name, String... aliases) {
            canonical.put(name, name);
            for (String alias : aliases) {
                canonical.put(alias, name);
            }
            return this;
        }

        /** An option with a value; it may be repeated (all values are kept). */
        Spec option(String name, String... aliases) {
            flag(name, aliases);
            withValue.add(name);
            return this;
        }
    }

    private final Map<String, List<String>> options = new LinkedHashMap<>();
    private final List<String> operands = new ArrayList<>();

    private Args() {}

    /**
     * Parses {@code args} against {@code spec}.
     *
     * @throws CliException (exit 2) for an unknown option or a missing value
     */
    static Args parse(Spec spec, List<String> args, String command) {
        Args parsed = new Args();
        boolean optionsEnded = false;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (optionsEnded || arg.equals("-") || !arg.startsWith("-")) {
                parsed.operands.add(arg);
                continue;
            }
            if (arg.equals("--")) {
                optionsEnded = true;
                continue;
            }
            String name = arg;
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                name = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            }
            String key = spec.canonical.get(name);
            if (key == null) {
                throw CliException.usage("unknown option '" + name + "'; see '" + command + " --help'");
            }
            if (spec.withValue.contains(key)) {
                if (value == null) {
                    if (i + 1 >= args.size()) {
                        throw CliException.usage("option '" + name + "' needs a value; see '" + command + " --help'");
                    }
                    value = args.get(++i);
                }
            } else if (value != null) {
                throw CliException.usage("option '" + name + "' takes no value; see '" + command + " --help'");
            }
            parsed.options.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
        }
        return parsed;
    }

    /** Whether the option (canonical name) was given. */
    boolean has(String name) {
        return options.containsKey(name);
    }

    /** Every value given for the option, in order; empty if none. */
    List<String> values(String name) {
        return options.getOrDefault(name, List.of());
    }

    /** The options given, by canonical name, in the order first seen. */
    Set<String> given() {
        return options.keySet();
    }

    /** The operands, in order. */
    List<String> operands() {
        return operands;
    }

    boolean json() {
        return has("--json");
    }
}
