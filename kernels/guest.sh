#!/bin/sh
# Pid 1 of a kernel-matrix guest (after kernels/init): mounts what a Linux system has, runs
# the kernel suite in one JVM with JUnit's console launcher, and sends the results back: on
# x86-64 on the second serial port (/dev/ttyS1) as a base64 tar between markers, elsewhere
# into the writable share GUEST_RESULTS_DIR. Then powers off.
# $1: the settings file kernels/run wrote (GUEST_* variables).
set -u
. "$1"
# HOME is a writable directory of the guest's own: not /root, which is the host's (read-only)
# and may hold the checkout (a tmpfs over it would hide the checkout).
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/var/tmp/home LANG=C.UTF-8
export NSFS4J_REQUIRE_NAMESPACES=1

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts -o ptmxmode=0666 devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null || true
mount -t tmpfs tmpfs /var/tmp
mkdir -p "$HOME"
# /tmp is the host's, read-only (a checkout may live there): temporary files go to /var/tmp.
export TMPDIR=/var/tmp
exec < /dev/null > "${GUEST_CONSOLE:-/dev/ttyS0}" 2>&1

poweroff_now() {
    sync
    # sysrq 'o' powers off without any init system; -no-reboot ends qemu if it does not.
    echo o > /proc/sysrq-trigger
    sleep 30
    exit 1
}

results=/run/results
mkdir -p "$results/junit"
uname -r > "$results/kernel"
echo "nsfs4j-guest: kernel $(uname -r), up $(cut -d' ' -f1 /proc/uptime)s, suite: $GUEST_SELECT"

cd "$GUEST_ROOT" || { echo "nsfs4j-guest: no $GUEST_ROOT"; poweroff_now; }
# shellcheck disable=SC2086 # GUEST_SELECT is a list of launcher options
"$GUEST_JAVA" --enable-native-access=ALL-UNNAMED -XX:ErrorFile="$results/hs_err_pid%p.log" -XX:+UseSerialGC \
    -Dnsfs4j.kernel.cells="$results/cells.tsv" -Djava.io.tmpdir=/var/tmp -XX:-UsePerfData \
    -jar "$GUEST_LAUNCHER" execute --disable-banner --disable-ansi-colors --details=tree \
    --class-path "$GUEST_CLASSPATH" $GUEST_SELECT --reports-dir "$results/junit" \
    > "$results/launcher.log" 2>&1 &
jvm=$!
tail -f "$results/launcher.log" &
tailer=$!
wait "$jvm"
echo $? > "$results/jvm.exit"
sleep 1
kill -9 "$tailer" 2>/dev/null
echo "nsfs4j-guest: launcher exit $(cat "$results/jvm.exit"), up $(cut -d' ' -f1 /proc/uptime)s"

if [ -n "${GUEST_RESULTS_DIR:-}" ]; then
    cp -R "$results" "$GUEST_RESULTS_DIR/" || echo "nsfs4j-guest: cannot copy the results to $GUEST_RESULTS_DIR"
else
    {
        echo "==NSFS4J-RESULTS-BEGIN=="
        (cd /run && tar cf - results | gzip -c | base64)
        echo "==NSFS4J-RESULTS-END=="
    } > /dev/ttyS1
fi
poweroff_now
