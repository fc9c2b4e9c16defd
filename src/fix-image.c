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
#include "strbuf.h"
#include "target.h"
#include "xalloc.h"

/* The label that marks an image nfscheck made; XFS labels hold 12 bytes. */
#define IMAGE_LABEL "nfscheck"
/* mkfs.xfs refuses smaller filesystems. */
#define IMAGE_MIN_BYTES (300ULL << 20)
#define XFS_MAGIC 0x58465342u
/* mkfs.xfs of a large sparse file on a slow NFS server takes a while. */
#define MKFS_MS 120000
#define UNIT_DIR "/etc/systemd/system"

extern const char nfscheck_unit_template[];

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
	bool is_link;
	bool is_file;
	int probe_rc;          /* blkid_do_safeprobe: 0 found, 1 nothing, -2 ambivalent, -1 error */
	char type[32];
	char label[32];
	char uuid[64];
};

static int facts_child(void *arg, struct guard_out *out)
{
	const char *file = arg;
	struct image_facts f = {0};
	struct stat st;
	blkid_probe pr;
	const char *v;
	int fd;

	f.probe_rc = -1;
	if (lstat(file, &st) != 0) {
		f.lstat_err = errno;
	} else {
		f.is_link = S_ISLNK(st.st_mode);
		f.is_file = S_ISREG(st.st_mode);
	}
	if (!f.lstat_err && f.is_file && (fd = open(file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) >= 0) {
		/* libblkid's safe probe, the way wipefs and mkfs decide "in use". */
		pr = blkid_new_probe();
		if (pr && blkid_probe_set_device(pr, fd, 0, 0) == 0) {
			blkid_probe_enable_superblocks(pr, 1);
			blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE | BLKID_SUBLKS_UUID | BLKID_SUBLKS_LABEL |
								      BLKID_SUBLKS_USAGE | BLKID_SUBLKS_BADCSUM);
			blkid_probe_enable_partitions(pr, 1);
			f.probe_rc = blkid_do_safeprobe(pr);
			if (blkid_probe_lookup_value(pr, "TYPE", &v, NULL) == 0)
				snprintf(f.type, sizeof(f.type), "%s", v);
			else if (blkid_probe_lookup_value(pr, "PTTYPE", &v, NULL) == 0)
				snprintf(f.type, sizeof(f.type), "partition table %s", v);
			if (blkid_probe_lookup_value(pr, "LABEL", &v, NULL) == 0)
				snprintf(f.label, sizeof(f.label), "%s", v);
			if (blkid_probe_lookup_value(pr, "UUID", &v, NULL) == 0)
				snprintf(f.uuid, sizeof(f.uuid), "%s", v);
		}
		if (pr)
			blkid_free_probe(pr);
		close(fd);
	}
	guard_out_add(out, &f, sizeof(f));
	return 0;
}

static bool image_facts(const struct identity *as, const char *file, struct image_facts *f)
{
	struct guard_out out;
	int status;
	bool ok = guard_run(as, FSX_CALL_MS, facts_child, (void *)file, &status, &out) == GUARD_OK &&
		  out.len == sizeof(*f);

	if (ok)
		memcpy(f, out.data, sizeof(*f));
	free(out.data);
	return ok;
}

struct create_arg {
	const char *file;
	unsigned long long size;
};

static int create_child(void *arg, struct guard_out *out)
{
	const struct create_arg *a = arg;
	int fd = open(a->file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	int err = 0;

	(void)out;
	if (fd < 0)
		return errno;
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
	const char *file;
	uid_t uid;
	gid_t gid;
};

/* mkfs.xfs with a proto file that makes the root directory the user's, mode
 * 0700: after a mount on the user's directory, root could not reach it to
 * chown it on a root-squashed home. */
static int mkfs_child(void *arg, struct guard_out *out)
{
	const struct mkfs_arg *a = arg;
	char proto[128], path[64];
	int fd = memfd_create("nfscheck-proto", 0), null = open("/dev/null", O_RDWR | O_CLOEXEC);
	char *argv[] = {(char *)"mkfs.xfs", (char *)"-q", (char *)"-m", (char *)"reflink=1", (char *)"-L",
			(char *)IMAGE_LABEL, (char *)"-p", path, (char *)a->file, NULL};
	int n;

	(void)out;
	if (fd < 0 || null < 0)
		return 126;
	n = snprintf(proto, sizeof(proto), "/dev/null\n0 0\nd--700 %u %u\n$\n", (unsigned)a->uid, (unsigned)a->gid);
	if (write(fd, proto, (size_t)n) != n)
		return 126;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	dup2(null, 0);
	execvp(argv[0], argv);
	return 127;
}

static int remove_child(void *arg, struct guard_out *out)
{
	(void)out;
	return unlink((const char *)arg) == 0 ? 0 : errno;
}

struct open_arg {
	const char *image;     /* NULL: only the mountpoint */
	const char *mountpoint;
};

/* Open, as the user, what root must act on: the image read-write, the mountpoint. */
static int open_child(void *arg, struct guard_out *out)
{
	const struct open_arg *a = arg;
	int fds[2], n = 0;

	(void)out;
	if (a->image && (fds[n++] = open(a->image, O_RDWR | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return errno;
	if ((fds[n++] = open(a->mountpoint, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return errno;
	return guard_send_fds(fds, n) ? 0 : EIO;
}

/*
 * Descriptors opened as the user: image (when given) then mountpoint, in
 * out->fds. Returns 0 or an errno; on failure no descriptor stays open.
 */
static int open_as_user(const struct target *t, const char *image, const char *mountpoint, struct guard_out *out)
{
	struct open_arg oa = {image, mountpoint};
	int want = image ? 2 : 1, status = 0;
	enum guard_status r;

	memset(out, 0, sizeof(*out));
	r = guard_run(t->as, FSX_CALL_MS, open_child, &oa, &status, out);
	free(out->data);
	out->data = NULL;
	if (r == GUARD_OK && status == 0 && out->nfds == want)
		return 0;
	guard_out_close_fds(out);
	return status > 0 ? status : EIO;
}

struct aside_arg {
	const char *dir;
	char *moved;
};

static int aside_child(void *arg, struct guard_out *out)
{
	const struct aside_arg *a = arg;
	char stamp[32], *to;
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	to = xasprintf("%s.nfscheck-moved-%s", a->dir, stamp);
	if (rename(a->dir, to) != 0) {
		free(to);
		return errno;
	}
	guard_out_add(out, to, strlen(to) + 1);
	free(to);
	return mkdir(a->dir, 0700) == 0 ? 0 : errno;
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

static int resolve_user(const struct fix_options *o, struct target *t)
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

/* The systemd unit file for this user's image. */
static char *unit_path(const struct target *t)
{
	const char *n = t->id.name;
	bool plain = strspn(n, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == strlen(n);

	return plain ? xasprintf("%s/nfscheck-image-%s.service", UNIT_DIR, n)
		     : xasprintf("%s/nfscheck-image-uid%u.service", UNIT_DIR, (unsigned)t->id.uid);
}

/* One argument of an Exec line: quoted, with systemd's % specifiers escaped. */
static void unit_arg(struct strbuf *b, const char *s)
{
	strbuf_adds(b, "\"");
	for (; *s; s++) {
		if (*s == '%')
			strbuf_adds(b, "%%");
		else if (*s == '"' || *s == '\\') {
			char e[2] = {'\\', *s};

			strbuf_add(b, e, 2);
		} else
			strbuf_add(b, s, 1);
	}
	strbuf_adds(b, "\"");
}

static char *render_unit(const struct target *t, const char *image, const char *size, const char *mp)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *dir = xstrdup(image);
	struct strbuf b = {0};

	self[n > 0 ? n : 0] = '\0';
	*strrchr(dir, '/') = '\0';
	for (const char *p = nfscheck_unit_template; *p;) {
		const struct {
			const char *key;
			const char *val;
			bool quote;
		} subst[] = {
			{"@NFSCHECK@", self, true}, {"@IMAGE@", image, true}, {"@SIZE@", size, true},
			{"@MOUNTPOINT@", mp, true}, {"@USER@", t->id.name, true}, {"@IMAGE_DIR@", *dir ? dir : "/", false},
		};
		bool done = false;

		for (size_t i = 0; i < sizeof(subst) / sizeof(subst[0]) && !done; i++)
			if (strncmp(p, subst[i].key, strlen(subst[i].key)) == 0) {
				/* Only Exec lines need quoting; comments and Description take plain text. */
				const char *line = b.p ? strrchr(b.p, '\n') : NULL;
				bool exec = strncmp(line ? line + 1 : b.p ? b.p : "", "Exec", 4) == 0;

				if (subst[i].quote && exec)
					unit_arg(&b, subst[i].val);
				else
					strbuf_adds(&b, subst[i].val);
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

static int write_unit(const struct target *t, const char *image, const char *size, const char *mp, bool dry_run)
{
	char *path = unit_path(t), *text = render_unit(t, image, size, mp), *old = NULL, *link, *target;
	struct fsx x = {0};
	size_t old_len = 0;
	int err = fsx_read_file(&x, path, 1 << 16, &old, &old_len), st = NF_EXIT_OK;
	struct aw_request rq = {.path = path, .trusted = UNIT_DIR, .expect = err == 0 ? old : NULL,
				.expect_len = old_len, .data = text, .len = strlen(text), .new_mode = 0644,
				.dir_mode = 0755, .keep_owner = true};
	struct aw_result res = {0};

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

static void remove_unit(const struct target *t)
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

/* Mount DEV on the directory the user opened (FD): root may not be able to
 * look up that path itself on a root-squashed home, so the target is the
 * descriptor, and libmount must not canonicalise it. */
static int mount_xfs(const char *dev, int fd, char *msg, size_t msglen)
{
	struct libmnt_context *cxt = mnt_new_context();
	char target[64];
	int rc, ex;

	if (!cxt)
		return -ENOMEM;
	snprintf(target, sizeof(target), "/proc/self/fd/%d", fd);
	mnt_context_disable_canonicalize(cxt, 1);
	mnt_context_disable_helpers(cxt, 1);
	mnt_context_set_source(cxt, dev);
	mnt_context_set_target(cxt, target);
	mnt_context_set_fstype(cxt, "xfs");
	mnt_context_set_options(cxt, "rw,nodev,nosuid");
	rc = mnt_context_mount(cxt);
	ex = mnt_context_get_excode(cxt, rc, msg, msglen);
	mnt_free_context(cxt);
	return ex == MNT_EX_SUCCESS ? 0 : rc ? rc : -EIO;
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

/* Podman uses the image only if the user's graphroot is inside it. */
static bool graphroot_inside(const struct target *t, const char *mp, const char *podman_version)
{
	struct model m;
	struct model_request req = {.env = &t->env, .as = t->as, .podman_version = podman_version};
	bool inside = false;
	size_t n = strlen(mp);

	if (model_build(&m, &req) != 0)
		return true;
	if (m.graphroot.value) {
		inside = strncmp(m.graphroot.value, mp, n) == 0 && (m.graphroot.value[n] == '/' || !m.graphroot.value[n]);
		if (!inside) {
			char *o = origin_text(&m.graphroot.origin), *q = shell_quote(mp);

			printf("warning: Podman's graphroot for %s is %s (from %s), outside %s: it will not use the "
			       "image until the graphroot moves into it:\n    nfscheck fix --user %s --graphroot %s/storage\n",
			       t->id.name, m.graphroot.value, o, mp, t->id.name, q);
			free(o);
			free(q);
		}
	}
	model_free(&m);
	return inside;
}

int fix_image(const struct fix_options *o)
{
	struct target t;
	struct image_facts f;
	struct mount_table mt = {0};
	struct libmnt_fs *fs;
	struct guard_out out = {0};
	struct fsx x;
	unsigned long long size;
	char *image = NULL, *mp = NULL, *mpres = NULL, *imgres = NULL, *dev = NULL, msg[512] = "";
	bool reattach = false, created = false;
	int st, status, err, lfd = -1;

	if (!parse_size(o->size, &size))
		return nf_usage_error("fix", "fix: --size '%s' is not a size such as 20G", o->size);
	if (size < IMAGE_MIN_BYTES)
		return nf_usage_error("fix", "fix: --size %s is below the 300M an XFS filesystem needs", o->size);
	st = resolve_user(o, &t);
	if (st != NF_EXIT_OK)
		return st;
	x.as = t.as;
	x.timeout_ms = 0;
	image = absolute(o->image);
	mp = o->mountpoint ? absolute(o->mountpoint) : default_mountpoint(&t);
	if (!image_facts(t.as, image, &f)) {
		nf_error("fix: cannot look at %s as %s", image, t.id.name);
		st = NF_EXIT_INCOMPLETE;
		goto out;
	}
	if (f.lstat_err == 0) {
		if (f.is_link || !f.is_file) {
			nf_error("fix: %s is %s; refusing to use it", image, f.is_link ? "a symbolic link" : "not a regular file");
			st = NF_EXIT_PROBLEMS;
			goto out;
		}
		if (f.probe_rc == 0 && strcmp(f.type, "xfs") == 0 && strcmp(f.label, IMAGE_LABEL) == 0) {
			reattach = true;
		} else {
			nf_error("fix: %s already exists and holds %s%s%s%s; refusing to overwrite it", image,
				 f.probe_rc == -2 ? "several signatures" : *f.type ? f.type : "data, but no filesystem nfscheck made",
				 *f.uuid ? " (UUID " : "", f.uuid, *f.uuid ? ")" : "");
			st = NF_EXIT_PROBLEMS;
			goto out;
		}
	} else if (f.lstat_err != ENOENT) {
		nf_error("fix: %s: %s", image, nf_strerror(f.lstat_err));
		st = NF_EXIT_INCOMPLETE;
		goto out;
	}
	/* Where it goes: resolved as the user sees it, as mountinfo will show it. */
	if (fsx_resolve_prefix(&x, mp, &mpres) != 0)
		mpres = xstrdup(mp);
	{
		char *c = go_clean_path(mpres);

		free(mpres);
		mpres = c;
	}
	mount_table_load(&mt, NULL);
	fs = mount_at(&mt, mpres);
	if (fs) {
		char *back = loop_backing_file(mnt_fs_get_source(fs) ? mnt_fs_get_source(fs) : "");

		fsx_realpath(&x, image, &imgres);
		if (back && imgres && strcmp(back, imgres) == 0) {
			printf("%s is already attached at %s: nothing to change\n", image, mpres);
			st = verify(&t, mpres, mnt_fs_get_source(fs)) ? NF_EXIT_PROBLEMS : NF_EXIT_OK;
			if (o->persist && st == NF_EXIT_OK)
				st = write_unit(&t, image, o->size, mpres, o->dry_run);
			free(back);
			goto out;
		}
		nf_error("fix: %s is already a mount point (%s from %s); refusing to mount over it", mpres,
			 mnt_fs_get_fstype(fs), mnt_fs_get_source(fs));
		free(back);
		st = NF_EXIT_PROBLEMS;
		goto out;
	}
	/* Existing data there would be hidden under the mount: not silently. */
	{
		char **names = NULL;
		bool *dirs = NULL;
		size_t n = 0;

		err = fsx_list_dir(&x, mpres, &names, &dirs, &n);
		fsx_free_names(names, n);
		free(dirs);
		if (err == 0 && n && !o->move_aside) {
			nf_error("fix: %s is not empty: mounting over it would hide %zu entr%s; move them away, or give "
				 "--move-aside", mpres, n, n == 1 ? "y" : "ies");
			st = NF_EXIT_PROBLEMS;
			goto out;
		}
		if (err == 0 && n && o->move_aside && !o->dry_run) {
			struct aside_arg a = {mpres, NULL};

			if (guard_run(t.as, FSX_CALL_MS, aside_child, &a, &status, &out) != GUARD_OK || status) {
				nf_error("fix: cannot move %s aside: %s", mpres, strerror(status > 0 ? status : EIO));
				st = NF_EXIT_INCOMPLETE;
				goto out;
			}
			guard_out_add(&out, "", 1);
			printf("moved the old %s to %s\n", mpres, out.data);
			free(out.data);
			out.data = NULL;
		} else if (err == 0 && n) {
			printf("would move the old %s aside\n", mpres);
		}
	}
	if (o->dry_run) {
		if (reattach)
			printf("would attach the existing nfscheck image %s\n", image);
		else
			printf("would create %s (%s, sparse) as %s and make an XFS filesystem with reflink in it\n", image,
			       o->size, t.id.name);
		printf("would open it as %s, attach it to a loop device and mount it on %s (read-write, nodev, "
		       "nosuid)\n", t.id.name, mpres);
		if (o->persist)
			st = write_unit(&t, image, o->size, mpres, true);
		goto out;
	}
	if (!reattach) {
		struct create_arg ca = {image, size};
		struct mkfs_arg ma = {image, t.id.uid, t.id.gid};

		err = 0;
		if (guard_run(t.as, FSX_CALL_MS, create_child, &ca, &status, &out) != GUARD_OK || status) {
			nf_error("fix: cannot create %s as %s: %s", image, t.id.name, strerror(status > 0 ? status : EIO));
			free(out.data);
			st = NF_EXIT_INCOMPLETE;
			goto out;
		}
		free(out.data);
		created = true;
		if (guard_run(t.as, MKFS_MS, mkfs_child, &ma, &status, &out) != GUARD_OK || status) {
			if (status == 127)
				nf_error("fix: mkfs.xfs not found: install xfsprogs");
			else
				nf_error("fix: mkfs.xfs failed on %s (exit %d)", image, status);
			free(out.data);
			st = NF_EXIT_INCOMPLETE;
			goto out;
		}
		free(out.data);
		if (!image_facts(t.as, image, &f) || f.probe_rc != 0 || strcmp(f.type, "xfs") != 0) {
			nf_error("fix: %s does not hold XFS after mkfs.xfs (blkid: %s)", image, *f.type ? f.type : "nothing");
			st = NF_EXIT_INCOMPLETE;
			goto out;
		}
		printf("created %s: %s, XFS with reflink, UUID %s, made by %s\n", image, o->size, f.uuid, t.id.name);
	}
	if ((err = fsx_mkdirs(&x, mpres, 0700)) != 0) {
		nf_error("fix: cannot create %s as %s: %s", mpres, t.id.name, nf_strerror(err));
		st = NF_EXIT_INCOMPLETE;
		goto out;
	}
	if ((err = open_as_user(&t, image, mpres, &out)) != 0) {
		nf_error("fix: %s cannot open %s read-write: %s", t.id.name, image, strerror(err));
		st = NF_EXIT_INCOMPLETE;
		goto out;
	}
	err = loop_attach(out.fds[0], image, &dev, &lfd);
	if (err) {
		nf_error("fix: cannot attach %s to a loop device: %s", image, strerror(err));
		st = NF_EXIT_INCOMPLETE;
		goto closefds;
	}
	if (loop_is_readonly(dev)) {
		nf_error("fix: %s came up read-only on %s", image, dev);
		st = NF_EXIT_INCOMPLETE;
		goto closefds;
	}
	err = mount_xfs(dev, out.fds[1], msg, sizeof(msg));
	if (err) {
		nf_error("fix: cannot mount %s on %s: %s", dev, mpres, *msg ? msg : strerror(err < 0 ? -err : err));
		st = NF_EXIT_INCOMPLETE;
		goto closefds;
	}
	printf("attached %s to %s and mounted it on %s\n", image, dev, mpres);
	st = NF_EXIT_OK;
closefds:
	/* With autoclear, the device now lives exactly as long as the mount. */
	if (lfd >= 0)
		close(lfd);
	guard_out_close_fds(&out);
	if (st != NF_EXIT_OK)
		goto out;
	created = false;
	if (verify(&t, mpres, dev)) {
		st = NF_EXIT_PROBLEMS;
		goto out;
	}
	if (o->persist)
		st = write_unit(&t, image, o->size, mpres, false);
	if (st == NF_EXIT_OK && !graphroot_inside(&t, mpres, o->podman_version))
		st = NF_EXIT_PROBLEMS;
	fflush(stdout);
	{
		struct diag_options d = {.user = t.id.name, .podman_version = o->podman_version,
					 .timeout_ms = DIAG_DEFAULT_TIMEOUT_MS};
		int ds;

		putchar('\n');
		ds = diagnose_run(&d);
		if (st == NF_EXIT_OK)
			st = ds;
	}
out:
	/* A half-made image is no use to anyone: leave nothing behind. */
	if (created && st != NF_EXIT_OK) {
		guard_set_interruptible(false);
		if (guard_run(t.as, FSX_CALL_MS, remove_child, image, &status, &out) == GUARD_OK)
			free(out.data);
		guard_set_interruptible(true);
	}
	mount_table_free(&mt);
	free(image);
	free(imgres);
	free(mp);
	free(mpres);
	free(dev);
	target_close(&t);
	return st;
}

/* Processes using mount MNT_ID (cwd, root, or an open file), fuser -m style,
 * leaving out our own descriptor SELF_FD. Returns how many; their PIDs in PIDS. */
static int mount_users(int mnt_id, int self_fd, struct strbuf *pids)
{
	DIR *proc = opendir("/proc");
	struct dirent *p;
	int count = 0;

	while (proc && (p = readdir(proc))) {
		char path[320], line[128];
		DIR *fds;
		struct dirent *fd;
		bool uses = false;
		long pid = strtol(p->d_name, NULL, 10);

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/fdinfo", pid);
		fds = opendir(path);
		while (fds && !uses && (fd = readdir(fds))) {
			FILE *f;

			if (fd->d_name[0] == '.' || (pid == getpid() && atoi(fd->d_name) == self_fd))
				continue;
			snprintf(path, sizeof(path), "/proc/%ld/fdinfo/%s", pid, fd->d_name);
			f = fopen(path, "re");
			while (f && fgets(line, sizeof(line), f)) {
				int id;

				if (sscanf(line, "mnt_id: %d", &id) == 1 && id == mnt_id)
					uses = true;
			}
			if (f)
				fclose(f);
		}
		if (fds)
			closedir(fds);
		/* cwd and root pin a mount as well; statx gives their mount id. */
		for (int i = 0; i < 2 && !uses; i++) {
			struct statx sx;

			snprintf(path, sizeof(path), "/proc/%ld/%s", pid, i ? "root" : "cwd");
			if (statx(AT_FDCWD, path, AT_NO_AUTOMOUNT | AT_STATX_DONT_SYNC, STATX_MNT_ID, &sx) == 0 &&
			    (sx.stx_mask & STATX_MNT_ID) && (int)sx.stx_mnt_id == mnt_id)
				uses = true;
		}
		if (uses) {
			snprintf(line, sizeof(line), "%s%ld", count ? " " : "", pid);
			strbuf_adds(pids, line);
			count++;
		}
	}
	if (proc)
		closedir(proc);
	return count;
}

int fix_image_undo(const struct fix_options *o)
{
	struct target t;
	struct mount_table mt = {0};
	struct libmnt_fs *fs;
	struct guard_out out = {0};
	struct fsx x;
	char *mp = NULL, *mpres = NULL, *imgres = NULL, *back = NULL, *dev = NULL, target[64];
	int st, err;

	st = resolve_user(o, &t);
	if (st != NF_EXIT_OK)
		return st;
	x.as = t.as;
	x.timeout_ms = 0;
	mp = o->mountpoint ? absolute(o->mountpoint) : default_mountpoint(&t);
	if (fsx_resolve_prefix(&x, mp, &mpres) != 0)
		mpres = xstrdup(mp);
	mount_table_load(&mt, NULL);
	fs = mount_at(&mt, mpres);
	if (!fs) {
		printf("nothing is mounted on %s\n", mpres);
		if (!o->keep_unit && !o->dry_run)
			remove_unit(&t);
		goto out;
	}
	dev = xstrdup(mnt_fs_get_source(fs) ? mnt_fs_get_source(fs) : "");
	back = loop_backing_file(dev);
	if (o->image) {
		char *img = absolute(o->image);

		fsx_realpath(&x, img, &imgres);
		free(img);
	}
	if (strcmp(mnt_fs_get_fstype(fs), "xfs") != 0 || !back || (o->image && (!imgres || strcmp(back, imgres) != 0))) {
		nf_error("fix: %s is %s from %s, not %s; not touching it", mpres, mnt_fs_get_fstype(fs), dev,
			 o->image ? o->image : "an nfscheck image");
		st = NF_EXIT_PROBLEMS;
		goto out;
	}
	if (o->dry_run) {
		printf("would unmount %s (%s, backed by %s), detach it, and remove the unit; the image stays\n", mpres,
		       dev, back);
		goto out;
	}
	if ((err = open_as_user(&t, NULL, mpres, &out)) != 0) {
		nf_error("fix: %s cannot open %s: %s", t.id.name, mpres, strerror(err));
		st = NF_EXIT_INCOMPLETE;
		goto out;
	}
	/*
	 * The user's descriptor of the mounted directory is the only way root
	 * reaches it on a root-squashed home, and it pins the mount: a plain
	 * umount would always be busy. So check for other users first, then
	 * detach; nothing else holds it, so it goes at once.
	 */
	{
		struct strbuf pids = {0};
		int n = mount_users(mnt_fs_get_id(fs), out.fds[0], &pids);

		if (n) {
			nf_error("fix: %s is in use by process%s %s; stop the user's containers first (podman ps)", mpres,
				 n == 1 ? "" : "es", pids.p);
			free(pids.p);
			guard_out_close_fds(&out);
			st = NF_EXIT_PROBLEMS;
			goto out;
		}
	}
	snprintf(target, sizeof(target), "/proc/self/fd/%d", out.fds[0]);
	if (umount2(target, MNT_DETACH) != 0) {
		nf_error("fix: cannot unmount %s: %s", mpres, strerror(errno));
		guard_out_close_fds(&out);
		st = NF_EXIT_PROBLEMS;
		goto out;
	}
	guard_out_close_fds(&out);
	printf("unmounted %s; %s detaches itself, and %s is kept\n", mpres, dev, back);
	if (!o->keep_unit)
		remove_unit(&t);
out:
	mount_table_free(&mt);
	free(mp);
	free(mpres);
	free(imgres);
	free(back);
	free(dev);
	target_close(&t);
	return st;
}
