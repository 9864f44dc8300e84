/*
 * Shared helpers of the C baselines of bench/run: a monotonic clock, the nsfs request
 * numbers (defined here, since older kernel headers lack the 6.11+ ones), the targets file,
 * and the one output format the report reads.
 *
 * Output: one tab-separated line per measurement,
 *     method  n  mean_ns  sd_ns  min_ns  samples
 * where a sample is the time of one operation (or the mean over one round of operations),
 * in nanoseconds, and n is the number of pid namespaces the operation covers.
 *
 * These programs are baselines for the benchmarks only, never part of the library.
 */
#ifndef NSFS4J_BENCH_COMMON_H
#define NSFS4J_BENCH_COMMON_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define NSIO 0xb7
#define B_NS_GET_NSTYPE _IO(NSIO, 0x3)
#define B_NS_GET_PID_FROM_PIDNS _IOR(NSIO, 0x6, int)
#define B_NS_GET_TGID_FROM_PIDNS _IOR(NSIO, 0x7, int)
#define B_NS_GET_PID_IN_PIDNS _IOR(NSIO, 0x8, int)
#define B_NS_GET_TGID_IN_PIDNS _IOR(NSIO, 0x9, int)
#define B_NS_GET_ID _IOR(NSIO, 0xd, uint64_t)
#define B_CLONE_NEWPID 0x20000000

static inline uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline void die(const char *what)
{
	fprintf(stderr, "%s: %s\n", what, strerror(errno));
	exit(1);
}

static inline void fail(const char *fmt, const char *a, long b, long c)
{
	fprintf(stderr, fmt, a, b, c);
	fputc('\n', stderr);
	exit(1);
}

/* Reads one host pid per line (the init of one pid namespace each); returns the count. */
static inline int read_targets(const char *path, int **out)
{
	FILE *f = fopen(path, "r");
	if (!f)
		die(path);
	int cap = 64, n = 0;
	int *pids = malloc(sizeof(int) * cap);
	int pid;
	while (fscanf(f, "%d", &pid) == 1) {
		if (n == cap) {
			cap *= 2;
			pids = realloc(pids, sizeof(int) * cap);
		}
		pids[n++] = pid;
	}
	fclose(f);
	if (n == 0)
		fail("%s: no targets (%ld %ld)", path, 0, 0);
	*out = pids;
	return n;
}

static inline int open_pidns(int pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/ns/pid", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die(path);
	return fd;
}

/* Prints the mean, standard deviation and minimum of samples (nanoseconds). */
static inline void emit(const char *method, int n, const double *samples, int count)
{
	if (count < 1) {
		printf("%s\t%d\tnan\tnan\tnan\t0\n", method, n);
		return;
	}
	double sum = 0, min = samples[0];
	for (int i = 0; i < count; i++) {
		sum += samples[i];
		if (samples[i] < min)
			min = samples[i];
	}
	double mean = sum / count, var = 0;
	for (int i = 0; i < count; i++)
		var += (samples[i] - mean) * (samples[i] - mean);
	double sd = count > 1 ? sqrt(var / (count - 1)) : 0;
	printf("%s\t%d\t%.3f\t%.3f\t%.3f\t%d\n", method, n, mean, sd, min, count);
	fflush(stdout);
}

#endif
