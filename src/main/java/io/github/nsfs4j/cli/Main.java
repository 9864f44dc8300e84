package io.github.nsfs4j.cli;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code nsfs} command: inspect Linux namespaces through the namespace-file ioctls.
 * Its interface is fixed by {@code cli-contract.md}: subcommands {@code ls tree info pid
 * init-pid mntns}, {@code --help} and {@code --json} everywhere, exit status 0 (success),
 * 1 (something asked for was not found) or 2 (usage error or failure, with one line on
 * stderr).
 *
 * <p>{@link #run} is the whole command, callable in-process (for tests); {@link #main}
 * calls it and exits with its status.
 */
public final class Main {
    private Main() {}

    /** Used when the jar's manifest carries no Implementation-Version (running from classes). */
    static final String FALLBACK_VERSION = "0.1.0-SNAPSHOT";

    private static final Map<String, Command> COMMANDS = new LinkedHashMap<>();

    static {
        for (Command c : List.of(new LsCommand(), new TreeCommand(), new InfoCommand(), new PidCommand(),
                new InitPidCommand(), new MntnsCommand())) {
            COMMANDS.put(c.name(), c);
        }
    }

    public static void main(String[] args) {
        // UTF-8 whatever the locale: the tree's box-drawing characters must survive LANG=C.
        System.setOut(new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16),
                false, StandardCharsets.UTF_8));
        int status = run(args, System.out, System.err);
        System.out.flush();
        System.err.flush();
        System.exit(status);
    }

    /**
     * Runs {@code nsfs} with these arguments.
     *
     * @param out where results go (with {@code --json}: exactly one JSON document)
     * @param err where messages go
     * @return the exit status: 0, 1 or 2
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        try {
            return dispatch(Arrays.asList(args), out, err);
        } finally {
            out.flush();
            err.flush();
        }
    }

    private static int dispatch(List<String> args, PrintStream out, PrintStream err) {
        boolean json = false;
        int i = 0;
        for (; i < args.size(); i++) {
            String arg = args.get(i);
            switch (arg) {
                case "-h", "--help" -> {
                    out.print(help());
                    return 0;
                }
                case "-V", "--version" -> {
                    out.println(versionLine());
                    return 0;
                }
                case "-J", "--json" -> json = true;
                default -> {
                    if (arg.startsWith("-")) {
                        return fail(err, "nsfs", CliException.usage("unknown option '" + arg
                                + "'; see 'nsfs --help'"));
                    }
                }
            }
            if (!arg.startsWith("-")) {
                break;
            }
        }
        if (i >= args.size()) {
            return fail(err, "nsfs", CliException.usage("give a subcommand: " + String.join(", ", COMMANDS.keySet())
                    + " (see 'nsfs --help')"));
        }
        String name = args.get(i);
        List<String> rest = new ArrayList<>(args.subList(i + 1, args.size()));
        if (name.equals("help")) {
            if (rest.isEmpty()) {
                out.print(help());
                return 0;
            }
            Command c = COMMANDS.get(rest.getFirst());
            if (c == null) {
                return fail(err, "nsfs", unknownSubcommand(rest.getFirst()));
            }
            out.print(c.help());
            return 0;
        }
        Command command = COMMANDS.get(name);
        if (command == null) {
            return fail(err, "nsfs", unknownSubcommand(name));
        }
        // --help and --version win over everything else after the subcommand (until "--").
        for (String arg : rest) {
            if (arg.equals("--")) {
                break;
            }
            if (arg.equals("-h") || arg.equals("--help")) {
                out.print(command.help());
                return 0;
            }
            if (arg.equals("-V") || arg.equals("--version")) {
                out.println(versionLine());
                return 0;
            }
        }
        if (json) {
            rest.addFirst("--json");
        }
        try {
            Args parsed = Args.parse(command.spec(), rest, command.prefix());
            return command.run(parsed, out, err);
        } catch (Exception | LinkageError | AssertionError e) {
            CliException failure = Errors.describe(e);
            if (failure != null) {
                return fail(err, command.prefix(), failure);
            }
            err.println(command.prefix() + ": internal error: " + oneLine(String.valueOf(e))
                    + "; please report it (NSFS_DEBUG=1 shows the stack trace)");
            if (System.getenv("NSFS_DEBUG") != null) {
                e.printStackTrace(err);
            }
            return CliException.FAILURE;
        }
    }

    private static CliException unknownSubcommand(String name) {
        return CliException.usage("unknown subcommand '" + name + "'; subcommands: "
                + String.join(", ", COMMANDS.keySet()) + " (see 'nsfs --help')");
    }

    private static int fail(PrintStream err, String prefix, CliException e) {
        err.println(prefix + ": " + oneLine(e.getMessage()));
        return e.exitCode();
    }

    /** A message on one line: line breaks become spaces. */
    static String oneLine(String message) {
        return message == null ? "failed" : message.strip().replaceAll("\\s*[\\r\\n]+\\s*", " ");
    }

    /** The version: the jar manifest's Implementation-Version, or {@value #FALLBACK_VERSION}. */
    static String version() {
        String v = Main.class.getPackage() == null ? null : Main.class.getPackage().getImplementationVersion();
        return v == null || v.isBlank() ? FALLBACK_VERSION : v;
    }

    static String versionLine() {
        return "nsfs (nsfs4j) " + version();
    }

    /** The text of {@code nsfs --help}. */
    static String help() {
        StringBuilder sb = new StringBuilder();
        sb.append("""
                Usage: nsfs [-h|--help] [-V|--version] SUBCOMMAND [--json] [ARGS...]

                Inspects Linux namespaces through the namespace-file (nsfs) ioctls.

                Subcommands:
                """);
        COMMANDS.values().forEach(c -> sb.append("  ").append(c.name()).repeat(' ', 10 - c.name().length())
                .append(c.summary()).append('\n'));
        sb.append("""

                NSREF, wherever a namespace is named: a namespace file (/proc/1234/ns/net, a bind
                mount such as /run/netns/blue) or TYPE:PID (net:1234 means /proc/1234/ns/net);
                where the subcommand implies the type (pid, init-pid), a bare PID too.
                TYPE is one of cgroup ipc mnt net pid time user uts.

                Options:
                  -J, --json     print one JSON document on stdout (every subcommand)
                  -h, --help     show help; 'nsfs SUBCOMMAND --help' for a subcommand's
                  -V, --version  show the version

                Exit status: 0 success; 1 something asked for was not found (an unresolved
                pid, a namespace that is gone); 2 usage error or failure, with one line on stderr.

                Examples:
                  nsfs ls
                  nsfs tree --by parent
                  nsfs info net:$$
                  nsfs info --json /proc/1234/ns/pid
                  nsfs pid --from 1234 1
                """);
        return sb.toString();
    }
}
