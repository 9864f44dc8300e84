package io.github.nsfs4j;

/** The file or fd is not a namespace file (not on the nsfs filesystem), so no namespace operation applies. */
public final class NotANamespaceException extends NamespaceException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception; the message is built as for {@link NamespaceException}.
     *
     * @param operation what was attempted, for example {@code NS_GET_PARENT} or {@code open}
     * @param target the namespace or path it was attempted on
     * @param errno the kernel's errno, or 0 when the failure did not come from the kernel
     * @param detail what went wrong and, where it helps, what to do
     */
    public NotANamespaceException(String operation, String target, int errno, String detail) {
        super(operation, target, errno, detail);
    }
}
