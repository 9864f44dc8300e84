/*
 * The physical limit: the nsfs ioctls in a tight C loop on one open fd, and the same over
 * every namespace of a targets file.
 *
 *   ioctl_loop one PID ITERATIONS ROUNDS WARMUP_ROUNDS
 *       On /proc/PID/ns/pid (PID: the host pid of a pid namespace's init): for each of
 *       NS_GET_NSTYPE, NS_GET_ID, NS_GET_{PID,TGID}_FROM_PIDNS(1) and NS_GET_{PID,TGID}_IN_PIDNS(PID),
 *       ROUNDS rounds of ITERATIONS calls after WARMUP_ROUNDS unmeasured ones; a sample is
 *       the mean time of one call in one round. Then open + NS_GET_PID_FROM_PIDNS + close.
 *       Then the int-returning requests again ("c2." rows) with a second thread alive in the
 *       process, blocked in read(2): a JVM always has several threads, and the kernel takes
 *       the fast path of fdget() (no reference count on the file) only while the fd table
 *       is not shared (files->count == 1), so this is the limit for any Java program.
 *       For the int-returning requests also the thread CPU time of a call ("c.cpu." and
 *       "c2.cpu." rows), which a loaded machine disturbs far less than the wall time.
 *   ioctl_loop all TARGETS_FILE ROUNDS
 *       Per round: the init pid of every listed namespace, on fds opened beforehand; and
 *       open + ioctl + close for each. A sample is the time of one round (all N).
 *
 * Every answer is checked against the expected one; a wrong answer exits 1.
 */
#include "common.h"

#include <pthread.h>

static volatile long sink;

/* The thread CPU time of one call in the last loop(): unlike the wall time, it leaves out
 * the time spent waiting for a core on a loaded machine. */
static double last_cpu;

static uint64_t cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double loop(int fd, unsigned long request, unsigned long arg, long expect, long iterations)
{
	long acc = 0;
	uint64_t c0 = cpu_ns();
	uint64_t t0 = now_ns();
	for (long i = 0; i < iterations; i++)
		acc += ioctl(fd, request, arg);
	uint64_t t1 = now_ns();
	last_cpu = (double)(cpu_ns() - c0) / (double)iterations;
	if (acc != expect * iterations)
		fail("%s: ioctl gave %ld, expected %ld per call", "ioctl_loop", acc / iterations, expect);
	sink = acc;
	return (double)(t1 - t0) / (double)iterations;
}

static double loop_id(int fd, long iterations)
{
	uint64_t id = 0, acc = 0;
	uint64_t t0 = now_ns();
	for (long i = 0; i < iterations; i++) {
		if (ioctl(fd, B_NS_GET_ID, &id) != 0)
			die("ioctl(NS_GET_ID)");
		acc += id;
	}
	uint64_t t1 = now_ns();
	sink = (long)acc;
	return (double)(t1 - t0) / (double)iterations;
}

static double loop_open(int pid, long iterations)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/ns/pid", pid);
	uint64_t t0 = now_ns();
	for (long i = 0; i < iterations; i++) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			die(path);
		int r = ioctl(fd, B_NS_GET_PID_FROM_PIDNS, 1UL);
		close(fd);
		if (r != pid)
			fail("%s: open+ioctl+close gave %ld, expected %ld", "ioctl_loop", r, pid);
	}
	return (double)(now_ns() - t0) / (double)iterations;
}

/* Blocks until the write end of its pipe is closed: alive, and sharing the fd table. */
static void *idle_thread(void *read_fd)
{
	char byte;
	while (read(*(int *)read_fd, &byte, 1) > 0)
		;
	return NULL;
}

static int one(int pid, long iterations, int rounds, int warmup)
{
	int fd = open_pidns(pid);
	if (rounds < 1)
		rounds = 1;
	double *s = malloc(sizeof(double) * rounds);
	struct {
		const char *name;
		unsigned long request;
		unsigned long arg;
		long expect;
	} cases[] = {
		{"c.NS_GET_NSTYPE", B_NS_GET_NSTYPE, 0, B_CLONE_NEWPID},
		{"c.NS_GET_ID", B_NS_GET_ID, 0, 0},
		{"c.NS_GET_PID_FROM_PIDNS", B_NS_GET_PID_FROM_PIDNS, 1, pid},
		{"c.NS_GET_PID_IN_PIDNS", B_NS_GET_PID_IN_PIDNS, (unsigned long)pid, 1},
		{"c.NS_GET_TGID_FROM_PIDNS", B_NS_GET_TGID_FROM_PIDNS, 1, pid},
		{"c.NS_GET_TGID_IN_PIDNS", B_NS_GET_TGID_IN_PIDNS, (unsigned long)pid, 1},
	};
	double *cpu = malloc(sizeof(double) * rounds);
	char name[64];
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		for (int r = -warmup; r < rounds; r++) {
			double t = cases[c].request == B_NS_GET_ID
					   ? loop_id(fd, iterations)
					   : loop(fd, cases[c].request, cases[c].arg, cases[c].expect, iterations);
			if (r >= 0) {
				s[r] = t;
				cpu[r] = last_cpu;
			}
		}
		emit(cases[c].name, 1, s, rounds);
		if (cases[c].request != B_NS_GET_ID) {
			snprintf(name, sizeof name, "c.cpu.%s", cases[c].name + 2);
			emit(name, 1, cpu, rounds);
		}
	}
	close(fd);
	long open_iterations = iterations / 4 > 0 ? iterations / 4 : 1;
	for (int r = -warmup; r < rounds; r++) {
		double t = loop_open(pid, open_iterations);
		if (r >= 0)
			s[r] = t;
	}
	emit("c.open_ioctl_close", 1, s, rounds);

	/* The same loops in a process whose fd table is shared by a second thread. */
	int pipe_fds[2];
	pthread_t idle;
	if (pipe(pipe_fds) != 0)
		die("pipe");
	if (pthread_create(&idle, NULL, idle_thread, &pipe_fds[0]) != 0)
		die("pthread_create");
	fd = open_pidns(pid);
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		if (cases[c].request == B_NS_GET_ID)
			continue;
		for (int r = -warmup; r < rounds; r++) {
			double t = loop(fd, cases[c].request, cases[c].arg, cases[c].expect, iterations);
			if (r >= 0) {
				s[r] = t;
				cpu[r] = last_cpu;
			}
		}
		snprintf(name, sizeof name, "c2.%s", cases[c].name + 2);
		emit(name, 1, s, rounds);
		snprintf(name, sizeof name, "c2.cpu.%s", cases[c].name + 2);
		emit(name, 1, cpu, rounds);
	}
	close(fd);
	close(pipe_fds[1]); /* the thread's read returns 0: it ends */
	pthread_join(idle, NULL);
	close(pipe_fds[0]);
	free(cpu);
	free(s);
	return 0;
}

static int all(const char *file, int rounds)
{
	int *pids;
	int n = read_targets(file, &pids);
	int *fds = malloc(sizeof(int) * n);
	if (rounds < 1)
		rounds = 1;
	double *s = malloc(sizeof(double) * rounds);
	for (int i = 0; i < n; i++)
		fds[i] = open_pidns(pids[i]);
	for (int r = -1; r < rounds; r++) {
		uint64_t t0 = now_ns();
		for (int i = 0; i < n; i++) {
			int got = ioctl(fds[i], B_NS_GET_PID_FROM_PIDNS, 1UL);
			if (got != pids[i])
				fail("%s: init pid %ld, expected %ld", "ioctl_loop all", got, pids[i]);
		}
		if (r >= 0)
			s[r] = (double)(now_ns() - t0);
	}
	emit("c.scale.ioctl_open_handles", n, s, rounds);
	for (int i = 0; i < n; i++)
		close(fds[i]);
	for (int r = -1; r < rounds; r++) {
		uint64_t t0 = now_ns();
		for (int i = 0; i < n; i++) {
			int fd = open_pidns(pids[i]);
			int got = ioctl(fd, B_NS_GET_PID_FROM_PIDNS, 1UL);
			close(fd);
			if (got != pids[i])
				fail("%s: init pid %ld, expected %ld", "ioctl_loop all", got, pids[i]);
		}
		if (r >= 0)
			s[r] = (double)(now_ns() - t0);
	}
	emit("c.scale.open_ioctl_close", n, s, rounds);
	free(s);
	free(fds);
	free(pids);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 6 && strcmp(argv[1], "one") == 0)
		return one(atoi(argv[2]), atol(argv[3]), atoi(argv[4]), atoi(argv[5]));
	if (argc == 4 && strcmp(argv[1], "all") == 0)
		return all(argv[2], atoi(argv[3]));
	fprintf(stderr, "usage: %s one PID ITERATIONS ROUNDS WARMUP_ROUNDS | all TARGETS_FILE ROUNDS\n", argv[0]);
	return 2;
}
