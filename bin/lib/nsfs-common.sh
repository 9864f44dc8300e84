# nsfs-common.sh: what bin/nsfs and bin/nsfs-jshell share. Sourced, not run.
#
# The sourcing script sets, before sourcing:
#   nsfs_prog  its name, the prefix of every message ("nsfs", "nsfs-jshell")
#   root       the checkout (the parent of bin/), symlinks followed
# and then calls find_java (sets $java, $java_home, $java_version), jar_ready (sets $jar),
# aot_ready (sets $aot_opts) and, before it execs, unlock_target.
#
# find_java: a JDK 22 or newer: $JAVA_HOME if it is one, else `java` on PATH if it is one,
# else the newest one in /usr/lib/jvm, /usr/java, /opt/java, ~/.sdkman/candidates/java or
# ~/.jdks.
# build: mvn -B -q -Dmaven.test.skip=true package (main code only), with JAVA_HOME set to
# that JDK, so Maven and the compiler run on it; one build at a time per checkout (flock).
# One line on stderr says that it builds (every time it does, whatever stderr is: a build
# takes up to a minute); Maven's output goes to target/nsfs-build.log, never to stdout;
# its tail is shown on stderr if the build fails.
# jar_ready: NSFS_JAR, or the checkout's jar, built when needed. Where it cannot be built
# (target/ not writable by this user, no javac, no Maven), a stale jar runs with a one-line
# warning on stderr, and no jar at all is one line and exit 2.
# aot_ready: on JDK 25+, a JDK AOT cache beside the checkout's jar, made by one training
# run (-XX:AOTCacheOutput) whenever it is missing or does not match the jar, the JDK and
# the launch options; a cache that cannot be made or does not match is left out, never an
# error; one line on stderr says that it is made (a few seconds). bin/nsfs:
# nsfs4j-VERSION.aot (training io.github.nsfs4j.cli.AotTraining); bin/nsfs-jshell:
# nsfs4j-VERSION-jshell.aot, for jshell's own JVM (a training session,
# bin/lib/nsfs-jshell-training.jsh).
#
# Start-up counts here: a command runs in about 3x the time of `java -version`, so this
# file forks as little as it can (bash tests and builtins, no $(...) on the way to java).

die() {
    printf '%s: %s\n' "${nsfs_prog:-nsfs}" "$*" >&2
    exit 2
}

# One line on stderr, prefixed like die's messages, whatever stderr is: closed (2>&-) or
# full, the line is lost and the command goes on (under set -e a failed printf would end
# the script with status 1 and no word).
tell() {
    printf '%s: %s\n' "${nsfs_prog:-nsfs}" "$*" >&2 2>/dev/null || true
}

# One line on stderr: a warning.
warn() {
    tell "warning: $*"
}

min_feature=22
# The first JDK whose AOT cache bin/nsfs makes (-XX:AOTCacheOutput: JDK 25, JEP 514).
aot_min_feature=25

# Sets $feature to the feature version (8, 17, 25, ...) of the java binary $1 in the JDK
# home $2 (from $2/release, read by the shell), or to "".
java_feature() {
    local bin=$1 home=$2 line v=""
    feature=""
    [[ -n $bin && -x $bin && ! -d $bin ]] || return 0
    if [[ -r $home/release ]]; then
        while IFS= read -r line || [[ -n $line ]]; do
            if [[ $line == JAVA_VERSION=* ]]; then
                v=${line#JAVA_VERSION=}
                v=${v//\"/}
                break
            fi
        done <"$home/release"
    fi
    if [[ -z $v ]]; then
        v=$("$bin" -XshowSettings:properties -version 2>&1 \
            | sed -n 's/^ *java\.specification\.version = *//p' || true)
    fi
    v=${v#1.}          # 1.8 -> 8
    v=${v%%[!0-9]*}    # 25.0.3 -> 25, 22-ea -> 22
    feature=$v
}

# Whether the JDK home $1 (java binary $1/bin/java, or $2) is 22+: sets $java, $java_home
# and $java_version when it is.
try_jdk() {
    local home=$1 bin=${2:-$1/bin/java}
    java_feature "$bin" "$home"
    [[ -n $feature ]] && (( feature >= min_feature )) || return 1
    java=$bin
    java_home=$home
    java_version=$feature
}

# Sets $java, $java_home and $java_version (the feature version) to a JDK 22+, or fails.
find_java() {
    local candidate="" dir best="" best_feature=0 path_dirs
    if [[ -n ${JAVA_HOME:-} ]] && try_jdk "${JAVA_HOME%/}"; then
        return 0
    fi
    IFS=: read -r -a path_dirs <<<"${PATH:-}"
    for dir in "${path_dirs[@]}"; do
        if [[ -n $dir && -x $dir/java && ! -d $dir/java ]]; then
            candidate=$dir/java
            break
        fi
    done
    local jdk_dirs=(/usr/lib/jvm/* /usr/java/* /opt/java/* "${HOME:-/nonexistent}"/.sdkman/candidates/java/*
                    "${HOME:-/nonexistent}"/.jdks/*)
    if [[ -n $candidate ]]; then
        # /usr/bin/java is a chain of links: its JDK is where the chain ends. Found without a
        # process when it ends in a JDK this function knows (-ef: the same file), else by readlink.
        local real="" known
        for known in "${jdk_dirs[@]}"; do
            # A link to a JDK (java-1.17.0-openjdk-amd64 -> java-17-openjdk-amd64): its target names it.
            if [[ ! -L $known && $candidate -ef $known/bin/java ]]; then
                real=$known/bin/java
                break
            fi
        done
        [[ -n $real ]] || real=$(readlink -f -- "$candidate" 2>/dev/null) || real=$candidate
        try_jdk "${real%/bin/java}" "$candidate" && return 0
    fi
    for dir in "${jdk_dirs[@]}"; do
        [[ -x $dir/bin/java ]] || continue
        java_feature "$dir/bin/java" "$dir"
        if [[ -n $feature ]] && (( feature >= min_feature && feature > best_feature )); then
            best=$dir
            best_feature=$feature
        fi
    done
    if [[ -n $best ]]; then
        try_jdk "$best"
        return 0
    fi
    die "no JDK $min_feature or newer found (looked at JAVA_HOME, java on PATH, /usr/lib/jvm, /usr/java," \
        "/opt/java, ~/.sdkman/candidates/java, ~/.jdks); install one, or set JAVA_HOME to it"
}

# Sets $jar to the newest nsfs4j jar in target/ (not sources/javadoc/tests jars), or "".
find_jar() {
    local f
    jar=""
    for f in "$root"/target/nsfs4j-*.jar; do
        [[ -f $f ]] || continue
        case $f in *-sources.jar | *-javadoc.jar | *-tests.jar | *-test-sources.jar) continue ;; esac
        if [[ -z $jar || $f -nt $jar ]]; then
            jar=$f
        fi
    done
}

# Whether pom.xml, src/main or anything under it is newer than the file $1 (a walk by
# the shell: no find process on every run).
sources_newer_than() {
    local f opt saved=:$BASHOPTS: newer=1
    shopt -s globstar nullglob dotglob
    for f in "$root/pom.xml" "$root/src/main" "$root"/src/main/**; do
        if [[ $f -nt $1 ]]; then
            newer=0
            break
        fi
    done
    for opt in globstar nullglob dotglob; do
        [[ $saved == *:$opt:* ]] || shopt -u "$opt"
    done
    return "$newer"
}

# Whether the jar is missing, lacks its lib/ dependencies, or is older than the sources.
needs_build() {
    find_jar
    [[ -n $jar ]] || return 0
    compgen -G "$root/target/lib/*.jar" >/dev/null || return 0
    sources_newer_than "$jar"
}

# The Maven to build with: the checkout's wrapper, else mvn on PATH; sets $mvn, or "".
find_maven() {
    mvn=""
    if [[ -x $root/mvnw ]]; then
        mvn=$root/mvnw
    else
        mvn=$(command -v mvn 2>/dev/null) || mvn=""
    fi
}

# Who runs this, for messages: "name (uid N)".
whoami_line() {
    local name
    name=$(id -un 2>/dev/null) || name=""
    printf '%s(uid %s)' "${name:+$name }" "$EUID"
}

# Whether this user may create files in target/ (or, to make it, in the checkout).
target_writable() {
    local dir=$root/target
    [[ -d $dir ]] || dir=$root
    [[ -w $dir && -x $dir ]]
}

# Prints why the jar cannot be built here, or nothing when it can: target/ (or, to make it,
# the checkout) not writable by this user (a root-owned checkout run by another user, a
# read-only mount), no javac in the JDK found, no Maven.
build_blocker() {
    local dir=$root/target
    [[ -d $dir ]] || dir=$root
    if ! target_writable; then
        printf '%s is not writable by %s' "$dir" "$(whoami_line)"
    elif [[ ! -x $java_home/bin/javac ]]; then
        printf '%s has no javac (it is a JRE); set JAVA_HOME to a JDK %s+' "$java_home" "$min_feature"
    else
        find_maven
        [[ -n $mvn ]] || printf 'Maven (mvn) is not installed; install Maven 3.8+ (e.g. apt-get install maven)'
    fi
}

# Takes the checkout's build lock (target/.nsfs-build.lock) when flock exists and the lock
# file can be opened; returns 1 when there is no lock to hold.
lock_target() {
    command -v flock >/dev/null 2>&1 || return 1
    if [[ -z ${lock_fd:-} ]]; then
        { exec {lock_fd}>"$root/target/.nsfs-build.lock"; } 2>/dev/null || { lock_fd=""; return 1; }
    fi
    flock -w 900 "$lock_fd" || true
}

# Lets go of the build lock, if this run took it: the fd would otherwise pass to the
# program the script execs (bash does not close it), and an interactive jshell would hold
# the lock, and stall every build of the checkout, for as long as it runs.
unlock_target() {
    if [[ -n ${lock_fd:-} ]]; then
        exec {lock_fd}>&-
        lock_fd=""
    fi
}

build() {
    local log status stamp
    find_maven
    mkdir -p "$root/target" 2>/dev/null || die "cannot create $root/target (as $(whoami_line))"
    # One build at a time per checkout: a second one waits, then finds the jar fresh.
    if lock_target; then
        needs_build || return 0
    fi
    log=$root/target/nsfs-build.log
    # Said on every build, whatever stderr is (a log file, a pipe): it takes up to a minute.
    tell "building the jar with Maven (first use, or the sources changed; up to a minute); log: $log"
    stamp=$root/target/.nsfs-build.stamp
    { : >"$stamp"; } 2>/dev/null || die "cannot write in $root/target (as $(whoami_line))"
    status=0
    (cd "$root" && JAVA_HOME=$java_home "$mvn" -B -q -Dstyle.color=never -Dmaven.test.skip=true package) >"$log" 2>&1 </dev/null || status=$?
    if (( status != 0 )); then
        grep -v -e 'sun\.misc\.Unsafe' -e 'Please consider reporting' "$log" \
            | sed 's/\x1b\[[0-9;]*m//g' | tail -n 30 >&2 || true
        die "building the jar failed (mvn exit $status); full log: $log; try: cd $root && mvn -B -DskipTests package"
    fi
    find_jar
    [[ -n $jar ]] || die "Maven succeeded but left no target/nsfs4j-*.jar; see $log"
    # Maven may leave an up-to-date jar untouched: date it to the start of this build, so
    # that only sources changed since then make the next run build again.
    if [[ ! $jar -nt $stamp ]]; then
        touch -r "$stamp" "$jar"
    fi
}

# Sets $jar: $NSFS_JAR if set (no build), else the checkout's jar, built when needed.
jar_ready() {
    aot_jar=1
    if [[ -n ${NSFS_JAR:-} ]]; then
        [[ -f $NSFS_JAR ]] || die "NSFS_JAR=$NSFS_JAR is not a file"
        jar=$NSFS_JAR
        aot_jar=0   # not ours to keep a cache beside
    elif needs_build; then
        local blocker
        blocker=$(build_blocker)
        if [[ -z $blocker ]]; then
            build
        elif [[ -n $jar ]] && compgen -G "$root/target/lib/*.jar" >/dev/null; then
            # A stale jar still answers; say so, once, on stderr (stdout stays clean for --json).
            warn "the sources are newer than $jar, which cannot be rebuilt here ($blocker); running it as it is"
            aot_jar=0   # a cache trained on sources that are gone would only mislead
        else
            die "the jar must be built first, but $blocker; build it once where that works" \
                "(cd $root && mvn -B -DskipTests package, as the checkout's owner), or set NSFS_JAR to a built nsfs4j jar"
        fi
    fi
}

# ------------------------------------------------------------------ start-up

# The launch options of a short command (bin/nsfs only; the library itself is untouched):
# measured in bench/run's start-up table (docs/performance.md): C1 alone (a command is over
# before C2 would pay off), the serial collector (no GC threads to start for a heap of a
# few MB), no hsperfdata file. JVM warnings go to stderr, never into --json output.
nsfs_launch_opts=(-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData
    -Xlog:all=off:stdout -Xlog:all=warning:stderr --enable-native-access=ALL-UNNAMED)
nsfs_main=io.github.nsfs4j.cli.Main
nsfs_training_main=io.github.nsfs4j.cli.AotTraining

# bin/nsfs's training run: every subcommand once (AotTraining), with the launch options.
nsfs_aot_train() {
    "${aot_limit[@]}" "$java" "${nsfs_launch_opts[@]}" -XX:AOTCacheOutput="$1" -cp "$jar" "$nsfs_training_main"
}

# What a cache must have been made with to be used: the JDK, the jar and the options
# ($aot_key_opts, set by aot_ready's caller). Sets $aot_key (printf -v: no subshell).
set_aot_key() {
    printf -v aot_key 'ok %s %s %s' "$java_home" "$jar" "${aot_key_opts[*]}"
}

# The first line of the key file beside the cache, or "".
read_aot_key() {
    aot_key_found=""
    [[ -f $aot_cache.key ]] || return 0
    { IFS= read -r aot_key_found <"$aot_cache.key"; } 2>/dev/null || true
}

# Whether $aot_cache is usable: newer than the jar, the JDK not updated since, and its key
# file naming this JDK, jar and launch options. Only shell tests and read: no process.
aot_valid() {
    [[ -f $aot_cache && $aot_cache -nt $jar && ! $java_home/lib/modules -nt $aot_cache ]] || return 1
    read_aot_key
    [[ $aot_key_found == "$aot_key" ]]
}

# Whether a cache was tried for this jar, JDK and options and could not be made: then no
# run tries again until one of them changes.
aot_failed_before() {
    [[ -f $aot_cache.key && $aot_cache.key -nt $jar ]] || return 1
    read_aot_key
    [[ $aot_key_found == "failed $aot_key" ]]
}

# Makes $aot_cache with one training run ($aot_train OUTPUT, its output to $aot_log, under
# a time limit: $aot_limit); on failure leaves a key file that says so. Never fails.
aot_make() {
    local tmp=$aot_cache.tmp.$$ status=0
    lock_target || true
    # Another run may have made it while this one waited for the lock.
    aot_valid && return 0
    tell "making the JDK AOT cache for a faster start (a few seconds, once per jar and JDK); log: $aot_log"
    aot_limit=()
    command -v timeout >/dev/null 2>&1 && aot_limit=(timeout 300)
    "$aot_train" "$tmp" >"$aot_log" 2>&1 </dev/null || status=$?
    if (( status == 0 )) && [[ -s $tmp ]] && mv -f -- "$tmp" "$aot_cache" 2>/dev/null; then
        printf '%s\n' "$aot_key" >"$aot_cache.key.tmp.$$" 2>/dev/null \
            && mv -f -- "$aot_cache.key.tmp.$$" "$aot_cache.key" 2>/dev/null
    else
        rm -f -- "$tmp" "$aot_cache" 2>/dev/null
        printf 'failed %s\n(training run exit %s; see %s)\n' "$aot_key" "$status" "$aot_log" \
            >"$aot_cache.key.tmp.$$" 2>/dev/null && mv -f -- "$aot_cache.key.tmp.$$" "$aot_cache.key" 2>/dev/null
    fi
    rm -f -- "$tmp.config" "$aot_cache.key.tmp.$$" 2>/dev/null
    return 0
}

# aot_ready NAME TRAIN [PREFIX]: sets $aot_opts to the options that use the AOT cache
# target/nsfs4j-VERSION{NAME}.aot, made first by the function TRAIN (called with the file
# to write, as TRAIN FILE) when it is missing or stale and target/ is writable; () where
# there is none to use. The caller sets aot_key_opts to the JVM options the cache is made
# and used with (they are part of its key); PREFIX goes before each option of $aot_opts
# (-J for the jshell launcher). The training run's output: target/nsfs{NAME}-aot.log.
aot_ready() {
    aot_opts=()
    (( aot_jar && java_version >= aot_min_feature )) || return 0
    [[ ${NSFS_AOT:-1} != 0 ]] || return 0
    aot_cache=${jar%.jar}$1.aot
    aot_train=$2
    aot_log=$root/target/nsfs$1-aot.log
    set_aot_key
    if ! aot_valid; then
        target_writable && ! aot_failed_before || return 0
        aot_make
        aot_valid || return 0
    fi
    # A cache the JVM refuses after all (it checks the JDK and the class path itself) only
    # costs its speed: its messages stay out of the command's output.
    aot_opts=("${3:-}-XX:AOTCache=$aot_cache" "${3:-}-Xlog:aot*=off:stderr")
}
