package io.github.nsfs4j;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Linux kernel release, major and minor ({@code 6.11}), as the kernel that brought a request.
 *
 * @param major the major version, for example 6
 * @param minor the minor version, for example 11
 */
public record KernelVersion(int major, int minor) implements Comparable<KernelVersion> {
    private static final Pattern RELEASE = Pattern.compile("^(\\d+)\\.(\\d+)");

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
        Matcher m = RELEASE.matcher(release);
        return m.find() ? new KernelVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)))
                : new KernelVersion(0, 0);
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
