package io.github.nsfs4j.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import io.github.nsfs4j.NamespaceException;
import io.github.nsfs4j.NamespaceSet;
import io.github.nsfs4j.NamespaceType;
import io.github.nsfs4j.Pidfd;

/**
 * {@code nsfs exec -t PID [-n] [-u] [-i] [-p] [-C] [-m] [-a] -- COMMAND [ARG...]}: runs
 * COMMAND in namespaces of process PID, as {@code nsenter} does, from the JVM (through
 * {@link NamespaceSet#start}). It parses its own arguments, nsenter's way: options end at
 * {@code --} or at the first operand, so COMMAND's own options are never taken for ours.
 * Exit status as {@code env} and {@code chroot} give it: COMMAND's own (128 + N after signal
 * N), 125 when nsfs fails before COMMAND starts, 126 when COMMAND cannot be run, 127 when it
 * is not found.
 */
final class ExecCommand implements Command {
    static final int FAILED = 125;
    static final int CANNOT_RUN = 126;
    static final int NOT_FOUND = 127;

    @Override
    public String name() {
        return "exec";
    }

    @Override
    public String summary() {
        return "run a command in namespaces of a process, as nsenter does";
    }

    @Override
    public String help() {
        return """
                Usage: nsfs exec -t PID [-n] [-u] [-i] [-p] [-C] [-m] [-a] [--] COMMAND [ARG...]

                Runs COMMAND in the named namespaces of process PID, as nsenter does, from the
                JVM. COMMAND's stdin, stdout and stderr are nsfs's own. A namespace that is
                already nsfs's own is skipped.

                Options:
                  -t, --target PID  the process whose namespaces to enter
                  -n, --net         its network namespace
                  -u, --uts         its UTS namespace (host and domain name)
                  -i, --ipc         its IPC namespace
                  -p, --pid         its pid namespace: COMMAND is a process of it (NSpid shows it there)
                  -C, --cgroup      its cgroup namespace
                  -m, --mount       its mount namespace: COMMAND is looked up and runs in its file
                                    tree, with its root as working directory
                  -a, --all         every one of these that differs from nsfs's own
                  -U, --user, -T, --time
                                    cannot be entered by a multithreaded program such as the JVM:
                                    refused (use nsenter) unless the namespace is nsfs's own
                  -h, --help        show this help

                User and time namespaces: with -a, a target whose user or time namespace
                differs from nsfs's is refused, since not all of its namespaces can be entered;
                nsenter can enter them.

                Exit status: COMMAND's own (128 + N if signal N killed it); 125 when nsfs fails
                before COMMAND starts (no such process, permission, a namespace that cannot be
                entered, a usage error); 126 when COMMAND cannot be run; 127 when it is not found.

                Examples:
                  nsfs exec -t 1234 -n -- ip -br addr
                  nsfs exec -t 1234 -a -- ps -ef
                """;
    }

    @Override
    public Args.Spec spec() {
        return new Args.Spec();
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) {
        throw new UnsupportedOperationException("exec parses its own arguments: see runRaw");
    }

    /** What the arguments ask for. */
    private record Request(int pid, Set<NamespaceType> types, boolean all, List<String> command) {}

    /**
     * Runs {@code nsfs exec} on its raw arguments (everything after {@code exec}).
     *
     * @param json whether {@code --json} came before the subcommand (exec has none: a usage error)
     * @return the exit status
     */
    int runRaw(List<String> args, boolean json, PrintStream out, PrintStream err) {
        Request request;
        try {
            if (json) {
                throw CliException.usage("exec has no --json: COMMAND's output is its own");
            }
            request = parse(args, out);
        } catch (CliException e) {
            err.println(prefix() + ": " + Main.oneLine(e.getMessage()));
            return FAILED;
        }
        if (request == null) {
            return 0; // --help or --version
        }
        Process process;
        try {
            process = start(request);
        } catch (NoSuchFileException e) {
            err.println(prefix() + ": " + request.command().getFirst() + ": command not found"
                    + (request.types().contains(NamespaceType.MNT) ? " in the target's mount namespace" : ""));
            return NOT_FOUND;
        } catch (NamespaceException e) {
            err.println(prefix() + ": " + Main.oneLine(e.getMessage()));
            return FAILED;
        } catch (FileSystemException e) {
            err.println(prefix() + ": " + request.command().getFirst() + ": cannot run it: "
                    + Main.oneLine(e.getReason()));
            return CANNOT_RUN;
        } catch (IOException | RuntimeException e) {
            err.println(prefix() + ": " + Main.oneLine(String.valueOf(e.getMessage())));
            return FAILED;
        }
        boolean interrupted = false;
        for (;;) {
            try {
                int status = process.waitFor();
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
                return status;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
    }

    private static Process start(Request request) throws IOException {
        // -a already covers every enterable type, and refuses a differing user or time namespace
        try (Pidfd target = Pidfd.open(request.pid());
                NamespaceSet set = request.all() ? NamespaceSet.allOf(target)
                        : NamespaceSet.of(target, request.types())) {
            return set.start(new ProcessBuilder(request.command()).inheritIO());
        }
    }

    private Request parse(List<String> args, PrintStream out) {
        Integer pid = null;
        Set<NamespaceType> types = EnumSet.noneOf(NamespaceType.class);
        boolean all = false;
        int i = 0;
        for (; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals("--")) {
                i++;
                break;
            }
            if (!arg.startsWith("-") || arg.equals("-")) {
                break;
            }
            if (arg.startsWith("--")) {
                String name = arg;
                String value = null;
                int eq = arg.indexOf('=');
                if (eq > 0) {
                    name = arg.substring(0, eq);
                    value = arg.substring(eq + 1);
                }
                switch (name) {
                    case "--target" -> {
                        if (value == null) {
                            if (i + 1 >= args.size()) {
                                throw CliException.usage("option '--target' needs a PID; see 'nsfs exec --help'");
                            }
                            value = args.get(++i);
                        }
                        pid = pid(value);
                    }
                    case "--help" -> {
                        out.print(help());
                        return null;
                    }
                    case "--version" -> {
                        out.println(Main.versionLine());
                        return null;
                    }
                    case "--all" -> all = true;
                    default -> types.add(longType(name));
                }
                continue;
            }
            for (int k = 1; k < arg.length(); k++) {
                char c = arg.charAt(k);
                if (c == 't') {
                    String value = arg.substring(k + 1);
                    if (value.isEmpty()) {
                        if (i + 1 >= args.size()) {
                            throw CliException.usage("option '-t' needs a PID; see 'nsfs exec --help'");
                        }
                        value = args.get(++i);
                    }
                    pid = pid(value);
                    break;
                }
                switch (c) {
                    case 'h' -> {
                        out.print(help());
                        return null;
                    }
                    case 'V' -> {
                        out.println(Main.versionLine());
                        return null;
                    }
                    case 'a' -> all = true;
                    default -> types.add(shortType(c));
                }
            }
        }
        List<String> command = new ArrayList<>(args.subList(i, args.size()));
        if (pid == null) {
            throw CliException.usage("give the target process: -t PID; see 'nsfs exec --help'");
        }
        if (!all && types.isEmpty()) {
            throw CliException.usage("give the namespaces to enter (-n -u -i -p -C -m, or -a for all of them);"
                    + " see 'nsfs exec --help'");
        }
        if (command.isEmpty()) {
            throw CliException.usage("give the command to run after --; see 'nsfs exec --help'");
        }
        return new Request(pid, types, all, command);
    }

    private static int pid(String value) {
        try {
            int pid = Integer.parseInt(value);
            if (pid > 0) {
                return pid;
            }
        } catch (NumberFormatException e) {
            // the message below
        }
        throw CliException.usage("not a process id: '" + value + "'; see 'nsfs exec --help'");
    }

    private static NamespaceType shortType(char c) {
        return switch (c) {
            case 'n' -> NamespaceType.NET;
            case 'u' -> NamespaceType.UTS;
            case 'i' -> NamespaceType.IPC;
            case 'p' -> NamespaceType.PID;
            case 'C' -> NamespaceType.CGROUP;
            case 'm' -> NamespaceType.MNT;
            case 'U' -> NamespaceType.USER;
            case 'T' -> NamespaceType.TIME;
            default -> throw CliException.usage("unknown option '-" + c + "'; see 'nsfs exec --help'");
        };
    }

    private static NamespaceType longType(String name) {
        return switch (name) {
            case "--net" -> NamespaceType.NET;
            case "--uts" -> NamespaceType.UTS;
            case "--ipc" -> NamespaceType.IPC;
            case "--pid" -> NamespaceType.PID;
            case "--cgroup" -> NamespaceType.CGROUP;
            case "--mount" -> NamespaceType.MNT;
            case "--user" -> NamespaceType.USER;
            case "--time" -> NamespaceType.TIME;
            default -> throw CliException.usage("unknown option '" + name + "'; see 'nsfs exec --help'");
        };
    }
}
