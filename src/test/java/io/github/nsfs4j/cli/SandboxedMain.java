package io.github.nsfs4j.cli;

import io.github.nsfs4j.testing.Seccomp;

import java.util.Arrays;

/**
 * Not a test: runs {@code nsfs ARGS...} in this JVM behind a seccomp filter ({@link Seccomp})
 * that answers every nsfs ioctl (request type 0xb7) with one errno, as a sandbox does that
 * filters ioctls (a seccomp profile; qemu-user answers "Unsupported ioctl" likewise).
 * Arguments: the errno number, then nsfs's arguments. Exits 3 if the filter cannot be installed.
 */
public final class SandboxedMain {
    private SandboxedMain() {}

    public static void main(String[] args) throws Throwable {
        long rc = Seccomp.refuseIoctls(Integer.parseInt(args[0]));
        if (rc != 0) {
            System.err.println("cannot install the seccomp filter: " + rc);
            System.exit(3);
        }
        System.exit(Main.run(Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
    }
}
