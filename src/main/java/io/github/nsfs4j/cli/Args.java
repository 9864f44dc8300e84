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
 * getopt_long style that lsns and nsenter use. Options may come before, between or after
 * operands; {@code --name=value}, {@code --name value}, {@code -t value} and {@code -tvalue}
 * all work; short flags bundle ({@code -Ju}); a long name may be cut to any unambiguous
 * prefix ({@code --no} for {@code --notruncate}); {@code --} ends the options. A negative
 * number ({@code -5}) is an operand, so that the subcommand can say why it is not a PID.
 *
 * <p>A usage error does not stop the parse: it is kept ({@link #error()}), so that a
 * {@code --help} anywhere still wins.
 */
final class Args {

    /**
     * What a subcommand accepts: each option's names (the first is canonical) and whether it
     * takes a value. {@code --json}, {@code -h/--help} and {@code -V/--version} are always accepted.
     */
    static final class Spec {
        private final Map<String, String> canonical = new HashMap<>();
        private final Set<String> withValue = new HashSet<>();
        /** Options whose value is optional: given only attached ({@code --tree=owner}, {@code -Towner}). */
        private final Set<String> optionalValue = new HashSet<>();

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

        /**
         * An option whose value is optional, as getopt's {@code ::} makes it (nsenter's
         * {@code --net[=FILE]}, {@code --tree=owner}): only {@code --name=value} or {@code -xvalue}
         * give one, never the next argument; the option alone is kept with a null value. As in
         * getopt, the rest of a short option's argument is its value, so it does not bundle with
         * others after it ({@code -nu} is {@code --net=u}).
         */
        Spec optional(String name, String... aliases) {
            flag(name, aliases);
            optionalValue.add(name);
            return this;
        }

        /** The canonical name of a long option typed as {@code typed} (exact, or a unique prefix). */
        private String longOption(String typed, String command) {
            String exact = canonical.get(typed);
            if (exact != null) {
                return exact;
            }
            List<String> matches = new ArrayList<>(2);
            for (String name : canonical.keySet()) {
                if (name.startsWith("--") && name.startsWith(typed) && !matches.contains(canonical.get(name))) {
                    matches.add(canonical.get(name));
                }
            }
            if (matches.isEmpty()) {
                throw unknown(typed, command);
            }
            if (matches.size() > 1) {
                matches.sort(null);
                throw CliException.usage("option '" + typed + "' is ambiguous (" + String.join(", ", matches)
                        + "); see '" + command + " --help'");
            }
            String match = matches.getFirst();
            return match;
        }
    }

    private final Map<String, List<String>> options = new LinkedHashMap<>();
    private final List<String> operands = new ArrayList<>();
    /** {@code --json} given before the subcommand ({@code nsfs --json ls}). */
    private boolean globalJson;
    private CliException error;

    private Args() {}

    /**
     * Parses {@code args} against {@code spec}. With {@code stopAtOperand}, the first operand
     * and everything after it are operands, unparsed (the top level: a subcommand and its
     * arguments); a {@code --} before it is dropped.
     */
    static Args parse(Spec spec, List<String> args, String command, boolean stopAtOperand) {
        Args parsed = new Args();
        boolean optionsEnded = false;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (optionsEnded || !isOption(arg)) {
                parsed.operands.add(arg);
                if (stopAtOperand) {
                    parsed.operands.addAll(args.subList(i + 1, args.size()));
                    break;
                }
            } else if (arg.equals("--")) {
                optionsEnded = true;
            } else {
                try {
                    i = parsed.option(spec, args, i, command);
                } catch (CliException e) {
                    if (parsed.error == null) {
                        parsed.error = e;
                    }
                }
            }
        }
        return parsed;
    }

    /** Parses {@code args} against {@code spec}, operands anywhere. */
    static Args parse(Spec spec, List<String> args, String command) {
        return parse(spec, args, command, false);
    }

    /** Whether {@code arg} is an option (or {@code --}): not {@code -}, not a negative number. */
    private static boolean isOption(String arg) {
        if (arg.length() < 2 || arg.charAt(0) != '-') {
            return false;
        }
        for (int i = 1; i < arg.length(); i++) {
            if (arg.charAt(i) < '0' || arg.charAt(i) > '9') {
                return true;
            }
        }
        return false;
    }

    /** Parses the option at {@code args[i]}; returns the index of its last argument. */
    private int option(Spec spec, List<String> args, int i, String command) {
        String arg = args.get(i);
        if (arg.startsWith("--")) {
            int eq = arg.indexOf('=');
            String typed = eq > 0 ? arg.substring(0, eq) : arg;
            String key = spec.longOption(typed, command);
            if (spec.optionalValue.contains(key)) {
                add(key, eq > 0 ? arg.substring(eq + 1) : null);
                return i;
            }
            if (!spec.withValue.contains(key)) {
                if (eq > 0) {
                    throw CliException.usage("option '" + key + "' takes no value; see '" + command + " --help'");
                }
                add(key, null);
                return i;
            }
            if (eq > 0) {
                add(key, arg.substring(eq + 1));
                return i;
            }
            return valueFrom(spec, args, i, key, command);
        }
        // Short options, possibly bundled: -Ju, -tpid, -Jt pid.
        for (int c = 1; c < arg.length(); c++) {
            String name = "-" + arg.charAt(c);
            String key = spec.canonical.get(name);
            if (key == null) {
                throw unknown(name, command);
            }
            if (spec.optionalValue.contains(key)) {
                add(key, c + 1 < arg.length() ? arg.substring(c + 1) : null);
                return i;
            } else if (!spec.withValue.contains(key)) {
                add(key, null);
            } else if (c + 1 < arg.length()) {
                add(key, arg.substring(c + 1));
                return i;
            } else {
                return valueFrom(spec, args, i, key, command);
            }
        }
        return i;
    }

    /**
     * The value of {@code key} from the next argument, whatever it looks like ({@code -5}
     * included, as getopt takes it), unless it is one of the spec's own long options: then
     * the value was forgotten.
     */
    private int valueFrom(Spec spec, List<String> args, int i, String key, String command) {
        if (i + 1 >= args.size() || spec.canonical.containsKey(args.get(i + 1)) && args.get(i + 1).startsWith("--")) {
            throw CliException.usage("option '" + key + "' needs a value; see '" + command + " --help'");
        }
        add(key, args.get(i + 1));
        return i + 1;
    }

    private void add(String key, String value) {
        List<String> values = options.get(key);
        if (values == null) {
            values = new ArrayList<>(1);
            options.put(key, values);
        }
        values.add(value);
    }

    private static CliException unknown(String name, String command) {
        return CliException.usage("unknown option '" + name + "'; see '" + command + " --help'");
    }

    /** The first usage error met, or null. */
    CliException error() {
        return error;
    }

    /** Whether the option (canonical name) was given. */
    boolean has(String name) {
        return options.containsKey(name);
    }

    /** Every value given for the option, in order; empty if none. */
    List<String> values(String name) {
        return options.getOrDefault(name, List.of());
    }

    /** The operands, in order. */
    List<String> operands() {
        return operands;
    }

    /** Whether {@code --json} was given, here or before the subcommand. */
    boolean json() {
        return globalJson || has("--json");
    }

    /** These arguments, with {@code --json} given before the subcommand counting as given here. */
    Args withGlobalJson(boolean json) {
        globalJson |= json;
        return this;
    }
}
