/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: nfscheck's own reader of /etc/subuid and /etc/subgid
 * lines, and the overlap test and the free-range search run on what it
 * read (a wrapping range end once made that search loop forever), and
 * the plan that gives several users distinct ranges, with its by-owner
 * index, over the same lines.
 */
#define _GNU_SOURCE
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "subids.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void plan(struct subids *s)
{
	static const unsigned long taken[] = {1000, 100000, 165536, 4294967294UL};
	struct subid_need need[] = {
		{"alice", 1000, 65536, 0}, {"bob", 170000, 65536, 0}, {"carol", 4294967295UL, 1, 0},
		{"dave", 5, 4294967295UL, 0},
	};
	struct subid_owners o;
	size_t first;

	subid_owners_index(&o, &s->files[0]);
	(void)subid_owners_find(&o, "alice", &first);
	(void)subid_owners_find(&o, "", &first);
	subid_owners_free(&o);
	s->files[1] = s->files[0];
	subids_plan(s->files, taken, 4, need, 4);
	memset(&s->files[1], 0, sizeof(s->files[1]));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct subids s;
	struct idrange ours = {100000, 65536};
	char path[64];
	int fd = memfd_create("subuid", MFD_CLOEXEC);

	if (fd < 0)
		return 0;
	memset(&s, 0, sizeof(s));
	if (write(fd, data, size) == (ssize_t)size) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		subids_read_file(&s, &s.files[0], path);
		(void)subids_overlap(&s.files[0], &ours, "alice", 1000);
		(void)subids_free_start(&s, 65536);
		(void)subids_free_start(&s, 1);
		plan(&s);
	}
	subids_free(&s);
	close(fd);
	return 0;
}
