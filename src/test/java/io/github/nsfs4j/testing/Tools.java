package io.github.nsfs4j.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Tools a test needs from the distribution (a disassembler for every architecture, qemu's user
 * emulators), installed with Debian's {@code apt-get} when missing, never assumed. Where they
 * cannot be installed (not root, no apt-get, no archive), the test is skipped, or fails with
 * {@value Unshared#REQUIRE_ENV}=1.
 */
public final class Tools {
    private Tools() {}

    /** {@code objdump} that reads x86-64 and aarch64 alike (Debian's binutils-multiarch). */
    public static String objdump() {
        ensure("binutils-multiarch", () -> {
            Commands.Result r = Commands.run(List.of("objdump", "-i"));
            return r.exitCode() == 0 && r.stdout().contains("aarch64") && r.stdout().contains("x86-64");
        });
        return "objdump";
    }

    /** qemu's static user emulator for an architecture ({@code aarch64}), from qemu-user-static. */
    public static String qemuUser(String arch) {
        String name = "qemu-" + arch + "-static";
        ensure("qemu-user-static", () -> Commands.which(name) != null);
        return Commands.which(name).toString();
    }

    /** A static busybox (busybox-static), to run inside a bare directory tree. */
    public static java.nio.file.Path busybox() {
        ensure("busybox-static", () -> Commands.which("busybox") != null);
        return Commands.which("busybox");
    }

    /**
     * podman with runc as its runtime and newuidmap/newgidmap (uidmap) for rootless containers.
     * runc is installed first: podman depends on crun or runc, and crun is not what this
     * machine's hybrid cgroup layout is tested with.
     */
    public static void podman() {
        ensure("runc", () -> Commands.which("runc") != null || Files.isExecutable(Path.of("/usr/sbin/runc")));
        ensure("podman", () -> Commands.which("podman") != null);
        ensure("uidmap", () -> Files.isExecutable(Path.of("/usr/bin/newuidmap")));
    }

    /** LXC's tools ({@code lxc-start}, {@code lxc-attach}, ...), from Debian's lxc. */
    public static void lxc() {
        ensure("lxc", () -> Commands.which("lxc-start") != null);
        ensure("uidmap", () -> Files.isExecutable(Path.of("/usr/bin/newuidmap")));
    }

    private static synchronized void ensure(String debianPackage, BooleanSupplier present) {
        if (present.getAsBoolean()) {
            return;
        }
        if (Proc.euid() != 0 || Commands.which("apt-get") == null) {
            Unshared.unavailable(debianPackage + " is not installed, and this test can install it only as root with"
                    + " apt-get");
        }
        List<String> install = List.of("apt-get", "install", "-y", "-q", "--no-install-recommends", debianPackage);
        Commands.Result r = Commands.run(install);
        if (r.exitCode() != 0) { // a fresh machine's package lists may be empty or stale, as kernels/run also finds
            Commands.run(List.of("apt-get", "update", "-q"));
            r = Commands.run(install);
        }
        if (r.exitCode() != 0 || !present.getAsBoolean()) {
            Unshared.unavailable("cannot install " + debianPackage + ": " + r);
        }
    }
}
