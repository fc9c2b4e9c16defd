#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# diagnose's start-up checks against the Podman releases of Debian's other
# suites: 5.4.2 (trixie), 5.8.6 (sid), 6.1.1 (experimental), each in a
# cached tree (release-tree.sh). The rules that differ by release: Podman
# 6 refuses cgroup v1, use_composefs stops every release from 5.0 on in a
# user namespace, imagestore is never expanded; and the start-up paths on
# the new releases. For each case nfscheck diagnose runs first, on the
# host, modelling the tree's release (--podman-version) with the tree's
# /etc/containers and /usr/share/containers bound in; then the tree's own
# podman imports a one-layer image as the same user, with the same home,
# after pivot_root into the tree (a chroot cannot make user namespaces).
# cgroup2 is mounted over /sys/fs/cgroup for both, or not (this host
# mounts cgroup v1).
. "$TESTS_SRCDIR/lib.sh"

command -v jq >/dev/null || skip_all "jq is not installed"
[ "$(id -u)" -eq 0 ] || skip_all "needs root for private mount namespaces"
command -v unshare >/dev/null && command -v setpriv >/dev/null || skip_all "util-linux unshare/setpriv missing"

NS_UID=4431 NS_NAME=nfsrel
top=$(mktemp -d /var/tmp/nfscheck-rel.XXXXXX)
chmod 755 "$top"
nfscheck_for_users /var/tmp || skip_all "cannot copy nfscheck for the test user"
trap 'pkill -KILL -U "$NS_UID" 2>/dev/null; rm -rf "$top" "$NFSCHECK_COPY_DIR"' EXIT

declare -A trees
for rel in trixie sid experimental; do
	t=$("$TESTS_SRCDIR/release-tree.sh" "$rel" 2>"$top/$rel.err")
	rc=$?
	if [ $rc -eq 77 ] && [ -z "${CI:-}" ]; then
		skip "no $rel tree here: $(tail -1 "$top/$rel.err")"
		continue
	fi
	ok $rc "the $rel tree is there" || diag "$(tail -3 "$top/$rel.err")"
	trees[$rel]=$t
done

# rel_case NAME: a user with a fresh home, its files for both sides.
rel_case() {
	case_dir=$top/$1
	home=$case_dir/home/$NS_NAME
	mkdir -p "$home/.config/containers" "$case_dir/run"
	chmod 755 "$case_dir" "$case_dir/home"
	chown -R "$NS_UID:$NS_UID" "$home" "$case_dir/run"
	chmod 700 "$case_dir/run"
	printf 'x' >"$case_dir/f"
	tar -C "$case_dir" -cf "$case_dir/layer.tar" f
	chmod 644 "$case_dir/layer.tar"
	SETUP=
}

rel_user_file() {
	printf '%s\n' "$1" >"$home/.config/containers/storage.conf"
	chown "$NS_UID:$NS_UID" "$home/.config/containers/storage.conf"
}

engine_conf() {
	printf '[engine]\n%s\n' "$1" >"$home/.config/containers/containers.conf"
	chown "$NS_UID:$NS_UID" "$home/.config/containers/containers.conf"
}

# run_case REL VERSION CGROUP2(0|1): diagnose on the host, then the tree's podman.
run_case() {
	local R=${trees[$1]} v=$2 cg=$3 f
	for f in passwd group; do
		grep -v "^$NS_NAME:" "$R/etc/$f" >"$case_dir/$f"
	done
	echo "$NS_NAME:x:$NS_UID:$NS_UID::$home:/bin/sh" >>"$case_dir/passwd"
	echo "$NS_NAME:x:$NS_UID:" >>"$case_dir/group"
	echo "$NS_NAME:300000:65536" >"$case_dir/subuid"
	cp "$case_dir/subuid" "$case_dir/subgid"
	local env="env -i PATH=/usr/bin:/bin HOME=$home USER=$NS_NAME LOGNAME=$NS_NAME XDG_RUNTIME_DIR=$case_dir/run"
	local as="setpriv --reuid=$NS_UID --regid=$NS_UID --clear-groups $env"
	local setup=${SETUP//@AS@/$as}
	cat >"$case_dir/ns.sh" <<EOF
set -u
[ $cg = 1 ] && mount -t cgroup2 none /sys/fs/cgroup
mount -t tmpfs tmpfs /tmp
mount --bind "$R/etc/containers" /etc/containers
mount --bind "$R/usr/share/containers" /usr/share/containers
for f in passwd group subuid subgid; do mount --bind "$case_dir/\$f" /etc/\$f; done
$setup
cd /
$as "$NFSCHECK" diagnose --json --podman-version $v >"$case_dir/diag.json" 2>"$case_dir/diag.err"
echo \$? >"$case_dir/diag.rc"
mount --bind "$R" "$R"
mount --rbind /proc "$R/proc"; mount --rbind /sys "$R/sys"; mount --rbind /dev "$R/dev"
mount -t tmpfs tmpfs "$R/tmp"; mount -t tmpfs -o mode=1777 vt "$R/var/tmp"
mkdir -p "$R$top"; mount --bind "$top" "$R$top"
for f in passwd group subuid subgid; do mount --bind "$case_dir/\$f" "$R/etc/\$f"; done
mkdir -p "$R/.oldroot"; cd "$R"; pivot_root . .oldroot; umount -l /.oldroot; cd /
$as PODMAN_IGNORE_CGROUPSV1_WARNING=1 podman import "$case_dir/layer.tar" nfscheck-rel:1 \
	>"$case_dir/podman.out" 2>"$case_dir/podman.err"
echo \$? >"$case_dir/podman.rc"
EOF
	unshare --mount --propagation private -- bash "$case_dir/ns.sh" >"$case_dir/ns.log" 2>&1
	pkill -KILL -U "$NS_UID" 2>/dev/null
	drc=$(cat "$case_dir/diag.rc" 2>/dev/null || echo none) prc=$(cat "$case_dir/podman.rc" 2>/dev/null || echo none)
}

# fails REL VERSION CG NAME CHECK-ID PODMAN-TEXT [PATH]
fails() {
	local rel=$1 v=$2 cg=$3 name="$1 $4" id=$5 text=$6 path=${7:-}
	[ -n "${trees[$rel]:-}" ] || return 0
	run_case "$rel" "$v" "$cg"
	[ "$prc" != 0 ]; ok $? "$name: podman import fails (exit $prc)" || diag "$(tail -3 "$case_dir/ns.log")"
	grep -qF -- "$text" "$case_dir/podman.err"
	ok $? "$name: podman says $text" || diag "$(tail -2 "$case_dir/podman.err")"
	[ "$drc" = 1 ]; ok $? "$name: diagnose exits 1 (got $drc)" ||
		diag "$(jq -r '.checks[] | select(.status != "ok") | "\(.id) \(.status) \(.summary)"' "$case_dir/diag.json" 2>&1 | head -5)"
	jq -e --arg id "$id" --arg p "$path" \
		'[.checks[] | select(.id == $id and .status == "fail" and ($p == "" or .values.path == $p))] | length > 0' \
		"$case_dir/diag.json" >/dev/null
	ok $? "$name: check $id fails${path:+ naming $path}" ||
		diag "$(jq -c '[.checks[] | select(.status == "fail") | .id]' "$case_dir/diag.json" 2>&1)"
}

# works REL VERSION CG NAME
works() {
	local rel=$1 v=$2 cg=$3 name="$1 $4"
	[ -n "${trees[$rel]:-}" ] || return 0
	run_case "$rel" "$v" "$cg"
	[ "$prc" = 0 ]; ok $? "$name: podman import works" || diag "$(tail -n 3 "$case_dir/podman.err" "$case_dir/ns.log")"
	[ "$drc" = 0 ]; ok $? "$name: diagnose exits 0 (got $drc)" ||
		diag "$(jq -r '.checks[] | select(.status == "fail") | "\(.id): \(.summary)"' "$case_dir/diag.json" 2>&1 | head -5)"
}

# --- cgroups: Podman 6 refuses v1, Podman 5 only warns ---
rel_case exp-v1
fails experimental 6.1 0 "on cgroup v1" cgroups "Cgroups v1 not supported"
rel_case exp-v2
works experimental 6.1 1 "on cgroup v2"
rel_case trixie-v1
works trixie 5.4 0 "on cgroup v1"
[ -z "${trees[trixie]:-}" ] || {
	jq -e '.checks[] | select(.id == "cgroups") | .status == "warn"' "$case_dir/diag.json" >/dev/null
	ok $? "trixie on cgroup v1: the cgroups check warns"
}
rel_case sid-v2
works sid 5.8 1 "nothing configured"

# --- use_composefs cannot work in a user namespace (5.0 and later) ---
composefs='[storage]
driver = "overlay"
[storage.options.overlay]
use_composefs = "true"'
rel_case trixie-composefs
rel_user_file "$composefs"
fails trixie 5.4 1 "use_composefs" driver.composefs "composefs is not supported in user namespaces"
rel_case exp-composefs
rel_user_file "$composefs"
fails experimental 6.1 1 "use_composefs" driver.composefs "composefs is not supported in user namespaces"

# --- imagestore is not expanded: "$HOME/is" is relative to the current directory (/) ---
rel_case trixie-imagestore
rel_user_file '[storage]
driver = "overlay"
imagestore = "$HOME/is"'
fails trixie 5.4 1 "imagestore with \$HOME" startup.imagestore 'mkdir $HOME' '/$HOME/is'
rel_case sid-imagestore
rel_user_file '[storage]
driver = "overlay"
imagestore = "$HOME/is"'
fails sid 5.8 1 "imagestore with \$HOME" startup.imagestore 'mkdir $HOME' '/$HOME/is'
rel_case exp-imagestore-ok
rel_user_file '[storage]
driver = "overlay"
imagestore = "'"$home"'/is"'
works experimental 6.1 1 "absolute imagestore"

# --- start-up paths on the new releases ---
rel_case exp-ais
rel_user_file '[storage]
driver = "overlay"
[storage.options]
additionalimagestores = ["'"$case_dir"'/nonexistent"]'
fails experimental 6.1 1 "missing additional image store" startup.additionalimagestore \
	"can't stat imageStore dir" "$case_dir/nonexistent"

rel_case exp-copy
install -d -m 755 "$case_dir/closed"
engine_conf 'image_copy_tmp_dir = "'"$case_dir"'/closed"'
fails experimental 6.1 1 "image_copy_tmp_dir not writable" startup.image-copy-dir "$case_dir/closed" "$case_dir/closed"

rel_case trixie-copy-rel
engine_conf 'image_copy_tmp_dir = "rel/dir"'
fails trixie 5.4 1 "relative image_copy_tmp_dir" startup.image-copy-dir "relative paths are not accepted" rel/dir

rel_case sid-runroot
rel_user_file '[storage]
driver = "overlay"
runroot = "/run/containers/storage"'
fails sid 5.8 1 "rootful runroot in the user's file" startup.runroot "/run/containers" /run/containers/storage

rel_case trixie-static
install -d -m 755 "$case_dir/closed"
engine_conf 'static_dir = "'"$case_dir"'/closed/libpod"'
fails trixie 5.4 1 "static_dir not creatable" startup.static-dir "$case_dir/closed/libpod" "$case_dir/closed/libpod"

# Created at start since podman#23515 (4.3 creates it only for a volume: diagnose-startup.sh).
rel_case exp-volume
install -d -m 755 "$case_dir/closed"
engine_conf 'volume_path = "'"$case_dir"'/closed/volumes"'
fails experimental 6.1 1 "volume_path not creatable" startup.volume-path "creating runtime volume path directory" \
	"$case_dir/closed/volumes"
rel_case trixie-volume
install -d -m 755 "$case_dir/closed"
engine_conf 'volume_path = "'"$case_dir"'/closed/volumes"'
fails trixie 5.4 1 "volume_path not creatable" startup.volume-path "creating runtime volume path directory" \
	"$case_dir/closed/volumes"
rel_case trixie-volume-ok
engine_conf 'volume_path = "'"$home"'/vols"'
works trixie 5.4 1 "volume_path the user can create"

# --- a BoltDB left by the host's Podman 4.3: 6.1 migrates it and starts ---
if command -v podman >/dev/null && [ -n "${trees[experimental]:-}" ]; then
	rel_case exp-boltdb
	# Its pause process and runtime directory go: 6.1 would join them.
	SETUP='@AS@ /usr/bin/podman info >/dev/null 2>&1; pkill -KILL -U '$NS_UID'; sleep 0.2; rm -rf '"$case_dir"'/run/*'
	works experimental 6.1 1 "with a BoltDB from 4.3"
	SETUP=
	jq -e '.checks[] | select(.id == "database.boltdb")' "$case_dir/diag.json" >/dev/null
	ok $? "experimental with a BoltDB from 4.3: the database.boltdb check saw it" ||
		diag "$(jq -c '[.checks[] | select(.status != "ok") | .id]' "$case_dir/diag.json")"
	jq -e '.checks[] | select(.id == "database.boltdb") | .status == "warn"' "$case_dir/diag.json" >/dev/null
	ok $? "experimental with a BoltDB from 4.3: a warning, not a failure"
fi

done_testing
