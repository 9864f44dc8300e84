package io.github.nsfs4j.kernel;

/**
 * A Linux kernel release, major and minor ({@code 6.11}), as the kernel that brought a request.
 *
 * @param major the major version, for example 6
 * @param minor the minor version, for example 11
 */
public record KernelVersion(int major, int minor) implements Comparable<KernelVersion> {
    /**
     * Checks the numbers.
     *
     * @throws IllegalArgumentException if either is negative
     */
    public KernelVersion {
        if (major < 0 || minor < 0) {
            throw new IllegalArgumentException("negative kernel version " + major + "." + minor);
        }
    }

    /**
     * The running kernel's version, from {@code os.version} ({@code uname -r}), for messages.
     * What the kernel supports is {@link KernelSupport}'s question, not the version's.
     *
     * @return the version, 0.0 if unreadable
     */
    public static KernelVersion running() {
        return parse(System.getProperty("os.version", ""));
    }

    /**
     * Parses the leading {@code MAJOR.MINOR} of a release string such as {@code 6.18.44-generic}.
     *
     * @param release a kernel release string
     * @return the version, 0.0 if the string does not start with one
     */
    public static KernelVersion parse(String release) {
        // by hand, not a regex: this runs on the way to the first answer of a short command
        int dot = digits(release, 0);
        int end = dot > 0 && dot < release.length() && release.charAt(dot) == '.' ? digits(release, dot + 1) : -1;
        if (end <= dot + 1) {
            return new KernelVersion(0, 0);
        }
        try {
            return new KernelVersion(Integer.parseInt(release, 0, dot, 10), Integer.parseInt(release, dot + 1, end, 10));
        } catch (NumberFormatException e) {
            return new KernelVersion(0, 0); // more digits than an int holds
        }
    }

    /** The index after the run of ASCII digits starting at {@code from}. */
    private static int digits(String s, int from) {
        int i = from;
        while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
            i++;
        }
        return i;
    }

    /**
     * Whether this version is {@code other} or newer.
     *
     * @param other the version to compare with
     * @return true if this is the same or a later release
     */
    public boolean atLeast(KernelVersion other) {
        return compareTo(other) >= 0;
    }

    @Override
    public int compareTo(KernelVersion other) {
        return major != other.major ? Integer.compare(major, other.major) : Integer.compare(minor, other.minor);
    }

    @Override
    public String toString() {
        return major + "." + minor;
    }
}
