#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Fork only where it buys safety: on a local home, whose every path
# mountinfo proves local, `config` and `diagnose` answer their filesystem
# calls in-process instead of one guarded child per call. Counts the
# processes nfscheck creates (strace: fork, vfork, and clone without
# CLONE_THREAD; the threads of a Go program it runs are not processes),
# as root for itself and as root for a user; the limits are what remains:
# the children that buy something (the probe, the user-namespace test).
# A behaviour test, not a timing test: before the change config forked
# 15 times and diagnose 39; before podman identification, the idmap tools'
# facts and a relative stat ran in-process, config 1 and diagnose 8; before
# the probe ran in-process on a local graphroot, diagnose 5 as the user.
. "$TESTS_SRCDIR/lib.sh"
NS_UID=4460 NS_NAME=nfsfork
. "$TESTS_SRCDIR/nscase.sh"

command -v strace >/dev/null || skip_all "strace is not installed"
# The premise: "/" itself is a mount the walk may use (fstypes.c's
# fs_type_never_hangs); on, say, an overlay root every call is the child's.
case $(findmnt -n -o FSTYPE /) in
ext2|ext3|ext4|xfs|btrfs|tmpfs|f2fs|zfs|bcachefs) ;;
*) skip_all "/ is $(findmnt -n -o FSTYPE /), not a filesystem type nfscheck walks in-process" ;;
esac
ns_require

# forks FILE: the processes created in an strace -f log of clone-family calls
forks() {
	grep -E '^[0-9]+ +(fork|vfork|clone|clone3)\(' "$1" | grep -vc 'CLONE_THREAD'
}

# count LIMIT WHAT CMD...: run CMD under strace in the case's namespace
count() {
	local limit=$1 what=$2 n
	shift 2
	ns_run <<-EOF
		strace -f -qq -o "$case_dir/trace" -e trace=clone,clone3,fork,vfork $* >"$case_dir/out" 2>"$case_dir/err"
		echo \$? >"$case_dir/rc"
	EOF
	n=$(forks "$case_dir/trace")
	ok "$([ "$(cat "$case_dir/rc")" -le 1 ] && [ "$n" -le "$limit" ]; echo $?)" \
		"$what: $n processes created (at most $limit), exit $(cat "$case_dir/rc")" ||
		{ diag "$(head -c 2000 "$case_dir/err")"; diag "$(grep -vE 'CLONE_THREAD' "$case_dir/trace" | head -20)"; }
}

new_case local
mkdir -p "$home/.config"
chown -R "$NS_UID:$NS_UID" "$home"
count 0 "config as root" "$NFSCHECK" config
# Root's own storage: the probe's one child (on a local graphroot the probe
# runs in nfscheck itself: nothing there can hang).
count 1 "diagnose --user root (root's own storage)" "$NFSCHECK" diagnose --user root
count 0 "config --user (local home)" "$NFSCHECK" config --user "$NS_NAME"
# The probe's four (its guarded child, the clone into a user namespace,
# newuidmap, newgidmap) and check-kernel's unshare test.
count 5 "diagnose --user (local home)" "$NFSCHECK" diagnose --user "$NS_NAME"

# The user themself, with the libpod database Podman 4.3.1 wrote: it is
# read in-process too (as root for the user it is the child's, in their name).
db=$home/.local/share/containers/storage/libpod
install -d -o "$NS_UID" -g "$NS_UID" "$home/.local" "$home/.local/share" "$home/.local/share/containers" \
	"$home/.local/share/containers/storage" "$db"
install -m 600 -o "$NS_UID" -g "$NS_UID" "$TESTS_SRCDIR/../fuzz/seeds/boltdb/podman-4.3.1" "$db/bolt_state.db"
as_user=(setpriv --reuid="$NS_UID" --regid="$NS_UID" --clear-groups env -i HOME="$home" USER="$NS_NAME"
	LOGNAME="$NS_NAME" PATH=/usr/local/bin:/usr/bin:/bin)
count 0 "config as the user, with a libpod database" "${as_user[@]}" "$NFSCHECK" config
grep -q "(libpod database)" "$case_dir/out"
ok $? "config as the user: the database's values are shown" || diag "$(head -c 2000 "$case_dir/out")"
# As the user on a local home the probe runs in nfscheck itself: the clone
# into a user namespace, newuidmap, newgidmap, and the user-namespace test.
count 4 "diagnose as the user, with a libpod database" "${as_user[@]}" "$NFSCHECK" diagnose

done_testing
