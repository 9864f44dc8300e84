package io.github.nsfs4j;

/**
 * The namespace, its file, or the process it was asked of does not exist (any more):
 * {@code ENOENT}, {@code ESRCH}, or a persistent reference that no longer resolves.
 */
public final class NoSuchNamespaceException extends NamespaceException {
    private static final long serialVersionUID = 1L;

    public NoSuchNamespaceException(String operation, String target, int errno, String detail) {
        super(operation, target, errno, detail);
    }
}
