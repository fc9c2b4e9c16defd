/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "userenv.h"
#include "xalloc.h"

extern char **environ;

static char *var_for(const char *name, const char *value)
{
	return xasprintf("%s=%s", name, value);
}

static ssize_t find(const struct userenv *e, const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < e->n; i++)
		if (strncmp(e->vars[i], name, len) == 0 && e->vars[i][len] == '=')
			return (ssize_t)i;
	return -1;
}

const char *userenv_get(const struct userenv *e, const char *name)
{
	ssize_t i = find(e, name);

	return i < 0 ? NULL : e->vars[i] + strlen(name) + 1;
}

void userenv_set(struct userenv *e, const char *name, const char *value)
{
	ssize_t i = find(e, name);

	if (i >= 0) {
		free(e->vars[i]);
		if (value) {
			e->vars[i] = var_for(name, value);
		} else {
			e->vars[i] = e->vars[--e->n];
		}
		return;
	}
	if (!value)
		return;
	e->vars = xreallocarray(e->vars, e->n + 1, sizeof(char *));
	e->vars[e->n++] = var_for(name, value);
}

static void set_identity(struct userenv *e, uid_t uid)
{
	struct passwd *pw;

	e->uid = uid;
	e->gid = getegid();
	/* The passwd entry is all this needs: not the groups (identity_from_uid),
	 * whose lookup loads every group module nsswitch.conf names. */
	pw = getpwuid(uid);
	if (pw) {
		e->user = xstrdup(pw->pw_name);
		e->passwd_home = xstrdup(pw->pw_dir ? pw->pw_dir : "");
		e->gid = pw->pw_gid;
	}
}

void userenv_from_process(struct userenv *e)
{
	const char *forced;
	char *end;

	memset(e, 0, sizeof(*e));
	for (char **p = environ; *p; p++)
		if (strchr(*p, '=')) {
			e->vars = xreallocarray(e->vars, e->n + 1, sizeof(char *));
			e->vars[e->n++] = xstrdup(*p);
		}
	/* Podman's re-exec passes the UID it was started with in this variable. */
	forced = userenv_get(e, "_CONTAINERS_ROOTLESS_UID");
	if (forced && *forced) {
		unsigned long v = strtoul(forced, &end, 10);

		if (!*end) {
			set_identity(e, (uid_t)v);
			return;
		}
	}
	set_identity(e, geteuid());
}

void userenv_for_user(struct userenv *e, const struct identity *id)
{
	memset(e, 0, sizeof(*e));
	e->assumed = true;
	e->uid = id->uid;
	e->gid = id->gid;
	e->user = xstrdup(id->name);
	e->passwd_home = xstrdup(id->home);
	/* What login(1) or sshd set; no XDG_* without a systemd session. */
	userenv_set(e, "HOME", id->home);
	userenv_set(e, "USER", id->name);
	userenv_set(e, "LOGNAME", id->name);
	userenv_set(e, "SHELL", *id->shell ? id->shell : "/bin/sh");
	userenv_set(e, "PATH", "/usr/local/bin:/usr/bin:/bin:/usr/local/games:/usr/games");
}

void userenv_free(struct userenv *e)
{
	for (size_t i = 0; i < e->n; i++)
		free(e->vars[i]);
	free(e->vars);
	free(e->user);
	free(e->passwd_home);
	memset(e, 0, sizeof(*e));
}

char *userenv_home(const struct userenv *e)
{
	const char *h = userenv_get(e, "HOME");

	return xstrdup(h && *h ? h : e->passwd_home ? e->passwd_home : "");
}
