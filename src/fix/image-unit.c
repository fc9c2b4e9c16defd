/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fix --image --persist: the systemd unit that re-attaches a user's image at
 * boot. Every value in it comes from the user (paths under their home), so
 * each is refused when it holds a control character and otherwise quoted by
 * the rules of the setting it goes into.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic-write.h"
#include "exitcode.h"
#include "fix.h"
#include "fsx.h"
#include "guard.h"
#include "image-unit.h"
#include "msg.h"
#include "quote.h"
#include "strbuf.h"
#include "util.h"
#include "xalloc.h"

#define UNIT_DIR "/etc/systemd/system"

extern const char nfscheck_unit_template[];

/* The systemd unit file for this user's image. */
static char *unit_path(const struct target *t)
{
	const char *n = t->id.name;
	bool plain = strspn(n, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == strlen(n);

	return plain ? xasprintf("%s/nfscheck-image-%s.service", UNIT_DIR, n)
		     : xasprintf("%s/nfscheck-image-uid%u.service", UNIT_DIR, (unsigned)t->id.uid);
}

/* How a value is written, by the setting it goes into (systemd.unit(5),
 * systemd.service(5) "Command lines"). */
enum unit_ctx {
	U_PLAIN,    /* a comment: text as it is */
	U_SPEC,     /* Description=: % specifiers expand, so % is %% */
	U_PATH,     /* RequiresMountsFor=: quoted words, with specifiers */
	U_EXEC,     /* Exec*=: quoted words, specifiers, and $VAR expansion ($ is $$) */
};

static void unit_value(struct strbuf *b, const char *s, enum unit_ctx c)
{
	if (c >= U_PATH)
		strbuf_adds(b, "\"");
	for (; *s; s++) {
		if (*s == '%' && c != U_PLAIN)
			strbuf_adds(b, "%%");
		else if (*s == '$' && c == U_EXEC)
			strbuf_adds(b, "$$");
		else if ((*s == '"' || *s == '\\') && c >= U_PATH) {
			char e[2] = {'\\', *s};

			strbuf_add(b, e, 2);
		} else
			strbuf_add(b, s, 1);
	}
	if (c >= U_PATH)
		strbuf_adds(b, "\"");
}

/* The setting of the line being written: the text after its last newline. */
static enum unit_ctx unit_context(const struct strbuf *b)
{
	const char *nl = b->p ? strrchr(b->p, '\n') : NULL, *line = nl ? nl + 1 : b->p ? b->p : "";

	if (strncmp(line, "Exec", 4) == 0)
		return U_EXEC;
	if (strncmp(line, "RequiresMountsFor=", 18) == 0)
		return U_PATH;
	return line[0] == '#' || line[0] == ';' ? U_PLAIN : U_SPEC;
}

/* The unit's text, or NULL when a value cannot be written into it safely. */
static char *render_unit(const struct target *t, const char *image, const char *size, const char *mp)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *dir = xstrdup(image);
	struct strbuf b = {0};
	const struct {
		const char *key;
		const char *val;
	} subst[] = {
		{"@NFSCHECK@", self}, {"@IMAGE@", image}, {"@SIZE@", size},
		{"@MOUNTPOINT@", mp}, {"@USER@", t->id.name}, {"@IMAGE_DIR@", dir},
	};

	self[n > 0 ? n : 0] = '\0';
	*strrchr(dir, '/') = '\0';
	if (!*dir)
		strcpy(dir, "/");
	for (size_t i = 0; i < ARRAY_SIZE(subst); i++)
		/* A control character would end a unit line early (a newline starts a
		 * new ExecStart=), and systemd ignores a line that is not UTF-8. */
		if (text_refusal(subst[i].val)) {
			free(dir);
			return NULL;
		}
	for (const char *p = nfscheck_unit_template; *p;) {
		bool done = false;

		for (size_t i = 0; i < ARRAY_SIZE(subst) && !done; i++)
			if (strncmp(p, subst[i].key, strlen(subst[i].key)) == 0) {
				unit_value(&b, subst[i].val, unit_context(&b));
				p += strlen(subst[i].key);
				done = true;
			}
		if (!done)
			strbuf_add(&b, p++, 1);
	}
	free(dir);
	return strbuf_take(&b);
}

/* A running systemd learns of a unit file change only when told. */
static void daemon_reload(void)
{
	char *argv[] = {(char *)"systemctl", (char *)"daemon-reload", NULL};
	struct guard_out out;
	int status;

	if (access("/run/systemd/system", F_OK) != 0)
		return;
	guard_exec(NULL, 20000, argv, &status, &out);
	free(out.data);
}

int image_unit_write(const struct target *t, const char *image, const char *size, const char *mp, bool dry_run)
{
	char *path = unit_path(t), *text = render_unit(t, image, size, mp), *old = NULL, *link, *target;
	struct fsx x = {0};
	size_t old_len = 0;
	int err = fsx_read_file(&x, path, 1 << 16, &old, &old_len), st = NF_EXIT_OK;
	struct aw_request rq = {.path = path, .trusted = UNIT_DIR, .expect = err == 0 ? old : NULL,
				.expect_len = old_len, .data = text, .len = text ? strlen(text) : 0, .new_mode = 0644,
				.dir_mode = 0755, .keep_owner = true};
	struct aw_result res = {0};

	if (!text) {
		nf_error("fix: %s: a path or name holds a control character, which a unit file cannot carry; "
			 "not writing it", path);
		free(path);
		free(old);
		return NF_EXIT_PROBLEMS;
	}
	link = xasprintf("%s/multi-user.target.wants/%s", UNIT_DIR, strrchr(path, '/') + 1);
	target = xasprintf("../%s", strrchr(path, '/') + 1);
	if (dry_run) {
		fix_print_diff(path, old, old_len, text, strlen(text));
		printf("would enable it: %s -> %s\n", link, target);
		goto out;
	}
	if (!(old && strcmp(old, text) == 0) && atomic_write(NULL, &rq, &res) != 0) {
		nf_error("fix: %s", res.message);
		st = NF_EXIT_INCOMPLETE;
		goto out;
	}
	/* systemctl enable makes this link; made here so it works without a running systemd. */
	mkdir(UNIT_DIR "/multi-user.target.wants", 0755);
	if (symlink(target, link) != 0 && errno != EEXIST) {
		nf_error("fix: cannot enable %s: %s", path, strerror(errno));
		st = NF_EXIT_INCOMPLETE;
		goto out;
	}
	daemon_reload();
	printf("%s: re-attaches the image at boot, after remote filesystems are up\n", path);
out:
	aw_result_free(&res);
	free(path);
	free(text);
	free(old);
	free(link);
	free(target);
	return st;
}

void image_unit_remove(const struct target *t)
{
	char *path = unit_path(t);
	char *link = xasprintf("%s/multi-user.target.wants/%s", UNIT_DIR, strrchr(path, '/') + 1);
	bool had = unlink(path) == 0;

	unlink(link);
	if (had) {
		printf("removed %s\n", path);
		daemon_reload();
	}
	free(path);
	free(link);
}
