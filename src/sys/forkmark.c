/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <sys/mman.h>
#include <unistd.h>

#include "forkmark.h"

static volatile unsigned char *mark;
static bool mark_usable;

void fm_set(int i)
{
	if (!mark) {
		void *m = mmap(NULL, (size_t)sysconf(_SC_PAGESIZE), PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		mark_usable = m != MAP_FAILED && madvise(m, (size_t)sysconf(_SC_PAGESIZE), MADV_WIPEONFORK) == 0;
		if (m != MAP_FAILED && !mark_usable)
			munmap(m, (size_t)sysconf(_SC_PAGESIZE));
		mark = mark_usable ? m : (volatile unsigned char *)"\0";
	}
	if (mark_usable)
		mark[i] = 1;
}

bool fm_forked_since(int i, pid_t pid)
{
	return mark_usable ? mark[i] == 0 : pid != getpid();
}
