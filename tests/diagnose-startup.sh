#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# diagnose's start-up checks against the host's real Podman (Debian 12's
# 4.3.1): for each thing that stops Podman before it imports an image --
# a runroot the user cannot create, a missing or unreadable additional
# image store, an image copy directory the user cannot write, a driver
# that cannot start, a static_dir or graphroot the user cannot create --
# nfscheck diagnose runs first and must exit 1 with a failing check that
# names the path Podman's error names; then `podman import` of a one-layer
# image must really fail. Each has a control where Podman works and
# diagnose exits 0. Every case is a throwaway user in a private mount
# namespace (nscase.sh); nothing on the host changes.
. "$TESTS_SRCDIR/lib.sh"

command -v podman >/dev/null || skip_all "podman is not installed"
command -v jq >/dev/null || skip_all "jq is not installed"

NS_UID=4430 NS_NAME=nfsstart
. "$TESTS_SRCDIR/nscase.sh"
ns_require

# diagnose first (it predicts, nothing exists yet), then podman import.
run_case() {
	printf 'x' >"$case_dir/f"
	tar -C "$case_dir" -cf "$case_dir/layer.tar" f
	chmod 644 "$case_dir/layer.tar"
	chmod 755 "$case_dir"
	ns_run <<EOF
${SETUP:-}
as_user "$NFSCHECK" diagnose --json >"$case_dir/diag.json" 2>"$case_dir/diag.err"
echo \$? >"$case_dir/diag.rc"
as_user podman import "$case_dir/layer.tar" nfscheck-startup:1 >"$case_dir/podman.out" 2>"$case_dir/podman.err"
echo \$? >"$case_dir/podman.rc"
EOF
	drc=$(cat "$case_dir/diag.rc") prc=$(cat "$case_dir/podman.rc")
}

# fails NAME CHECK-ID PATH [PODMAN-TEXT]: podman fails naming PATH (or
# PODMAN-TEXT), diagnose exits 1 and CHECK-ID fails with that path.
fails() {
	local name=$1 id=$2 path=$3 text=${4:-$3}
	run_case
	[ "$prc" -ne 0 ]; ok $? "$name: podman import fails (exit $prc)" || diag "$(tail -3 "$case_dir/podman.out")"
	grep -qF -- "$text" "$case_dir/podman.err"
	ok $? "$name: podman's error names $text" || diag "$(tail -2 "$case_dir/podman.err")"
	[ "$drc" -eq 1 ]; ok $? "$name: diagnose exits 1 (got $drc)" ||
		diag "$(jq -r '.checks[] | select(.status != "ok") | "\(.id) \(.status) \(.summary)"' "$case_dir/diag.json")"
	jq -e --arg id "$id" --arg p "$path" \
		'[.checks[] | select(.id == $id and .status == "fail" and ($p == "" or .values.path == $p or .values.lock == $p))] | length > 0' \
		"$case_dir/diag.json" >/dev/null
	ok $? "$name: check $id fails${path:+ naming $path}" ||
		diag "$(jq -c --arg id "$id" '.checks[] | select(.id == $id)' "$case_dir/diag.json")"
}

# works NAME: podman imports, diagnose exits 0.
works() {
	local name=$1
	run_case
	[ "$prc" -eq 0 ]; ok $? "$name: podman import works" || diag "$(tail -2 "$case_dir/podman.err")"
	[ "$drc" -eq 0 ]; ok $? "$name: diagnose exits 0 (got $drc)" ||
		diag "$(jq -r '.checks[] | select(.status == "fail") | "\(.id): \(.summary)"' "$case_dir/diag.json")"
}

engine_conf() { # containers.conf [engine] lines for the user
	install -d -o "$NS_UID" -g "$NS_UID" "$home/.config" "$home/.config/containers"
	printf '[engine]\n%s\n' "$1" >"$home/.config/containers/containers.conf"
	chown "$NS_UID:$NS_UID" "$home/.config/containers/containers.conf"
}

# A runtime directory of the user's own, as a systemd login has.
with_runtime_dir() {
	install -d -m 700 -o "$NS_UID" -g "$NS_UID" "$case_dir/run"
	ENV+=(XDG_RUNTIME_DIR="$case_dir/run")
}

new_case control
with_runtime_dir
works "nothing configured"

# --- the runroot: a copied system file keeps root's ---
new_case runroot
with_runtime_dir
user_file '[storage]
driver = "vfs"
runroot = "/run/containers/storage"'
fails "rootful runroot in the user's file" startup.runroot /run/containers/storage /run/containers
jq -e '.checks[] | select(.id == "startup.runroot") | .commands | any(test("nfscheck fix --graphroot .* --runroot "))' \
	"$case_dir/diag.json" >/dev/null
ok $? "the runroot's remedy is fix --graphroot ... --runroot ..."
# ... and that command, run as the user, makes Podman work -- after the
# failed import, whose database now pins the runroot too, so diagnose again.
ns_run <<EOF
as_user "$NFSCHECK" diagnose --json >"$case_dir/diag2.json" 2>/dev/null
EOF
jq -e '.checks[] | select(.id == "startup.runroot") | .commands | any(test("^rm -- .*/libpod/bolt_state.db$"))' \
	"$case_dir/diag2.json" >/dev/null
ok $? "after podman's failed start the database pins the runroot: its remedy removes that database first"
cmd=$(jq -r '[.checks[] | select(.id == "startup.runroot") | .commands[]] | join(" && ")' "$case_dir/diag2.json")
ns_run <<EOF
as_user sh -c "PATH=$NFSCHECK_COPY_DIR:\$PATH; $cmd" >"$case_dir/fix.out" 2>&1
echo \$? >"$case_dir/fix.rc"
EOF
ok "$(cat "$case_dir/fix.rc")" "the runroot's remedy, run: exit 0 ($cmd)" || diag "$(grep -v "^ *\[ ok\]" "$case_dir/fix.out" | head -n 30)"
# ns_run killed the pause process of the failed import; its stale pause.pid
# (the number maybe reused by now) is the harness's doing, not the user's.
rm -rf "$case_dir/run/libpod"
works "after the runroot's remedy"

new_case runroot-ok
with_runtime_dir
user_file '[storage]
driver = "vfs"
runroot = "'"$case_dir"'/run/store"'
works "runroot the user owns"

# --- additional image stores ---
new_case ais-missing
with_runtime_dir
user_file '[storage]
driver = "overlay"
[storage.options]
additionalimagestores = ["'"$case_dir"'/nonexistent"]'
fails "missing additional image store" startup.additionalimagestore "$case_dir/nonexistent" "can't stat imageStore dir"

new_case ais-closed
with_runtime_dir
install -d -m 700 "$case_dir/ais"
user_file '[storage]
driver = "overlay"
[storage.options]
additionalimagestores = ["'"$case_dir"'/ais"]'
fails "additional image store the user cannot read" startup.additionalimagestore "$case_dir/ais"

new_case ais-empty
with_runtime_dir
install -d -m 755 "$case_dir/ais"
user_file '[storage]
driver = "overlay"
[storage.options]
additionalimagestores = ["'"$case_dir"'/ais"]'
fails "additional image store without its lock directories" startup.additionalimagestore \
	"$case_dir/ais/overlay-images/images.lock" "$case_dir/ais/overlay-images"

new_case ais-ok
with_runtime_dir
install -d -m 755 "$case_dir/ais" "$case_dir/ais/overlay-images" "$case_dir/ais/overlay-layers"
touch "$case_dir/ais/overlay-images/images.lock" "$case_dir/ais/overlay-layers/layers.lock"
user_file '[storage]
driver = "overlay"
[storage.options]
additionalimagestores = ["'"$case_dir"'/ais"]'
works "readable additional image store"

# --- the image copy directory: TMPDIR, else image_copy_tmp_dir, else /var/tmp ---
new_case copy-conf
with_runtime_dir
install -d -m 755 "$case_dir/closed"
engine_conf 'image_copy_tmp_dir = "'"$case_dir"'/closed"'
fails "image_copy_tmp_dir the user cannot write" startup.image-copy-dir "$case_dir/closed"

new_case copy-tmpdir
with_runtime_dir
install -d -m 755 "$case_dir/closed"
ENV+=(TMPDIR="$case_dir/closed")
fails "TMPDIR the user cannot write" startup.image-copy-dir "$case_dir/closed"

new_case copy-tmpdir-wins
with_runtime_dir
install -d -m 755 "$case_dir/closed"
install -d -m 700 -o "$NS_UID" -g "$NS_UID" "$case_dir/mytmp"
engine_conf 'image_copy_tmp_dir = "'"$case_dir"'/closed"'
ENV+=(TMPDIR="$case_dir/mytmp")
works "TMPDIR wins over image_copy_tmp_dir"

# --- the driver ---
new_case btrfs
with_runtime_dir
user_file '[storage]
driver = "btrfs"'
fails "btrfs on a non-btrfs graphroot" driver.btrfs "" "is not on a btrfs filesystem"

if ! command -v zfs >/dev/null; then
	new_case zfs
	with_runtime_dir
	user_file '[storage]
driver = "zfs"'
	fails "zfs without the zfs command" driver.zfs "" "the 'zfs' command is not available"
fi

new_case unknown-driver
with_runtime_dir
user_file '[storage]
driver = "fuse-overlayfs"'
fails "a driver name that does not exist" driver.unknown "" "driver not supported"

new_case mount-program
with_runtime_dir
user_file '[storage]
driver = "overlay"
[storage.options.overlay]
mount_program = "/usr/bin/nonexistent-fuse-overlayfs"'
fails "mount_program that does not exist" driver.mount-program /usr/bin/nonexistent-fuse-overlayfs

if command -v fuse-overlayfs >/dev/null; then
	new_case mount-program-ok
	with_runtime_dir
	user_file '[storage]
driver = "overlay"
[storage.options.overlay]
mount_program = "'"$(command -v fuse-overlayfs)"'"'
	works "existing mount_program"
fi

# --- containers.conf's static_dir and volume_path, the graphroot ---
new_case static-dir
with_runtime_dir
install -d -m 755 "$case_dir/closed"
engine_conf 'static_dir = "'"$case_dir"'/closed/libpod"'
fails "static_dir the user cannot create" startup.static-dir "$case_dir/closed/libpod"

new_case static-dir-ok
with_runtime_dir
engine_conf 'static_dir = "'"$home"'/libpod-static"'
works "static_dir the user can create"

# Podman creates the volume path only for a volume: it starts and imports.
new_case volume-path
with_runtime_dir
install -d -m 755 "$case_dir/closed"
engine_conf 'volume_path = "'"$case_dir"'/closed/volumes"'
works "volume_path the user cannot create"
jq -e '.checks[] | select(.id == "startup.volume-path") | .status == "warn"' "$case_dir/diag.json" >/dev/null
ok $? "volume_path the user cannot create: a warning"

new_case graphroot
with_runtime_dir
install -d -m 755 "$case_dir/closed"
user_file '[storage]
driver = "vfs"
graphroot = "'"$case_dir"'/closed/storage"'
fails "graphroot the user cannot create" startup.graphroot "$case_dir/closed/storage" "$case_dir/closed"

done_testing
