package io.github.nsfs4j;

/** The file or fd is not a namespace file (not on the nsfs filesystem), so no namespace operation applies. */
public final class NotANamespaceException extends NamespaceException {
    private static final long serialVersionUID = 1L;

    public NotANamespaceException(String operation, String target, int errno, String detail) {
        super(operation, target, errno, detail);
    }
}
