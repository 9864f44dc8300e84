package io.github.nsfs4j;

import io.github.nsfs4j.linux.LibC;
import io.github.nsfs4j.kernel.NamespaceType;
import io.github.nsfs4j.kernel.NsIoctl;
import io.github.nsfs4j.testing.Proc;

import java.nio.file.Path;
import java.util.Optional;

import jnr.constants.platform.Errno;

/**
 * Not a test: a main that tests run in a child JVM, for example under {@code unshare --user}
 * (a JVM cannot unshare its own user namespace: it has threads). It prints {@code key=value}
 * lines for the test to check.
 *
 * <ul>
 *   <li>{@code owner-after-unshare}: fd 3 is a namespace file and fd 4 a user namespace file,
 *       both opened before the user namespace was unshared (the port of the kernel selftest
 *       nsfs/owner.c): owner and parent as this process now sees them, through nsfs4j and
 *       through the raw ioctl.</li>
 *   <li>{@code open PATH}: opens a namespace file and prints the outcome.</li>
 *   <li>{@code native-access}: opens the own net namespace (run without
 *       {@code --enable-native-access} to see the library's message).</li>
 *   <li>{@code bad-args}: calls factories with bad arguments and prints which exception each
 *       threw (run without native access: an argument checked in Java comes before any
 *       native call, so it never meets the IllegalCallerException).</li>
 *   <li>{@code initial}: for every type, the own namespace's inode and what
 *       {@code isInitial()} says of it ({@code true}, {@code false} or {@code refused}).</li>
 * </ul>
 */
public final class NsfsChildMain {
    private NsfsChildMain() {}

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "owner-after-unshare" -> ownerAfterUnshare();
            case "open" -> open(args[1]);
            case "native-access" -> nativeAccess();
            case "bad-args" -> badArguments();
            case "initial" -> initial();
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        }
        System.out.flush();
    }

    private static void ownerAfterUnshare() throws Exception {
        print("self.user.link", Proc.readLink(Path.of("/proc/self/ns/user")));
        print("fd3.link", Proc.readLink(Path.of("/proc/self/fd/3")));
        print("fd4.link", Proc.readLink(Path.of("/proc/self/fd/4")));
        try (Namespace outer = Namespace.duplicate(3)) {
            print("fd3.type", outer.type());
            print("fd3.inode", outer.inode());
            print("fd3.owner", describe(outer.owner()));
        }
        print("fd3.raw.NS_GET_USERNS", raw(3, NsIoctl.NS_GET_USERNS));
        try (UserNamespace outerUser = (UserNamespace) Namespace.duplicate(4)) {
            print("fd4.inode", outerUser.inode());
            print("fd4.owner", describe(outerUser.owner()));
            print("fd4.parent", describe(outerUser.parent()));
        }
        print("fd4.raw.NS_GET_USERNS", raw(4, NsIoctl.NS_GET_USERNS));
        print("fd4.raw.NS_GET_PARENT", raw(4, NsIoctl.NS_GET_PARENT));
        try (UserNamespace self = UserNamespace.current()) {
            print("self.inode", self.inode());
            print("self.owner", describe(self.owner()));
            print("self.parent", describe(self.parent()));
            print("self.ownerUid", String.valueOf(self.ownerUid()));
        }
    }

    private static void open(String path) {
        try (Namespace ns = Namespace.open(Path.of(path))) {
            print("result", "ok");
            print("inode", ns.inode());
        } catch (NamespaceException e) {
            print("result", "exception");
            print("exception", e.getClass().getSimpleName());
            print("operation", e.operation());
            print("target", e.target());
            print("errno", e.errnoName().orElse("none"));
            print("message", e.getMessage());
        }
    }

    private static void nativeAccess() {
        try (Namespace ns = Namespace.current(NamespaceType.NET)) {
            print("result", ns.isOpen() ? "ok" : "closed");
        } catch (IllegalCallerException e) {
            print("result", "exception");
            print("exception", e.getClass().getSimpleName());
            print("message", e.getMessage());
        } catch (Throwable t) {
            print("result", "unexpected");
            print("exception", t.getClass().getName());
            print("message", t.getMessage());
        }
    }

    interface Call {
        Object call() throws Exception;
    }

    private static void initial() throws Exception {
        for (NamespaceType type : NamespaceType.values()) {
            try (Namespace ns = Namespace.current(type)) {
                print(type + ".inode", ns.inode());
                String answer;
                try {
                    answer = String.valueOf(ns.isInitial());
                } catch (NamespaceException e) {
                    answer = "refused";
                    print(type + ".message", e.getMessage());
                }
                print(type + ".initial", answer);
            }
        }
    }

    private static void badArguments() {
        java.util.Map<String, Call> calls = new java.util.LinkedHashMap<>();
        calls.put("adopt(-1)", () -> Namespace.adopt(-1));
        calls.put("duplicate(-1)", () -> Namespace.duplicate(-1));
        calls.put("ofProcess(0,net)", () -> Namespace.ofProcess(0, NamespaceType.NET));
        calls.put("ofProcess(-1,net)", () -> Namespace.ofProcess(-1, NamespaceType.NET));
        calls.put("ofProcess(1234,null)", () -> Namespace.ofProcess(1234, null));
        calls.put("PidNamespace.ofProcess(0)", () -> PidNamespace.ofProcess(0));
        calls.put("UserNamespace.ofProcess(0)", () -> UserNamespace.ofProcess(0));
        calls.put("MountNamespace.ofProcess(0)", () -> MountNamespace.ofProcess(0));
        calls.put("open(null)", () -> Namespace.open(null));
        calls.put("PidNamespace.open(null)", () -> PidNamespace.open(null));
        calls.put("current(null)", () -> Namespace.current(null));
        calls.put("ofProcess(null handle)", () -> Namespace.ofProcess((ProcessHandle) null, NamespaceType.NET));
        calls.put("fromName(bogus)", () -> NamespaceType.fromName("bogus"));
        calls.forEach((name, call) -> {
            try {
                Object result = call.call();
                print(name, "returned " + result);
            } catch (Throwable t) {
                print(name, t.getClass().getSimpleName());
            }
        });
    }

    /** The ioctl's outcome on a raw fd: "fd" for a new fd (closed at once), else the errno name. */
    private static String raw(int fd, NsIoctl request) {
        int rc = LibC.ioctl(fd, request.request(), 0L);
        if (rc >= 0) {
            LibC.close(rc);
            return "fd";
        }
        return Errno.valueOf(-rc).name();
    }

    private static String describe(Optional<? extends Namespace> ns) {
        if (ns.isEmpty()) {
            return "empty";
        }
        try (Namespace n = ns.get()) {
            return "present:" + n.inode();
        }
    }

    private static void print(String key, Object value) {
        System.out.println(key + "=" + String.valueOf(value).replace('\n', ' '));
    }
}
