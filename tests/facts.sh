#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# diagnose gathers its facts first (src/diagnose/facts.h, gather-*.c), then
# runs checks that read them and add findings. What holds that apart:
#  - the compiler: a check gets const struct facts *, so a check that writes
#    a fact does not build (shown here by building one);
#  - this test: only the gatherers (facts.c, gather-*.c) and diagnose.c,
#    which calls them, name a struct facts * that is not const, nothing casts
#    const away, no check object calls a gatherer or fills the fleet's shared
#    measurements (diag_cache_set_*), and no gatherer object adds a finding;
#  - and, on the objects, that no check at all looks at the system itself
#    (fsx_*, the local walk, fsinfo_get, stat, open, access...), asks a
#    server or takes a lock (nfs_server_probe, lock_test, a socket, fcntl),
#    runs a child or reads the clock (guard_*), or shares a measurement
#    with other fleet workers (runshare_*, diag_cache_share): the NFS
#    servers and locks are asked by gather-nfs-servers.c and
#    gather-nfs-locks.c;
#  - and that the gatherers diagnose.c marks USER (fleet keeps the user's
#    identity while they run: src/sys/fsident.h) look only through fsx in
#    the user's name: no file, child, server, lock or user lookup of their
#    own, and no other gatherer in their objects.
# Each rule is shown able to fail on a planted violation.
. "$TESTS_SRCDIR/lib.sh"

src=$(cd "$TESTS_SRCDIR/../src" && pwd) || exit 1
objdir=$(dirname "$NFSCHECK")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# writable_facts SRC: each line of a .c or .h outside the gatherers that
# names a non-const struct facts pointer, or casts to one.
writable_facts() {
	(cd "$1" && find . -name '*.[ch]' | sed 's|^\./||' | LC_ALL=C sort |
		grep -vE '^diagnose/(facts\.[ch]|gather-[a-z-]+\.c|diagnose\.c)$' |
		xargs -r perl -ne 'print "$ARGV:$.:$_" if /(?<!const )\bstruct facts\s*\*/; close ARGV if eof')
}

# object_violations OBJDIR: a check object that calls a gatherer or fills
# the fleet's cache, or a gatherer object that adds a finding.
object_violations() {
	local o
	for o in "$1"/diagnose/check-*.o; do
		nm -u "$o" | awk -v o="${o#"$1"/}" '$NF ~ /^(gather_|diag_cache_set_)/ { print o ": a check calls " $NF }'
	done
	for o in "$1"/diagnose/gather-*.o "$1"/diagnose/facts.o; do
		nm -u "$o" | awk -v o="${o#"$1"/}" \
			'$NF ~ /^(diag_add|diag_note|findings?_[a-z_]+|check_[a-z_]+)$/ { print o ": a gatherer calls " $NF }'
	done
}

[ -f "$src/diagnose/facts.h" ] && ls "$src"/diagnose/gather-*.c >/dev/null 2>&1
ok $? "the facts and their gatherers are in src/diagnose (facts.h, gather-*.c)"

v=$(writable_facts "$src")
[ -z "$v" ]; ok $? "outside the gatherers every struct facts pointer is const, and none is cast" || diag "$v"

# Planted: a check that takes the facts writable, and one that casts const away.
mkdir "$tmp/src" && cp -R "${src:?}/." "$tmp/src/"
printf 'void check_planted(struct facts *d, struct findings *out);\n' >>"$tmp/src/diagnose/check-kernel.c"
printf 'static void planted(const struct facts *d) { ((struct facts *)d)->userns_works = 1; }\n' \
	>>"$tmp/src/diagnose/check-probe.c"
v=$(writable_facts "$tmp/src")
grep -q '^diagnose/check-kernel.c:[0-9]*:void check_planted(struct facts' <<<"$v"
ok $? "a planted check taking writable facts is reported" || diag "$v"
grep -q '^diagnose/check-probe.c:[0-9]*:.*(struct facts \*)d' <<<"$v"
ok $? "a planted cast of the facts to writable is reported" || diag "$v"

cc=${CC:-cc}
if [ -f "$objdir/../config.h" ] && command -v "$cc" >/dev/null; then
	incs=(-I"$objdir/..")
	for d in "$src"/*/; do incs+=(-I"$d"); done
	flags=$(pkg-config --cflags json-c 2>/dev/null)
	planted='#include "config.h"\n#include "diag.h"\n'
	planted+='void check_planted(const struct facts *d, struct findings *out)\n{ (void)out; %s }\n'
	# shellcheck disable=SC2059  # the format is ours
	printf "$planted" '(void)d;' >"$tmp/reads.c"
	# shellcheck disable=SC2086  # pkg-config's flags are words
	"$cc" -fsyntax-only "${incs[@]}" $flags "$tmp/reads.c" 2>"$tmp/reads.err"
	ok $? "a check that reads the facts builds (the planted check below is otherwise sound)" ||
		diag "$(cat "$tmp/reads.err")"
	# shellcheck disable=SC2059
	printf "$planted" 'd->userns_works = 1;' >"$tmp/writes.c"
	# shellcheck disable=SC2086
	"$cc" -fsyntax-only "${incs[@]}" $flags "$tmp/writes.c" 2>"$tmp/writes.err"
	[ $? -ne 0 ] && grep -q 'read-only' "$tmp/writes.err"
	ok $? "a check that writes a fact does not build: the compiler refuses it" || diag "$(cat "$tmp/writes.err")"
else
	skip "no config.h next to $NFSCHECK or no C compiler: the planted write is not built"
	skip "no config.h or no C compiler"
fi

# lookups OBJDIR: a check object that calls a system lookup, a server or
# a lock, a guarded child or the clock, or the fleet's sharing, instead of
# reading a fact.
lookups() {
	local o
	for o in "$1"/diagnose/check-*.o; do
		nm -u "$o" | awk -v o="${o#"$1"/}" '$NF ~ /^(fsx_|lw_|guard_|identity_|runshare_|fsinfo_get$|kernel_rootless_overlay$|diag_cache_share$|lock_test$|nfs_server_(probe|report_(un)?pack)$|(__)?(l|f)?stat(at|fs|x)?(64)?$|(__)?(open|openat|fopen|opendir|access|faccessat|getcwd|uname|readlink|realpath|popen|socket|connect|fcntl|flock|lockf|clock_gettime|gettimeofday|time|getpw[a-z_]*|getgr[a-z_]*)(64)?$)/ { print o ": a check looks itself: " $NF }'
	done
}

# user_gatherers SRC: the gatherers diagnose.c marks USER: they look only
# through fsx in the user's name (and the mount table), so the user's
# identity kept from the call before may stay while they run (fsident.h).
user_gatherers() {
	perl -ne 'print "$1\n" while /\{(gather_[a-z_]+), (?:true|false), true\}/g' "$1/diagnose/diagnose.c"
}

# own_name_lookups SRC OBJDIR: in the object of a USER gatherer, a call
# that looks at the system in our own name (a file, a child, a server, a
# lock, a user lookup), or a gatherer that is not marked USER.
own_name_lookups() {
	local f c o users
	users=$(user_gatherers "$1")
	for f in $users; do
		c=$(grep -l "^void $f(struct facts \*d)" "$1"/diagnose/gather-*.c | head -1)
		[ -n "$c" ] || { echo "$f: no gather-*.c defines it"; continue; }
		o=$2/diagnose/$(basename "${c%.c}").o
		nm "$o" | awk -v o="${o#"$2"/}" -v users=" $(echo $users) " \
			'$2 == "T" && $3 ~ /^gather_/ && index(users, " " $3 " ") == 0 { print o ": not marked USER: " $3 }'
		nm -u "$o" | awk -v o="${o#"$2"/}" '$NF ~ /^(guard_(run|spawn|exec[a-z_]*|remove[a-z_]*)|identity_[a-z_]+|runshare_[a-z_]+|lock_test|nfs_server_probe|probe_run|diag_cache_share|lw_ident_[a-z_]+|(__)?(l|f)?stat(at|fs|x)?(64)?|(__)?(open|openat|fopen|opendir|access|faccessat|readlink|realpath|popen|socket|connect|fcntl|flock|lockf|fork|vfork|clone|posix_spawnp?|execv[a-z]*|unshare|setns|mount|dlopen|getpw[a-z_]*|getgr[a-z_]*)(64)?)$/ { print o ": looks in our own name: " $NF }'
	done
}

if ls "$objdir"/diagnose/check-*.o >/dev/null 2>&1 && command -v nm >/dev/null; then
	u=$(user_gatherers "$src" | sort | tr '\n' ' ')
	[ "$u" = "gather_database gather_driver gather_filesystems gather_move gather_nfs gather_runtime gather_startup " ]
	ok $? "diagnose.c marks the gatherers that look only in the user's name" || diag "$u"
	v=$(own_name_lookups "$src" "$objdir")
	[ -z "$v" ]; ok $? "those look only through fsx in the user's name: no file, child, server or lock of our own" ||
		diag "$v"
	# Planted: a gatherer marked USER that opens a file itself.
	mkdir -p "$tmp/usrc/diagnose" "$tmp/uobj/diagnose"
	cp "$src"/diagnose/*.c "$tmp/usrc/diagnose/"
	cp "$objdir"/diagnose/gather-*.o "$tmp/uobj/diagnose/"
	perl -0pi -e 's/\{gather_startup, true, true\}/{gather_startup, true, true}, {gather_planted, true, true}/' \
		"$tmp/usrc/diagnose/diagnose.c"
	printf '#include <stdio.h>\nstruct facts;\nvoid gather_planted(struct facts *d)\n{ (void)d; fclose(fopen("/etc/subuid", "r")); }\n' \
		>"$tmp/usrc/diagnose/gather-planted.c"
	"${CC:-cc}" -c -o "$tmp/uobj/diagnose/gather-planted.o" "$tmp/usrc/diagnose/gather-planted.c"
	v=$(own_name_lookups "$tmp/usrc" "$tmp/uobj")
	grep -qx "diagnose/gather-planted.o: looks in our own name: fopen" <<<"$v"
	ok $? "a planted USER gatherer that opens a file itself is reported" || diag "$v"

	v=$(lookups "$objdir")
	[ -z "$v" ]; ok $? "no check looks at the system, asks a server or takes a lock itself: the gatherers do" || diag "$v"

	v=$(object_violations "$objdir")
	[ -z "$v" ]; ok $? "no check calls a gatherer or fills the fleet's cache; no gatherer adds a finding" || diag "$v"

	mkdir -p "$tmp/obj/diagnose"
	cp "$objdir"/diagnose/*.o "$tmp/obj/diagnose/"
	printf 'void gather_userns(void *d);\nvoid check_planted(void *d) { gather_userns(d); }\n' >"$tmp/p1.c"
	printf 'void finding_add(void *o);\nvoid gather_planted(void *o) { finding_add(o); }\n' >"$tmp/p2.c"
	"$cc" -c -o "$tmp/obj/diagnose/check-planted.o" "$tmp/p1.c" &&
		"$cc" -c -o "$tmp/obj/diagnose/gather-planted.o" "$tmp/p2.c"
	v=$(object_violations "$tmp/obj")
	grep -qx "diagnose/check-planted.o: a check calls gather_userns" <<<"$v"
	ok $? "a planted check that gathers is reported" || diag "$v"
	grep -qx "diagnose/gather-planted.o: a gatherer calls finding_add" <<<"$v"
	ok $? "a planted gatherer that adds a finding is reported" || diag "$v"

	printf '#include <sys/stat.h>\nint fsx_stat(void *x, const char *p, struct stat *st);\n' >"$tmp/p3.c"
	printf 'int check_planted(void *x, struct stat *st) { return fsx_stat(x, "/", st) + stat("/", st); }\n' >>"$tmp/p3.c"
	"$cc" -c -o "$tmp/obj/diagnose/check-planted.o" "$tmp/p3.c"
	v=$(lookups "$tmp/obj")
	grep -qx "diagnose/check-planted.o: a check looks itself: fsx_stat" <<<"$v" &&
		grep -qx "diagnose/check-planted.o: a check looks itself: stat" <<<"$v"
	ok $? "a planted check that calls fsx_stat and stat is reported" || diag "$v"

	# Planted: the NFS checks' old lookups, in a check again.
	{
		printf 'void nfs_server_probe(const void *rq, void *r);\n'
		printf 'void lock_test(const char *dir, const void *as, int ms, void *r);\n'
		printf 'int guard_remaining_ms(void);\nint guard_run(const void *as, int ms, void *fn, void *arg, void *o);\n'
		printf 'int runshare_get(void *s, const char *k, int ms, char **t, unsigned long *n);\n'
		printf 'void check_planted(void *rq, void *r) { nfs_server_probe(rq, r); lock_test("/", 0, 1, r);\n'
		printf '\tguard_run(0, guard_remaining_ms(), 0, 0, 0); runshare_get(0, "k", 1, 0, 0); }\n'
	} >"$tmp/p4.c"
	"$cc" -c -o "$tmp/obj/diagnose/check-planted.o" "$tmp/p4.c"
	v=$(lookups "$tmp/obj")
	n=0
	for f in nfs_server_probe lock_test guard_run guard_remaining_ms runshare_get; do
		grep -qx "diagnose/check-planted.o: a check looks itself: $f" <<<"$v" && n=$((n + 1))
	done
	[ "$n" -eq 5 ]
	ok $? "a planted check that asks a server, takes a lock, runs a guarded child, reads the clock or shares is reported" ||
		diag "$v"
else
	skip "no objects next to $NFSCHECK: calls not checked"
	skip "no objects: planted check not checked"
	skip "no objects: planted gatherer not checked"
	skip "no objects: lookups in checks not checked"
	skip "no objects: planted lookup not checked"
	skip "no objects: planted server and lock calls not checked"
	skip "no objects: USER gatherers not listed"
	skip "no objects: USER gatherers not checked"
	skip "no objects: planted USER gatherer not checked"
fi

done_testing
