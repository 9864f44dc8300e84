/*
 * The kernel's rules for joining namespaces from a multithreaded process (docs/design.md,
 * "Starting a process in any namespace: the launcher"), re-checked on the running kernel.
 * A probe, never part of the library: bench/probes/enter-rules builds and runs it.
 *
 *   enter_rules PID
 *
 * PID is a process in new user, time, mnt, pid, net, uts, ipc and cgroup namespaces (the
 * runner makes one with unshare, owned by the caller). The probe makes itself multithreaded
 * (one extra pthread), opens PID's eight namespace files, and joins them in nsenter's two
 * passes (every type but user; then user and whatever failed before) in three places:
 *   thread  a second thread of this multithreaded process (the first stays home)
 *   vfork   a child of clone(CLONE_VM | CLONE_VFORK) on a stack of its own
 *   fork    a child of fork(); after the pid namespace, one more fork, whose NSpid is read
 * and prints one line per place: "place type=RESULT ..." with RESULT "ok" or the errno's name,
 * each type's result from the pass that decided it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

#define NTYPES 8
static const char *names[NTYPES] = {"user", "cgroup", "ipc", "uts", "net", "pid", "mnt", "time"};
static const int flags[NTYPES] = {CLONE_NEWUSER, CLONE_NEWCGROUP, CLONE_NEWIPC, CLONE_NEWUTS,
                                  CLONE_NEWNET, CLONE_NEWPID, CLONE_NEWNS, CLONE_NEWTIME};
static int fds[NTYPES];

/* Results live in shared memory: the vfork child shares it anyway, the fork child writes it. */
struct results {
    int err[NTYPES];     /* 0 or the errno of the deciding pass */
    int nspid_levels;    /* NSpid fields of the grandchild (fork only), 0 if not read */
};

static void two_passes(struct results *r) {
    for (int i = 0; i < NTYPES; i++) {
        r->err[i] = -1; /* not tried yet */
    }
    for (int i = 1; i < NTYPES; i++) { /* pass 1: all but user */
        r->err[i] = setns(fds[i], flags[i]) == 0 ? 0 : errno;
    }
    r->err[0] = setns(fds[0], flags[0]) == 0 ? 0 : errno; /* pass 2: user ... */
    for (int i = 1; i < NTYPES; i++) { /* ... and what failed before */
        if (r->err[i] != 0) {
            r->err[i] = setns(fds[i], flags[i]) == 0 ? 0 : errno;
        }
    }
}

static int nspid_levels(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    int levels = 0;
    while (f && fgets(line, sizeof line, f)) {
        if (strncmp(line, "NSpid:", 6) == 0) {
            for (char *tok = strtok(line + 6, " \t\n"); tok; tok = strtok(NULL, " \t\n")) {
                levels++;
            }
        }
    }
    if (f) {
        fclose(f);
    }
    return levels;
}

static void print(const char *place, const struct results *r) {
    printf("%s", place);
    for (int i = 0; i < NTYPES; i++) {
        printf(" %s=%s", names[i], r->err[i] == 0 ? "ok" : strerrorname_np(r->err[i]));
    }
    if (r->nspid_levels) {
        printf(" grandchild_nspid_levels=%d", r->nspid_levels);
    }
    printf("\n");
}

static void *in_thread(void *arg) {
    two_passes(arg);
    return NULL;
}

static int vfork_child(void *arg) {
    two_passes(arg);
    _exit(0);
}

static void *sleeper(void *arg) {
    (void) arg;
    pause();
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: enter_rules PID\n");
        return 2;
    }
    for (int i = 0; i < NTYPES; i++) {
        char path[64];
        snprintf(path, sizeof path, "/proc/%s/ns/%s", argv[1], names[i]);
        fds[i] = open(path, O_RDONLY | O_CLOEXEC);
        if (fds[i] < 0) {
            fprintf(stderr, "enter_rules: open %s: %s\n", path, strerror(errno));
            return 1;
        }
    }
    pthread_t extra;
    if (pthread_create(&extra, NULL, sleeper, NULL) != 0) {
        return 1;
    }
    struct results *r = mmap(NULL, sizeof *r, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (r == MAP_FAILED) {
        return 1;
    }

    pthread_t t;
    memset(r, 0, sizeof *r);
    pthread_create(&t, NULL, in_thread, r);
    pthread_join(t, NULL);
    print("thread", r);

    static char stack[256 * 1024] __attribute__((aligned(16)));
    memset(r, 0, sizeof *r);
    pid_t child = clone(vfork_child, stack + sizeof stack, CLONE_VM | CLONE_VFORK | SIGCHLD, r);
    if (child < 0 || waitpid(child, NULL, 0) != child) {
        return 1;
    }
    print("vfork", r);

    memset(r, 0, sizeof *r);
    child = fork();
    if (child == 0) {
        two_passes(r);
        pid_t grandchild = fork();
        if (grandchild == 0) {
            r->nspid_levels = nspid_levels();
            _exit(0);
        }
        waitpid(grandchild, NULL, 0);
        _exit(0);
    }
    if (child < 0 || waitpid(child, NULL, 0) != child) {
        return 1;
    }
    print("fork", r);
    return 0;
}
