package io.github.nsfs4j.cli;

import io.github.nsfs4j.testing.Seccomp;

import java.util.Arrays;

/**
 * Not a test: runs {@code nsfs ARGS...} in this JVM behind a seccomp filter ({@link Seccomp})
 * that answers every nsfs ioctl (request type 0xb7) with one errno, as a sandbox does that
 * filters ioctls (a seccomp profile; qemu-user answers "Unsupported ioctl" likewise).
 * Arguments: the errno number, then nsfs's arguments; or {@code syscall=NR=ERRNO} to answer one
 * system call (x86-64's number NR) with ERRNO instead, as a kernel without it does. Exits 3 if
 * the filter cannot be installed.
 */
public final class SandboxedMain {
    private SandboxedMain() {}

    public static void main(String[] args) throws Throwable {
        String[] syscall = args[0].split("=");
        long rc = syscall[0].equals("syscall")
                ? Seccomp.refuseSyscall(Integer.parseInt(syscall[1]), Integer.parseInt(syscall[2]))
                : Seccomp.refuseIoctls(Integer.parseInt(args[0]));
        if (rc != 0) {
            System.err.println("cannot install the seccomp filter: " + rc);
            System.exit(3);
        }
        System.exit(Main.run(Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
    }
}
