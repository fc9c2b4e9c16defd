#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# `nfscheck fix --image` with real loop devices and XFS, as root for a
# throwaway user in a private mount namespace: create, mount, reflink,
# idempotence, --undo, re-attach, the refusals (an ext4 image, data without
# a filesystem, a non-empty mountpoint), --persist's unit, and podman
# importing into the new store.
. "$TESTS_SRCDIR/lib.sh"
NS_UID=4325 NS_NAME=nfsimg
. "$TESTS_SRCDIR/nscase.sh"

command -v mkfs.xfs >/dev/null || skip_all "xfsprogs is not installed"
[ -e /dev/loop-control ] || skip_all "no loop devices here"
ns_require

# In the namespace: a private unit directory, so --persist never touches the host.
NS_PRE='mkdir -p "$case_dir/units"; mount --bind "$case_dir/units" /etc/systemd/system'

# img ARGS...: nfscheck fix as root for the user; mountinfo, loops and listings saved
img() {
	ns_run <<-EOF
		$(eval echo "\"$NS_PRE\"")
		"$NFSCHECK" fix --user $NS_NAME $* >"$case_dir/out" 2>"$case_dir/err"
		echo \$? >"$case_dir/rc"
		grep " $home/" /proc/self/mountinfo >"$case_dir/mounts" || true
		losetup -j "$home/store.img" >"$case_dir/loops" 2>/dev/null || true
		ls -la "$case_dir/units" >"$case_dir/unit-list" 2>&1
		cat "$case_dir/units"/nfscheck-image-*.service >"$case_dir/unit" 2>/dev/null || true
		$(eval echo "\"${NS_AFTER:-}\"")
	EOF
	rc=$(cat "$case_dir/rc")
}

image=store.img

new_case create
img --image "$home/$image" --size 1G --dry-run
ok $(( rc != 0 )) "dry-run: exit 0"
[ ! -e "$home/$image" ] && [ ! -s "$case_dir/mounts" ]; ok $? "dry-run: no image, no mount"

img --image "$home/$image" --size 1G
ok $(( rc != 0 )) "create: exit 0" || diag "$(cat "$case_dir/err")" "$(tail -20 "$case_dir/out")"
[ "$(stat -c '%u %a' "$home/$image")" = "$NS_UID 600" ]; ok $? "create: the image belongs to the user, mode 0600"
[ "$(blkid -p -o value -s TYPE "$home/$image")" = xfs ] &&
	[ "$(blkid -p -o value -s LABEL "$home/$image")" = nfscheck ]; ok $? "create: blkid sees XFS labelled nfscheck"
[ "$(du -k "$home/$image" | cut -f1)" -lt 200000 ]; ok $? "create: the image is sparse ($(du -h "$home/$image" | cut -f1) of 1G)"
grep -q "$home/.local/share/containers rw,.* - xfs /dev/loop" "$case_dir/mounts"
ok $? "create: XFS is mounted read-write on ~/.local/share/containers" || diag "$(cat "$case_dir/mounts")"
grep -q 'ok   reflink: FICLONE works' "$case_dir/out"; ok $? "create: reflink verified with FICLONE"
grep -q 'ok   probe: chown into subordinate IDs works' "$case_dir/out"; ok $? "create: the diagnose probe passes on it"
grep -q 'Verdict: nothing found that breaks rootless Podman' "$case_dir/out"; ok $? "create: diagnose passes afterwards"

# Everything above ran in a namespace that is gone now; mount it again for the rest.
NS_AFTER='ls -ld "$home/.local/share/containers" > "$case_dir/root-listing" 2>&1'
img --image "$home/$image" --size 1G
ok $(( rc != 0 )) "re-attach an existing nfscheck image: exit 0" || diag "$(cat "$case_dir/err")"
grep -q '^created ' "$case_dir/out"; ok $(( ! $? )) "re-attach: no new filesystem was made"
uuid1=$(blkid -p -o value -s UUID "$home/$image")
grep -q "^drwx------ .* $NS_NAME $NS_NAME " "$case_dir/root-listing"
ok $? "re-attach: the store's root is the user's, mode 0700" || diag "$(cat "$case_dir/root-listing")"
NS_AFTER=

# Idempotent, --undo and re-attach in one namespace, where the mount stays between runs.
ns_run <<EOF
$(eval echo "\"$NS_PRE\"")
"$NFSCHECK" fix --user $NS_NAME --image "$home/$image" --size 1G >"$case_dir/o1" 2>&1; echo \$? >"$case_dir/r1"
"$NFSCHECK" fix --user $NS_NAME --image "$home/$image" --size 1G >"$case_dir/o2" 2>&1; echo \$? >"$case_dir/r2"
grep -c " $home/.local/share/containers " /proc/self/mountinfo >"$case_dir/n2"
findmnt --mtab -n -o OPTIONS "$home/.local/share/containers" >"$case_dir/opts2"
grep -c "TARGET=$home/.local/share/containers " /run/mount/utab >"$case_dir/u2"
"$NFSCHECK" fix --user $NS_NAME --undo --image "$home/$image" >"$case_dir/o3" 2>&1; echo \$? >"$case_dir/r3"
grep -c " $home/.local/share/containers " /proc/self/mountinfo >"$case_dir/n3"
cat /run/mount/utab >"$case_dir/u3" 2>/dev/null
losetup -j "$home/$image" >"$case_dir/l3"
"$NFSCHECK" fix --user $NS_NAME --undo >"$case_dir/o4" 2>&1; echo \$? >"$case_dir/r4"
EOF
[ "$(cat "$case_dir/r2")" -eq 0 ] && grep -q 'already attached .*nothing to change' "$case_dir/o2"
ok $? "second identical run: nothing to change"
[ "$(cat "$case_dir/n2")" -eq 1 ]; ok $? "second identical run: still one mount, not two"
# systemd orders a mount by the options libmount gives it: _netdev, from utab,
# makes it a network filesystem, stopped before the home under it.
grep -q '_netdev' "$case_dir/opts2" && [ "$(cat "$case_dir/u2")" -eq 1 ]
ok $? "the mount is recorded once in utab as _netdev ($(cat "$case_dir/opts2"))" || diag "$(cat "$case_dir/u2")"
[ "$(cat "$case_dir/r3")" -eq 0 ] && [ "$(cat "$case_dir/n3")" -eq 0 ]; ok $? "--undo: unmounted"
[ ! -s "$case_dir/l3" ]; ok $? "--undo: the loop device is gone"
! grep -q "TARGET=$home/" "$case_dir/u3"; ok $? "--undo: its utab record is gone" || diag "$(cat "$case_dir/u3")"
[ -f "$home/$image" ] && [ "$(blkid -p -o value -s UUID "$home/$image")" = "$uuid1" ]; ok $? "--undo: the image is kept"
[ "$(cat "$case_dir/r4")" -eq 0 ] && grep -q 'nothing is mounted' "$case_dir/o4"; ok $? "--undo again: nothing to do"

# --- refusals ---
new_case ext4
truncate -s 400M "$home/$image"
mkfs.ext4 -q -F "$home/$image"
chown "$NS_UID:$NS_UID" "$home/$image"
sum=$(sha256sum <"$home/$image")
img --image "$home/$image" --size 1G
ok $(( rc != 1 )) "an ext4 image: refused (exit $rc)"
grep -q 'holds ext4' "$case_dir/err"; ok $? "an ext4 image: the message names ext4" || diag "$(cat "$case_dir/err")"
[ "$(sha256sum <"$home/$image")" = "$sum" ]; ok $? "an ext4 image: untouched"

new_case data
head -c 1048576 /dev/urandom >"$home/$image"
chown "$NS_UID:$NS_UID" "$home/$image"
sum=$(sha256sum <"$home/$image")
img --image "$home/$image" --size 1G
ok $(( rc != 1 )) "a file with data but no filesystem: refused"
[ "$(sha256sum <"$home/$image")" = "$sum" ]; ok $? "and untouched"

new_case nonempty
install -d -o "$NS_UID" -g "$NS_UID" "$home/.local" "$home/.local/share" "$home/.local/share/containers"
echo keep >"$home/.local/share/containers/old-data"
img --image "$home/$image" --size 1G
ok $(( rc != 1 )) "a non-empty mountpoint: refused without --move-aside"
[ ! -e "$home/$image" ]; ok $? "and no image was made"
img --image "$home/$image" --size 1G --move-aside
ok $(( rc != 0 )) "--move-aside: done (exit $rc)" || diag "$(cat "$case_dir/err")"
[ "$(cat "$home"/.local/share/containers.nfscheck-moved-*/old-data 2>/dev/null)" = keep ]; ok $? "--move-aside: the old data was moved, not lost"
# --undo puts it back: here the namespace (and the mount) is gone, so the
# mountpoint is the empty directory --move-aside left.
img --undo --image "$home/$image"
ok $(( rc != 0 )) "--undo after --move-aside: exit 0" || diag "$(cat "$case_dir/err")"
[ "$(cat "$home/.local/share/containers/old-data" 2>/dev/null)" = keep ] &&
	! ls -d "$home"/.local/share/containers.nfscheck-moved-* >/dev/null 2>&1
ok $? "--undo puts the moved directory back where it was" || diag "$(cat "$case_dir/out")" "$(ls -la "$home/.local/share")"
grep -q "^put .*containers.nfscheck-moved-.* back as $home/.local/share/containers$" "$case_dir/out"
ok $? "--undo says what it put back" || diag "$(cat "$case_dir/out")"
# And with the image still mounted: unmount, then put back, in one run.
ns_run <<EOF
$(eval echo "\"$NS_PRE\"")
"$NFSCHECK" fix --user $NS_NAME --image "$home/$image" --size 1G --move-aside >"$case_dir/o1" 2>&1; echo \$? >"$case_dir/r1"
"$NFSCHECK" fix --user $NS_NAME --undo --dry-run >"$case_dir/o2" 2>&1; echo \$? >"$case_dir/r2"
"$NFSCHECK" fix --user $NS_NAME --undo >"$case_dir/o3" 2>&1; echo \$? >"$case_dir/r3"
grep -c " $home/.local/share/containers " /proc/self/mountinfo >"$case_dir/n3"
EOF
[ "$(cat "$case_dir/r1")" -eq 0 ] && [ "$(cat "$case_dir/r2")" -eq 0 ] &&
	grep -q "would then put .*nfscheck-moved-.* back as $home/.local/share/containers" "$case_dir/o2"
ok $? "--undo --dry-run while mounted: says it would put the old directory back" || diag "$(cat "$case_dir/o1" "$case_dir/o2")"
[ "$(cat "$case_dir/r3")" -eq 0 ] && [ "$(cat "$case_dir/n3")" -eq 0 ] &&
	[ "$(cat "$home/.local/share/containers/old-data" 2>/dev/null)" = keep ]
ok $? "--undo while mounted: unmounted, and the old directory is back" || diag "$(cat "$case_dir/o3")"
# Something left in the mountpoint is never overwritten: the way back is said.
img --image "$home/$image" --size 1G --move-aside
echo new >"$home/.local/share/containers/new-data"
img --undo
ok $(( rc != 1 )) "--undo with a non-empty mountpoint: exit 1" || diag "$(cat "$case_dir/out" "$case_dir/err")"
[ "$(cat "$home/.local/share/containers/new-data")" = new ] &&
	[ "$(cat "$home"/.local/share/containers.nfscheck-moved-*/old-data 2>/dev/null)" = keep ]
ok $? "and neither directory is touched"
grep -q "rmdir .* && mv .*nfscheck-moved-.* $home/.local/share/containers" "$case_dir/err"
ok $? "and it says how to put it back by hand" || diag "$(cat "$case_dir/err")"

# --- check first: an image Podman would not use is refused before anything is made ---
new_case elsewhere
user_file '[storage]
driver = "vfs"
graphroot = "'"$home"'/elsewhere/storage"'
for dry in --dry-run ""; do
	img --image "$home/$image" --size 1G $dry
	ok $(( rc != 1 )) "graphroot outside the mountpoint${dry:+ ($dry)}: refused with exit 1" ||
		diag "$(cat "$case_dir/out" "$case_dir/err")"
	grep -q "graphroot for $NS_NAME is $home/elsewhere/storage .*outside $home/.local/share/containers" "$case_dir/err" &&
		grep -q "nfscheck fix --user $NS_NAME --graphroot $home/.local/share/containers/storage" "$case_dir/err"
	ok $? "${dry:+$dry: }the refusal names the graphroot and the command that moves it" || diag "$(cat "$case_dir/err")"
	[ ! -e "$home/$image" ] && [ ! -s "$case_dir/mounts" ] && [ ! -e "$home/.local" ]
	ok $? "${dry:+$dry: }nothing was made: no image, no mount, no directory"
done

new_case small
img --image "$home/$image" --size 100M
ok $(( rc != 64 )) "a size below 300M is a usage error"

# --- --persist: a systemd unit that re-attaches the same way ---
new_case persist
img --image "$home/$image" --size 1G --persist
ok $(( rc != 0 )) "--persist: exit 0" || diag "$(cat "$case_dir/err")"
grep -q '^After=network-online.target remote-fs.target$' "$case_dir/unit"; ok $? "--persist: the unit waits for remote filesystems"
grep -q "^ExecStart=\"[^\"]*nfscheck\" fix --image \"$home/$image\" .*--mountpoint \"$home/.local/share/containers\"" "$case_dir/unit"
ok $? "--persist: ExecStart re-attaches this image with nfscheck" || diag "$(grep Exec "$case_dir/unit")"
grep -q '^ExecStart=.* --no-diagnose$' "$case_dir/unit"
ok $? "--persist: at boot the unit only attaches (--no-diagnose): no login has made the runtime directory yet"
grep -q -- '--user "'"$NS_NAME"'"' "$case_dir/unit"; ok $? "--persist: in the user's name"
grep -q "nfscheck-image-$NS_NAME.service" "$case_dir/unit-list"; ok $? "--persist: the unit is installed"
ns_run <<EOF
$(eval echo "\"$NS_PRE\"")
ls "$case_dir/units/multi-user.target.wants" >"$case_dir/wants" 2>&1
"$NFSCHECK" fix --user $NS_NAME --image "$home/$image" --size 1G --persist >/dev/null 2>&1
"$NFSCHECK" fix --user $NS_NAME --undo >"$case_dir/undo-out" 2>&1
ls "$case_dir/units" "$case_dir/units/multi-user.target.wants" >"$case_dir/after-undo" 2>&1
EOF
grep -q "nfscheck-image-$NS_NAME.service" "$case_dir/wants"; ok $? "--persist: and enabled for multi-user.target"
! grep -q nfscheck-image "$case_dir/after-undo"; ok $? "--undo removes the unit and its link"
unit_verifies "$case_dir/unit" "systemd-analyze verify accepts the unit"

# --- podman uses it: the default graphroot lands inside the XFS filesystem ---
new_case podman
if command -v podman >/dev/null; then
	install -d -m 700 -o "$NS_UID" -g "$NS_UID" "$case_dir/run"
	ENV+=(XDG_RUNTIME_DIR="$case_dir/run")
	mkdir -p "$case_dir/tar/etc" && echo hello >"$case_dir/tar/etc/owned-by-60"
	tar --owner=60 --group=60 -C "$case_dir/tar" -cf "$case_dir/img.tar" . && chmod 644 "$case_dir/img.tar"
	ns_run <<-EOF
		$(eval echo "\"$NS_PRE\"")
		"$NFSCHECK" fix --user $NS_NAME --image "$home/$image" --size 1G >"$case_dir/out" 2>&1
		as_user podman import "$case_dir/img.tar" nfscheck-test:xfs >"$case_dir/podman" 2>&1
		echo \$? >"$case_dir/prc"
		as_user podman info --format '{{.Store.GraphRoot}} {{.Store.GraphDriverName}}' >"$case_dir/pinfo" 2>/dev/null
		pkill -KILL -U $NS_UID; sleep 0.3
		"$NFSCHECK" fix --user $NS_NAME --undo >>"$case_dir/out" 2>&1
	EOF
	[ "$(cat "$case_dir/prc")" -eq 0 ]; ok $? "podman import of a UID-60 tarball works in the image" || diag "$(tail -3 "$case_dir/podman")"
	grep -q "^$home/.local/share/containers/storage " "$case_dir/pinfo"; ok $? "podman's graphroot is inside the image ($(cat "$case_dir/pinfo"))"
else
	skip "podman is not installed"
fi

# xfsprogs missing (mkfs.xfs lives in /usr/sbin on Debian): a clear message, and no image left
new_case no-mkfs
ns_run <<EOF
PATH=/usr/bin:/bin "$NFSCHECK" fix --user $NS_NAME --image "$home/$image" --size 1G >"$case_dir/out" 2>"$case_dir/err"
echo \$? >"$case_dir/rc"
EOF
[ "$(cat "$case_dir/rc")" -eq 2 ] && grep -q 'mkfs.xfs not found: install xfsprogs' "$case_dir/err"
ok $? "no mkfs.xfs: exit 2, and says to install xfsprogs" || diag "$(cat "$case_dir/rc" "$case_dir/err")"
[ ! -e "$home/$image" ]; ok $? "no mkfs.xfs: the empty image it began is removed"

new_case unprivileged
ns_run <<EOF
as_user "$NFSCHECK" fix --image "$home/x.img" --size 1G >"$case_dir/out" 2>"$case_dir/err"
echo \$? >"$case_dir/rc"
EOF
[ "$(cat "$case_dir/rc")" -eq 77 ]; ok $? "--image without root exits 77"
grep -q 'needs root' "$case_dir/err"; ok $? "and says it needs root"
[ ! -e "$home/x.img" ]; ok $? "and makes nothing"

done_testing
