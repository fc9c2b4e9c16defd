/* SPDX-License-Identifier: Apache-2.0 */
/*
 * containers.conf, for the places Podman writes at start besides the
 * storage roots: [engine] static_dir (libpod's database), volume_path and
 * image_copy_tmp_dir. The files, in the order containers/common reads
 * them (pkg/config/config.go systemConfigs; later files win key by key):
 * $CONTAINERS_CONF alone when set; else /usr/share/containers/
 * containers.conf, /etc/containers/containers.conf, the *.conf drop-ins of
 * /usr/share/containers/containers.conf.d and /etc/containers/
 * containers.conf.d, then the user's containers.conf ($XDG_CONFIG_HOME or
 * ~/.config) and its .d; $CONTAINERS_CONF_OVERRIDE last. Read in the
 * user's name: a link in the user's directory must not show root's files.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "containers-conf.h"
#include "goexpand.h"
#include "model-internal.h"
#include "xalloc.h"

static struct setting *target(struct model *m, enum cc_key k)
{
	switch (k) {
	case CC_STATIC_DIR: return &m->static_dir;
	case CC_VOLUME_PATH: return &m->volume_path;
	default: return &m->image_copy_tmp_dir;
	}
}

static void read_one(struct mctx *c, const char *path, bool must_exist)
{
	struct model *m = c->m;
	struct sc_file f;
	char *buf = NULL;
	size_t len;
	int err = fsx_read_file(&c->fs, path, CONF_MAX_BYTES, &buf, &len);

	if (err == ENOENT && !must_exist)
		return;
	if (err) {
		/* common stats every file it lists and fails on one it cannot read. */
		problem_add(&m->problems, PR_ERROR, path, 0, "Podman refuses to start: it cannot read containers.conf",
			    "cannot read: %s", nf_strerror(err));
		return;
	}
	toml_file_parse(&f, path, buf, len, "Podman refuses to start: \"decoding configuration file\"",
			&m->problems);
	for (int k = 0; k < CC__COUNT; k++) {
		unsigned line;
		bool bad;
		const char *v = cc_engine_string(&f, (enum cc_key)k, &line, &bad);
		struct origin o = {0};

		if (bad)
			problem_add(&m->problems, PR_ERROR, path, line, "Podman refuses to start: \"decoding configuration file\"",
				    "[engine] %s must be a string", cc_key_name((enum cc_key)k));
		if (!v)
			continue;
		origin_set_file(&o, path, line);
		setting_set(target(m, (enum cc_key)k), v, &o);
		origin_clear(&o);
	}
	sc_file_free(&f);
	free(buf);
}

/* The *.conf entries of DIR, in name order. */
static void read_dir(struct mctx *c, const char *dir)
{
	char **names = NULL;
	bool *isdir = NULL;
	size_t n = 0;

	if (fsx_list_dir(&c->fs, dir, &names, &isdir, &n) != 0)
		return;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(names[i]);

		if (!isdir[i] && len > 5 && strcmp(names[i] + len - 5, ".conf") == 0) {
			char *p = go_join(dir, names[i]);

			read_one(c, p, false);
			free(p);
		}
	}
	fsx_free_names(names, n);
	free(isdir);
}

void model_containers_conf(struct mctx *c)
{
	const char *env = env_nonempty(c->env0, "CONTAINERS_CONF");
	const char *over = env_nonempty(c->env0, "CONTAINERS_CONF_OVERRIDE");
	const char *xdg = env_nonempty(c->env0, "XDG_CONFIG_HOME");
	char *home, *user, *userd;

	if (env) {
		read_one(c, env, true);
	} else {
		read_one(c, "/usr/share/containers/containers.conf", false);
		read_one(c, "/etc/containers/containers.conf", false);
		read_dir(c, "/usr/share/containers/containers.conf.d");
		read_dir(c, "/etc/containers/containers.conf.d");
		if (c->m->rootless) {
			home = homedir_get(c->env0);
			user = xdg ? go_join(xdg, "containers/containers.conf")
				   : go_join(home, ".config/containers/containers.conf");
			userd = xasprintf("%s.d", user);
			read_one(c, user, false);
			read_dir(c, userd);
			free(userd);
			free(user);
			free(home);
		}
	}
	if (over)
		read_one(c, over, true);
}

/*
 * The defaults, once the graphroot is known: static_dir and volume_path
 * under it (common's defaults, libpod/runtime.go), and the image copy
 * directory of common's ImageCopyTmpDir(): $TMPDIR when set, else
 * image_copy_tmp_dir ("storage" meaning <graphroot>/tmp), else
 * containers/image's /var/tmp, which $TMPDIR would also override.
 */
void model_containers_defaults(struct mctx *c)
{
	struct model *m = c->m;
	const char *g = m->graphroot.value, *tmp = env_get(c->env0, "TMPDIR");
	struct origin o = {0};
	char *p;

	if (g && !m->static_dir.value) {
		origin_set_default(&o, "<graphroot>/libpod");
		p = go_join(g, "libpod");
		setting_set(&m->static_dir, p, &o);
		free(p);
	}
	if (g && !m->volume_path.value) {
		origin_set_default(&o, "<graphroot>/volumes");
		p = go_join(g, "volumes");
		setting_set(&m->volume_path, p, &o);
		free(p);
	}
	if (tmp) {
		origin_set_env(&o, "TMPDIR");
		setting_set(&m->image_copy_tmp_dir, *tmp ? tmp : "/var/tmp", &o);
	} else if (m->image_copy_tmp_dir.value && strcmp(m->image_copy_tmp_dir.value, "storage") == 0 && g) {
		p = go_join(g, "tmp");
		free(m->image_copy_tmp_dir.value);
		m->image_copy_tmp_dir.value = p;
	} else if (!m->image_copy_tmp_dir.value || !*m->image_copy_tmp_dir.value) {
		origin_set_default(&o, "containers/image's directory for big files");
		setting_set(&m->image_copy_tmp_dir, "/var/tmp", &o);
	}
	/* A relative value stays: ImageCopyTmpDir refuses it, and diagnose says so. */
	origin_clear(&o);
}
