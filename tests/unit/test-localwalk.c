/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fsx's in-process path (localwalk.c) against the guarded child it stands
 * in for: the same calls on the same paths, once each way, must give the
 * same values and the same errno -- as root and as root acting for
 * `nobody` -- and the paths that must not go in-process (procfs, a mount
 * of a type not known local) must not. Needs root (mounts in a private
 * mount namespace, acts for another user).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libmount.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fstypes.h"
#include "fsx.h"
#include "localwalk.h"
#include "walkcache.h"
#include "mounts.h"
#include "tap.h"
#include "xalloc.h"

static char D[64];
static struct identity nobody;

static const char *P(const char *rel);

/* One call's answer, comparable across the two ways. */
struct ans {
	int rc;
	char text[8192];
};

static void add(struct ans *a, const char *fmt, ...) NF_PRINTF(2, 3);
static void add(struct ans *a, const char *fmt, ...)
{
	size_t n = strlen(a->text);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(a->text + n, sizeof(a->text) - n, fmt, ap);
	va_end(ap);
}

/* Everything a caller can see of each call on PATH, in one string. */
static void ask(const struct fsx *x, const char *path, struct ans *a)
{
	struct stat st;
	struct statfs sf;
	enum fsx_mkdir what;
	char *s, *buf;
	size_t len;
	int rc;

	memset(a, 0, sizeof(*a));
	rc = fsx_stat(x, path, &st);
	add(a, "stat=%d", rc);
	if (!rc)
		add(a, "(%lu,%lu,%o,%lu,%u,%u,%lld,%ld.%ld)", (unsigned long)st.st_dev, (unsigned long)st.st_ino,
		    st.st_mode, (unsigned long)st.st_nlink, st.st_uid, st.st_gid, (long long)st.st_size,
		    (long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	rc = fsx_lstat(x, path, &st);
	add(a, " lstat=%d", rc);
	if (!rc)
		add(a, "(%lu,%o,%lld)", (unsigned long)st.st_ino, st.st_mode, (long long)st.st_size);
	rc = fsx_statfs(x, path, &sf);
	add(a, " statfs=%d", rc);
	if (!rc)
		add(a, "(%lx,%ld,%ld,%d:%d)", (unsigned long)sf.f_type, (long)sf.f_bsize, (long)sf.f_namelen,
		    sf.f_fsid.__val[0], sf.f_fsid.__val[1]);
	rc = fsx_realpath(x, path, &s);
	add(a, " realpath=%d(%s)", rc, s ? s : "");
	free(s);
	rc = fsx_read_file(x, path, 100, &buf, &len);
	add(a, " read=%d(%.*s)", rc, (int)len, buf ? buf : "");
	free(buf);
	for (int m = 0; m < 8; m++)
		add(a, " access%d=%d", m, fsx_access(x, path, m));
	rc = fsx_mkdir_would(x, path, &what);
	add(a, " mkdir=%d(%d)", rc, rc ? -1 : (int)what);
	rc = fsx_resolve_prefix(x, path, &s);
	add(a, " prefix=%d(%s)", rc, s ? s : "");
	free(s);
	for (int use = FSX_DIR_CREATE; use <= FSX_DIR_READ; use++) {
		int verdict = -1;

		rc = fsx_dir_usable(x, path, (enum fsx_dir_use)use, &verdict, &s);
		add(a, " usable%d=%d(%d,%s)", use, rc, verdict, s ? s : "");
		free(s);
	}
	{
		char **names;
		bool *dirs;
		size_t n;

		if (!strstr(path, "rootlink") && strcmp(path, "/") != 0 && strcmp(path, "/..") != 0)
			rc = fsx_list_dir(x, path, &names, &dirs, &n);
		else
			rc = fsx_list_dir(x, P("dir"), &names, &dirs, &n);
		add(a, " list=%d(", rc);
		for (size_t i = 0; !rc && i < n; i++)
			add(a, "%s%c,", names[i], dirs[i] ? 'd' : 'f');
		add(a, ")");
		if (!rc)
			fsx_free_names(names, n);
		free(dirs);
	}
}

/* Whether T lists a mount on exactly PATH. */
static bool mounted_at(const struct mount_table *t, const char *path)
{
	struct libmnt_fs *fs = mount_table_find(t, path);
	const char *target = fs ? mnt_fs_get_target(fs) : NULL;

	return target && strcmp(target, path) == 0;
}

static int open_fds(void)
{
	int n = 0;

	for (int fd = 0; fd < 1024; fd++)
		n += fcntl(fd, F_GETFD) != -1;
	return n;
}

/* PATH both ways; INPROC: how many of the 19 calls the fast way must have
 * answered (-1: any number). */
/* With the walk cache on (walkcache.h): each same() starts it empty, and
 * its 19 calls on one path walk its directories again and again. */
static bool cache_mode;

static void same(const struct fsx *x, const char *path, int inproc, const char *what)
{
	struct ans fast, slow;
	unsigned long before = fsx_in_process_calls();
	int fds;
	uid_t fsuid;

	lw_cache_enable(cache_mode); /* empty: its descriptors are not counted */
	fds = open_fds();
	lw_set_enabled(true);
	ask(x, path, &fast);
	lw_cache_enable(false);
	fsuid = (uid_t)setfsuid((uid_t)-1);
	lw_set_enabled(false);
	ask(x, path, &slow);
	lw_set_enabled(true);
	is_str(fast.text, slow.text, "%s%s%s: %s: in-process = child", cache_mode ? "cached: " : "",
	       x && x->as ? "as nobody: " : "", what, path);
	if (inproc >= 0)
		is_int(fsx_in_process_calls() - before, inproc, "%s: %d of 19 calls in-process", what, inproc);
	ok(fsuid == 0 && open_fds() == fds, "%s: root's fsuid back, no descriptor left open", what);
}

static void mk(const char *rel, const char *text, mode_t mode)
{
	char p[256];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", D, rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0 || write(fd, text, strlen(text)) < 0 || close(fd) != 0 || chmod(p, mode) != 0)
		exit(99);
}

static void ln(const char *target, const char *rel)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", D, rel);
	if (symlink(target, p) != 0)
		exit(99);
}

static void dir(const char *rel, mode_t mode)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", D, rel);
	if (mkdir(p, mode) != 0 || chmod(p, mode) != 0)
		exit(99);
}

static const char *P(const char *rel)
{
	static char buf[8][300];
	static int i;

	i = (i + 1) % 8;
	snprintf(buf[i], sizeof(buf[i]), "%s%s%s", D, *rel ? "/" : "", rel);
	return buf[i];
}

static void setup(void)
{
	char t[64], n[64];

	strcpy(D, "/var/tmp/nfscheck-lw.XXXXXX");
	if (!mkdtemp(D) || chmod(D, 0755) != 0)
		exit(99);
	mk("file", "hello", 0644);
	mk("exe", "#!/bin/sh\n", 0755);
	dir("dir", 0755);
	dir("dir/sub", 0755);
	dir("private", 0700);
	mk("private/secret", "root only", 0600);
	mk("private/open", "readable", 0644);
	ln("file", "link1");
	ln("link1", "link2");
	ln("dir/../link2", "chain");
	ln(P("file"), "abs");
	ln(P("nonexistent"), "dangling");
	ln("loop2", "loop1");
	ln("loop1", "loop2");
	ln("dir", "linkdir");
	ln("/", "rootlink");
	dir("mixed", 0755);
	mk("mixed/f", "", 0644);
	dir("mixed/d", 0755);
	dir("mixed/closed", 0700);
	ln("d", "mixed/ld");
	ln("f", "mixed/lf");
	ln("nowhere", "mixed/dangling");
	ln("/dev/null", "mixed/masked");
	ln("../private/secret", "mixed/secret");
	/* 40 links are followed, the 41st is one too many (the kernel's MAXSYMLINKS) */
	ln("file", "c0");
	for (int i = 1; i <= 41; i++) {
		snprintf(t, sizeof(t), "c%d", i - 1);
		snprintf(n, sizeof(n), "c%d", i);
		ln(t, n);
	}
	dir("tmpfs", 0755);
	dir("mq", 0755);
}

/* Listing a directory that holds a mount not known local (the test dir
 * holds an mqueue mount, "/" holds /proc) is the child's: 18 of 19. */
static void local_paths(const struct fsx *x)
{
	static const char *const rels[] = {
		"file", "exe", "dir", "dir/", "dir/sub/..", "link1", "link2", "chain",
		"abs", "dangling", "dangling/", "loop1", "linkdir/", "linkdir/sub", "rootlink/var/tmp", "file/",
		"file/x", "file/.", "nonexistent", "nonexistent/x", "c39", "c40", "c41", "private",
		"private/secret", "private/open", "private/nope", "private/./open",
		"private/../file", "private/../private/open", "private/.", "tmpfs/f", "tmpfs/l", "tmpfs",
		"dir/sub/new/deeper", "mixed", "mixed/", "mixed/closed",
		/* the deepest existing prefix in one walk (lw_nearest), and
		 * where one walk cannot tell: a link or a file on the way */
		"dir/sub/a/b/c", "file/x/y", "private/nope/x/y", "linkdir/sub/a/b", "dangling/a/b", "tmpfs/a/b",
	};
	static const char *const holding_mounts[] = {"", "dir/./sub/../..", "linkdir/.."};

	for (size_t i = 0; i < ARRAY_SIZE(rels); i++)
		same(x, P(rels[i]), 19, rels[i]);
	for (size_t i = 0; i < ARRAY_SIZE(holding_mounts); i++)
		same(x, P(holding_mounts[i]), 18, holding_mounts[i][0] ? holding_mounts[i] : "the test dir");
	/* For nobody, an EACCES; for root, the test dir again. */
	same(x, P("private/.."), -1, "private/..");
	/* "/" is not listed (ask() lists "dir" instead): other processes may
	 * change it between the two ways. */
	same(x, P("rootlink"), 19, "rootlink");
	same(x, "/", 19, "root");
	same(x, "/..", 19, "root's parent");
}

/*
 * A full cache makes room by closing its oldest entry, but never one the
 * walk under way holds: the directory it started from, or one it gave the
 * cache a step before and still steps from.
 */
static void cache_keeps_what_a_walk_holds(void)
{
	int start = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC), fd, mnt, refused = 0;
	size_t len;
	char p[32];

	wc_enable(true);
	wc_walk_begin();
	ok(start >= 0 && wc_put("/start", 6, start, 0, NULL, 0), "cache: an entry from one walk");
	wc_walk_begin();
	fd = wc_find("/start/x", NULL, 0, &mnt, &len);
	ok(fd == start && len == 6, "cache: the next walk starts there");
	for (int i = 0; i < 70; i++) {
		int d = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

		snprintf(p, sizeof(p), "/d%d", i);
		if (d >= 0 && !wc_put(p, strlen(p), d, 0, NULL, 0)) {
			refused++;
			close(d);
		}
	}
	/* Asked by path: a closed descriptor's number may be open again by now. */
	ok(wc_find("/start/x", NULL, 0, &mnt, &len) == start && fcntl(start, F_GETFD) != -1,
	   "cache: a walk giving it 70 directories does not close the one it started from");
	is_int(refused, 70 - 63, "cache: full of what the walk holds, it takes no more");
	wc_walk_begin();
	fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	ok(fd >= 0 && wc_put("/later", 6, fd, 0, NULL, 0), "cache: the next walk finds room again");
	wc_enable(false);
	ok(fcntl(start, F_GETFD) == -1, "cache: switched off, it closes what it kept");
}

int main(void)
{
	struct fsx as_root = {0}, as_nobody = {.as = &nobody};
	struct stat secret;
	char link[64];
	int fd;

	/* The types a walk may step onto: known local ones, nothing else. */
	{
		static const char *const no[] = {"nfs", "nfs4", "cifs", "smb3", "ceph", "fuse", "fuse.sshfs", "fuseblk",
						 "autofs", "proc", "sysfs", "overlay", "9p", "lustre", "weirdfs", ""};
		static const char *const yes[] = {"ext4", "xfs", "btrfs", "tmpfs"};

		for (size_t i = 0; i < ARRAY_SIZE(no); i++)
			ok(!fs_type_never_hangs(no[i]), "a walk does not step onto %s", no[i][0] ? no[i] : "an empty type");
		for (size_t i = 0; i < ARRAY_SIZE(yes); i++)
			ok(fs_type_never_hangs(yes[i]), "a walk may step onto %s", yes[i]);
		ok(!fs_type_never_hangs(NULL), "nor onto a mount without a type");
	}
	if (geteuid() != 0) {
		printf("# the rest needs root\n");
		return done_testing();
	}
	if (identity_lookup("nobody", &nobody) != 0 || unshare(CLONE_NEWNS) != 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		return 99;
	setup();
	if (mount("tmpfs", P("tmpfs"), "tmpfs", 0, "mode=0755") != 0 ||
	    mount("mqueue", P("mq"), "mqueue", 0, NULL) != 0)
		return 99;
	mk("tmpfs/f", "on tmpfs", 0644);
	/* The walk keeps mountinfo open for the run (to hear of changes): open it now. */
	{
		struct stat st;

		fsx_stat(NULL, "/", &st);
	}
	ln("../file", "tmpfs/l");
	ln("tmpfs/f", "totmpfs");

	local_paths(&as_root);
	local_paths(&as_nobody);
	same(NULL, P("totmpfs"), 19, "a link into a tmpfs mount");
	/* Again with the walk cache: the same answers as a child's. Links
	 * with ".." below a cached directory, and nobody after root walked
	 * root's private directory, are among them. */
	ln("../../file", "dir/sub/up");
	ln("../../private/secret", "dir/sub/upsecret");
	cache_mode = true;
	local_paths(&as_root);
	local_paths(&as_nobody);
	same(NULL, P("totmpfs"), 19, "a link into a tmpfs mount");
	same(&as_root, P("dir/sub/up"), 19, "a link up out of a cached directory");
	same(&as_nobody, P("dir/sub/upsecret"), 19, "a link up out of a cached directory, into root's");
	{
		struct stat st;
		struct fsx root = {0}, nob = {.as = &nobody};

		/* An open directory inside root's private one: the kernel would let
		 * nobody on from there, if the walk started there. */
		dir("private/inner", 0755);
		mk("private/inner/f", "", 0644);
		lw_cache_enable(true);
		ok(fsx_stat(&root, P("private/inner/f"), &st) == 0, "cached: root walks through its private directory");
		is_int(fsx_stat(&nob, P("private/inner/f"), &st), EACCES,
		       "cached: nobody then gets EACCES there, not root's directories from the cache");
		/* A cached directory itself is answered from its descriptor
		 * (LW_STAT_ONLY), only for the identity that walked it. */
		is_int(fsx_stat(&nob, P("private/inner"), &st), EACCES,
		       "cached: nobody's stat of root's cached directory itself is EACCES");
		{
			struct stat want, got;
			char *real = NULL;

			ok(stat(P("private/inner"), &want) == 0 && fsx_stat(&root, P("private/inner"), &got) == 0 &&
			   got.st_ino == want.st_ino && got.st_dev == want.st_dev && got.st_mode == want.st_mode,
			   "cached: root's stat of the cached directory itself is the directory's");
			ok(fsx_realpath(&root, P("private/inner"), &real) == 0 && real && strcmp(real, P("private/inner")) == 0,
			   "cached: and its realpath is its own path");
			free(real);
		}
		/* The cached directory renamed and a link put in its place, at
		 * once: the name is a link now, whatever the cache holds. */
		{
			struct stat lst;
			char *real = NULL;

			dir("swap", 0755);
			dir("swap/d", 0755);
			mk("swap/d/f", "", 0644);
			ok(fsx_stat(&root, P("swap/d/f"), &st) == 0, "cached: root walks through swap/d");
			if (rename(P("swap/d"), P("swap/d.old")) != 0 || symlink("/proc", P("swap/d")) != 0)
				ok(0, "swap/d replaced by a link");
			ok(fsx_lstat(&root, P("swap/d"), &lst) == 0 && S_ISLNK(lst.st_mode),
			   "cached: lstat of a cached directory replaced by a link says link");
			ok(fsx_realpath(&root, P("swap/d"), &real) != 0 || (real && strcmp(real, "/proc") == 0),
			   "cached: and its realpath is not the old directory (%s)", real ? real : "error");
			free(real);
		}
		lw_cache_enable(false);
	}
	cache_mode = false;
	cache_keeps_what_a_walk_holds();

	/* Not known local: procfs, and a type not on the list (mqueue). */
	same(&as_root, "/proc/version", 0, "procfs");
	same(&as_root, P("mq"), 0, "an mqueue mount");
	same(&as_nobody, P("mq/x"), 0, "below an mqueue mount");

	/*
	 * The attack: nobody's link to /proc/self/fd/N, N a descriptor root
	 * holds on its own file. In-process that would name root's file; it
	 * must give what a child acting for nobody gets instead.
	 */
	dir("nobodys", 0755);
	/* Far from the low numbers a child uses for its own pipes and sockets. */
	if (chown(P("nobodys"), nobody.uid, nobody.gid) != 0 || (fd = open(P("private/secret"), O_RDONLY | O_CLOEXEC)) < 0 ||
	    (fd = fcntl(fd, F_DUPFD_CLOEXEC, 100)) < 0 || stat(P("private/secret"), &secret) != 0)
		return 99;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ln(link, "nobodys/l");
	snprintf(link, sizeof(link), "/dev/fd/%d", fd);
	ln(link, "nobodys/l2");
	if (lchown(P("nobodys/l"), nobody.uid, nobody.gid) != 0 || lchown(P("nobodys/l2"), nobody.uid, nobody.gid) != 0)
		return 99;
	/* lstat of the link itself may stay in-process; following it may not. */
	for (int i = 0; i < 2; i++) {
		const char *l = P(i ? "nobodys/l2" : "nobodys/l");
		unsigned long before;
		struct stat st;
		char *buf;
		size_t len;

		same(&as_nobody, l, -1, i ? "nobody's link to /dev/fd/N" : "nobody's link to /proc/self/fd/N");
		before = fsx_in_process_calls();
		ok(fsx_stat(&as_nobody, l, &st) != 0 || st.st_ino != secret.st_ino || st.st_dev != secret.st_dev,
		   "%s: nobody cannot stat root's file through it", l);
		ok(fsx_read_file(&as_nobody, l, 100, &buf, &len) != 0, "%s: nobody cannot read root's file through it", l);
		is_int(fsx_in_process_calls() - before, 0, "%s: followed by a child as nobody, not in-process", l);
		free(buf);
	}
	close(fd);

	/* A tree with no mount at or below it, for root's own files (dpkg's). */
	ok(lw_tree_local(P("private")), "a directory with no mount below it is a local tree");
	ok(!lw_tree_local(D), "a directory with mounts below it is not");
	ok(!lw_tree_local(P("tmpfs")), "nor a mount point itself");
	ok(!lw_tree_local(P("totmpfs")), "nor a path through a symlink");
	ok(!lw_tree_local("/proc/sys"), "nor a directory on procfs");

	/* A relative path: in-process under the working directory, as a child finds it. */
	{
		struct fsx here = {.here_only = true};
		struct stat a, b;
		unsigned long before;
		char cwd[4096];

		if (!getcwd(cwd, sizeof(cwd)) || chdir(D) != 0)
			return 99;
		before = fsx_in_process_calls();
		ok(fsx_stat(NULL, "tmpfs/f", &a) == 0 && fsx_in_process_calls() == before + 1,
		   "a relative stat runs in-process");
		lw_set_enabled(false);
		ok(fsx_stat(NULL, "tmpfs/f", &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev,
		   "and finds what the child finds");
		lw_set_enabled(true);
		is_int(fsx_stat(NULL, "tmpfs/nothing", &a), ENOENT, "a missing relative path: ENOENT in-process");
		/* here_only: never a child, FSX_NOT_HERE where the walk cannot answer. */
		is_int(fsx_stat(&here, P("mq/x"), &a), FSX_NOT_HERE, "here_only below an mqueue mount: FSX_NOT_HERE");
		is_int(fsx_stat(&here, P("tmpfs/f"), &a), 0, "here_only on a local path: answered");
		if (chdir(cwd) != 0)
			return 99;
	}

	/*
	 * A forked child polls a mountinfo of its own: a mount it makes and
	 * hears of leaves the parent's notice of it in place. (Telling a child
	 * from its parent takes no system call; a mistake here would share
	 * the descriptor, and the parent would keep a stale table.)
	 */
	{
		const struct mount_table *t = lw_mount_table();
		pid_t pid;
		int st = -1;

		dir("forkmnt", 0755);
		ok(t && !mounted_at(t, P("forkmnt")), "before the child: no mount on forkmnt");
		pid = fork();
		if (pid == 0) {
			bool seen;

			lw_mount_table();
			if (mount("tmpfs", P("forkmnt"), "tmpfs", 0, "mode=0755") != 0)
				_exit(99);
			t = lw_mount_table();
			seen = t && mounted_at(t, P("forkmnt"));
			_exit(seen ? 0 : 1);
		}
		if (pid < 0 || waitpid(pid, &st, 0) != pid)
			return 99;
		is_int(WIFEXITED(st) ? WEXITSTATUS(st) : -1, 0, "the child hears of the mount it made");
		t = lw_mount_table();
		ok(t && mounted_at(t, P("forkmnt")), "and the parent still hears of it too");
		umount(P("forkmnt"));
	}

	umount(P("tmpfs"));
	umount(P("mq"));
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", D);
		if (system(cmd) != 0)
			return 99;
	}
	identity_free(&nobody);
	return done_testing();
}
