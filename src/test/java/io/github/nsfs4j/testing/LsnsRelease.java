package io.github.nsfs4j.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * util-linux 2.41's lsns (Debian 13's), fetched from Debian's archive into a private folder
 * and run through Debian 13's own dynamic loader and libraries: nothing is installed on the
 * host, whose lsns is 2.38. The folder ({@code $NSFS4J_LSNS_CACHE}, default
 * {@code /var/cache/nsfs4j-lsns}: not under root's home, which another user cannot search) holds a private apt state (the host's /etc/apt and dpkg
 * state are never touched) and the unpacked packages; it is made once, world-readable so that
 * an unprivileged user may run the program too. Root only (apt-get). Where the archive cannot
 * be reached the test is skipped, or fails under {@value Unshared#REQUIRE_ENV}=1.
 */
public final class LsnsRelease {
    private LsnsRelease() {}

    /** The packages lsns needs from Debian 13 (trixie): itself and the libraries it loads. */
    private static final List<String> PACKAGES = List.of("util-linux", "libsmartcols1", "libmount1", "libblkid1",
            "libc6", "libselinux1", "libpcre2-8-0");

    private static Path root;

    /** The unpacked tree, fetched on first use. */
    public static synchronized Path root() {
        if (root == null) {
            Path cache = Path.of(System.getenv().getOrDefault("NSFS4J_LSNS_CACHE",
                    "/var/cache/nsfs4j-lsns"));
            Path tree = cache.resolve("trixie");
            if (!Files.isExecutable(tree.resolve("usr/bin/lsns"))) {
                Unshared.require(Proc.euid() == 0, "fetching lsns 2.41 needs root (apt-get)");
                Unshared.requireCommand("apt-get");
                Unshared.requireCommand("dpkg-deb");
                String script = """
                        set -eu
                        c=$1; shift
                        a=$c/apt
                        rm -rf "$c/trixie" "$c/debs"
                        mkdir -p "$a/sources.list.d" "$a/preferences.d" "$a/state" "$a/lists/partial" \\
                            "$a/cache/archives/partial" "$c/debs"
                        : > "$a/status"
                        echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main" \\
                            > "$a/sources.list"
                        o="-o Dir::Etc::SourceList=$a/sources.list -o Dir::Etc::SourceParts=$a/sources.list.d
                           -o Dir::Etc::PreferencesParts=$a/preferences.d -o Dir::State=$a/state
                           -o Dir::State::Lists=$a/lists -o Dir::State::status=$a/status -o Dir::Cache=$a/cache
                           -o APT::Architecture=amd64 -o APT::Architectures::=amd64 -o Acquire::Languages=none
                           -o Debug::NoLocking=1 -o APT::Sandbox::User=root"
                        apt-get $o update -q
                        (cd "$c/debs" && apt-get $o download -q "$@")
                        mkdir -p "$c/trixie.new"
                        for d in "$c"/debs/*.deb; do dpkg-deb -x "$d" "$c/trixie.new"; done
                        chmod -R a+rX "$c"
                        mv "$c/trixie.new" "$c/trixie"
                        """;
                List<String> cmd = new ArrayList<>(List.of("bash", "-c", script, "lsns-fetch", cache.toString()));
                cmd.addAll(PACKAGES);
                Commands.Result r = Commands.run(cmd);
                if (r.exitCode() != 0 || !Files.isExecutable(tree.resolve("usr/bin/lsns"))) {
                    Unshared.unavailable("cannot fetch util-linux 2.41 from Debian 13's packages: " + r);
                }
            }
            root = tree;
        }
        return root;
    }

    /** The command line that runs Debian 13's lsns with {@code options}, through its own loader. */
    public static List<String> command(String... options) {
        return tool("lsns", options);
    }

    /** The command line that runs Debian 13's nsenter (util-linux 2.41) with {@code options}, through its own loader. */
    public static List<String> nsenter(String... options) {
        return tool("nsenter", options);
    }

    /** Debian 13's {@code /usr/bin/NAME} of util-linux with {@code options}, through its own loader. */
    private static List<String> tool(String name, String... options) {
        Path tree = root();
        Path lib = tree.resolve("usr/lib/x86_64-linux-gnu");
        List<String> cmd = new ArrayList<>(List.of(lib.resolve("ld-linux-x86-64.so.2").toString(), "--library-path",
                lib.toString(), tree.resolve("usr/bin/" + name).toString()));
        cmd.addAll(List.of(options));
        return cmd;
    }

    /** The version line, {@code lsns from util-linux 2.41.N}. */
    public static String version() {
        return Commands.run(command("--version")).stdout().trim();
    }
}
