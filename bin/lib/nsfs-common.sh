# nsfs-common.sh: what bin/nsfs and bin/nsfs-jshell share. Sourced, not run.
#
# The sourcing script sets, before sourcing:
#   nsfs_prog  its name, the prefix of every message ("nsfs", "nsfs-jshell")
#   root       the checkout (the parent of bin/), symlinks followed
# and then calls find_java (sets $java), and needs_build / build (set $jar).
#
# find_java: a JDK 22 or newer: $JAVA_HOME if it is one, else `java` on PATH if it is one,
# else the newest one in /usr/lib/jvm, /usr/java, /opt/java, ~/.sdkman/candidates/java or
# ~/.jdks.
# build: mvn -B -q -Dmaven.test.skip=true package (main code only), with JAVA_HOME set to
# that JDK, so Maven and the compiler run on it; one build at a time per checkout (flock).
# Maven's output goes to target/nsfs-build.log, never to stdout; its tail is shown on
# stderr if the build fails.
# jar_ready: NSFS_JAR, or the checkout's jar, built when needed. Where it cannot be built
# (target/ not writable by this user, no javac, no Maven), a stale jar runs with a one-line
# warning on stderr, and no jar at all is one line and exit 2.

die() {
    printf '%s: %s\n' "${nsfs_prog:-nsfs}" "$*" >&2
    exit 2
}

min_feature=22

# The feature version (8, 17, 25, ...) of the java binary $1, or nothing.
java_feature() {
    local java=$1 home v=""
    [[ -n $java && -x $java && ! -d $java ]] || return 0
    home=$(dirname "$(dirname "$(readlink -f "$java")")")
    if [[ -r $home/release ]]; then
        v=$(sed -n 's/^JAVA_VERSION="\([^"]*\)".*/\1/p' "$home/release" 2>/dev/null || true)
    fi
    if [[ -z $v ]]; then
        v=$("$java" -XshowSettings:properties -version 2>&1 \
            | sed -n 's/^ *java\.specification\.version = *//p' || true)
    fi
    v=${v#1.}          # 1.8 -> 8
    v=${v%%[!0-9]*}    # 25.0.3 -> 25, 22-ea -> 22
    [[ -n $v ]] && printf '%s\n' "$v"
    return 0
}

# Sets $java to the java binary of a JDK 22+, or fails.
find_java() {
    local candidate feature best="" best_feature=0 dir
    if [[ -n ${JAVA_HOME:-} ]]; then
        feature=$(java_feature "$JAVA_HOME/bin/java")
        if [[ -n $feature ]] && (( feature >= min_feature )); then
            java=$JAVA_HOME/bin/java
            return 0
        fi
    fi
    candidate=$(command -v java 2>/dev/null || true)
    if [[ -n $candidate ]]; then
        feature=$(java_feature "$candidate")
        if [[ -n $feature ]] && (( feature >= min_feature )); then
            java=$candidate
            return 0
        fi
    fi
    for dir in /usr/lib/jvm/* /usr/java/* /opt/java/* "${HOME:-/nonexistent}"/.sdkman/candidates/java/* \
               "${HOME:-/nonexistent}"/.jdks/*; do
        [[ -x $dir/bin/java ]] || continue
        feature=$(java_feature "$dir/bin/java")
        if [[ -n $feature ]] && (( feature >= min_feature && feature > best_feature )); then
            best=$dir/bin/java
            best_feature=$feature
        fi
    done
    if [[ -n $best ]]; then
        java=$best
        return 0
    fi
    die "no JDK $min_feature or newer found (looked at JAVA_HOME, java on PATH, /usr/lib/jvm, /usr/java," \
        "/opt/java, ~/.sdkman/candidates/java, ~/.jdks); install one, or set JAVA_HOME to it"
}

# The JDK home of $java.
java_home_of_java() {
    dirname "$(dirname "$(readlink -f "$java")")"
}

# Sets $jar to the newest nsfs4j jar in target/ (not sources/javadoc/tests jars), or "".
find_jar() {
    local f newest=""
    jar=""
    for f in "$root"/target/nsfs4j-*.jar; do
        [[ -f $f ]] || continue
        case $f in *-sources.jar | *-javadoc.jar | *-tests.jar | *-test-sources.jar) continue ;; esac
        if [[ -z $newest || $f -nt $newest ]]; then
            newest=$f
        fi
    done
    jar=$newest
}

# Whether the jar is missing, lacks its lib/ dependencies, or is older than the sources.
needs_build() {
    find_jar
    [[ -n $jar ]] || return 0
    compgen -G "$root/target/lib/*.jar" >/dev/null || return 0
    [[ -n $(find "$root/pom.xml" "$root/src/main" -newer "$jar" -print -quit 2>/dev/null) ]]
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

# Prints why the jar cannot be built here, or nothing when it can: target/ (or, to make it,
# the checkout) not writable by this user (a root-owned checkout run by another user, a
# read-only mount), no javac in the JDK found, no Maven.
build_blocker() {
    local dir=$root/target
    [[ -d $dir ]] || dir=$root
    if [[ ! -w $dir || ! -x $dir ]]; then
        printf '%s is not writable by %s' "$dir" "$(whoami_line)"
    elif [[ ! -x $(java_home_of_java)/bin/javac ]]; then
        printf '%s has no javac (it is a JRE); set JAVA_HOME to a JDK %s+' "$(java_home_of_java)" "$min_feature"
    else
        find_maven
        [[ -n $mvn ]] || printf 'Maven (mvn) is not installed; install Maven 3.8+ (e.g. apt-get install maven)'
    fi
}

# Prints one line on stderr: a warning, prefixed like die's messages.
warn() {
    printf '%s: warning: %s\n' "${nsfs_prog:-nsfs}" "$*" >&2
}

build() {
    local java_home log status lock_fd="" stamp
    java_home=$(java_home_of_java)
    find_maven
    mkdir -p "$root/target" 2>/dev/null || die "cannot create $root/target (as $(whoami_line))"
    # One build at a time per checkout: a second one waits, then finds the jar fresh.
    if command -v flock >/dev/null 2>&1; then
        { exec {lock_fd}>"$root/target/.nsfs-build.lock"; } 2>/dev/null || lock_fd=""
        if [[ -n $lock_fd ]]; then
            flock -w 900 "$lock_fd" || true
            needs_build || return 0
        fi
    fi
    log=$root/target/nsfs-build.log
    if [[ -t 2 ]]; then
        printf '%s: building the jar with Maven (first use, or the sources changed); log: %s\n' \
            "${nsfs_prog:-nsfs}" "$log" >&2
    fi
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
    if [[ -n ${NSFS_JAR:-} ]]; then
        [[ -f $NSFS_JAR ]] || die "NSFS_JAR=$NSFS_JAR is not a file"
        jar=$NSFS_JAR
    elif needs_build; then
        local blocker
        blocker=$(build_blocker)
        if [[ -z $blocker ]]; then
            build
        elif [[ -n $jar ]] && compgen -G "$root/target/lib/*.jar" >/dev/null; then
            # A stale jar still answers; say so, once, on stderr (stdout stays clean for --json).
            warn "the sources are newer than $jar, which cannot be rebuilt here ($blocker); running it as it is"
        else
            die "the jar must be built first, but $blocker; build it once where that works" \
                "(cd $root && mvn -B -DskipTests package, as the checkout's owner), or set NSFS_JAR to a built nsfs4j jar"
        fi
    fi
}
