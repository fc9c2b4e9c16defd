/* SPDX-License-Identifier: Apache-2.0 */
/*
 * timed-run: run one command and print "WALL_US MAXRSS_KIB STATUS CPU_US" on
 * stdout: the wall time from fork to the end of the command (clock
 * CLOCK_MONOTONIC), getrusage(RUSAGE_CHILDREN)'s ru_maxrss (the largest
 * resident set of the command and of any process it waited for), its
 * exit status (128+N for signal N), and the CPU time (user and system) of
 * the command and the processes it waited for, which a loaded machine
 * inflates far less than the wall time. The command's own output goes to
 * /dev/null, its cwd is /.
 *
 *   timed-run [-u USER] [-e NAME=VALUE]... -- COMMAND [ARG...]
 *
 * -u USER  become USER (initgroups, setgid, setuid) before the clock
 *          starts, so the switch costs neither side of a comparison
 * -e       the command's environment, which is otherwise empty
 *
 * bench/profile.sh and bench/uml-nfs-home.sh time both nfscheck and
 * `podman info` with it: a shell timing with $(date) or a chain of setpriv
 * and env would add a few milliseconds of its own to each run, a large part
 * of a run that lasts a few milliseconds.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int become(const char *name)
{
	struct passwd *pw = getpwnam(name);

	if (!pw) {
		fprintf(stderr, "timed-run: no user %s\n", name);
		return -1;
	}
	if (initgroups(name, pw->pw_gid) || setgid(pw->pw_gid) || setuid(pw->pw_uid)) {
		perror("timed-run: cannot become the user");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	char *env[64];
	int nenv = 0, opt, status, null;
	struct timespec t0, t1;
	struct rusage ru;
	pid_t pid;

	while ((opt = getopt(argc, argv, "+u:e:")) != -1) {
		if (opt == 'u' && become(optarg) == 0)
			continue;
		if (opt == 'e' && nenv < 63) {
			env[nenv++] = optarg;
			continue;
		}
		return 2;
	}
	env[nenv] = NULL;
	if (optind >= argc || chdir("/") || (null = open("/dev/null", O_RDWR)) < 0)
		return 2;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid < 0)
		return 2;
	if (pid == 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		execve(argv[optind], argv + optind, env);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return 2;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	getrusage(RUSAGE_CHILDREN, &ru);
	printf("%lld %ld %d %lld\n",
	       (long long)(t1.tv_sec - t0.tv_sec) * 1000000 + (t1.tv_nsec - t0.tv_nsec) / 1000,
	       ru.ru_maxrss, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
	       (long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 + ru.ru_utime.tv_usec +
		       ru.ru_stime.tv_usec);
	return 0;
}
