#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Guest side of tests/releases-nfs.sh: the test user's home on the guest's
# root-squashed NFS mount, and each Podman release line (tests/release-lib.sh:
# a private mount namespace pivoted into the release's Debian tree, the NFS
# home bound in where the user's passwd entry puts it). On each release:
# diagnose first, then podman import of a one-layer image (a file owned by
# UID 60): diagnose must predict the import's failure; after fix --graphroot
# to local disk both must agree that it works. Then, what that fix wrote
# removed (diagnose must fail again), the same with fix --image instead
# (root, for the user: an XFS image with reflink in the NFS home,
# loop-mounted on the user's ~/.local/share/containers), and proof that the
# imported layer lies in that XFS, chowned to the user's subordinate UID,
# before fix --undo.
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

rel_copy_mkfs_xfs || ok 1 "v$v: copy mkfs.xfs for the trees, which have no xfsprogs"
for rel in ${RELEASES:-$REL_ALL}; do
	release_case "$rel"
done
}

# One machine per release, the NFS home bound over $home: the steps below
# run in it in this order, each output in $o, each step's end in $o/times.
release_case() {
	local rel=$1 o img
	rel_case "$rel" nfs || { ok 1 "v$v: $rel: $rel_why"; return; }
	o=$case_dir img=$home/containers-$rel.img
	as_test_user rm -rf "$TEST_HOME/.local" "$TEST_HOME/.config"
	mount --bind "$TEST_HOME" "$home" || { ok 1 "v$v: $rel: bind the NFS home"; return; }
	rel_run <<-EOF
		step() { echo "\$1 \$(date +%s.%N)" >>$o/times; }
		step start
		$(graphroot_steps)
		$(image_steps)
	EOF
	umount -l "$home"
	as_test_user rm -f "$TEST_HOME/${img##*/}" "$TEST_HOME/${img##*/}.lock"
	diag "v$v: $rel: seconds per step: $(awk 'NR > 1 { printf "%s %.1f, ", $1, $2 - t } { t = $2 }' $o/times 2>/dev/null)"
	graphroot_results
	image_results
}

graphroot_steps() {
	cat <<-EOF
		as_user \$NFSCHECK diagnose --json --timeout 60 >$o/d1.json 2>$o/d1.err; echo \$? >$o/d1.rc; step diagnose
		as_user podman import $ns_top/img.tar nfscheck-test:before >$o/p1.out 2>&1; echo \$? >$o/p1.rc; step import
		kill_user
		as_user \$NFSCHECK fix --graphroot '/var/tmp/\$USER/containers/storage' >$o/f.out 2>$o/f.err; echo \$? >$o/f.rc
		step fix-graphroot
		kill_user
		as_user \$NFSCHECK diagnose --json --timeout 60 >$o/d2.json 2>$o/d2.err; echo \$? >$o/d2.rc; step diagnose
		as_user podman import $ns_top/img.tar nfscheck-test:after >$o/p2.out 2>&1; echo \$? >$o/p2.rc; step import
		as_user podman info --format '{{.Store.GraphRoot}}' >$o/info.out 2>&1; step info
		kill_user
	EOF
}

graphroot_results() {
	local d1 p1 f d2 p2
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
}

# Separately, fix --image (root, for the user) from where the import above
# failed: what fix --graphroot wrote removed (a drop-in on the releases
# with the new parser, so the whole folder), the store that import left on NFS
# still there (--move-aside puts it aside). It runs in the release's
# machine, so its closing diagnose and its check that Podman's graphroot
# lies inside the mountpoint use that release's model. Then the imported
# layer must be found in the image's XFS, owned by what UID 60 maps to
# (the user's subordinate range starts at 200000 for UID 1).
image_steps() {
	cat <<-EOF
		as_user rm -rf $home/.config/containers
		as_user \$NFSCHECK diagnose --json --timeout 60 >$o/d3.json 2>$o/d3.err; echo \$? >$o/d3.rc; step diagnose
		PATH=$REL_XFS_PATH:\$PATH \$NFSCHECK fix --user $NS_NAME --image $img --size 1G --move-aside \
			>$o/fi.out 2>$o/fi.err; echo \$? >$o/fi.rc; step fix-image
		grep " $home/.local/share/containers " /proc/self/mountinfo >$o/mnt
		kill_user
		as_user \$NFSCHECK diagnose --json --timeout 60 >$o/d4.json 2>$o/d4.err; echo \$? >$o/d4.rc; step diagnose
		as_user podman import $ns_top/img.tar nfscheck-test:image >$o/p4.out 2>&1; echo \$? >$o/p4.rc; step import
		as_user find $home/.local/share/containers/storage -name owned-by-60 -fstype xfs -uid 200059 \
			-printf '%p\n' >$o/layer.out 2>&1
		as_user stat -f -c %T $home/.local/share/containers/storage >$o/fstype.out 2>&1; step find
		kill_user
		\$NFSCHECK fix --user $NS_NAME --undo >$o/u.out 2>$o/u.err; echo \$? >$o/u.rc; step undo
		grep -c " $home/.local/share/containers " /proc/self/mountinfo >$o/mnt-after
	EOF
}

image_results() {
	local d3 f d4 p4 u
	d3=$(cat $o/d3.rc 2>/dev/null) f=$(cat $o/fi.rc 2>/dev/null)
	d4=$(cat $o/d4.rc 2>/dev/null) p4=$(cat $o/p4.rc 2>/dev/null) u=$(cat $o/u.rc 2>/dev/null)
	[ "$d3" = 1 ]
	ok $? "v$v: $rel: fix --graphroot's file removed, diagnose predicts the failure again (exit $d3)" ||
		diag "$(jq -r '.checks[] | select(.status != "ok") | .id + ": " + .summary' $o/d3.json 2>/dev/null)"
	[ "$f" = 0 ]; ok $? "v$v: $rel: fix --image by root for the user, the image in the NFS home (exit $f)" ||
		diag "$(tail -15 $o/fi.out)" "$(cat $o/fi.err)"
	grep -q ' rw,.* - xfs /dev/loop[0-9]* rw' $o/mnt
	ok $? "v$v: $rel: ~/.local/share/containers is the image's XFS, read-write" || diag "$(cat $o/mnt)"
	[ "$d4" = 0 ] && [ "$p4" = 0 ]
	ok $? "v$v: $rel: after fix --image diagnose exits 0 (exit $d4) and podman import works (exit $p4)" ||
		diag "$(jq -r '.checks[] | select(.status == "fail") | .id + ": " + .summary' $o/d4.json 2>/dev/null)" "$(tail -2 $o/p4.out)"
	grep -qx xfs $o/fstype.out && grep -q /owned-by-60 $o/layer.out
	ok $? "v$v: $rel: podman's graphroot is on that XFS, the imported layer in it, owned by UID 200059 (60 in the layer)" ||
		diag "fstype: $(cat $o/fstype.out)" "layer: $(cat $o/layer.out)"
	[ "$u" = 0 ] && [ "$(cat $o/mnt-after 2>/dev/null)" = 0 ]
	ok $? "v$v: $rel: fix --undo unmounts it (exit $u)" || diag "$(cat $o/u.err)"
}

main 2>&1 | sed -E -e 's/^ok [0-9]+ - /T 0 /' -e 's/^not ok [0-9]+ - /T 1 /' -e 's/^1\.\.0 # SKIP (.*)/T 1 v'"$v"': cannot run: \1/' -e 's/^# /D /'
exit 0
