package io.github.nsfs4j;

import io.github.nsfs4j.kernel.IoctlRequest;
import io.github.nsfs4j.kernel.KernelVersion;

/** The running kernel lacks the request; {@link #since()} is the kernel version that has it. */
public final class UnsupportedRequestException extends NamespaceException {
    private static final long serialVersionUID = 1L;

    /** The request the running kernel lacks. */
    private final IoctlRequest request;

    /**
     * Creates the exception; the message names the running kernel and the version needed.
     *
     * @param request the request the running kernel lacks
     * @param target the namespace it was asked of
     */
    public UnsupportedRequestException(IoctlRequest request, String target) {
        super(request.name(), target, 0, "the running kernel (" + KernelVersion.running() + ") lacks "
                + request.name() + "; it needs Linux " + request.since() + " or newer");
        this.request = request;
    }

    /**
     * The request the kernel lacks.
     *
     * @return the nsfs or pidfd request
     */
    public IoctlRequest request() {
        return request;
    }

    /**
     * The first kernel version that has the request.
     *
     * @return the version
     */
    public KernelVersion since() {
        return request.since();
    }
}
