/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nfscheck fix: move the graphroot (--graphroot), set it for every user
 * (--system), or give the store its own XFS filesystem (--image).
 */
#ifndef NFSCHECK_FIX_H
#define NFSCHECK_FIX_H

#include <stdbool.h>
#include <stddef.h>

struct fix_options {
	const char *user;
	const char *graphroot;
	const char *runroot;
	const char *template;       /* --system --graphroot-template */
	const char *image;
	const char *size;
	const char *mountpoint;
	const char *podman_version;
	bool system;
	bool undo;
	bool keep_unit;             /* --undo from the unit's own ExecStop */
	bool persist;
	bool move_aside;
	bool no_diagnose;           /* --image from the unit at boot: attach only */
	bool dry_run;
	bool force;
	bool tmpfiles;
	int timeout_ms;             /* the closing diagnose's --timeout; 0: its default */
};

int fix_graphroot(const struct fix_options *o);
int fix_system(const struct fix_options *o);
int fix_image(const struct fix_options *o);
int fix_image_undo(const struct fix_options *o);

/* The driver an /etc storage.conf made from nothing names (fix-driver.c):
 * overlay when rootless overlay can work here, else vfs. */
const char *fix_new_file_driver(void);

/* Print what a write changes, as a unified diff (shared by the modes). */
void fix_print_diff(const char *path, const char *old, size_t old_len, const char *new, size_t new_len);

#endif
