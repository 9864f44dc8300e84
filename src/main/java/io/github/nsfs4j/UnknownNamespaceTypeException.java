package io.github.nsfs4j;

/**
 * The fd is a namespace file, but of a type this version of nsfs4j does not know: the
 * kernel's {@code NS_GET_NSTYPE} answered a {@code CLONE_NEW*} flag that no
 * {@link io.github.nsfs4j.kernel.NamespaceType} has (a namespace type newer than the library). Opening, adopting and
 * duplicating such a file throw this exception and leave no fd behind (an adopted fd stays
 * the caller's); a newer nsfs4j may know the type.
 */
public final class UnknownNamespaceTypeException extends NamespaceException {
    private static final long serialVersionUID = 1L;

    /** The flag the kernel answered. */
    private final int cloneFlag;

    /**
     * Creates the exception; the message names the flag.
     *
     * @param operation what was attempted, for example {@code open}
     * @param target the path or fd it was attempted on
     * @param cloneFlag the {@code CLONE_NEW*} flag that {@code NS_GET_NSTYPE} answered
     */
    public UnknownNamespaceTypeException(String operation, String target, int cloneFlag) {
        super(operation, target, 0, "a namespace of a type nsfs4j does not know (NS_GET_NSTYPE answered"
                + " the clone flag 0x" + Integer.toHexString(cloneFlag) + "); a newer nsfs4j may know it");
        this.cloneFlag = cloneFlag;
    }

    /**
     * The {@code CLONE_NEW*} flag the kernel answered.
     *
     * @return the flag
     */
    public int cloneFlag() {
        return cloneFlag;
    }
}
