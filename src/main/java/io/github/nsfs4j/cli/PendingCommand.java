package io.github.nsfs4j.cli;

import java.io.PrintStream;
import java.util.Locale;

import io.github.nsfs4j.NamespaceType;

/** A subcommand of the contract that this version does not have yet ({@code ls}, {@code tree}). */
final class PendingCommand implements Command {

    private final String name;
    private final String summary;
    private final String help;
    private final Args.Spec spec;

    private PendingCommand(String name, String summary, String help, Args.Spec spec) {
        this.name = name;
        this.summary = summary;
        this.help = help;
        this.spec = spec;
    }

    static PendingCommand ls() {
        return new PendingCommand("ls", "every namespace visible on this machine (not yet available)", """
                Usage: nsfs ls [--json] [-t TYPE]...

                Every namespace visible on this machine: those of all processes, those held
                open by file descriptors, and those kept alive by bind mounts. One row each.

                Not yet available in this version of nsfs: it answers with exit status 2.

                Options:
                  -t, --type TYPE  only namespaces of this type (repeatable); TYPE is one of
                                   cgroup ipc mnt net pid time user uts
                  -J, --json       print {"namespaces":[...]} on stdout
                  -h, --help       show this help
                """, new Args.Spec().option("--type", "-t"));
    }

    static PendingCommand tree() {
        return new PendingCommand("tree", "the namespace hierarchy (not yet available)", """
                Usage: nsfs tree [--json] [--by owner|parent]

                The namespace hierarchy: --by owner (default) puts every namespace under the
                user namespace that owns it; --by parent nests pid and user namespaces under
                their parents.

                Not yet available in this version of nsfs: it answers with exit status 2.

                Options:
                  --by owner|parent  which hierarchy
                  -J, --json         print the tree, children nested under "children"
                  -h, --help         show this help
                """, new Args.Spec().option("--by"));
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String summary() {
        return summary;
    }

    @Override
    public String help() {
        return help;
    }

    @Override
    public Args.Spec spec() {
        return spec;
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) {
        for (String type : args.values("--type")) {
            try {
                NamespaceType.fromName(type);
            } catch (IllegalArgumentException e) {
                throw CliException.usage(e.getMessage());
            }
        }
        for (String by : args.values("--by")) {
            if (!by.toLowerCase(Locale.ROOT).matches("owner|parent")) {
                throw CliException.usage("--by takes owner or parent, not '" + by + "'");
            }
        }
        throw CliException.failure("not yet available in this version");
    }
}
