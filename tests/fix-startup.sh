#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Fixes that must leave Podman valid, judged by the host's real Podman:
# `fix --system` on a machine with neither /etc nor /usr/share
# storage.conf (Debian 12 without containers-storage) writes an /etc file
# with a driver, so Podman logs no "The storage 'driver' option must be
# set"; `fix --graphroot` for a user whose driver was only Podman's
# automatic pick never pins vfs, names overlay where it works (so that
# Podman logs no such error for the user's file either) and claims nothing
# came from a system file that does not exist.
. "$TESTS_SRCDIR/lib.sh"

command -v podman >/dev/null || skip_all "podman is not installed"
command -v jq >/dev/null || skip_all "jq is not installed"

NS_UID=4432 NS_NAME=nfsfixst
. "$TESTS_SRCDIR/nscase.sh"
ns_require

template='/var/tmp/nfscheck-fixst-$USER/containers/storage'
want=/var/tmp/nfscheck-fixst-$NS_NAME/containers/storage
NS_EXTRA_CLEANUP='rm -rf /var/tmp/nfscheck-fixst-$NS_NAME'

# --- fix --system from nothing, then podman info as a user ---
new_case system
[ ! -e "$case_dir/etc-containers/storage.conf" ] && [ ! -e "$case_dir/usr-containers/storage.conf" ]
ok $? "system: no storage.conf in /etc or /usr/share"
install -d -m 700 -o "$NS_UID" -g "$NS_UID" "$case_dir/run"
ENV+=(XDG_RUNTIME_DIR="$case_dir/run")
ns_run <<EOF
"$NFSCHECK" fix --system --graphroot-template '$template' >"$case_dir/out" 2>"$case_dir/err"
echo \$? >"$case_dir/rc"
as_user podman info --format '{{.Store.GraphRoot}} {{.Store.GraphDriverName}}' >"$case_dir/podman.out" 2>"$case_dir/podman.err"
echo \$? >"$case_dir/podman.rc"
EOF
ok "$(cat "$case_dir/rc")" "system: fix --system exits 0" || diag "$(cat "$case_dir/err")"
grep -qE '^driver = "(overlay|vfs)"$' "$case_dir/etc-containers/storage.conf"
ok $? "system: the new /etc file sets a driver" || diag "$(cat "$case_dir/etc-containers/storage.conf")"
ok "$(cat "$case_dir/podman.rc")" "system: podman info works" || diag "$(tail -n 3 "$case_dir/podman.err")"
[ "$(cut -d' ' -f1 "$case_dir/podman.out" | tail -n 1)" = "$want" ]
ok $? "system: podman uses the template's graphroot ($(tail -n 1 "$case_dir/podman.out"))"
! grep -q "option must be set" "$case_dir/podman.err"
ok $? "system: podman logs no \"driver option must be set\"" || diag "$(cat "$case_dir/podman.err")"

# --- fix --graphroot when the driver was only Podman's automatic pick ---
new_case fallback
install -d -m 700 -o "$NS_UID" -g "$NS_UID" "$case_dir/run" "$case_dir/store"
ENV+=(XDG_RUNTIME_DIR="$case_dir/run")
ns_run <<EOF
as_user "$NFSCHECK" config --json >"$case_dir/before.json" 2>/dev/null
as_user "$NFSCHECK" fix --graphroot "$case_dir/store/g" >"$case_dir/out" 2>"$case_dir/err"
echo \$? >"$case_dir/rc"
as_user "$NFSCHECK" config --json >"$case_dir/after.json" 2>/dev/null
as_user podman info --format '{{.Store.GraphRoot}} {{.Store.GraphDriverName}}' >"$case_dir/podman.out" 2>"$case_dir/podman.err"
echo \$? >"$case_dir/podman.rc"
EOF
conf=$home/.config/containers/storage.conf
jq -e '.storage.driver.origin | test("auto|default")' "$case_dir/before.json" >/dev/null
ok $? "fallback: before, the driver was Podman's own pick ($(jq -r .storage.driver.origin "$case_dir/before.json"))"
ok "$(cat "$case_dir/rc")" "fallback: fix --graphroot exits 0" || diag "$(cat "$case_dir/err")"
[ -f "$conf" ] && ! grep -q '^driver = "vfs"' "$conf"; ok $? "fallback: the new user file does not pin vfs" || diag "$(cat "$conf")"
# Overlay, Podman's own first pick, when the kernel's overlay surely works
# in a user namespace on the new graphroot (a kernel from 5.13; ext4, xfs
# or btrfs, or tmpfs from 6.6); else no driver at all.
overlay_here=no
kv=$(uname -r | awk -F. '{ print $1 * 1000 + $2 }')
case $(stat -f -c %T "$case_dir/store") in
ext2/ext3 | xfs | btrfs) [ "$kv" -ge 5013 ] && overlay_here=yes ;;
tmpfs) [ "$kv" -ge 6006 ] && overlay_here=yes ;;
esac
diag "the new graphroot is on $(stat -f -c %T "$case_dir/store"), kernel $(uname -r): overlay expected: $overlay_here"
if [ "$overlay_here" = yes ]; then
	grep -qx 'driver = "overlay"' "$conf"; ok $? "fallback: the new user file names overlay, which works here" || diag "$(cat "$conf")"
else
	! grep -q '^driver' "$conf"; ok $? "fallback: overlay cannot work here, the new user file sets no driver" || diag "$(cat "$conf")"
fi
! grep -q "driver' option must be set" "$case_dir/podman.err"; ok $? "fallback: podman logs no \"driver option must be set\"" || diag "$(cat "$case_dir/podman.err")"
! grep -qi "system file" "$conf" "$case_dir/out"; ok $? "fallback: nothing claims a system file" || diag "$(cat "$conf")"
ok "$(cat "$case_dir/podman.rc")" "fallback: podman info works" || diag "$(tail -n 3 "$case_dir/podman.err")"
# With no driver in the file Podman picks one again at every start, as
# nfscheck predicts: vfs is not pinned for good.
[ "$(tail -n 1 "$case_dir/podman.out")" = "$case_dir/store/g $(jq -r .storage.driver.value "$case_dir/after.json")" ]
ok $? "fallback: podman's own pick on the new graphroot, as predicted ($(tail -n 1 "$case_dir/podman.out"))"

done_testing
