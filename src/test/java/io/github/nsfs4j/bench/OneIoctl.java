package io.github.nsfs4j.bench;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;

/**
 * The start-up floor of any java.lang.foreign program that asks the kernel one nsfs
 * question: link one downcall handle ({@code ioctl}) and make one {@code NS_GET_NSTYPE} on an
 * fd the caller opened and passed down (bench/run: {@code exec {fd}</proc/PID/ns/net}), then
 * print the answer. No nsfs4j, no jnr-constants, no errno capture: {@code bench/run} times
 * it as a command against {@code java -version} and {@code nsfs info}.
 */
public final class OneIoctl {
    private OneIoctl() {}

    /** NS_GET_NSTYPE: _IO(0xb7, 3). */
    private static final long NS_GET_NSTYPE = 0xb703L;

    @SuppressWarnings("restricted") // a benchmark program, started with --enable-native-access
    public static void main(String[] args) throws Throwable {
        Linker linker = Linker.nativeLinker();
        MethodHandle ioctl = linker.downcallHandle(linker.defaultLookup().find("ioctl").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), Linker.Option.firstVariadicArg(2));
        int result = (int) ioctl.invokeExact(Integer.parseInt(args[0]), NS_GET_NSTYPE, 0L);
        System.out.println(result);
    }
}
