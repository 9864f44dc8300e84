package io.github.nsfs4j;

import io.github.nsfs4j.internal.enter.NamespaceThread;
import io.github.nsfs4j.testing.Proc;

import java.nio.file.Path;
import java.util.Map;

/**
 * Run by EntryRefusalTest in a child JVM (inside a pid namespace, or as an unprivileged
 * user): tries to make a set of each namespace file given and prints "refused REASON" or
 * "entered", then whether every thread is still home.
 */
public final class RefusalProbeMain {
    private RefusalProbeMain() {}

    public static void main(String[] args) throws Exception {
        for (String path : args) {
            try (Namespace ns = Namespace.open(Path.of(path)); NamespaceSet set = NamespaceSet.of(ns)) {
                System.out.println("entered " + set.call(() -> Proc.threadNsLink(ns.type().procName())));
            } catch (EntryRefusedException e) {
                System.out.println("refused " + e.reason());
            }
        }
        System.out.println(Proc.foreignThreads().equals(Map.of()) && NamespaceThread.STARTED.get() == 0
                ? "threads home" : "threads moved: " + Proc.foreignThreads());
    }
}
