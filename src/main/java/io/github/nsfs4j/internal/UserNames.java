package io.github.nsfs4j.internal;

import static java.lang.foreign.ValueLayout.ADDRESS;

import io.github.nsfs4j.linux.Errno;
import io.github.nsfs4j.linux.LibC;
import io.github.nsfs4j.linux.Structs;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.util.HashMap;
import java.util.Map;

/**
 * uid to user name, the one way the library does it: getpwuid_r(3), that is NSS, as lsns
 * (and {@code ls -l}, and the JDK's {@code Files.getOwner}) do, so users from a directory
 * (LDAP, sssd, systemd-userdb) get their names too, not only those in {@code /etc/passwd}.
 * A uid no user has is its number. One instance caches what it resolved; not thread-safe
 * (one per scan).
 */
public final class UserNames {
    /** Enough for any sane entry; ERANGE grows it. */
    private static final long FIRST_BUFFER = 1024;
    private static final long MAX_BUFFER = 1 << 20;

    private final Map<Integer, String> names = new HashMap<>();

    /** The name of {@code uid} if it was resolved already, else null: asks nothing. */
    public String known(int uid) {
        return names.get(uid);
    }

    /**
     * The name of {@code uid}, the owner of {@code file} (a {@code /proc/PID} directory), as
     * {@link #ownerOf} resolves it: through the JDK's file system code for a new uid, so that
     * a scan whose users all run processes never links getpwuid_r. The caller read the uid
     * already, so a new one costs the one stat that gives the owner's name.
     */
    public String nameOfOwner(int uid, Path file) {
        String known = names.get(uid);
        if (known != null) {
            return known;
        }
        try {
            String name = resolveOwner(file);
            if (lastUid == uid) {
                return name;
            }
        } catch (IOException e) {
            // gone meanwhile: name the uid the statx gave
        }
        return name(uid);
    }

    /** The uid of the file {@link #ownerOf} read last (unsigned in an int); -1 before. */
    public int lastUid = -1;

    /** The name of {@code uid}, or the uid as an unsigned decimal number when no user has it. */
    public String name(int uid) {
        return names.computeIfAbsent(uid, UserNames::lookUp);
    }

    /**
     * The name of the user owning {@code file} (a {@code /proc/PID} directory: the process's
     * user). A uid seen before costs one stat; a new one a second stat, whose uid and owner
     * come together, the owner's name resolved by the JDK's file system code through the same
     * getpwuid_r (a uid no user has is its number there too). Only for a new uid: the JDK
     * resolves the owner anew on every read that asks for it. What it learns serves
     * {@link #name} as well, so a scan whose users all run processes never links getpwuid_r
     * itself, a downcall shape of its own (milliseconds of a command's start-up).
     *
     * @throws IOException if the file is gone or hidden
     */
    public String ownerOf(Path file) throws IOException {
        int owner = (Integer) Files.getAttribute(file, "unix:uid");
        lastUid = owner;
        String known = names.get(owner);
        if (known != null) {
            return known;
        }
        return resolveOwner(file);
    }

    /** The owner's name of {@code file} through the JDK (its uid in {@link #lastUid}), remembered. */
    private String resolveOwner(Path file) throws IOException {
        Map<String, Object> attributes = Files.readAttributes(file, "unix:uid,owner");
        int uid = (Integer) attributes.get("uid");
        lastUid = uid;
        String name = ((UserPrincipal) attributes.get("owner")).getName();
        if (name.equals(Integer.toString(uid))) {
            name = Integer.toUnsignedString(uid); // no such user: the JDK writes the number signed
        }
        names.put(uid, name);
        return name;
    }

    private static String lookUp(int uid) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pwd = arena.allocate(Structs.PASSWD);
            MemorySegment result = arena.allocate(ADDRESS);
            for (long size = FIRST_BUFFER; size <= MAX_BUFFER; size *= 4) {
                MemorySegment buf = arena.allocate(size);
                int rc = LibC.getpwuid_r(uid, pwd, buf, result);
                if (rc == -Errno.ERANGE) {
                    continue;
                }
                if (rc != 0 || result.get(ADDRESS, 0).equals(MemorySegment.NULL)) {
                    break; // no such user, or NSS failed: the number, as lsns shows it then
                }
                MemorySegment name = pwd.get(ADDRESS, Structs.PASSWD_PW_NAME);
                long offset = name.address() - buf.address();
                if (offset >= 0 && offset < buf.byteSize()) {
                    return buf.getString(offset); // pw_name points into buf, as NSS promises
                }
                break;
            }
        }
        return Integer.toUnsignedString(uid);
    }
}
