package io.github.nsfs4j;

import io.github.nsfs4j.internal.Failure;
import io.github.nsfs4j.internal.NsFile;

import java.util.function.IntUnaryOperator;

/** For tests in this package: the layers under the API, reached as the API reaches them. */
final class Internals {
    private Internals() {}

    /** An internal call that opens a namespace file. */
    interface Opening {
        NsFile open() throws Failure;
    }

    /** The handle of what {@code opening} opens; its failure as the public exception the API would throw. */
    static Namespace handle(Opening opening) throws NamespaceException {
        try {
            return NamespaceHandle.of(opening.open());
        } catch (Failure f) {
            throw Failures.of(f);
        }
    }

    /** A raw call on the fd of a handle, held open for the call: its result, or -errno. */
    static int onFd(Namespace ns, IntUnaryOperator call) throws ClosedNamespaceException {
        try {
            return NamespaceHandle.fileOf(ns).apply(call, "test");
        } catch (Failure f) {
            throw (ClosedNamespaceException) Failures.of(f);
        }
    }

    /** A raw call on a pidfd, held open for the call: its result, or -errno. */
    static int onFd(Pidfd pidfd, IntUnaryOperator call) throws ClosedNamespaceException {
        try {
            return pidfd.file.apply(call, "test");
        } catch (Failure f) {
            throw (ClosedNamespaceException) Failures.of(f);
        }
    }
}
