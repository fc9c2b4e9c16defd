/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fix --image: give a user's container store its own XFS filesystem, with
 * reflink, in an image file -- the remedy that also works when the image
 * lives in a root-squashed NFS home. Everything that touches the home runs
 * in the user's name: the image is created and formatted by the user, and
 * opened read-write by the user; root only turns that open file into a loop
 * device and mounts it, on a directory the user also opened.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libmount.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>
#ifdef HAVE_XFS_XFS_H
#include <xfs/xfs.h>
#endif

#include <blkid.h>

#include "atomic-write.h"
#include "diag.h"
#include "exitcode.h"
#include "fix.h"
#include "fsx.h"
#include "goexpand.h"
#include "guard.h"
#include "loopdev.h"
#include "model.h"
#include "mounts.h"
#include "msg.h"
#include "probe.h"
#include "quote.h"
#include "strbuf.h"
#include "target.h"
#include "userpath.h"
#include "image-attach.h"
#include "image-job.h"
#include "image-lock.h"
#include "image-unit.h"
#include "util.h"
#include "xalloc.h"

/* The label that marks an image nfscheck made; XFS labels hold 12 bytes. */
#define IMAGE_LABEL "nfscheck"
/* mkfs.xfs refuses smaller filesystems. */
#define IMAGE_MIN_BYTES (300ULL << 20)
#define XFS_MAGIC 0x58465342u
/* mkfs.xfs of a large sparse file on a slow NFS server takes a while. */
#define MKFS_MS 120000
/* Attaching and mounting may wait on the image's server; not for ever. */
#define MOUNT_MS 60000

static bool parse_size(const char *s, unsigned long long *bytes)
{
	char *end;
	unsigned long long v;
	int shift = 0;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return false;
	switch (*end) {
	case 'K': case 'k': shift = 10; end++; break;
	case 'M': case 'm': shift = 20; end++; break;
	case 'G': case 'g': shift = 30; end++; break;
	case 'T': case 't': shift = 40; end++; break;
	default: break;
	}
	if (*end == 'i' || *end == 'B')
		end++;
	if (*end == 'B')
		end++;
	if (*end || v > (~0ULL >> shift))
		return false;
	*bytes = v << shift;
	return true;
}

/* ---- in the user's name ---- */

struct image_facts {
	int lstat_err;
	bool is_link;          /* the image, or a directory on the way to it, is a symbolic link */
	bool is_file;
	int probe_rc;          /* blkid_do_safeprobe: 0 found, 1 nothing, -2 ambivalent, -1 error */
	char type[32];
	char label[32];
	char uuid[64];
};

static void probe_facts(int fd, struct image_facts *f)
{
	/* libblkid's safe probe, the way wipefs and mkfs decide "in use". */
	blkid_probe pr = blkid_new_probe();
	const char *v;

	if (pr && blkid_probe_set_device(pr, fd, 0, 0) == 0) {
		blkid_probe_enable_superblocks(pr, 1);
		blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE | BLKID_SUBLKS_UUID | BLKID_SUBLKS_LABEL |
							      BLKID_SUBLKS_USAGE | BLKID_SUBLKS_BADCSUM);
		blkid_probe_enable_partitions(pr, 1);
		f->probe_rc = blkid_do_safeprobe(pr);
		if (blkid_probe_lookup_value(pr, "TYPE", &v, NULL) == 0)
			snprintf(f->type, sizeof(f->type), "%s", v);
		else if (blkid_probe_lookup_value(pr, "PTTYPE", &v, NULL) == 0)
			snprintf(f->type, sizeof(f->type), "partition table %s", v);
		if (blkid_probe_lookup_value(pr, "LABEL", &v, NULL) == 0)
			snprintf(f->label, sizeof(f->label), "%s", v);
		if (blkid_probe_lookup_value(pr, "UUID", &v, NULL) == 0)
			snprintf(f->uuid, sizeof(f->uuid), "%s", v);
	}
	if (pr)
		blkid_free_probe(pr);
}

static int facts_child(void *arg, struct guard_out *out)
{
	const struct upath *u = arg;
	struct image_facts f = {0};
	struct stat st;
	/* O_NONBLOCK: a FIFO planted there must not hang the look. */
	int fd = userpath_open(u->home, u->rel, false, O_RDONLY | O_NONBLOCK | O_CLOEXEC, 0);

	f.probe_rc = -1;
	if (fd == -ELOOP)
		f.is_link = true;
	else if (fd < 0)
		f.lstat_err = -fd;
	else if (fstat(fd, &st) != 0)
		f.lstat_err = errno;
	else
		f.is_file = S_ISREG(st.st_mode);
	if (fd >= 0 && f.is_file)
		probe_facts(fd, &f);
	if (fd >= 0)
		close(fd);
	guard_out_add(out, &f, sizeof(f));
	return 0;
}

static bool image_facts(const struct identity *as, const struct upath *u, struct image_facts *f)
{
	struct guard_out out;
	int status;
	bool ok = guard_run(as, FSX_CALL_MS, facts_child, (void *)u, &status, &out) == GUARD_OK &&
		  out.len == sizeof(*f);

	if (ok)
		memcpy(f, out.data, sizeof(*f));
	free(out.data);
	return ok;
}

struct create_arg {
	struct upath img;
	const char *file;
	unsigned long long size;
};

static int create_child(void *arg, struct guard_out *out)
{
	const struct create_arg *a = arg;
	int fd = userpath_open(a->img.home, a->img.rel, false, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	int err = 0;

	(void)out;
	if (fd < 0)
		return -fd;
	/* Sparse: the blocks are allocated as the store fills. */
	if (ftruncate(fd, (off_t)a->size) != 0 || fsync(fd) != 0)
		err = errno;
	if (close(fd) != 0 && !err)
		err = errno;
	if (err)
		unlink(a->file);
	return err;
}

struct mkfs_arg {
	struct upath img;
	uid_t uid;
	gid_t gid;
};

/* mkfs.xfs with a proto file that makes the root directory the user's, mode
 * 0700: after a mount on the user's directory, root could not reach it to
 * chown it on a root-squashed home. It formats the file walked to, by its
 * descriptor, not a name the user could re-point meanwhile. */
static int mkfs_child(void *arg, struct guard_out *out)
{
	const struct mkfs_arg *a = arg;
	char proto[128], path[64], dev[64];
	int fd = memfd_create("nfscheck-proto", 0), img = userpath_open(a->img.home, a->img.rel, false, O_RDWR, 0);
	char *argv[] = {(char *)"mkfs.xfs", (char *)"-q", (char *)"-m", (char *)"reflink=1", (char *)"-L",
			(char *)IMAGE_LABEL, (char *)"-p", path, dev, NULL};
	int n;

	(void)out;
	if (fd < 0 || img < 0)
		return 126;
	n = snprintf(proto, sizeof(proto), "/dev/null\n0 0\nd--700 %u %u\n$\n", (unsigned)a->uid, (unsigned)a->gid);
	if (write(fd, proto, (size_t)n) != n)
		return 126;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	snprintf(dev, sizeof(dev), "/proc/self/fd/%d", img);
	execvp(argv[0], argv);
	return 127;
}

/* Entries in the directory open as FD, or -1 when it cannot be listed. */
static long count_entries(int fd)
{
	int d = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dir = d >= 0 ? fdopendir(d) : NULL;
	struct dirent *e;
	long n = 0;

	if (!dir) {
		if (d >= 0)
			close(d);
		return -1;
	}
	errno = 0;
	while ((e = readdir(dir)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, ".."))
			n++;
	if (errno)
		n = -1;
	closedir(dir);
	return n;
}

/* What is at the mountpoint now, looked at in the user's name. */
struct mp_look {
	int err;         /* ENOENT: nothing there yet (it will be made) */
	uid_t owner;
	bool is_dir;
	long entries;    /* -1: it could not be listed */
};

static int look_child(void *arg, struct guard_out *out)
{
	const struct upath *u = arg;
	struct mp_look l = {0};
	struct stat st;
	int fd = userpath_open(u->home, u->rel, false, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);

	if (fd < 0)
		l.err = -fd;
	else if (fstat(fd, &st) != 0)
		l.err = errno;
	else {
		l.owner = st.st_uid;
		l.is_dir = S_ISDIR(st.st_mode);
		l.entries = count_entries(fd);
	}
	if (fd >= 0)
		close(fd);
	guard_out_add(out, &l, sizeof(l));
	return 0;
}

/*
 * Open, as the user, what root must act on: the image read-write, the
 * mountpoint (made if missing). Both walked from the home without
 * following a link; the mountpoint's entries counted through the very
 * descriptor root mounts on.
 */
static int open_child(void *arg, struct guard_out *out)
{
	const struct open_arg *a = arg;
	int fds[2], n = 0;
	long entries;

	if (a->img.rel && (fds[n++] = userpath_open(a->img.home, a->img.rel, false, O_RDWR | O_CLOEXEC, 0)) < 0)
		return -fds[n - 1];
	fds[n++] = userpath_open(a->mp.home, a->mp.rel, a->mkdirs,
				 (a->mkdirs ? O_RDONLY : O_PATH) | O_DIRECTORY | O_CLOEXEC, 0);
	if (fds[n - 1] < 0)
		return -fds[n - 1];
	entries = a->mkdirs ? count_entries(fds[n - 1]) : 0;
	guard_out_add(out, &entries, sizeof(entries));
	guard_send_now(out->data, out->len);
	out->len = 0;
	return guard_send_fds(fds, n) ? 0 : EIO;
}

/*
 * Descriptors opened as the user: image (when given) then mountpoint, in
 * out->fds; *ENTRIES, what the mountpoint holds (-1: not listable). Returns
 * 0 or an errno; on failure no descriptor stays open.
 */
int image_open_as_user(const struct target *t, const struct open_arg *oa, long *entries, struct guard_out *out)
{
	int want = oa->img.rel ? 2 : 1, status = 0;
	enum guard_status r;

	memset(out, 0, sizeof(*out));
	r = guard_run(t->as, FSX_CALL_MS, open_child, (void *)oa, &status, out);
	if (r == GUARD_OK && status == 0 && out->nfds == want && out->len >= sizeof(*entries)) {
		memcpy(entries, out->data, sizeof(*entries));
		free(out->data);
		out->data = NULL;
		return 0;
	}
	free(out->data);
	out->data = NULL;
	guard_out_close_fds(out);
	return status > 0 ? status : r == GUARD_DEADLINE ? NF_EDEADLINE : EIO;
}

struct verify_result {
	int statfs_err;
	unsigned long magic;
	int write_err;
	int clone_err;
	uid_t owner;
	mode_t mode;
	bool geometry_reflink;
	bool geometry_known;
};

/* Write, clone and look at the new filesystem the way the user will. */
static int verify_child(void *arg, struct guard_out *out)
{
	const char *mp = arg;
	struct verify_result v = {0};
	struct statfs sf;
	struct stat st;
	char *a = xasprintf("%s/.nfscheck-verify-a", mp), *b = xasprintf("%s/.nfscheck-verify-b", mp);
	int fa, fb;

	v.statfs_err = statfs(mp, &sf) == 0 ? 0 : errno;
	v.magic = v.statfs_err ? 0 : (unsigned long)sf.f_type;
	if (stat(mp, &st) == 0) {
		v.owner = st.st_uid;
		v.mode = st.st_mode & 07777;
	}
	fa = open(a, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fa < 0 || write(fa, "nfscheck\n", 9) != 9 || fsync(fa) != 0)
		v.write_err = errno ? errno : EIO;
	fb = open(b, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	v.clone_err = fa < 0 || fb < 0 ? EIO : ioctl(fb, FICLONE, fa) == 0 ? 0 : errno;
#ifdef HAVE_XFS_XFS_H
	{
		struct xfs_fsop_geom geo;

		memset(&geo, 0, sizeof(geo));
		if (fa >= 0 && ioctl(fa, XFS_IOC_FSGEOMETRY, &geo) == 0) {
			v.geometry_known = true;
			v.geometry_reflink = (geo.flags & XFS_FSOP_GEOM_FLAGS_REFLINK) != 0;
		}
	}
#endif
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
	unlink(a);
	unlink(b);
	free(a);
	free(b);
	guard_out_add(out, &v, sizeof(v));
	return 0;
}

/* ---- root ---- */

int image_resolve_user(const struct fix_options *o, struct target *t)
{
	const char *user = o->user ? o->user : getenv("SUDO_USER");

	if (geteuid() != 0) {
		nf_error("fix: --image and --undo set up loop devices and mounts, which needs root");
		return NF_EXIT_NOPERM;
	}
	if (!user || !*user)
		return nf_usage_error("fix", "fix: --image needs --user NAME: whose store it becomes");
	return target_open(t, user);
}

/* The mount on exactly PATH, if any. */
static struct libmnt_fs *mount_at(struct mount_table *mt, const char *path)
{
	struct libmnt_fs *fs = mount_table_find(mt, path);

	return fs && strcmp(mnt_fs_get_target(fs), path) == 0 ? fs : NULL;
}

static char *default_mountpoint(const struct target *t)
{
	return go_join(t->id.home, ".local/share/containers");
}

static char *absolute(const char *p)
{
	char cwd[4096];

	if (p[0] == '/' || !getcwd(cwd, sizeof(cwd)))
		return go_clean_path(p);
	return go_join(cwd, p);
}

static int verify(const struct target *t, const char *mp, const char *dev)
{
	struct verify_result v = {0};
	struct guard_out out;
	struct mount_table mt = {0};
	struct libmnt_fs *fs;
	struct probe_result pr;
	struct subids ids;
	struct probe_request rq = {0};
	int status, bad = 0;
	char *fuid = NULL, *fgid = NULL;

	if (guard_run(t->as, FSX_CALL_MS, verify_child, (void *)mp, &status, &out) == GUARD_OK && out.len == sizeof(v))
		memcpy(&v, out.data, sizeof(v));
	else
		v.statfs_err = EIO;
	free(out.data);
	mount_table_load(&mt, NULL);
	fs = mount_at(&mt, mp);
	printf("verify:\n");
	if (!fs || strcmp(mnt_fs_get_fstype(fs), "xfs") != 0 || v.magic != XFS_MAGIC) {
		printf("  FAIL mounted: %s is not the XFS filesystem\n", mp);
		bad++;
	} else {
		bool ro = mnt_fs_get_option(fs, "ro", NULL, NULL) == 0 || loop_is_readonly(dev);

		printf("  %s read-write: %s on %s (%s)\n", ro ? "FAIL" : "ok  ", mnt_fs_get_source(fs), mp,
		       ro ? "read-only" : "rw");
		bad += ro;
	}
	mount_table_free(&mt);
	printf("  %s a file written and synced as %s%s%s\n", v.write_err ? "FAIL" : "ok  ", t->id.name,
	       v.write_err ? ": " : "", v.write_err ? strerror(v.write_err) : "");
	bad += v.write_err != 0;
	printf("  %s reflink: FICLONE %s%s\n", v.clone_err ? "FAIL" : "ok  ", v.clone_err ? strerror(v.clone_err) : "works",
	       v.geometry_known ? (v.geometry_reflink ? ", XFS geometry says reflink=1" : ", XFS geometry says reflink=0") : "");
	bad += v.clone_err != 0;
	printf("  %s owner %s, mode %04o\n", v.owner == t->id.uid && v.mode == 0700 ? "ok  " : "FAIL", t->id.name,
	       (unsigned)v.mode);
	bad += !(v.owner == t->id.uid && v.mode == 0700);
	/* The diagnose probe, as Podman will use it. */
	subids_lookup(&ids, t->id.name, t->id.name, t->id.uid);
	{
		struct fsx x = {.as = t->as};

		fsx_lookpath(&x, "newuidmap", userenv_get(&t->env, "PATH"), &fuid);
		fsx_lookpath(&x, "newgidmap", userenv_get(&t->env, "PATH"), &fgid);
	}
	rq.dir = mp;
	rq.as = t->as;
	rq.uid = t->id.uid;
	rq.gid = t->id.gid;
	rq.uids = &ids.uid;
	rq.gids = &ids.gid;
	rq.newuidmap = fuid;
	rq.newgidmap = fgid;
	rq.timeout_ms = 8000;
	probe_run(&rq, &pr);
	{
		int failed = -1;

		for (int s = 0; s < PS__COUNT; s++)
			if (pr.step[s].done && pr.step[s].err && failed < 0)
				failed = s;
		if (pr.setup_stage || failed >= 0 || pr.timed_out) {
			printf("  FAIL probe: %s%s%s\n", failed >= 0 ? probe_step_text(failed) : pr.setup_stage ? pr.setup_stage : "timed out",
			       failed >= 0 ? ": " : "", failed >= 0 ? errno_name(pr.step[failed].err) : "");
			bad++;
		} else {
			printf("  ok   probe: chown into subordinate IDs works (%s)\n", pr.mapping);
		}
	}
	probe_result_free(&pr);
	subids_free(&ids);
	free(fuid);
	free(fgid);
	return bad;
}

/*
 * Podman uses the image only if the user's graphroot is inside the
 * mountpoint. Checked before a new image is made or anything moved: an
 * image Podman would not use is a gigabyte of someone's quota for nothing.
 */
static int graphroot_inside(const struct target *t, const char *mp, const char *podman_version)
{
	struct model m;
	struct model_request req = {.env = &t->env, .as = t->as, .podman_version = podman_version};
	int st = NF_EXIT_OK;

	/* A configuration Podman cannot read is diagnose's to report. */
	if (model_build(&m, &req) != 0)
		return NF_EXIT_OK;
	if (m.graphroot.value && !path_under(m.graphroot.value, mp)) {
		char *o = origin_text(&m.graphroot.origin), *qs = xasprintf("%s/storage", mp), *qq = shell_quote(qs);

		nf_error("fix: Podman's graphroot for %s is %s (from %s), outside %s: Podman would not use the "
			 "image; refusing to make it. Move the graphroot into it first:\n"
			 "    nfscheck fix --user %s --graphroot %s\n"
			 "then run this command again", t->id.name, m.graphroot.value, o, mp, t->id.name, qq);
		free(o);
		free(qs);
		free(qq);
		st = NF_EXIT_PROBLEMS;
	}
	model_free(&m);
	return st;
}

void image_job_free(struct job *j)
{
	free(j->image);
	free(j->mp);
	free(j->mpres);
	free((char *)j->img.rel);
	free((char *)j->mpu.rel);
	target_close(&j->t);
}

/* Root acts only below the user's home: what it opens and mounts on is
 * reached from there, one name at a time, never through a link. */
int image_job_paths(const struct fix_options *o, struct job *j)
{
	const char *home = j->t.id.home;
	char *hres = NULL, *m;
	const char *why;

	j->x.as = j->t.as;
	j->x.timeout_ms = 0;
	j->image = o->image ? absolute(o->image) : NULL;
	j->mp = o->mountpoint ? absolute(o->mountpoint) : default_mountpoint(&j->t);
	j->img.home = j->mpu.home = home;
	if (j->image && !(j->img.rel = userpath_beneath(home, j->image))) {
		nf_error("fix: %s is not inside %s's home %s: the image must be the user's own file there", j->image,
			 j->t.id.name, home);
		return NF_EXIT_PROBLEMS;
	}
	if (!(j->mpu.rel = userpath_beneath(home, j->mp))) {
		nf_error("fix: %s is not inside %s's home %s: nfscheck mounts only on the user's own directory there",
			 j->mp, j->t.id.name, home);
		return NF_EXIT_PROBLEMS;
	}
	/* --persist writes them into a unit: refused there, so refused before anything is made. */
	if (o->persist && ((why = text_refusal(j->image ? j->image : "")) || (why = text_refusal(j->mp)) ||
			   (why = text_refusal(o->size)))) {
		nf_error("fix: --persist: the image or mountpoint path cannot go into a unit file: %s", why);
		return NF_EXIT_USAGE;
	}
	if (fsx_resolve_prefix(&j->x, home, &hres) != 0)
		hres = xstrdup(home);
	m = go_join(hres, j->mpu.rel);
	j->mpres = go_clean_path(m);
	free(m);
	free(hres);
	return NF_EXIT_OK;
}

const char *image_walk_error(int err)
{
	return err == ELOOP ? "it is, or lies through, a symbolic link" : nf_strerror(err);
}

/* The image: absent (to create), an nfscheck image (to attach again), or refused. */
static int check_image(struct job *j, struct image_facts *f, bool *reattach)
{
	*reattach = false;
	if (!image_facts(j->t.as, &j->img, f)) {
		nf_error("fix: cannot look at %s as %s", j->image, j->t.id.name);
		return NF_EXIT_INCOMPLETE;
	}
	if (f->is_link || (f->lstat_err == 0 && !f->is_file)) {
		nf_error("fix: %s: %s; refusing to use it", j->image,
			 f->is_link ? image_walk_error(ELOOP) : "not a regular file");
		return NF_EXIT_PROBLEMS;
	}
	if (f->lstat_err == ENOENT)
		return NF_EXIT_OK;
	if (f->lstat_err) {
		nf_error("fix: %s: %s", j->image, nf_strerror(f->lstat_err));
		return NF_EXIT_INCOMPLETE;
	}
	if (f->probe_rc == 0 && strcmp(f->type, "xfs") == 0 && strcmp(f->label, IMAGE_LABEL) == 0) {
		*reattach = true;
		return NF_EXIT_OK;
	}
	nf_error("fix: %s already exists and holds %s%s%s%s; refusing to overwrite it", j->image,
		 f->probe_rc == -2 ? "several signatures" : *f->type ? f->type : "data, but no filesystem nfscheck made",
		 *f->uuid ? " (UUID " : "", f->uuid, *f->uuid ? ")" : "");
	return NF_EXIT_PROBLEMS;
}

/* The mountpoint must be the user's own directory (or not there yet), and
 * what mounting over it would hide is known: nothing, or (*ASIDE) what
 * --move-aside is to move. */
static int check_mountpoint(struct job *j, const struct fix_options *o, bool *aside)
{
	struct mp_look l = {0};
	struct guard_out out;
	int status;

	if (guard_run(j->t.as, FSX_CALL_MS, look_child, &j->mpu, &status, &out) == GUARD_OK && out.len == sizeof(l))
		memcpy(&l, out.data, sizeof(l));
	else
		l.err = EIO;
	free(out.data);
	if (l.err == ENOENT)
		return NF_EXIT_OK;
	if (l.err || !l.is_dir || l.owner != j->t.id.uid) {
		nf_error("fix: %s: %s; refusing to mount on it", j->mpres,
			 l.err ? image_walk_error(l.err) : !l.is_dir ? "not a directory" : "not a directory the user owns");
		return NF_EXIT_PROBLEMS;
	}
	if (l.entries < 0) {
		nf_error("fix: %s cannot be listed as %s, so what a mount would hide is unknown; refusing", j->mpres,
			 j->t.id.name);
		return NF_EXIT_PROBLEMS;
	}
	if (l.entries && !o->move_aside) {
		nf_error("fix: %s is not empty: mounting over it would hide %ld entr%s; move them away, or give "
			 "--move-aside", j->mpres, l.entries, l.entries == 1 ? "y" : "ies");
		return NF_EXIT_PROBLEMS;
	}
	if (l.entries && o->dry_run) {
		printf("would move the old %s aside\n", j->mpres);
		return NF_EXIT_OK;
	}
	*aside = l.entries != 0;
	return NF_EXIT_OK;
}

/* Create and format the image, all in the user's name. */
static int make_image(struct job *j, const struct fix_options *o, unsigned long long size, struct image_facts *f,
		      bool *created)
{
	struct create_arg ca = {j->img, j->image, size};
	struct mkfs_arg ma = {j->img, j->t.id.uid, j->t.id.gid};
	struct guard_out out;
	int status;

	if (guard_run(j->t.as, FSX_CALL_MS, create_child, &ca, &status, &out) != GUARD_OK || status) {
		nf_error("fix: cannot create %s as %s: %s", j->image, j->t.id.name, image_walk_error(status > 0 ? status : EIO));
		free(out.data);
		return NF_EXIT_INCOMPLETE;
	}
	free(out.data);
	*created = true;
	if (guard_run(j->t.as, MKFS_MS, mkfs_child, &ma, &status, &out) != GUARD_OK || status) {
		if (status == 127)
			nf_error("fix: mkfs.xfs not found: install xfsprogs");
		else
			nf_error("fix: mkfs.xfs failed on %s (exit %d)", j->image, status);
		free(out.data);
		return NF_EXIT_INCOMPLETE;
	}
	free(out.data);
	if (!image_facts(j->t.as, &j->img, f) || f->probe_rc != 0 || strcmp(f->type, "xfs") != 0) {
		nf_error("fix: %s does not hold XFS after mkfs.xfs (blkid: %s)", j->image, *f->type ? f->type : "nothing");
		return NF_EXIT_INCOMPLETE;
	}
	printf("created %s: %s, XFS with reflink, UUID %s, made by %s\n", j->image, o->size, f->uuid, j->t.id.name);
	return NF_EXIT_OK;
}

/* What the user handed over must be what root means to act on: the
 * user's own regular file, and the user's own empty directory. */
static const char *handed_over_wrong(const struct job *j, int img, int dir, long entries)
{
	struct stat a, b;

	if (fstat(img, &a) != 0 || !S_ISREG(a.st_mode) || a.st_uid != j->t.id.uid)
		return "the image is not a regular file of the user";
	if (fstat(dir, &b) != 0 || !S_ISDIR(b.st_mode) || b.st_uid != j->t.id.uid)
		return "the mountpoint is not a directory of the user";
	if (entries < 0)
		return "the mountpoint cannot be listed, so what a mount would hide is unknown";
	return entries ? "the mountpoint is not empty" : NULL;
}

/* Open both as the user, attach and mount under a deadline, record it;
 * then the holder H keeps the lock for as long as the image is attached. */
static int attach(struct job *j, char **dev, int *mfd, struct image_holder *h)
{
	struct open_arg oa = {j->img, j->mpu, true};
	struct image_record rec;
	struct guard_out out;
	char msg[512] = "";
	const char *why;
	long entries = -1;
	int err;

	if ((err = image_open_as_user(&j->t, &oa, &entries, &out)) != 0) {
		nf_error("fix: %s cannot open %s and %s: %s", j->t.id.name, j->image, j->mpres, image_walk_error(err));
		return NF_EXIT_INCOMPLETE;
	}
	if ((why = handed_over_wrong(j, out.fds[0], out.fds[1], entries))) {
		nf_error("fix: %s: %s; refusing to mount", j->mpres, why);
		guard_out_close_fds(&out);
		return NF_EXIT_PROBLEMS;
	}
	err = image_mount(out.fds[0], out.fds[1], j->image, j->t.id.uid, j->mpres, MOUNT_MS, dev, mfd, &rec, msg,
			  sizeof(msg));
	guard_out_close_fds(&out);
	if (err) {
		nf_error("fix: cannot mount %s on %s: %s", j->image, j->mpres, msg);
		return err == EPERM || err == EXDEV ? NF_EXIT_PROBLEMS : NF_EXIT_INCOMPLETE;
	}
	rec.holder_pid = h->pid;
	rec.holder_start = h->start;
	if ((err = image_record_write(j->t.id.uid, &rec)) != 0) {
		nf_error("fix: cannot record the mount in %s: %s; unmounted it again", IMAGE_STATE_DIR, strerror(err));
		image_unmount_fd(*mfd, j->mpres);
		*mfd = -1;
		return NF_EXIT_INCOMPLETE;
	}
	image_lock_keep(h, *dev, &rec);
	printf("attached %s to %s and mounted it on %s (nosuid, nodev)\n", j->image, *dev, j->mpres);
	return NF_EXIT_OK;
}

/* Already mounted there: fine when it is this image, refused otherwise. */
static int already_mounted(struct job *j, const struct fix_options *o, struct libmnt_fs *fs)
{
	char *back = loop_backing_file(mnt_fs_get_source(fs) ? mnt_fs_get_source(fs) : ""), *imgres = NULL;
	int st;

	fsx_realpath(&j->x, j->image, &imgres);
	if (back && imgres && strcmp(back, imgres) == 0) {
		printf("%s is already attached at %s: nothing to change\n", j->image, j->mpres);
		st = verify(&j->t, j->mpres, mnt_fs_get_source(fs)) ? NF_EXIT_PROBLEMS : NF_EXIT_OK;
		if (o->persist && st == NF_EXIT_OK)
			st = image_unit_write(&j->t, j->image, o->size, j->mpres, o->dry_run);
	} else {
		nf_error("fix: %s is already a mount point (%s from %s); refusing to mount over it", j->mpres,
			 mnt_fs_get_fstype(fs), mnt_fs_get_source(fs));
		st = NF_EXIT_PROBLEMS;
	}
	free(back);
	free(imgres);
	return st;
}

static void dry_run_report(const struct job *j, const struct fix_options *o, bool reattach)
{
	if (reattach)
		printf("would attach the existing nfscheck image %s\n", j->image);
	else
		printf("would create %s (%s, sparse) as %s and make an XFS filesystem with reflink in it\n", j->image,
		       o->size, j->t.id.name);
	printf("would open it as %s, attach it to a loop device and mount it on %s (read-write, nodev, "
	       "nosuid)\n", j->t.id.name, j->mpres);
}

/* After the mount: verify, persist, diagnose. A failed verify undoes the mount. */
static int finish(struct job *j, const struct fix_options *o, const char *dev, int mfd)
{
	int st = NF_EXIT_OK;

	if (verify(&j->t, j->mpres, dev)) {
		printf("unmounted %s again: it failed the checks above\n", j->mpres);
		image_unmount_fd(mfd, j->mpres);
		image_record_remove(j->t.id.uid);
		return NF_EXIT_PROBLEMS;
	}
	close(mfd);
	if (o->persist)
		st = image_unit_write(&j->t, j->image, o->size, j->mpres, false);
	fflush(stdout);
	/* At boot the user has not logged in: their runtime directory and
	 * session do not exist yet, and the unit's status is the attach's. */
	if (o->no_diagnose)
		return st;
	{
		struct diag_options d = {.user = j->t.id.name, .podman_version = o->podman_version,
					 .timeout_ms = o->timeout_ms ? o->timeout_ms : DIAG_DEFAULT_TIMEOUT_MS};
		int ds;

		putchar('\n');
		ds = diagnose_run(&d);
		if (st == NF_EXIT_OK)
			st = ds;
	}
	return st;
}

int fix_image(const struct fix_options *o)
{
	struct job j = {0};
	struct image_facts f;
	struct image_holder h = {.pid = -1, .sock = -1};
	struct mount_table mt = {0};
	struct libmnt_fs *fs;
	unsigned long long size;
	char *dev = NULL;
	bool reattach = false, created = false, aside = false;
	int st, mfd = -1;

	if (!parse_size(o->size, &size))
		return nf_usage_error("fix", "fix: --size '%s' is not a size such as 20G", o->size);
	if (size < IMAGE_MIN_BYTES)
		return nf_usage_error("fix", "fix: --size %s is below the 300M an XFS filesystem needs", o->size);
	st = image_resolve_user(o, &j.t);
	if (st != NF_EXIT_OK)
		return st;
	if ((st = image_job_paths(o, &j)) != NF_EXIT_OK || (st = check_image(&j, &f, &reattach)) != NF_EXIT_OK)
		goto out;
	mount_table_load(&mt, NULL);
	if ((fs = mount_at(&mt, j.mpres))) {
		st = already_mounted(&j, o, fs);
		goto out;
	}
	/* An image that exists holds a store already: attach it wherever asked
	 * (the --persist unit does at boot, whatever the graphroot is now). */
	/* One host at a time: the lock before anything is moved, made or
	 * mounted, so that a refusal touches nothing. */
	if ((!reattach && (st = graphroot_inside(&j.t, j.mpres, o->podman_version)) != NF_EXIT_OK) ||
	    (st = check_mountpoint(&j, o, &aside)) != NF_EXIT_OK ||
	    (!o->dry_run && (st = image_lock_take(&j, &h)) != NF_EXIT_OK) ||
	    (aside && !o->dry_run && (st = image_move_aside(&j)) != NF_EXIT_OK))
		goto out;
	if (o->dry_run) {
		dry_run_report(&j, o, reattach);
		if (o->persist)
			st = image_unit_write(&j.t, j.image, o->size, j.mpres, true);
		goto out;
	}
	if (!reattach && (st = make_image(&j, o, size, &f, &created)) != NF_EXIT_OK)
		goto out;
	if ((st = attach(&j, &dev, &mfd, &h)) != NF_EXIT_OK)
		goto out;
	created = false;
	st = finish(&j, o, dev, mfd);
out:
	/* Not attached (or handed over already): let go of the lock. */
	image_lock_drop(&h);
	/* A half-made image is no use to anyone: leave nothing behind. */
	if (created && st != NF_EXIT_OK)
		guard_remove(j.t.as, FSX_CALL_MS, j.image, false);
	mount_table_free(&mt);
	free(dev);
	image_job_free(&j);
	return st;
}
