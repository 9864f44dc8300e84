package io.github.nsfs4j.internal;

import io.github.nsfs4j.linux.LibC;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.util.Arrays;

/** File names as the kernel sees them (bytes) and as the JDK names them (Strings in {@code sun.jnu.encoding}). */
public final class FileNames {
    private FileNames() {}

    /** The bytes of a file name, as the JDK encodes file names, without a terminating NUL. */
    public static byte[] bytes(String name) {
        return LibC.pathBytes(name);
    }

    /**
     * The name the JDK gives the file with these bytes, or null where it has none: bytes that
     * are not a file name in its encoding would come back as another file's name, or none.
     */
    public static String jvmName(byte[] bytes) {
        try {
            String name = LibC.PATH_CHARSET.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
            return Arrays.equals(LibC.pathBytes(name), bytes) ? name : null;
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
