package io.github.nsfs4j.kernel;

/**
 * For tests in other packages: {@link KernelSupport}'s answer for a request, assumed until the
 * returned {@link AutoCloseable} is closed (a kernel with or without it, on any kernel).
 */
public final class KernelAssumptions {
    private KernelAssumptions() {}

    public static AutoCloseable assume(IoctlRequest request, boolean supported) {
        return KernelSupport.assume(request, supported);
    }
}
