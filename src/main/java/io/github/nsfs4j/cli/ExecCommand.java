package io.github.nsfs4j.cli;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import io.github.nsfs4j.Namespace;
import io.github.nsfs4j.NamespaceException;
import io.github.nsfs4j.NamespaceSet;
import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.Pidfd;
import io.github.nsfs4j.UserNamespace;

/**
 * {@code nsfs exec -t PID [-n] [-u] [-i] [-p] [-C] [-m] [-U] [-T] [-a] [-S UID] [-G GID]
 * [--preserve-credentials] [--keep-caps] [-r] [-w] [-W DIR] [-e] [-c] [--user-parent] [-N FD]
 * [-- COMMAND [ARG...]]}: runs
 * COMMAND in namespaces of process PID, as {@code nsenter} does, from the JVM (through
 * {@link NamespaceSet#start}). Its options end at {@code --} or at the first operand, as
 * nsenter's do, so COMMAND's own options are never taken for ours.
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
                Usage: nsfs exec [-t PID] [-n[FILE]] [-u[FILE]] [-i[FILE]] [-p[FILE]] [-C[FILE]]
                                 [-m[FILE]] [-U[FILE]] [-T[FILE]] [-a] [-S UID] [-G GID]
                                 [--preserve-credentials] [--keep-caps] [-r[DIR]] [-w[DIR]]
                                 [-W DIR] [-e] [-c] [--user-parent] [-N FD] [--]
                                 [COMMAND [ARG...]]

                Runs COMMAND in the named namespaces of process PID, as nsenter does, from the
                JVM. Without COMMAND, $SHELL (else /bin/sh) runs as a login shell, as nsenter
                runs it. COMMAND's stdin, stdout and stderr are nsfs's own. A namespace that is
                already nsfs's own is skipped. Each type option may name a namespace file
                instead, as nsenter's do (--net=FILE, or -nFILE attached): a bind mount such as
                /run/netns/NAME, /proc/PID/ns/net, /proc/PID/fd/N, or :ID, the namespace's id
                as 'nsfs ls' shows it (Linux 6.18+); -t is then needed only for the types
                given without one.

                Options:
                  -t, --target PID  the process whose namespaces to enter (or a thread id: that
                                    thread's namespaces)
                  -n, --net         its network namespace
                  -N, --net-socket FD
                                    the network namespace of its socket FD (with -t), as
                                    nsenter's: even one no process is in
                  -u, --uts         its UTS namespace (host and domain name)
                  -i, --ipc         its IPC namespace
                  -p, --pid         its pid namespace: COMMAND is a process of it (NSpid shows it there)
                  -C, --cgroup      its cgroup namespace
                  -m, --mount       its mount namespace: COMMAND is looked up and runs in its file
                                    tree, with its root as working directory
                  -U, --user        its user namespace: COMMAND runs as uid and gid 0 in it
                  -T, --time        its time namespace (its clock offsets)
                      --user-parent the parent of the user namespace (-U's, or the target's
                                    without -U) instead of it
                  -a, --all         every one of these that differs from nsfs's own
                  -S, --setuid UID  COMMAND's uid after entering (default 0 with a user namespace)
                  -G, --setgid GID  COMMAND's gid after entering, with no supplementary groups
                                    (default 0 with a user namespace)
                      --preserve-credentials
                                    keep nsfs's uid, gid and groups after entering a user namespace
                      --keep-caps   COMMAND keeps the capabilities it has in the entered user
                                    namespace (made ambient), also as a uid other than 0
                  -r, --root[=DIR]  COMMAND's root directory: DIR of nsfs's file tree, or the
                                    target's root (/proc/PID/root) without DIR
                  -w, --wd[=DIR]    COMMAND's working directory: DIR of nsfs's file tree, or the
                                    target's (/proc/PID/cwd) without DIR
                  -W, --wdns DIR    COMMAND's working directory, in the entered file tree
                  -e, --env         COMMAND's environment is the target's (/proc/PID/environ),
                                    not nsfs's (COMMAND is still looked up on nsfs's PATH)
                  -c, --join-cgroup
                                    COMMAND joins the target's cgroup v2 cgroup (with -t) before
                                    entering anything; cgroup v1 hierarchies are left alone
                  -h, --help        show this help

                User and time namespaces cannot be joined by a multithreaded program such as
                the JVM: nsfs starts a small launcher of its own that joins them, with the
                others, in nsenter's order (the user namespace in a second pass, so that root
                and an unprivileged owner of it both get in), sets the credentials, then runs
                COMMAND. With -p and a user or time namespace, that launcher stays as
                COMMAND's parent, as nsenter does.

                HUP, INT and TERM sent to nsfs go to COMMAND, as they reach a command that
                nsenter runs in its place; nsfs then exits as COMMAND did. (QUIT stays the
                JVM's: its thread dump.)

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
        return ExecOptions.spec();
    }

    @Override
    public int run(Args args, PrintStream out, PrintStream err) {
        throw new UnsupportedOperationException("exec parses its own arguments: see runRaw");
    }

    /**
     * Runs {@code nsfs exec} on its raw arguments (everything after {@code exec}).
     *
     * @param json whether {@code --json} came before the subcommand (exec has none: a usage error)
     * @return the exit status
     */
    int runRaw(List<String> args, boolean json, PrintStream out, PrintStream err) {
        // options end at -- or at the first operand (COMMAND), so COMMAND's own options are never ours
        Args parsed = Args.parse(spec(), args, prefix(), true);
        if (parsed.has("--help")) {
            out.print(help());
            return 0;
        }
        if (parsed.has("--version")) {
            out.println(Main.versionLine());
            return 0;
        }
        ExecOptions options;
        try {
            options = ExecOptions.of(parsed, json);
        } catch (CliException e) {
            return fail(err, e.getMessage(), FAILED);
        }
        // the signals are taken before COMMAND starts, so that none sent meanwhile ends the JVM alone
        try (SignalForwarding forwarding = SignalForwarding.install()) {
            Process process;
            try {
                process = start(options);
            } catch (FileSystemException e) {
                if (!options.command().getFirst().equals(e.getFile())) {
                    // a directory (-r, -w, -W) that cannot be entered: nsfs failed before COMMAND
                    return fail(err, e.getMessage(), FAILED);
                }
                if (!(e instanceof NoSuchFileException)) {
                    return fail(err, options.command().getFirst() + ": cannot run it: " + e.getReason(), CANNOT_RUN);
                }
                return fail(err, options.command().getFirst() + ": command not found"
                        // -a runs it in the target's mount namespace too: entered, or already nsfs's own
                        + (options.all() || options.types().contains(NamespaceType.MNT)
                                || options.files().containsKey(NamespaceType.MNT)
                                ? " in the target's mount namespace" : ""), NOT_FOUND);
            } catch (IOException | RuntimeException e) {
                // in the words of the other subcommands where Errors knows the failure
                CliException known = Errors.describe(e);
                return fail(err, known != null ? known.getMessage() : e.getMessage(), FAILED);
            }
            forwarding.to(process);
            return waitFor(process);
        }
    }

    /**
     * One line on {@code err}: {@code message} escaped (COMMAND's name and paths are the user's
     * bytes: none may move the terminal's cursor).
     *
     * @return {@code status}
     */
    private int fail(PrintStream err, String message, int status) {
        err.println(prefix() + ": " + Main.oneLine(message));
        return status;
    }

    private static int waitFor(Process process) {
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

    private static Process start(ExecOptions options) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(options.command()).inheritIO();
        if (options.directory() != null) {
            builder.directory(new File(options.directory())); // resolved after entering: nsenter's --wdns
        }
        try (Pidfd target = options.pid() > 0 ? Pidfd.open(options.pid()) : null) {
            if (options.joinCgroup()) {
                // -c: the target's cgroup v2 path, read now; nsfs4j opens its cgroup.procs before entering
                String cgroup = target.cgroup().orElseThrow(() -> CliException.failure("--join-cgroup: process "
                        + options.pid() + " is in no cgroup v2 hierarchy (cgroup v1 only), and nsfs joins only"
                        + " the v2 one"));
                options.processOptions().joinCgroup(cgroup);
            }
            if (options.env()) {
                // -e: the target's environment instead of nsfs's, read before entering, as nsenter does
                Map<String, String> env = builder.environment();
                env.clear();
                env.putAll(target.environment());
            }
            if (options.files().isEmpty() && !options.userParent() && options.netSocket() < 0) {
                // -a: every type that differs from nsfs's own, user and time included
                try (NamespaceSet set = options.all() ? NamespaceSet.allOf(target)
                        : NamespaceSet.of(target, options.types())) {
                    return set.start(builder, options.processOptions());
                }
            }
            List<Namespace> chosen = new ArrayList<>();
            try {
                for (Map.Entry<NamespaceType, String> e : options.files().entrySet()) {
                    Namespace ns = e.getValue().startsWith(":")
                            ? Namespace.ofId(e.getKey(), Long.parseUnsignedLong(e.getValue().substring(1))) // checked
                            : Namespace.open(Path.of(e.getValue()));
                    chosen.add(ns);
                    if (ns.type() != e.getKey()) {
                        throw CliException.usage(e.getValue() + " is " + article(ns.type()) + " namespace, not "
                                + article(e.getKey()) + " one; see 'nsfs exec --help'");
                    }
                }
                if (options.netSocket() >= 0) {
                    // -N: the net namespace of the target's socket FD (pidfd_getfd + SIOCGSKNS), as nsenter's
                    chosen.add(Namespace.ofSocket(options.pid(), options.netSocket()));
                }
                if (target != null) {
                    for (NamespaceType type : options.all() ? EnumSet.allOf(NamespaceType.class) : options.types()) {
                        if (!options.files().containsKey(type)
                                && !(type == NamespaceType.NET && options.netSocket() >= 0)) {
                            chosen.add(target.namespace(type));
                        }
                    }
                }
                if (options.userParent()) {
                    userParent(chosen);
                }
                // a namespace that is nsfs's own is skipped, as with -t alone
                try (NamespaceSet set = NamespaceSet.of(chosen)) {
                    return set.start(builder, options.processOptions());
                }
            } finally {
                for (Namespace ns : chosen) {
                    ns.close();
                }
            }
        }
    }

    /**
     * --user-parent: the user namespace among {@code chosen} (the file's, else the target's) is
     * replaced by its parent (NS_GET_PARENT), as nsenter 2.41 replaces it.
     */
    private static void userParent(List<Namespace> chosen) throws NamespaceException {
        for (int i = 0; i < chosen.size(); i++) {
            if (chosen.get(i) instanceof UserNamespace user) {
                Optional<UserNamespace> parent = user.parent();
                if (parent.isEmpty()) {
                    throw CliException.failure("--user-parent: user namespace " + user.inode() + " has no parent"
                            + " that nsfs can enter (it is the initial user namespace, or its parent is an"
                            + " ancestor of nsfs's own)");
                }
                chosen.set(i, parent.get());
                user.close();
                return;
            }
        }
    }

    private static String article(NamespaceType type) {
        String name = type.name().toLowerCase(Locale.ROOT);
        return (name.equals("ipc") ? "an " : "a ") + name;
    }
}
