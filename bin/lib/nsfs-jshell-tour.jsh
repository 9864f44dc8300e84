// bin/nsfs-jshell's tour, shown in interactive sessions only.
System.out.println("""
    nsfs4j in jshell: io.github.nsfs4j.*, io.github.nsfs4j.kernel.* and java.nio.file.* are imported. Try:
      var pidns = PidNamespace.current()          // your pid namespace: pid:[inode] id=...
      pidns.id(); pidns.parent(); pidns.initPid()  // NS_GET_ID, NS_GET_PARENT, NS_GET_PID_FROM_PIDNS(1)
      var net = Namespace.ofProcess(1234, NamespaceType.NET)   // or Namespace.open(Path.of("/run/netns/blue"))
      net.owner()                                  // the owning user namespace (NS_GET_USERNS)
      var all = NamespaceDiscovery.scan()          // every namespace on the machine, like lsns
      all.namespaces().forEach(System.out::println)
      all.treeByOwner()                            // the hierarchy; treeByParent() for pid/user parents
      MountNamespace.current().info()              // mount namespace id and number of mounts
      KernelSupport.has(NsIoctl.NS_GET_PID_FROM_PIDNS)  // which requests this kernel has
    Act inside a container (root): its hostname and network devices, read in its uts and net namespaces:
      var box = NamespaceSet.of(Pidfd.open(1234), NamespaceType.UTS, NamespaceType.NET)
      box.call(() -> Files.readString(Path.of("/proc/sys/kernel/hostname")))
      box.call(() -> Files.readString(Path.of("/proc/thread-self/net/dev")))
      new String(box.start(new ProcessBuilder("ip", "-br", "addr")).getInputStream().readAllBytes())
    Handles are AutoCloseable: close() them, or use try-with-resources. /exit leaves.
    """);
