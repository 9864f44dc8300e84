package io.github.nsfs4j;

import io.github.nsfs4j.kernel.NamespaceType;

/** A namespace of one type was found where another type was required. */
public final class WrongNamespaceTypeException extends NamespaceException {
    private static final long serialVersionUID = 1L;

    /** The type that was required. */
    private final NamespaceType expected;
    /** The type that was found. */
    private final NamespaceType actual;

    /**
     * Creates the exception; the message names both types.
     *
     * @param operation what was attempted, for example {@code open}
     * @param target the namespace or path it was attempted on
     * @param expected the type that was required
     * @param actual the type that was found
     */
    public WrongNamespaceTypeException(String operation, String target, NamespaceType expected, NamespaceType actual) {
        super(operation, target, 0, "expected a " + expected + " namespace but this is a " + actual + " namespace");
        this.expected = expected;
        this.actual = actual;
    }

    /**
     * The type that was required.
     *
     * @return the type
     */
    public NamespaceType expected() {
        return expected;
    }

    /**
     * The type that was found.
     *
     * @return the type
     */
    public NamespaceType actual() {
        return actual;
    }
}
