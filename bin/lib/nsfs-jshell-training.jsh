// The AOT training session of bin/nsfs-jshell (JDK 25+), read from stdin: a few snippets of
// the kinds a user types (a declaration, a method, a record, an expression, a lambda, an
// exception, a compile error), so that the JVM of jshell itself records the classes a
// session needs. It reads the namespaces of its own process and makes none.
var pidns = PidNamespace.current()
String describe(Namespace n) { return n.type() + ":" + n.inode() + " " + n.id(); }
record Pair(String name, long inode) {}
System.out.println(describe(pidns) + new Pair("pid", pidns.inode()) + pidns.initPid() + KernelSupport.has(NsIoctl.NS_GET_PID_FROM_PIDNS))
NamespaceDiscovery.scan().namespaces().stream().filter(n -> n.type() == NamespaceType.NET).count()
Namespace.open(Path.of("/nonexistent"))
undefinedName + 1
pidns.close()
/exit
