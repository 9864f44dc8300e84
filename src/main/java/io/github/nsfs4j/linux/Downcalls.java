package io.github.nsfs4j.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Optional;

/**
 * How nsfs4j reaches the C library: the native-access policy, the one helper that links a
 * function (the only place that makes restricted calls), and the per-thread buffer that
 * errno is captured into. {@link LibC} and {@link PosixSpawn} hold the handles.
 *
 * <p>A function that cannot be linked (a symbol the C library lacks, an unknown
 * architecture, native access refused) gets a handle of the same type that throws the reason
 * on each call, so every other function keeps working.
 */
public final class Downcalls {
    private Downcalls() {}

    private static final MemoryLayout CALL_STATE = Linker.Option.captureStateLayout();
    /** errno's offset in the call state, read as an int (no VarHandle to make at start-up). */
    private static final long ERRNO = CALL_STATE.byteOffset(MemoryLayout.PathElement.groupElement("errno"));

    /** Per-thread errno capture buffer: reused, so a successful call allocates nothing. */
    private static final ThreadLocal<MemorySegment> CALL_STATE_BUFFER =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CALL_STATE));

    /** Whether the module holding this class may make restricted (native) calls. */
    private static final boolean NATIVE_ACCESS = Downcalls.class.getModule().isNativeAccessEnabled();

    /**
     * Throws, naming the flag to add, when native access is not enabled for nsfs4j, or on an
     * architecture whose ABI nsfs4j does not know.
     *
     * @throws IllegalCallerException without native access
     * @throws UnsupportedOperationException on another system or architecture
     */
    public static void requireNativeAccess() {
        Arch.require();
        if (!NATIVE_ACCESS) {
            throw new IllegalCallerException(nativeAccessMissingMessage());
        }
    }

    /** What to do without native access: the flag for java, its jshell form, the manifest entry. */
    public static String nativeAccessMissingMessage() {
        Module module = Downcalls.class.getModule();
        String target = module.isNamed() ? module.getName() : "ALL-UNNAMED";
        return "nsfs4j calls the C library through java.lang.foreign and needs native access: start java with"
                + " --enable-native-access=" + target + " (jshell: -R--enable-native-access=" + target
                + (module.isNamed() ? "" : "; a jar manifest: Enable-Native-Access: ALL-UNNAMED") + ")";
    }

    /** This thread's errno capture buffer, passed as the first argument of every handle. */
    static MemorySegment callState() {
        return CALL_STATE_BUFFER.get();
    }

    /** The errno the last call on this thread captured into {@code state}, negated. */
    static int failed(MemorySegment state) {
        return -state.get(JAVA_INT, ERRNO);
    }

    /**
     * Links one libc function with errno capture, or returns a handle of the same type that
     * throws the reason each time it is called. {@code firstVariadic} is the index of the first
     * variadic parameter, or -1 for a fixed-arity function; {@code availability} says, for a
     * missing symbol, which C libraries have it (null if every one does).
     */
    @SuppressWarnings("restricted") // the one place that links: native access is checked by requireNativeAccess
    static MethodHandle link(String name, FunctionDescriptor descriptor, int firstVariadic, String availability,
            Linker.Option... extra) {
        MethodType type = descriptor.toMethodType().insertParameterTypes(0, MemorySegment.class);
        if (Arch.RUNNING == null) {
            return throwing(type, Arch.unsupported(Arch.OS_ARCH).getMessage(), UnsupportedOperationException.class);
        }
        Linker linker = Linker.nativeLinker();
        Optional<MemorySegment> symbol = linker.defaultLookup().find(name);
        if (symbol.isEmpty()) {
            return throwing(type, "nsfs4j: the C library has no function " + name
                    + (availability == null ? "" : " (" + availability + ")"), UnsatisfiedLinkError.class);
        }
        Linker.Option[] options = new Linker.Option[extra.length + (firstVariadic < 0 ? 1 : 2)];
        options[0] = Linker.Option.captureCallState("errno");
        if (firstVariadic >= 0) {
            options[1] = Linker.Option.firstVariadicArg(firstVariadic);
        }
        System.arraycopy(extra, 0, options, options.length - extra.length, extra.length);
        try {
            return linker.downcallHandle(symbol.get(), descriptor, options);
        } catch (IllegalCallerException e) {
            return throwing(type, nativeAccessMissingMessage(), IllegalCallerException.class);
        }
    }

    /** A handle of {@code type} that throws a new {@code kind} with {@code message} on each call. */
    private static MethodHandle throwing(MethodType type, String message, Class<? extends Throwable> kind) {
        try {
            MethodHandle constructor = MethodHandles.publicLookup()
                    .findConstructor(kind, MethodType.methodType(void.class, String.class)).bindTo(message);
            MethodHandle thrower = MethodHandles.throwException(type.returnType(), kind);
            return MethodHandles.dropArguments(MethodHandles.collectArguments(thrower, 0, constructor), 0,
                    type.parameterList());
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    /** Rethrows what a downcall threw: an error (such as a missing symbol) or unchecked exception as is. */
    static Error linkageFailure(String function, Throwable t) {
        if (t instanceof Error e) {
            throw e;
        }
        if (t instanceof RuntimeException e) {
            throw e;
        }
        return new AssertionError("nsfs4j: unexpected exception from the downcall to " + function, t);
    }
}
