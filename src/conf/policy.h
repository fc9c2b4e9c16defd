/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The site policy, /etc/nfscheck.conf: an INI file (read with inih) that
 * says how this site fixes a user's storage -- a graphroot from a template,
 * or a loop-mounted image -- how many subordinate IDs a user needs, and
 * whether a graphroot under /tmp or /var/tmp gets a tmpfiles exclusion.
 * A file that says anything else is refused with FILE:LINE, never guessed.
 */
#ifndef NFSCHECK_POLICY_H
#define NFSCHECK_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define POLICY_FILE "/etc/nfscheck.conf"
/* Longest policy file read; a real one is a dozen lines. */
#define POLICY_MAX_BYTES 65536

enum policy_remedy {
	POLICY_REMEDY_NONE,       /* no site remedy: diagnose's own suggestion */
	POLICY_REMEDY_GRAPHROOT,  /* graphroot = TEMPLATE */
	POLICY_REMEDY_IMAGE,      /* image = TEMPLATE, size = SIZE */
};

struct policy {
	char *file;                 /* where it was read from; NULL: no policy */
	enum policy_remedy remedy;
	char *graphroot;            /* template: $USER, $UID, $HOME (or ${...}) */
	char *image;                /* template of the image file's path */
	char *image_size;           /* as fix --image-size takes it: 20G */
	unsigned long min_subids;   /* 0: not set */
	int tmpfiles;               /* -1 not set, 0 no, 1 add exclusions */
};

/*
 * Parse TEXT (LEN bytes, the contents of NAME) into *P. 0, or -1 with
 * *ERR set to "NAME:LINE: what" (caller frees).
 */
int policy_parse(const char *name, const char *text, size_t len, struct policy *p, char **err);
/*
 * Read FILE. A missing file is no policy (0, P->file NULL) unless
 * MUST_EXIST. 0, or -1 with the message printed ("nfscheck: FILE:LINE: what").
 */
int policy_load(const char *file, bool must_exist, struct policy *p);
void policy_free(struct policy *p);

/* TEMPLATE with $USER, $UID and $HOME (or ${USER}...) replaced; NULL when
 * it names another variable. Caller frees. */
char *policy_expand(const char *tmpl, const char *user, uid_t uid, const char *home);
const char *policy_remedy_name(enum policy_remedy r);

#endif
