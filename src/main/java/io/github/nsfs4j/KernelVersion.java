package io.github.nsfs4j;

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

    /** The running kernel's version, from {@code os.version} ({@code uname -r}); 0.0 if unreadable. */
    public static KernelVersion running() {
        return parse(System.getProperty("os.version", ""));
    }

    /** Parses the leading {@code MAJOR.MINOR} of a release string such as {@code 6.18.44-generic}; 0.0 if none. */
    public static KernelVersion parse(String release) {
        // By hand, not a regex: every NsIoctl constant parses its version at class
        // initialisation, on the way to a command's first syscall (start-up, issue 12).
        int dot = digitsEnd(release, 0);
        int end = dot > 0 && dot < release.length() && release.charAt(dot) == '.' ? digitsEnd(release, dot + 1) : -1;
        return end > dot + 1
                ? new KernelVersion(Integer.parseInt(release, 0, dot, 10), Integer.parseInt(release, dot + 1, end, 10))
                : new KernelVersion(0, 0);
    }

    /** The index after the ASCII digits of {@code s} from {@code from}. */
    private static int digitsEnd(String s, int from) {
        int i = from;
        while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
            i++;
        }
        return i;
    }

    /** Whether this version is {@code other} or newer. */
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
