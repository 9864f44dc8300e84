package io.github.nsfs4j;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import io.github.nsfs4j.PidTreeFixture.NsInfo;
import io.github.nsfs4j.PidTreeFixture.Snapshot;

/**
 * One {@link PidTreeFixture} per test class, with its kernel truth and a handle on each of its
 * pid namespaces; closed after the class.
 */
abstract class PidTreeTestBase {
    static PidTreeFixture tree;
    static Snapshot truth;
    static final Map<String, PidNamespace> handles = new LinkedHashMap<>();

    @BeforeAll
    static void startTree() throws Exception {
        tree = PidTreeFixture.start();
        truth = tree.snapshot();
        for (NsInfo ns : truth.namespaces.values()) {
            handles.put(ns.name(), PidNamespace.ofProcess(ns.member().tgid()));
        }
    }

    @AfterAll
    static void stopTree() {
        handles.values().forEach(Namespace::close);
        handles.clear();
        if (tree != null) {
            tree.close();
            tree = null;
        }
    }
}
