package io.github.nsfs4j.cli;

/** Placeholder. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(2);
    }
}
