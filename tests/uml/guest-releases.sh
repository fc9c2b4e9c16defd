#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Guest side of tests/releases-nfs.sh: the test user's home on the guest's
# root-squashed NFS mount, and each Podman release line (tests/release-lib.sh:
# a private mount namespace pivoted into the release's Debian tree, the NFS
# home bound in where the user's passwd entry puts it). On each release:
# diagnose first, then podman import of a one-layer image (a file owned by
# UID 60): diagnose must predict the import's failure; after fix --graphroot
# to local disk both must agree that it works.
#
# The suite's own TAP helpers (lib.sh) write the results; the last line
# turns them into the "T 0|1 text" and "D text" lines the host reads.
. "$GUEST_LIB"
TESTS_SRCDIR=$UML_DIR/..
v=$NFS_VERS
. "$TESTS_SRCDIR/lib.sh"
NS_UID=$TEST_UID NS_NAME=$TEST_USER
. "$TESTS_SRCDIR/release-lib.sh"

main() {
rel_require

# The image, where every tree's podman can read it.
mkdir -p "$ns_top/img/etc" && echo hello >"$ns_top/img/etc/owned-by-60"
tar --owner=60 --group=60 -C "$ns_top/img" -cf "$ns_top/img.tar" . && chmod 644 "$ns_top/img.tar"

# As the user: a home with nothing from the release before.
as_test_user() { setpriv --reuid="$TEST_UID" --regid="$TEST_GID" --clear-groups "$@"; }

for rel in ${RELEASES:-$REL_ALL}; do
	rel_case "$rel" nfs || { ok 1 "v$v: $rel: $rel_why"; continue; }
	as_test_user rm -rf "$TEST_HOME/.local" "$TEST_HOME/.config"
	mount --bind "$TEST_HOME" "$home" || { ok 1 "v$v: $rel: bind the NFS home"; continue; }
	o=$case_dir
	rel_run <<-EOF
		as_user \$NFSCHECK diagnose --json --timeout 60 >$o/d1.json 2>$o/d1.err; echo \$? >$o/d1.rc
		as_user podman import $ns_top/img.tar nfscheck-test:before >$o/p1.out 2>&1; echo \$? >$o/p1.rc
		kill_user
		as_user \$NFSCHECK fix --graphroot '/var/tmp/\$USER/containers/storage' >$o/f.out 2>$o/f.err; echo \$? >$o/f.rc
		kill_user
		as_user \$NFSCHECK diagnose --json --timeout 60 >$o/d2.json 2>$o/d2.err; echo \$? >$o/d2.rc
		as_user podman import $ns_top/img.tar nfscheck-test:after >$o/p2.out 2>&1; echo \$? >$o/p2.rc
		as_user podman info --format '{{.Store.GraphRoot}}' >$o/info.out 2>&1
	EOF
	umount -l "$home"
	d1=$(cat $o/d1.rc 2>/dev/null) p1=$(cat $o/p1.rc 2>/dev/null) f=$(cat $o/f.rc 2>/dev/null)
	d2=$(cat $o/d2.rc 2>/dev/null) p2=$(cat $o/p2.rc 2>/dev/null)
	diag "$rel: $(jq -r '.checks[] | select(.id == "podman") | .summary' $o/d1.json 2>/dev/null); before: diagnose $d1, import $p1: $(tail -1 $o/p1.out)"
	[ "$p1" != 0 ] && [ "$d1" = 1 ]
	ok $? "v$v: $rel: on the NFS home podman import fails (exit $p1) and diagnose predicted it (exit $d1)" ||
		diag "$(jq -r '.checks[] | select(.status == "fail") | .id + ": " + .summary' $o/d1.json 2>/dev/null)" "$(tail -5 $o/rel.log)"
	jq -e '.checks[] | select(.id == "probe") | .status == "fail"' $o/d1.json >/dev/null
	ok $? "v$v: $rel: the probe's real chown fails there as Podman's does"
	[ "$f" = 0 ]; ok $? "v$v: $rel: fix --graphroot to local disk (exit $f)" || diag "$(tail -8 $o/f.out)" "$(cat $o/f.err)"
	[ "$d2" = 0 ] && [ "$p2" = 0 ]
	ok $? "v$v: $rel: afterwards diagnose exits 0 (exit $d2) and podman import works (exit $p2)" ||
		diag "$(jq -r '.checks[] | select(.status == "fail") | .id + ": " + .summary' $o/d2.json 2>/dev/null)" "$(tail -2 $o/p2.out)"
	grep -q "^/var/tmp/$TEST_USER/containers/storage$" $o/info.out
	ok $? "v$v: $rel: podman's graphroot is the one fix --graphroot wrote" || diag "$(cat $o/info.out)"
done
}

main 2>&1 | sed -E -e 's/^ok [0-9]+ - /T 0 /' -e 's/^not ok [0-9]+ - /T 1 /' -e 's/^1\.\.0 # SKIP (.*)/T 1 v'"$v"': cannot run: \1/' -e 's/^# /D /'
exit 0
