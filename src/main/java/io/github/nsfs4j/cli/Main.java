package io.github.nsfs4j.cli;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code nsfs} command: inspect Linux namespaces through the namespace-file ioctls,
 * and run commands inside them. Its interface is docs/cli.md: subcommands {@code ls tree
 * info pid init-pid mntns exec}, {@code --help} and {@code --json} everywhere but
 * {@code exec}, exit status 0 (success), 1 (something asked for was not found) or 2 (usage
 * error or failure, with one line on stderr); {@code exec} exits as nsenter does.
 *
 * <p>{@link #run} is the whole command, callable in-process (for tests); {@link #main}
 * calls it and exits with its status.
 */
public final class Main {
    private Main() {}

    /** Used when the jar's manifest carries no Implementation-Version (running from classes). */
    static final String FALLBACK_VERSION = "0.1.0-SNAPSHOT";

    private static final Map<String, Command> COMMANDS = new LinkedHashMap<>();
    /** The options before the subcommand. */
    private static final Args.Spec GLOBAL = new Args.Spec();

    static {
        for (Command c : List.of(new LsCommand(), new TreeCommand(), new InfoCommand(), new PidCommand(),
                new InitPidCommand(), new MntnsCommand(), new ExecCommand())) {
            COMMANDS.put(c.name(), c);
        }
    }

    public static void main(String[] args) {
        // UTF-8 whatever the locale: the tree's box-drawing characters must survive LANG=C.
        KeptError sink = new KeptError(new FileOutputStream(FileDescriptor.out));
        PrintStream out = new PrintStream(new BufferedOutputStream(sink, 1 << 16), false, StandardCharsets.UTF_8);
        System.setOut(out); // so that NamespaceRows knows it writes to the terminal, if stdout is one
        int status = run(args, out, sink, System.err);
        // run() has flushed both streams, and nsfs registers no shutdown hook: halt, because
        // System.exit first sets up the System.Logger (Runtime.exit logging) only to log
        // nothing, a start-up cost (docs/design.md, "Start-up").
        Runtime.getRuntime().halt(status);
    }

    /**
     * Runs {@code nsfs} with these arguments. A failed write to {@code stdout} (a full disk,
     * {@code > /dev/full}) makes the status 2, with one line on {@code err}; a closed pipe
     * ({@code | head -1}) is not an error, as in util-linux.
     *
     * @param args the command line after {@code nsfs}
     * @param stdout where results go, as UTF-8 (with {@code --json}: exactly one JSON document)
     * @param err where messages go
     * @return the exit status: 0, 1 or 2
     */
    public static int run(String[] args, OutputStream stdout, PrintStream err) {
        KeptError sink = new KeptError(stdout);
        return run(args, new PrintStream(new BufferedOutputStream(sink, 1 << 16), false, StandardCharsets.UTF_8),
                sink, err);
    }

    private static int run(String[] args, PrintStream out, KeptError sink, PrintStream err) {
        int status = dispatch(Arrays.asList(args), out, err);
        out.flush();
        if (out.checkError() && !sink.brokenPipe()) {
            err.println("nsfs: write error" + (sink.failure == null ? "" : ": " + oneLine(sink.failure.getMessage())));
            status = CliException.FAILURE;
        }
        err.flush();
        return err.checkError() && status == 0 ? CliException.FAILURE : status;
    }

    /** An output stream that keeps the first error of the stream under it (PrintStream keeps only a flag). */
    private static final class KeptError extends OutputStream {
        private final OutputStream under;
        IOException failure;

        KeptError(OutputStream under) {
            this.under = under;
        }

        @Override
        public void write(int b) throws IOException {
            try {
                under.write(b);
            } catch (IOException e) {
                throw kept(e);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            try {
                under.write(b, off, len);
            } catch (IOException e) {
                throw kept(e);
            }
        }

        @Override
        public void flush() throws IOException {
            try {
                under.flush();
            } catch (IOException e) {
                throw kept(e);
            }
        }

        private IOException kept(IOException e) {
            if (failure == null) {
                failure = e;
            }
            return e;
        }

        /** Whether the reader went away (EPIPE): the JVM ignores SIGPIPE, so the write fails instead. */
        boolean brokenPipe() {
            return failure != null && "Broken pipe".equals(failure.getMessage());
        }
    }

    private static int dispatch(List<String> argv, PrintStream out, PrintStream err) {
        Args global = Args.parse(GLOBAL, argv, "nsfs", true);
        if (global.has("--help")) {
            out.print(help());
            return 0;
        }
        if (global.has("--version")) {
            out.println(versionLine());
            return 0;
        }
        if (global.error() != null) {
            return fail(err, "nsfs", global.error());
        }
        List<String> operands = global.operands();
        if (operands.isEmpty()) {
            return fail(err, "nsfs", CliException.usage("give a subcommand: " + String.join(", ", COMMANDS.keySet())
                    + " (see 'nsfs --help')"));
        }
        String name = operands.getFirst();
        List<String> rest = new ArrayList<>(operands.subList(1, operands.size()));
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
        try {
            if (command instanceof ExecCommand exec) { // its own arguments, nsenter's way, and exit 125
                return exec.runRaw(rest, global.json(), out, err);
            }
            Args parsed = Args.parse(command.spec(), rest, command.prefix()).withGlobalJson(global.json());
            // --help and --version win over everything else, usage errors included.
            if (parsed.has("--help")) {
                out.print(command.help());
                return 0;
            }
            if (parsed.has("--version")) {
                out.println(versionLine());
                return 0;
            }
            if (parsed.error() != null) {
                throw parsed.error();
            }
            return command.run(parsed, out, err);
        } catch (Throwable e) { // whatever it is (an Error too), one line and the status, never a stack trace
            int status = report(err, command.prefix(), e);
            return command instanceof ExecCommand ? ExecCommand.FAILED : status;
        }
    }

    /**
     * One line on {@code err} for a failure of a subcommand: in its words where {@link Errors}
     * knows it, else as an internal error (with the stack trace under NSFS_DEBUG=1).
     *
     * @return the exit status of the failure
     */
    private static int report(PrintStream err, String prefix, Throwable e) {
        CliException failure = Errors.describe(e);
        if (failure != null) {
            return fail(err, prefix, failure);
        }
        err.println(prefix + ": internal error: " + oneLine(String.valueOf(e))
                + "; please report it (NSFS_DEBUG=1 shows the stack trace)");
        if (System.getenv("NSFS_DEBUG") != null) {
            e.printStackTrace(err);
        }
        return CliException.FAILURE;
    }

    private static CliException unknownSubcommand(String name) {
        return CliException.usage("unknown subcommand '" + name + "'; subcommands: "
                + String.join(", ", COMMANDS.keySet()) + " (see 'nsfs --help')");
    }

    private static int fail(PrintStream err, String prefix, CliException e) {
        err.println(prefix + ": " + oneLine(e.getMessage()));
        return e.exitCode();
    }

    /**
     * A message on one line: line breaks, with the blanks around them, become one space; other
     * control characters (from a path the user typed, say) are escaped as in text output, so
     * that nothing in a message can move the terminal's cursor.
     */
    static String oneLine(String message) {
        if (message == null) {
            return "failed";
        }
        String s = message.strip();
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\n' || c == '\r') {
                while (!sb.isEmpty() && Character.isWhitespace(sb.charAt(sb.length() - 1))) {
                    sb.setLength(sb.length() - 1);
                }
                while (i + 1 < s.length() && Character.isWhitespace(s.charAt(i + 1))) {
                    i++;
                }
                sb.append(' ');
            } else {
                sb.append(c);
            }
        }
        return Text.safe(sb.toString());
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
