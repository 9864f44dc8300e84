package io.github.nsfs4j;

/** The kernel refused for lack of permission ({@code EACCES} or {@code EPERM}) where that is an error. */
public final class NamespaceAccessDeniedException extends NamespaceException {
    private static final long serialVersionUID = 1L;

    public NamespaceAccessDeniedException(String operation, String target, int errno, String detail) {
        super(operation, target, errno, detail);
    }
}
