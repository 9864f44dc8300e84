package io.github.nsfs4j;

import io.github.nsfs4j.internal.Failure;
import io.github.nsfs4j.internal.FileNames;
import io.github.nsfs4j.internal.NamespaceFiles;
import io.github.nsfs4j.internal.Mountinfo;
import io.github.nsfs4j.internal.NetNsIds;
import io.github.nsfs4j.internal.Procfs;
import io.github.nsfs4j.internal.Scan;
import io.github.nsfs4j.kernel.NamespaceType;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.StringJoiner;

/**
 * One namespace found by {@link NamespaceDiscovery#scan}, as it was at the moment of the scan.
 *
 * @param type the namespace's type
 * @param inode its inode number, as in {@code type:[inode]}
 * @param id its 64-bit id (NS_GET_ID, Linux 6.18+), empty where the kernel has none
 * @param processCount how many processes (not threads) are in it; 0 if only an fd or a mount holds it.
 *     Of the processes the caller could inspect: in a partial view
 *     ({@link NamespaceSnapshot#isPartial()}) others may be in it too, and this, the lowest pid,
 *     its user and command describe only those the caller could see
 * @param lowestPid the lowest pid among them, empty if none
 * @param user the user name (or uid) owning that lowest-pid process, as lsns shows it; with no
 *     process in it, the user that created it (a user namespace) or its owning user
 *     namespace; empty if unknown
 * @param commandBytes that process's command line, NULs as spaces (or {@code comm} for a
 *     kernel thread), as lsns shows it, as the bytes the kernel gave (a command line is any
 *     bytes, not necessarily UTF-8); empty if no process is in it; {@link #command()} as text
 * @param parentInode the parent's inode for pid and user namespaces; 0 if none, none visible, or no hierarchy
 * @param ownerInode the owning user namespace's inode; 0 if not visible to the caller
 * @param heldBy what keeps it alive: processes in it, threads in it whose process is elsewhere,
 *     open fds, bind mounts (for ancestors
 *     found only through NS_GET_PARENT / NS_GET_USERNS: {@link Holder#DESCENDANT}); iterates
 *     in the order of {@link Holder}
 * @param pathBytes the bytes of a path that opened it during the scan:
 *     {@code /proc/PID/ns/TYPE}, {@code /proc/PID/task/TID/ns/TYPE}, {@code /proc/PID/fd/N}, or
 *     {@code /proc/PID/root/MOUNTPOINT}; null for an ancestor found only through a relation. A
 *     mount point is any byte string (but NUL), in no particular encoding, so the path is kept
 *     as the kernel gave it; {@link #path()} and {@link #pathString()} are views of it. Null
 *     too for a net namespace only a socket keeps: see {@code socket}
 * @param socket for a net namespace that only a socket keeps alive (no process in it, no path
 *     to it), the socket that does: {@code net:PID:FD}, as {@link Namespace#ofSocket} and
 *     {@code nsfs info} name it; null otherwise
 * @param uid the uid behind {@code user} (the owner of {@code /proc/PID} of the lowest pid, or
 *     with no process the namespace's creator or owner), unsigned; -1 if unknown
 * @param mountPoints where it is bind-mounted in the scanning process's own mount namespace
 *     (lsns's NSFS column), as text (UTF-8, {@code \xNN} for other bytes); empty if nowhere
 */
public record DiscoveredNamespace(NamespaceType type, long inode, OptionalLong id, int processCount,
        OptionalInt lowestPid, String user, byte[] commandBytes, long parentInode, long ownerInode,
        Set<Holder> heldBy, byte[] pathBytes, String socket, long uid, java.util.List<String> mountPoints) {

    /** What keeps a namespace alive. */
    public enum Holder {
        /** One or more processes are in it. */
        PROCESS(Scan.HELD_BY_PROCESS),
        /**
         * A thread is in it while its process (the thread-group leader, whose
         * {@code /proc/PID/ns} lsns reads) is not: a thread that called setns or unshare.
         */
        THREAD(Scan.HELD_BY_THREAD),
        /** A process holds an fd on it. */
        FD(Scan.HELD_BY_FD),
        /** A bind mount of its file exists. */
        MOUNT(Scan.HELD_BY_MOUNT),
        /**
         * A socket created in it (a net namespace): found through pidfd_getfd(2) and SIOCGSKNS
         * (Linux 5.6, and root's permissions), as lsns 2.41 finds it.
         */
        SOCKET(Scan.HELD_BY_SOCKET),
        /** Only known as the parent or owner of another namespace. */
        DESCENDANT(Scan.HELD_BY_DESCENDANT);

        private final int bit;

        Holder(int bit) {
            this.bit = bit;
        }

        /** The holders whose bits are set in a scan's mask. */
        static Set<Holder> of(int bits) {
            EnumSet<Holder> holders = EnumSet.noneOf(Holder.class);
            for (Holder h : values()) {
                if ((bits & h.bit) != 0) {
                    holders.add(h);
                }
            }
            return holders;
        }
    }

    /**
     * Checks the fields and copies {@code heldBy} and the byte arrays; a null {@code user} or
     * {@code commandBytes} becomes empty.
     */
    public DiscoveredNamespace {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(lowestPid, "lowestPid");
        user = user == null ? "" : user;
        commandBytes = commandBytes == null ? new byte[0] : commandBytes.clone();
        EnumSet<Holder> holders = EnumSet.noneOf(Holder.class);
        holders.addAll(heldBy);
        heldBy = Collections.unmodifiableSet(holders);
        pathBytes = pathBytes == null ? null : pathBytes.clone();
        mountPoints = java.util.List.copyOf(mountPoints);
    }

    /**
     * The parent process of the lowest pid, read now from {@code /proc/PID/stat} (lsns's
     * PPID); empty if no process is in it or it is gone.
     *
     * @return the parent's pid (0 for a process the kernel started)
     */
    public OptionalInt parentPid() {
        if (lowestPid.isEmpty()) {
            return OptionalInt.empty();
        }
        int ppid = Procfs.parentPid(Procfs.PROC.resolve(Integer.toString(lowestPid.getAsInt())));
        return ppid < 0 ? OptionalInt.empty() : OptionalInt.of(ppid);
    }

    /**
     * For a net namespace with a process in it: the id the caller's net namespace gives it
     * (the "nsid" of {@code ip netns list-id}, lsns's NETNSID), asked now with RTM_GETNSID by
     * the lowest pid, as lsns asks; -1 when it has none ("unassigned"). Empty for another type,
     * with no process in it, or when the kernel does not answer (the process is gone).
     *
     * @return the nsid, or -1 for none assigned
     */
    public OptionalInt netnsId() {
        if (type != NamespaceType.NET || lowestPid.isEmpty()) {
            return OptionalInt.empty();
        }
        try (NetNsIds ids = new NetNsIds()) {
            int id = ids.ofProcess(lowestPid.getAsInt());
            return id < NetNsIds.NOT_ASSIGNED ? OptionalInt.empty() : OptionalInt.of(id);
        }
    }

    /**
     * One process in a namespace, as {@link #processes()} reads it.
     *
     * @param pid its pid
     * @param parentPid its parent's pid (0 for one the kernel started), -1 if unknown
     * @param uid the owner of {@code /proc/PID}, unsigned; -1 if unknown
     * @param user that uid's name, as lsns shows it
     * @param commandBytes its command line, NULs as spaces ({@code comm} for a kernel thread)
     */
    public record Process(int pid, int parentPid, long uid, String user, byte[] commandBytes) {
        /** Copies the command's bytes. */
        public Process {
            commandBytes = commandBytes.clone();
        }

        /** {@return a copy of the command line's bytes} */
        @Override
        public byte[] commandBytes() {
            return commandBytes.clone();
        }
    }

    /**
     * The processes in this namespace, read now from {@code /proc} (each one's
     * {@code /proc/PID/ns/TYPE} names it), in pid order, as {@code lsns NAMESPACE} lists them.
     * Processes that exit meanwhile, and those the caller may not inspect, are left out.
     *
     * @return the processes, by pid
     * @throws NamespaceException if {@code /proc} cannot be listed
     */
    public java.util.List<Process> processes() throws NamespaceException {
        java.util.List<Process> out = new java.util.ArrayList<>();
        io.github.nsfs4j.internal.UserNames users = new io.github.nsfs4j.internal.UserNames();
        int[] pids;
        try {
            pids = Procfs.pids();
        } catch (java.io.IOException e) {
            throw new NamespaceException("scan", "/proc", 0, "cannot list /proc: " + e.getMessage());
        }
        for (int pid : pids) {
            java.nio.file.Path dir = Procfs.PROC.resolve(Integer.toString(pid));
            if (Procfs.linkInode(dir.resolve("ns").resolve(type.procName()), type) != inode) {
                continue;
            }
            try {
                String user = users.ownerOf(dir);
                long uid = Integer.toUnsignedLong(users.lastUid);
                out.add(new Process(pid, Procfs.parentPid(dir), uid, user, Procfs.command(dir)));
            } catch (java.io.IOException e) {
                // exited meanwhile
            }
        }
        return out;
    }

    /** Bytes as text for people: UTF-8, each byte that is not part of valid UTF-8 as {@code \xNN}. */
    static String text(byte[] bytes) {
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        StringBuilder sb = new StringBuilder(bytes.length);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        while (in.hasRemaining()) {
            CoderResult r = utf8.decode(in, out, true);
            out.flip();
            sb.append(out);
            out.clear();
            if (r.isError()) {
                for (int i = 0; i < r.length(); i++) {
                    sb.append(String.format("\\x%02x", in.get() & 0xff));
                }
            }
        }
        return sb.toString();
    }

    /** {@return a copy of the command line's bytes: see {@link #commandBytes}} */
    @Override
    public byte[] commandBytes() {
        return commandBytes.clone();
    }

    /**
     * The command line as text: its bytes as UTF-8, a byte that is not valid UTF-8 replaced
     * by U+FFFD (so it is lossy: {@link #commandBytes()} has them exactly); empty if no
     * process is in the namespace.
     *
     * @return the command line
     */
    public String command() {
        return new String(commandBytes, StandardCharsets.UTF_8);
    }

    /** {@return a copy of the path's bytes (null if there is no path): see {@link #pathBytes}} */
    @Override
    public byte[] pathBytes() {
        return pathBytes == null ? null : pathBytes.clone();
    }

    /**
     * The path as a {@link Path}, where this JVM can name that file: null if there is no path,
     * or if its bytes are not a file name in the JVM's file-name encoding (the
     * {@code sun.jnu.encoding} property, from the locale: bytes that are not UTF-8 under
     * UTF-8, anything but ASCII under the C locale), since a {@link Path} made from a string
     * would then name another file or none. {@link #open()} and {@link #pathBytes()} work
     * whatever the bytes.
     *
     * @return the path, or null
     */
    public Path path() {
        String name = pathBytes == null ? null : FileNames.jvmName(pathBytes);
        try {
            return name == null ? null : Path.of(name);
        } catch (InvalidPathException e) {
            return null;
        }
    }

    /**
     * The path as text, for people and logs: its bytes as UTF-8, each byte that is not part of
     * valid UTF-8 written {@code \xNN} (so it is lossy: open through {@link #open()}, or
     * {@link #pathBytes()}); null if there is no path.
     *
     * @return the path as text, or null
     */
    public String pathString() {
        return pathBytes == null ? null : text(pathBytes);
    }

    /** Compares every component, the path by its bytes. */
    @Override
    public boolean equals(Object o) {
        return o instanceof DiscoveredNamespace d && type == d.type && inode == d.inode && id.equals(d.id)
                && processCount == d.processCount && lowestPid.equals(d.lowestPid) && user.equals(d.user)
                && Arrays.equals(commandBytes, d.commandBytes) && parentInode == d.parentInode && ownerInode == d.ownerInode
                && heldBy.equals(d.heldBy) && Arrays.equals(pathBytes, d.pathBytes) && Objects.equals(socket, d.socket)
                && uid == d.uid && mountPoints.equals(d.mountPoints);
    }

    @Override
    public int hashCode() {
        return (Objects.hash(type, inode, id, processCount, lowestPid, user, parentInode, ownerInode, heldBy, socket, uid,
                mountPoints)
                * 31 + Arrays.hashCode(commandBytes)) * 31 + Arrays.hashCode(pathBytes);
    }

    /**
     * Opens the namespace again through its path (its bytes, whatever their encoding), or its
     * {@link #socket()} (pidfd_getfd and SIOCGSKNS), and
     * checks that it is still the same one (type and inode, and id where known), so a
     * namespace that died and whose inode was reused is not mistaken for this one. Nothing
     * but a namespace file is opened for real: if the path now names something else (an fd
     * number reused for a device, a FIFO), that is found out through an {@code O_PATH} fd.
     *
     * @return a new handle, the caller's to close
     * @throws NoSuchNamespaceException if it is gone, or was found only as an ancestor (no path)
     * @throws NotANamespaceException if the path now names something that is not a namespace file
     * @throws NamespaceException if it cannot be opened otherwise
     */
    public Namespace open() throws NamespaceException {
        if (pathBytes == null && socket != null) {
            Namespace ns = Namespace.ofSocket(socketPid(), socketFd());
            if (ns.inode() != inode || id.isPresent() && ns.id().isPresent() && ns.id().getAsLong() != id.getAsLong()) {
                ns.close();
                throw new NoSuchNamespaceException("open", describe(), 0,
                        "the namespace is gone: " + socket + " now names another one");
            }
            return ns;
        }
        if (pathBytes == null) {
            throw new NoSuchNamespaceException("open", describe(), 0,
                    "found only as the parent or owner of another namespace; open that one and ask for it");
        }
        Namespace ns;
        try {
            ns = NamespaceHandle.of(NamespaceFiles.openChecked(pathBytes, pathString(), type, inode));
        } catch (Failure f) {
            throw Failures.of(f);
        }
        if (id.isPresent() && ns.id().isPresent() && ns.id().getAsLong() != id.getAsLong()) {
            ns.close();
            throw new NoSuchNamespaceException("open", describe(), 0,
                    "the namespace is gone: " + pathString() + " now names another one");
        }
        return ns;
    }

    private int socketPid() {
        return Integer.parseInt(socket.substring(4, socket.lastIndexOf(':')));
    }

    private int socketFd() {
        return Integer.parseInt(socket.substring(socket.lastIndexOf(':') + 1));
    }

    /**
     * For a mount namespace: how many mounts it has, as its lowest-pid process shows them,
     * read now from {@code /proc/PID/mountinfo} (on kernels before Linux 6.12, which lack
     * {@link MountNamespace#info()}). A process that is chrooted sees only the mounts under
     * its root. The process's link is checked before and after the read, so the count is this
     * namespace's and not that of a later process with the same pid.
     *
     * @return the number of mounts; empty if this is not a mount namespace, no process is in
     *     it, or that process has exited or is not readable
     */
    public OptionalLong mountCount() {
        if (type != NamespaceType.MNT || lowestPid.isEmpty()) {
            return OptionalLong.empty();
        }
        return Mountinfo.mountCount(lowestPid.getAsInt(), inode);
    }

    /** {@return {@code net:[4026531833]}, its type and inode as readlink shows them} */
    public String describe() {
        return type.procName() + ":[" + Long.toUnsignedString(inode) + "]";
    }

    /**
     * One line for jshell and logs: {@code net:[4026532200] id=4107 nprocs=1 pid=4242 user=root
     * command=sleep 1000 held=process,fd}; the command is cut at 60 characters.
     */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(96).append(describe());
        id.ifPresent(v -> sb.append(" id=").append(Long.toUnsignedString(v)));
        sb.append(" nprocs=").append(processCount);
        lowestPid.ifPresent(p -> sb.append(" pid=").append(p));
        if (!user.isEmpty()) {
            sb.append(" user=").append(user);
        }
        String command = command();
        if (!command.isEmpty()) {
            sb.append(" command=").append(command.length() <= 60 ? command : command.substring(0, 57) + "...");
        }
        sb.append(" held=");
        StringJoiner held = new StringJoiner(",");
        heldBy.forEach(h -> held.add(h.name().toLowerCase(Locale.ROOT)));
        return sb.append(held.length() == 0 ? "-" : held).toString();
    }
}
