package io.github.nsfs4j;

/** The handle was closed before (or while) the operation was asked of it. */
public final class ClosedNamespaceException extends NamespaceException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param operation what was attempted on the closed handle
     * @param target the handle, as its {@code toString()} shows it
     */
    public ClosedNamespaceException(String operation, String target) {
        super(operation, target, 0, "the handle is closed");
    }
}
