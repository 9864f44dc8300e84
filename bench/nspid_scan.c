/*
 * Text parsing instead of ioctls, as jattach and the JDK's attach code read pids: scan
 * /proc/<pid>/status for "NSpid:" lines. A task whose NSpid line has two or more fields and
 * ends in 1 is the init of a child pid namespace; its /proc/<pid>/ns/pid inode says which.
 *
 *   nspid_scan one PID ROUNDS
 *       The init of the pid namespace of /proc/PID (stops at the first match); a sample is
 *       one lookup.
 *   nspid_scan all TARGETS_FILE ROUNDS
 *       One pass over /proc resolves every listed namespace; a sample is one pass.
 *
 * Every answer is checked; a wrong or missing one exits 1.
 */
#include "common.h"

#include <ctype.h>
#include <dirent.h>
#include <sys/stat.h>

struct target {
	unsigned long inode;
	int expected;
	int found;
};

static int by_inode(const void *a, const void *b)
{
	unsigned long x = ((const struct target *)a)->inode, y = ((const struct target *)b)->inode;
	return x < y ? -1 : x > y;
}

static unsigned long pidns_inode(const char *pid)
{
	char path[300];
	struct stat st;
	snprintf(path, sizeof path, "/proc/%s/ns/pid", pid);
	return stat(path, &st) == 0 ? (unsigned long)st.st_ino : 0;
}

/* Whether /proc/<pid>/status has an NSpid line of two or more fields ending in 1. */
static int is_child_ns_init(const char *pid)
{
	char path[300], buf[4096];
	snprintf(path, sizeof path, "/proc/%s/status", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t len = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (len <= 0)
		return 0;
	buf[len] = 0;
	char *line = strstr(buf, "\nNSpid:");
	if (!line)
		return 0;
	char *p = line + 7;
	int fields = 0;
	long last = 0;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!isdigit((unsigned char)*p))
			break;
		last = strtol(p, &p, 10);
		fields++;
	}
	return fields >= 2 && last == 1;
}

/* One pass over /proc; marks found targets; stops early once `stop_after` are found. */
static int scan(struct target *targets, int n, int stop_after)
{
	DIR *proc = opendir("/proc");
	if (!proc)
		die("/proc");
	int found = 0;
	struct dirent *e;
	while ((e = readdir(proc)) && found < stop_after) {
		if (!isdigit((unsigned char)e->d_name[0]) || !is_child_ns_init(e->d_name))
			continue;
		struct target key = {.inode = pidns_inode(e->d_name)};
		struct target *t = bsearch(&key, targets, n, sizeof *targets, by_inode);
		if (t && !t->found) {
			t->found = atoi(e->d_name);
			found++;
		}
	}
	closedir(proc);
	return found;
}

static void check(struct target *targets, int n)
{
	for (int i = 0; i < n; i++) {
		if (targets[i].found != targets[i].expected)
			fail("%s: init pid %ld, expected %ld", "nspid_scan", targets[i].found, targets[i].expected);
		targets[i].found = 0;
	}
}

static int run(int *pids, int n, int rounds, int stop_after, const char *method)
{
	struct target *targets = calloc(n, sizeof *targets);
	for (int i = 0; i < n; i++) {
		char pid[16];
		snprintf(pid, sizeof pid, "%d", pids[i]);
		targets[i].inode = pidns_inode(pid);
		targets[i].expected = pids[i];
		if (targets[i].inode == 0)
			fail("%s: no pid namespace for %ld (%ld)", "nspid_scan", pids[i], 0);
	}
	qsort(targets, n, sizeof *targets, by_inode);
	if (rounds < 1)
		rounds = 1;
	double *s = malloc(sizeof(double) * rounds);
	for (int r = -1; r < rounds; r++) {
		uint64_t t0 = now_ns();
		scan(targets, n, stop_after);
		uint64_t t1 = now_ns();
		check(targets, n);
		if (r >= 0)
			s[r] = (double)(t1 - t0);
	}
	emit(method, n, s, rounds);
	free(s);
	free(targets);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "one") == 0) {
		int pid = atoi(argv[2]);
		return run(&pid, 1, atoi(argv[3]), 1, "c.nspid_scan");
	}
	if (argc == 4 && strcmp(argv[1], "all") == 0) {
		int *pids;
		int n = read_targets(argv[2], &pids);
		return run(pids, n, atoi(argv[3]), n, "c.scale.nspid_scan");
	}
	fprintf(stderr, "usage: %s one PID ROUNDS | all TARGETS_FILE ROUNDS\n", argv[0]);
	return 2;
}
