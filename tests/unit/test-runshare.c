/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store fleet's workers share facts through (runshare.h): the first to
 * ask claims a key, the others get what it published, across fork(); a
 * dropped claim is measured again; a fact published with a time to live
 * is measured again after it (a lock that blocked while a server was away).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runshare.h"
#include "tap.h"

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* In a child: what KEY gives there (0 found WANT, 1 mine, 2 alone, 3 other). */
static int child_sees(struct runshare *s, const char *key, const char *want)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		char *d;
		size_t n;
		enum runshare_answer a = runshare_get(s, key, 200, &d, &n);

		if (a == RS_MINE)
			runshare_drop(s, key);
		_exit(a == RS_FOUND ? (strcmp(d, want) == 0 ? 0 : 3) : a == RS_MINE ? 1 : 2);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

int main(void)
{
	struct runshare *s = runshare_new(4, 64);
	char *d = NULL;
	size_t n;

	ok(s != NULL, "a store is made");
	ok(runshare_get(s, "k", 0, &d, &n) == RS_MINE, "the first to ask a key claims it");
	runshare_put(s, "k", "works", 5);
	ok(child_sees(s, "k", "works") == 0, "another process gets what was published");
	ok(runshare_get(s, "k", 0, &d, &n) == RS_FOUND && n == 5 && strcmp(d, "works") == 0, "and so does the publisher");
	free(d);

	ok(runshare_get(s, "gone", 0, &d, &n) == RS_MINE, "a second key is claimed");
	runshare_drop(s, "gone");
	ok(runshare_get(s, "gone", 0, &d, &n) == RS_MINE, "a dropped claim goes to the next to ask");
	runshare_drop(s, "gone");

	ok(runshare_get(s, "lock", 0, &d, &n) == RS_MINE, "a lock result is claimed");
	runshare_put_until(s, "lock", "blocked", 7, 150);
	ok(child_sees(s, "lock", "blocked") == 0, "within its time to live, another process takes it");
	sleep_ms(250);
	ok(child_sees(s, "lock", "blocked") == 1, "after it, the next to ask measures again");
	ok(runshare_get(s, "lock", 0, &d, &n) == RS_MINE, "and that claim, dropped, is open again");
	runshare_put(s, "lock", "works", 5);
	sleep_ms(200);
	ok(child_sees(s, "lock", "works") == 0, "a result published without one stays");
	ok(child_sees(s, "k", "works") == 0, "as the first one did");

	runshare_free(s);
	return done_testing();
}
