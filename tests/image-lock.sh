#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# `nfscheck fix --image`: one host at a time, on a local image (real loop
# devices and XFS). While an image is attached its holder keeps an fcntl
# write lock on IMAGE.lock; an attach from another mount namespace (standing
# in for another host: the lock is the same fcntl lock the NFS server
# arbitrates between hosts) is refused with who holds it, touching nothing;
# --undo, the end of the attachment, and a killed holder each free it.
. "$TESTS_SRCDIR/lib.sh"
NS_UID=4470 NS_NAME=nfsilock
. "$TESTS_SRCDIR/nscase.sh"

command -v mkfs.xfs >/dev/null || skip_all "xfsprogs is not installed"
[ -e /dev/loop-control ] || skip_all "no loop devices here"
command -v python3 >/dev/null || skip_all "python3 is not installed"
ns_require

image=store.img
# lock_state FILE: "free" when an fcntl write lock on FILE can be taken now, else "held".
lock_state() {
	python3 -c 'import fcntl, sys
f = open(sys.argv[1], "r+")
try:
    fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    print("free")
except OSError:
    print("held")' "$1"
}
mp_count() { grep -c " $home/.local/share/containers " /proc/self/mountinfo; }

new_case two
ns_run <<EOF
$(declare -f mp_count lock_state); home="$home"
fix() { "$NFSCHECK" fix --user $NS_NAME --image "$home/$image" "\$@"; }
fix --size 1G >"$case_dir/o1" 2>&1; echo \$? >"$case_dir/r1"
cp "$home/$image.lock" "$case_dir/lock-before"
pid=\$(sed -n 's/^pid=//p' "$home/$image.lock")
echo "\$pid" >"$case_dir/holder"
ls -l /proc/\$pid/fd >"$case_dir/holder-fds" 2>&1
[ -n "\$pid" ] && [ -n "\$(readlink /proc/\$pid/ns/mnt)" ] &&
	[ "\$(readlink /proc/\$pid/ns/mnt)" != "\$(readlink /proc/self/ns/mnt)" ]; echo \$? >"$case_dir/own-ns"
# Another mount namespace, where this one's mount is not: the second host.
unshare --mount --propagation private bash -c '
	umount -l "$home/.local/share/containers"
	"$NFSCHECK" fix --user $NS_NAME --image "$home/$image" --size 1G >"$case_dir/o2" 2>"$case_dir/e2"
	echo \$? >"$case_dir/r2"
	grep -c " $home/.local/share/containers " /proc/self/mountinfo >"$case_dir/n2"'
losetup -j "$home/$image" | wc -l >"$case_dir/loops2"
cmp -s "$home/$image.lock" "$case_dir/lock-before"; echo \$? >"$case_dir/lock-same"
lock_state "$home/$image.lock" >"$case_dir/state1"
mp_count >"$case_dir/n1"
"$NFSCHECK" fix --user $NS_NAME --undo >"$case_dir/o3" 2>&1; echo \$? >"$case_dir/r3"
lock_state "$home/$image.lock" >"$case_dir/state3"
kill -0 \$pid 2>/dev/null; echo \$? >"$case_dir/gone3"
# Attached again; its holder killed outright: the kernel lets go of the lock.
fix --size 1G >"$case_dir/o4" 2>&1; echo \$? >"$case_dir/r4"
pid=\$(sed -n 's/^pid=//p' "$home/$image.lock")
lock_state "$home/$image.lock" >"$case_dir/state4"
kill -KILL \$pid
for i in \$(seq 50); do kill -0 \$pid 2>/dev/null || break; sleep 0.1; done
lock_state "$home/$image.lock" >"$case_dir/state5"
"$NFSCHECK" fix --user $NS_NAME --undo >"$case_dir/o6" 2>&1; echo \$? >"$case_dir/r6"
# Attached, and this namespace simply ends: the holder goes with the mount.
fix --size 1G >"$case_dir/o7" 2>&1; echo \$? >"$case_dir/r7"
sed -n 's/^pid=//p' "$home/$image.lock" >"$case_dir/holder7"
EOF
[ "$(cat "$case_dir/r1")" -eq 0 ] && grep -q "^locked $home/$image.lock: this host holds it" "$case_dir/o1"
ok $? "first attach: exit 0, and it says it holds the lock" || diag "$(cat "$case_dir/o1")"
grep -q "^host=$(hostname)$" "$case_dir/lock-before" && grep -q '^boot_id=' "$case_dir/lock-before" &&
	grep -q "^pid=$(cat "$case_dir/holder")$" "$case_dir/lock-before" && grep -q '^since=[0-9]' "$case_dir/lock-before"
ok $? "the lock file names the holder: host, boot id, pid, time" || diag "$(cat "$case_dir/lock-before")"
[ "$(grep -c -- '->' "$case_dir/holder-fds")" -eq 4 ] && grep -q " 3 -> $home/$image.lock$" "$case_dir/holder-fds" &&
	[ "$(grep -c -- '-> /dev/null$' "$case_dir/holder-fds")" -eq 3 ]
ok $? "the holder has no descriptor but the lock file (and /dev/null)" || diag "$(cat "$case_dir/holder-fds")"
[ "$(cat "$case_dir/own-ns")" -eq 0 ]; ok $? "the holder is not in the mount namespace it guards"
[ "$(cat "$case_dir/r2")" -eq 1 ]; ok $? "second attach from another namespace: exit 1 (got $(cat "$case_dir/r2"))"
grep -q "nfscheck: fix: $home/$image is attached on $(hostname) since [0-9-]* [0-9:]* " "$case_dir/e2"
ok $? "and it says where and since when"; diag "$(cat "$case_dir/e2")"
[ "$(cat "$case_dir/n2")" -eq 0 ] && [ "$(cat "$case_dir/loops2")" -eq 1 ] && [ "$(cat "$case_dir/lock-same")" -eq 0 ]
ok $? "and touched nothing: no mount, no second loop device, the record unchanged" ||
	diag "mounts $(cat "$case_dir/n2"), loops $(cat "$case_dir/loops2")"
[ "$(cat "$case_dir/state1")" = held ] && [ "$(cat "$case_dir/n1")" -eq 1 ]
ok $? "meanwhile the first attachment is mounted and its lock held"
[ "$(cat "$case_dir/r3")" -eq 0 ] && [ "$(cat "$case_dir/state3")" = free ] && [ "$(cat "$case_dir/gone3")" -ne 0 ] &&
	grep -q "^stopped the lock holder (process $(cat "$case_dir/holder"))" "$case_dir/o3" && ! grep -q 'did not let go' "$case_dir/o3"
ok $? "--undo: the holder is stopped and the lock is free" || diag "$(cat "$case_dir/o3")"
[ "$(cat "$case_dir/r4")" -eq 0 ] && [ "$(cat "$case_dir/state4")" = held ] && [ "$(cat "$case_dir/state5")" = free ]
ok $? "holder killed with SIGKILL: the lock is free" || diag "$(cat "$case_dir/o4")"
[ "$(cat "$case_dir/r6")" -eq 0 ]; ok $? "--undo after the holder was killed: exit 0" || diag "$(cat "$case_dir/o6")"
[ "$(cat "$case_dir/r7")" -eq 0 ]; ok $? "attached once more, then its namespace ended" || diag "$(cat "$case_dir/o7")"
pid=$(cat "$case_dir/holder7")
for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
! kill -0 "$pid" 2>/dev/null && [ "$(lock_state "$home/$image.lock")" = free ]
ok $? "the holder lets go on its own once the mount is gone" || kill -KILL "$pid" 2>/dev/null

# A refusal before anything is made leaves no lock file either.
new_case nonempty
install -d -o "$NS_UID" -g "$NS_UID" "$home/.local" "$home/.local/share" "$home/.local/share/containers"
echo keep >"$home/.local/share/containers/old-data"
ns_run <<EOF
"$NFSCHECK" fix --user $NS_NAME --image "$home/$image" --size 1G >"$case_dir/o" 2>&1; echo \$? >"$case_dir/rc"
EOF
[ "$(cat "$case_dir/rc")" -eq 1 ] && [ ! -e "$home/$image" ] && [ ! -e "$home/$image.lock" ]
ok $? "a non-empty mountpoint: refused, no image and no lock file" || diag "$(cat "$case_dir/o")"

# A dry run takes no lock and makes no lock file.
new_case dry
img_out=$(ns_run <<EOF
"$NFSCHECK" fix --user $NS_NAME --image "$home/$image" --size 1G --dry-run >"$case_dir/o" 2>&1
EOF
)
[ ! -e "$home/$image.lock" ] && [ -z "$img_out" ]; ok $? "--dry-run: no lock file"

done_testing
