/* SPDX-License-Identifier: Apache-2.0 */
/* mem_find against glibc's memmem, and the fsx memo: the same answers. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsx.h"
#include "localwalk.h"
#include "memfind.h"
#include "tap.h"

/* Random haystacks and needles over a small alphabet (so that matches,
 * near misses and matches at every offset of a 16-byte block occur),
 * including NUL bytes, needles longer than the haystack and empty ones. */
static void against_memmem(void)
{
	unsigned seed = 20261207, bad = 0, found = 0;

	for (int t = 0; t < 200000; t++) {
		char h[96], nd[20];
		size_t hn, m;

		seed = seed * 1103515245 + 12345;
		hn = (seed >> 8) % sizeof(h);
		m = (seed >> 20) % sizeof(nd);
		for (size_t i = 0; i < hn; i++)
			h[i] = "ab\0c"[(seed = seed * 1103515245 + 12345) >> 29 & 3];
		for (size_t i = 0; i < m; i++)
			nd[i] = "ab\0c"[(seed = seed * 1103515245 + 12345) >> 29 & 3];
		if (t % 3 == 0 && m <= hn) /* plant the needle at a random place */
			memcpy(h + (seed >> 4) % (hn - m + 1), nd, m);
		const char *want = memmem(h, hn, nd, m), *got = mem_find(h, hn, nd, m);

		bad += got != want;
		found += want != NULL;
	}
	ok(bad == 0, "mem_find agrees with memmem on 200000 random cases (%u found)", found);
}

static void edges(void)
{
	char big[4096];

	memset(big, 'x', sizeof(big));
	memcpy(big + sizeof(big) - 5, "abcde", 5);
	ok(mem_find(big, sizeof(big), "abcde", 5) == big + sizeof(big) - 5, "a needle at the very end is found");
	ok(mem_find(big, sizeof(big) - 1, "abcde", 5) == NULL, "one byte short of it, it is not");
	ok(mem_find(big, sizeof(big), "", 0) == big, "the empty needle is at the start");
	ok(mem_find(big, 3, "xxxx", 4) == NULL, "a needle longer than the haystack is not found");
}

/* A memo answers the second stat without asking: the in-process count
 * does not move, and the answer is the first one. */
static void memo(void)
{
	struct fsx x = {0};
	struct stat a, b;
	unsigned long before;
	char *r1 = NULL, *r2 = NULL;

	if (!lw_root_walkable()) {
		ok(1, "# SKIP / is not walked in-process here");
		return;
	}
	x.memo = fsx_memo_new();
	ok(fsx_stat(&x, "/", &a) == 0, "stat / through a memo");
	before = fsx_in_process_calls();
	ok(fsx_stat(&x, "/", &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev,
	   "asked again: the same answer");
	ok(fsx_in_process_calls() == before, "asked again: answered from the memo, not the filesystem");
	ok(fsx_stat(&x, "/nonexistent-nfscheck-memo", &a) == ENOENT &&
	   fsx_stat(&x, "/nonexistent-nfscheck-memo", &a) == ENOENT, "an error is the same answer twice");
	ok(fsx_realpath(&x, "/usr/../etc", &r1) == 0 && fsx_realpath(&x, "/usr/../etc", &r2) == 0 && r1 && r2 &&
	   strcmp(r1, r2) == 0 && r1 != r2, "a string answer is copied out each time");
	before = fsx_in_process_calls();
	ok(fsx_lstat(&x, "/", &b) == 0 && fsx_in_process_calls() == before + 1,
	   "lstat is another question than stat");
	fsx_memo_free(x.memo);
	free(r1);
	free(r2);
}

int main(void)
{
	against_memmem();
	edges();
	memo();
	printf("1..%d\n", tap_n);
	return tap_failed != 0;
}
