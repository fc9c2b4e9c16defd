/* SPDX-License-Identifier: Apache-2.0 */
/*
 * XDG_RUNTIME_DIR: the login's runtime directory, where Podman keeps its
 * runroot, sockets and locks. A login without a systemd session (su, sudo,
 * Slurm's pam_slurm_adopt) has none, or one that belongs to someone else.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "diag.h"
#include "xalloc.h"

#define G_RUNTIME "Runtime directory"

void check_runtime_dir(const struct facts *d, struct findings *out)
{
	const char *dir = userenv_get(&d->t.env, "XDG_RUNTIME_DIR");
	const struct runtime_fact *rt = &d->runtime;
	const struct stat *st = &rt->st;
	const struct fsinfo *fi = &rt->fi;
	struct finding *c;
	char *q, *run;
	int err = rt->err;

	if (d->rootful) {
		finding_add(out, "runtime-dir", G_RUNTIME, NF_SKIP, "root uses /run/containers");
		return;
	}
	run = xasprintf("/run/user/%u", (unsigned)d->t.env.uid);
	if (!dir || !*dir) {
		c = finding_add(out, "runtime-dir", G_RUNTIME, NF_WARN, "XDG_RUNTIME_DIR is not set%s",
				d->t.env.assumed ? " (assumed: a login without a systemd session)" : "");
		finding_detail(c, "Podman falls back to %s; sockets and locks there are not cleaned up at logout, "
				"and su, sudo or batch jobs may see a different one than your login",
			     d->model_ok && d->m.runroot.value ? d->m.runroot.value : "a directory under /tmp");
		finding_remedy(c, "log in through a systemd session (ssh, machinectl shell), or export "
				"XDG_RUNTIME_DIR=%s when that directory exists and is yours", run);
		free(run);
		return;
	}
	q = shell_quote(dir);
	if (err) {
		c = finding_add(out, "runtime-dir", G_RUNTIME, NF_FAIL, "XDG_RUNTIME_DIR=%s: %s", dir, nf_strerror(err));
		finding_detail(c, "Podman 5 and later stop at once; Podman 4 silently falls back to a directory "
				"under /tmp, so containers started from different shells do not see each other");
		finding_remedy(c, "create it for %s, mode 0700, or unset XDG_RUNTIME_DIR", d->user);
		if (err == ENOENT)
			finding_fix(c, FIX_RUNTIME, "sudo install -d -m 0700 -o %u -g %u %s", (unsigned)d->t.env.uid,
				    (unsigned)d->t.env.gid, q);
	} else if (!S_ISDIR(st->st_mode)) {
		c = finding_add(out, "runtime-dir", G_RUNTIME, NF_FAIL, "XDG_RUNTIME_DIR=%s is not a directory", dir);
		finding_remedy(c, "point XDG_RUNTIME_DIR at a directory of %s, mode 0700", d->user);
	} else if (st->st_uid != d->t.env.uid) {
		c = finding_add(out, "runtime-dir", G_RUNTIME, NF_FAIL, "XDG_RUNTIME_DIR=%s belongs to uid %u, not %s",
				dir, (unsigned)st->st_uid, d->user);
		finding_detail(c, "Podman stops: \"XDG_RUNTIME_DIR directory \\\"%s\\\" is not owned by the current "
				"user\" (typical after su or sudo, which keep the caller's variable)", dir);
		finding_remedy(c, "unset XDG_RUNTIME_DIR, or set it to %s's own directory", d->user);
	} else if ((st->st_mode & 0777) != 0700) {
		c = finding_add(out, "runtime-dir", G_RUNTIME, NF_FAIL, "XDG_RUNTIME_DIR=%s has mode %04o, not 0700", dir,
				(unsigned)(st->st_mode & 0777));
		finding_detail(c, "containers-storage accepts a runtime directory only when no one else can "
				"write to it; with this one it falls back to another directory");
		finding_remedy(c, "make it private to %s", d->user);
		finding_fix(c, FIX_RUNTIME, "chmod 0700 %s", q);
	} else {
		c = finding_add(out, "runtime-dir", G_RUNTIME, NF_OK, "XDG_RUNTIME_DIR=%s, owned by %s, mode 0700", dir,
				d->user);
	}
	if (err == 0) {
		if (fsinfo_is_network(fi) || fi->statfs_err == NF_EDEADLINE) {
			char *desc = fsinfo_describe(fi);

			c->status = NF_FAIL;
			finding_detail(c, "it is on %s: sockets and locks need a local filesystem", desc);
			finding_remedy(c, "use a local runtime directory such as %s", run);
			free(desc);
		}
		finding_value_str(c, "fstype", fi->fstype);
		finding_value_int(c, "owner", st->st_uid);
		finding_value_int(c, "mode", st->st_mode & 07777);
	}
	finding_value_str(c, "path", dir);
	free(q);
	free(run);
}

/*
 * Podman 6 refuses cgroup v1 for every command: cmd/podman
 * checkSupportedCgroups, logrus.Fatalf("Cgroups v1 not supported") when
 * common's cgroups.IsCgroup2UnifiedMode() -- statfs("/sys/fs/cgroup") is
 * not CGROUP2_SUPER_MAGIC (gather_cgroups) -- says no. Seen with 6.1.1;
 * 5.x only warns.
 */

void check_cgroups(const struct facts *d, struct findings *out)
{
	bool v2 = d->cgroup2;
	/* Podman's own release, not the storage code it runs: Debian's 5.8.6
	 * runs storage's new parser and still accepts cgroup v1. */
	unsigned rel = d->m.pv.release;
	struct finding *c;

	if (!d->model_ok)
		return;
	if (v2) {
		c = finding_add(out, "cgroups", "Control groups", NF_OK, "cgroup v2 (unified hierarchy)");
	} else if (rel >= PV(6, 0)) {
		c = finding_add(out, "cgroups", "Control groups", NF_FAIL, "Podman %u.%u refuses cgroup v1", rel / 100,
				rel % 100);
		finding_detail(c, "/sys/fs/cgroup is not a cgroup2 mount; Podman 6 stops every command with "
				"\"Cgroups v1 not supported\"");
		finding_remedy(c, "boot with systemd.unified_cgroup_hierarchy=1 on the kernel command line (cgroup v2), "
				"or install a Podman before 6.0");
	} else {
		c = finding_add(out, "cgroups", "Control groups", rel >= PV(5, 0) ? NF_WARN : NF_OK,
				"cgroup v1: Podman %u.%u still runs", rel / 100, rel % 100);
		if (rel >= PV(5, 0))
			finding_detail(c, "Podman 5 warns that cgroup v1 is deprecated; Podman 6 refuses it");
	}
	finding_value_bool(c, "cgroup2", v2);
	finding_value_str(c, "path", "/sys/fs/cgroup");
}
