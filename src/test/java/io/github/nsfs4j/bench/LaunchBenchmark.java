package io.github.nsfs4j.bench;

import io.github.nsfs4j.NamespaceSet;
import io.github.nsfs4j.Pidfd;
import io.github.nsfs4j.kernel.NamespaceType;

import java.io.File;
import java.io.IOException;
import java.util.EnumSet;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Issue 18: starting a process in namespaces a thread of the JVM cannot join, through nsfs4j's
 * launcher, against the posix_spawn path and the JDK's own start; {@code bench/run --launch}
 * times {@code nsenter -t PID -U -n -m true} in the same run. The container is a process made
 * by bench/run with {@code unshare --user --map-root-user --net --mount --time --fork} (its pid
 * in the system property {@value #PROPERTY}).
 *
 * <ul>
 * <li>{@code start_userNetMnt}: {@code true} started in the container's user, net and mount
 *     namespaces (the launcher: one more exec than posix_spawn alone), and waited for;
 *     {@code start_userNetMntTime} with its time namespace too;
 * <li>{@code start_net}: today's path, net alone (setns on an nsfs4j thread, posix_spawn, back);
 * <li>{@code jdk_true}: the JDK's {@code ProcessBuilder}, no namespace, with the launch mechanism
 *     of {@code mechanism}: {@code POSIX_SPAWN} (a clone that shares the JVM's memory until the
 *     exec, as the launcher's start) or {@code FORK} (a copy of the JVM's page tables, what entering
 *     a time namespace would cost a routine run in a forked JVM child). bench/run runs this class
 *     with a 4 GiB heap touched ({@code -Xms4g -Xmx4g -XX:+AlwaysPreTouch}).
 * </ul>
 * The mechanism is set before the first process of each JMH fork starts: the JDK reads it once.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 10, time = 1)
public class LaunchBenchmark {
    /** System property with the container's pid. */
    public static final String PROPERTY = "nsfs4j.bench.launch.pid";

    /** For JMH. */
    public LaunchBenchmark() {}

    /** The JDK's launch mechanism in this fork. */
    @Param({"POSIX_SPAWN", "FORK"})
    public String mechanism;

    private NamespaceSet net;
    private NamespaceSet userNetMnt;
    private NamespaceSet userNetMntTime;
    private ProcessBuilder trueCommand;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        System.setProperty("jdk.lang.Process.launchMechanism", mechanism); // before the JDK's first start
        String pid = System.getProperty(PROPERTY);
        if (pid == null) {
            throw new IllegalStateException("system property " + PROPERTY + " is not set: run through bench/run");
        }
        try (Pidfd target = Pidfd.open(Integer.parseInt(pid))) {
            net = NamespaceSet.of(target, NamespaceType.NET);
            userNetMnt = NamespaceSet.of(target, EnumSet.of(NamespaceType.USER, NamespaceType.NET, NamespaceType.MNT));
            userNetMntTime = NamespaceSet.of(target, EnumSet.of(NamespaceType.USER, NamespaceType.NET,
                    NamespaceType.MNT, NamespaceType.TIME));
        }
        if (userNetMntTime.types().size() != 4) {
            throw new IllegalStateException("the container shares namespaces with the JVM: " + userNetMntTime);
        }
        trueCommand = new ProcessBuilder("true").redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
        if (start_userNetMntTime() != 0 || jdk_true() != 0) {
            throw new IllegalStateException("true failed");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        net.close();
        userNetMnt.close();
        userNetMntTime.close();
    }

    @Benchmark
    public int start_userNetMnt() throws IOException, InterruptedException {
        return userNetMnt.start(trueCommand).waitFor();
    }

    @Benchmark
    public int start_userNetMntTime() throws IOException, InterruptedException {
        return userNetMntTime.start(trueCommand).waitFor();
    }

    @Benchmark
    public int start_net() throws IOException, InterruptedException {
        return net.start(trueCommand).waitFor();
    }

    @Benchmark
    public int jdk_true() throws IOException, InterruptedException {
        return trueCommand.start().waitFor();
    }
}
