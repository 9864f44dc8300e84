/**
 * nsfs4j: Linux namespace files for the JVM. {@code io.github.nsfs4j} is the API (handles,
 * pidfds, entering, discovery, exceptions); {@code io.github.nsfs4j.kernel} the kernel's
 * vocabulary (namespace types, the ioctl requests, kernel versions and what the running
 * kernel supports). {@code cli}, {@code internal}, {@code internal.enter} and {@code linux}
 * (the C layer) are not exported.
 */
module io.github.nsfs4j {
    requires org.jnrproject.constants;
    // sun.misc.Signal: nsfs exec forwards the signals sent to it to COMMAND (cli.SignalForwarding)
    requires jdk.unsupported;
    exports io.github.nsfs4j;
    exports io.github.nsfs4j.kernel;
}
