/*
 * The pre-6.11 way to learn the host pid of a pid namespace's init, as LXCFS does it:
 * fork a helper, setns(2) it into the target pid namespace, fork again (only a process
 * created after setns is a member), and let that grandchild send an SCM_CREDENTIALS message
 * claiming pid 1 over an AF_UNIX socket whose receiving end has SO_PASSCRED. The kernel
 * rewrites the claimed pid into the receiver's pid namespace: the init's host pid.
 * (Written for this benchmark from the description in docs/kernel-facts; needs root.)
 *
 *   twofork_initpid one PID LOOKUPS WARMUP
 *       LOOKUPS lookups on the open fd of /proc/PID/ns/pid; a sample is one lookup.
 *   twofork_initpid all TARGETS_FILE ROUNDS
 *       Per round: open /proc/P/ns/pid, look up, close, for every listed P; a sample is
 *       one round (all N).
 *
 * Every answer is checked; a wrong one exits 1.
 */
#include "common.h"

#include <sched.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>

/* Runs in the grandchild, a member of the target namespace: claims pid 1 in a credentials message. */
static int send_init_credentials(int sock)
{
	struct ucred cred = {.pid = 1, .uid = getuid(), .gid = getgid()};
	char byte = '1';
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	union {
		char buf[CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} control;
	memset(&control, 0, sizeof control);
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof control.buf,
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_CREDENTIALS;
	cmsg->cmsg_len = CMSG_LEN(sizeof cred);
	memcpy(CMSG_DATA(cmsg), &cred, sizeof cred);
	return sendmsg(sock, &msg, 0) == 1 ? 0 : 1;
}

/* The host pid of the init of the pid namespace behind nsfd, or -1. */
static int init_pid_by_two_forks(int nsfd)
{
	int sv[2];
	/* SEQPACKET rather than DGRAM: a helper that dies early gives EOF, not a hang. */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		die("socketpair");
	int on = 1;
	if (setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &on, sizeof on) < 0)
		die("setsockopt(SO_PASSCRED)");

	pid_t helper = fork();
	if (helper < 0)
		die("fork");
	if (helper == 0) {
		close(sv[0]);
		if (setns(nsfd, CLONE_NEWPID) < 0)
			_exit(2);
		pid_t member = fork();
		if (member < 0)
			_exit(3);
		if (member == 0)
			_exit(send_init_credentials(sv[1]));
		int status;
		if (waitpid(member, &status, 0) < 0)
			_exit(4);
		_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 5);
	}
	close(sv[1]);

	char byte;
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	union {
		char buf[CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} control;
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof control.buf,
	};
	int result = -1;
	ssize_t got;
	do {
		got = recvmsg(sv[0], &msg, 0);
	} while (got < 0 && errno == EINTR);
	if (got == 1) {
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
				struct ucred cred;
				memcpy(&cred, CMSG_DATA(c), sizeof cred);
				result = cred.pid;
			}
		}
	}
	close(sv[0]);
	int status;
	while (waitpid(helper, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail("%s: helper failed (status %ld, %ld)", "twofork_initpid", status, 0);
	return result;
}

static int one(int pid, int lookups, int warmup)
{
	int fd = open_pidns(pid);
	if (lookups < 1)
		lookups = 1;
	double *s = malloc(sizeof(double) * lookups);
	for (int i = -warmup; i < lookups; i++) {
		uint64_t t0 = now_ns();
		int got = init_pid_by_two_forks(fd);
		uint64_t t1 = now_ns();
		if (got != pid)
			fail("%s: init pid %ld, expected %ld", "twofork_initpid", got, pid);
		if (i >= 0)
			s[i] = (double)(t1 - t0);
	}
	emit("c.twofork", 1, s, lookups);
	close(fd);
	free(s);
	return 0;
}

static int all(const char *file, int rounds)
{
	int *pids;
	int n = read_targets(file, &pids);
	if (rounds < 1)
		rounds = 1;
	double *s = malloc(sizeof(double) * rounds);
	for (int r = 0; r < rounds; r++) {
		uint64_t t0 = now_ns();
		for (int i = 0; i < n; i++) {
			int fd = open_pidns(pids[i]);
			int got = init_pid_by_two_forks(fd);
			close(fd);
			if (got != pids[i])
				fail("%s: init pid %ld, expected %ld", "twofork_initpid", got, pids[i]);
		}
		s[r] = (double)(now_ns() - t0);
	}
	emit("c.scale.twofork", n, s, rounds);
	free(s);
	free(pids);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "one") == 0)
		return one(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]));
	if (argc == 4 && strcmp(argv[1], "all") == 0)
		return all(argv[2], atoi(argv[3]));
	fprintf(stderr, "usage: %s one PID LOOKUPS WARMUP | all TARGETS_FILE ROUNDS\n", argv[0]);
	return 2;
}
