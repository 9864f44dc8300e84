/**
 * Not API: the threads that enter namespaces with setns(2), and process start from them.
 * Not exported; see docs/design.md, "Entering namespaces".
 */
package io.github.nsfs4j.internal.enter;
