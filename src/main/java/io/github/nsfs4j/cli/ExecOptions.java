package io.github.nsfs4j.cli;

import java.nio.file.Path;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.ProcessOptions;

/**
 * What the arguments of {@code nsfs exec} ask for, read from them as nsenter reads its own:
 * the types to take from process {@code pid} (0: none named), or all of them ({@code -a}), the
 * namespaces named by a file ({@code --net=FILE}, {@code -nFILE}), the net namespace of the
 * target's socket {@code netSocket} ({@code -N}, -1: none), {@code --user-parent}; COMMAND's
 * credentials and root and working directories ({@code processOptions}), its working directory
 * in the entered file tree ({@code -W}, null: none), the target's environment ({@code -e}),
 * the target's cgroup ({@code -c}), and COMMAND itself ($SHELL as a login shell when none is
 * given).
 */
record ExecOptions(int pid, Set<NamespaceType> types, Map<NamespaceType, String> files, boolean all,
        ProcessOptions processOptions, String directory, boolean env, boolean userParent, int netSocket,
        boolean joinCgroup, List<String> command) {

    /** The type options, by canonical name. */
    private static final Map<String, NamespaceType> TYPE_OPTIONS = Map.of(
            "--net", NamespaceType.NET, "--uts", NamespaceType.UTS, "--ipc", NamespaceType.IPC,
            "--pid", NamespaceType.PID, "--cgroup", NamespaceType.CGROUP, "--mount", NamespaceType.MNT,
            "--user", NamespaceType.USER, "--time", NamespaceType.TIME);

    /** The options {@code nsfs exec} accepts. */
    static Args.Spec spec() {
        return new Args.Spec().option("--target", "-t").flag("--all", "-a")
                .optional("--net", "-n").optional("--uts", "-u").optional("--ipc", "-i")
                .optional("--pid", "-p").optional("--cgroup", "-C").optional("--mount", "-m")
                .optional("--user", "-U").optional("--time", "-T")
                .option("--setuid", "-S").option("--setgid", "-G").flag("--preserve-credentials")
                .flag("--keep-caps").flag("--join-cgroup", "-c")
                .optional("--root", "-r").optional("--wd", "-w").option("--wdns", "-W").flag("--env", "-e")
                .flag("--user-parent")
                .option("--net-socket", "-N")
                .flag("--no-fork", "-F").flag("--follow-context", "-Z"); // nsenter's, refused in words below
    }

    /**
     * What {@code parsed} (parsed against {@link #spec()}, options ending at COMMAND, without
     * --help or --version) asks for.
     *
     * @param json whether {@code --json} came before the subcommand (exec has none: a usage error)
     * @throws CliException for a usage error
     */
    static ExecOptions of(Args parsed, boolean json) {
        if (parsed.error() != null) {
            throw parsed.error();
        }
        if (parsed.has("--no-fork")) {
            throw CliException.usage("-F/--no-fork does not apply: COMMAND is always a process of its own, started"
                    + " by the JVM, which cannot exec in its place (with -p it is a member of the target's pid"
                    + " namespace, as nsenter without -F makes it); see 'nsfs exec --help'");
        }
        if (parsed.has("--follow-context")) {
            throw CliException.usage("-Z/--follow-context does not apply: nsfs4j sets no SELinux context; run"
                    + " COMMAND through runcon(1) for one; see 'nsfs exec --help'");
        }
        if (json || parsed.json()) {
            throw CliException.usage("exec has no --json: COMMAND's output is its own");
        }
        Set<NamespaceType> types = EnumSet.noneOf(NamespaceType.class);
        Map<NamespaceType, String> files = new EnumMap<>(NamespaceType.class);
        for (Map.Entry<String, NamespaceType> e : TYPE_OPTIONS.entrySet()) {
            if (parsed.has(e.getKey())) {
                String file = parsed.values(e.getKey()).getLast(); // the last one given counts, as in nsenter
                if (file == null) {
                    types.add(e.getValue());
                } else if (file.isEmpty()) {
                    throw CliException.usage("an empty file name for " + e.getKey() + "; see 'nsfs exec --help'");
                } else {
                    if (file.startsWith(":")) {
                        checkNamespaceId(file, e.getKey()); // a usage error, before any system call
                    }
                    files.put(e.getValue(), file);
                }
            }
        }
        boolean userParent = parsed.has("--user-parent");
        if (userParent && !files.containsKey(NamespaceType.USER)) {
            types.add(NamespaceType.USER); // the target's user namespace's parent, as nsenter takes it
        }
        boolean all = parsed.has("--all");
        int netSocket = -1;
        if (parsed.has("--net-socket")) {
            String fd = parsed.values("--net-socket").getLast();
            if (fd.isEmpty() || fd.length() > 9 || !digits(fd)) {
                throw CliException.usage("not an fd for --net-socket: '" + fd + "' (a number); see 'nsfs exec --help'");
            }
            if (types.contains(NamespaceType.NET) || files.containsKey(NamespaceType.NET)) {
                throw CliException.usage("--net-socket and --net name the same namespace: give one; see"
                        + " 'nsfs exec --help'");
            }
            netSocket = Integer.parseInt(fd);
        }
        if (!all && types.isEmpty() && files.isEmpty() && netSocket < 0) {
            throw CliException.usage("give the namespaces to enter (-n -u -i -p -C -m -U -T, or -a for all of"
                    + " them); see 'nsfs exec --help'");
        }
        List<String> targets = parsed.values("--target");
        if (targets.isEmpty() && (all || !types.isEmpty() || netSocket >= 0)) {
            throw CliException.usage("give the target process: -t PID (or a file for each namespace: --net=FILE);"
                    + " see 'nsfs exec --help'");
        }
        int pid = targets.isEmpty() ? 0 : NsRef.pid(targets.getLast(), " for -t");
        List<String> command = parsed.operands();
        ProcessOptions options = new ProcessOptions();
        if (command.isEmpty()) {
            // no COMMAND: $SHELL (else /bin/sh) as a login shell, argv[0] "-NAME", as nsenter runs it
            String shell = System.getenv("SHELL");
            if (shell == null) {
                shell = "/bin/sh";
            }
            command = List.of(shell);
            options.argv0("-" + shell.substring(shell.lastIndexOf('/') + 1));
        }
        List<String> uid = parsed.values("--setuid");
        if (!uid.isEmpty()) {
            options.uid(id(uid.getLast(), "uid", "--setuid"));
        }
        List<String> gid = parsed.values("--setgid");
        if (!gid.isEmpty()) {
            options.gid(id(gid.getLast(), "gid", "--setgid"));
        }
        if (parsed.has("--preserve-credentials")) {
            options.preserveCredentials();
        }
        if (parsed.has("--keep-caps")) {
            options.keepCapabilities(); // an effect only with a user namespace, as nsenter's
        }
        boolean joinCgroup = parsed.has("--join-cgroup");
        if (joinCgroup && pid == 0) {
            throw CliException.usage("--join-cgroup joins the target's cgroup: give -t PID; see 'nsfs exec --help'");
        }
        // -r and -w alone take the target's own root and working directory, as nsenter does
        if (parsed.has("--root")) {
            options.root(directory(parsed.values("--root").getLast(), pid, "root", "--root"));
        }
        if (parsed.has("--wd")) {
            options.workingDirectory(directory(parsed.values("--wd").getLast(), pid, "cwd", "--wd"));
        }
        List<String> wdns = parsed.values("--wdns");
        if (parsed.has("--wd") && !wdns.isEmpty()) {
            throw CliException.usage("--wd and --wdns exclude each other, as in nsenter; see 'nsfs exec --help'");
        }
        boolean env = parsed.has("--env");
        if (env && pid == 0) {
            throw CliException.usage("--env takes the target's environment: give -t PID; see 'nsfs exec --help'");
        }
        return new ExecOptions(pid, types, files, all, options, wdns.isEmpty() ? null : wdns.getLast(), env,
                userParent, netSocket, joinCgroup, List.copyOf(command));
    }

    /** DIR as given, or, for the option alone, {@code /proc/PID/root} or {@code /proc/PID/cwd} of the target. */
    private static Path directory(String value, int pid, String procLink, String option) {
        if (value != null) {
            if (value.isEmpty()) {
                throw CliException.usage("an empty directory for " + option + "; see 'nsfs exec --help'");
            }
            return Path.of(value);
        }
        if (pid == 0) {
            throw CliException.usage(option + " without a directory takes the target's: give -t PID; see"
                    + " 'nsfs exec --help'");
        }
        return Path.of("/proc", Integer.toString(pid), procLink);
    }

    /**
     * Checks the namespace id of a {@code :ID} file operand ({@code --net=:4099}): an unsigned
     * 64-bit decimal number, as {@code nsfs ls} prints it in its ID column.
     */
    private static void checkNamespaceId(String operand, String option) {
        String id = operand.substring(1);
        if (!id.isEmpty() && id.length() <= 20 && digits(id)) {
            try {
                Long.parseUnsignedLong(id);
                return;
            } catch (NumberFormatException tooBig) {
                // falls through to the message
            }
        }
        throw CliException.usage("not a namespace id for " + option + ": '" + operand + "' (':' and a number,"
                + " as the ID column of 'nsfs ls' shows it); see 'nsfs exec --help'");
    }

    private static boolean digits(String value) {
        for (int i = 0; i < value.length(); i++) {
            if (value.charAt(i) < '0' || value.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    /** A uid or gid as nsenter takes it: a number from 0 to 4294967294. */
    private static long id(String value, String what, String option) {
        if (!value.isEmpty() && value.length() <= 10 && digits(value)) {
            long id = Long.parseLong(value);
            if (id <= 0xFFFF_FFFEL) {
                return id;
            }
        }
        throw CliException.usage("not a " + what + " for " + option + ": '" + value + "' (a number from 0 to"
                + " 4294967294); see 'nsfs exec --help'");
    }
}
