/**
 * Not API: how the API does its work (open namespace files, the errno meanings, the one
 * reader of {@code /proc}, discovery, pidfds, file handles). Not exported from the module;
 * on the class path visible like any package, but free to change in any release. The map of
 * the packages and who may use whom: docs/design.md.
 */
package io.github.nsfs4j.internal;
