#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Guest side of tests/fix-nfs.sh: the user's home on a root-squashed NFS
# mount. fix --graphroot moves the store off it; fix --image gives it an XFS
# filesystem in an image in that very home, read-write where a plain
# `mount -o loop` by root comes up read-only.
. "$GUEST_LIB"
N=$NFSCHECK
v=$NFS_VERS
t() { echo "T $(( $1 != 0 )) v$v: $2"; }
d() { printf '%s\n' "$@" | sed 's/^/D /'; }

mkdir -p /tmp/img/etc && echo hello >/tmp/img/etc/owned-by-60
tar --owner=60 --group=60 -C /tmp/img -cf /tmp/img.tar . && chmod 644 /tmp/img.tar
reset_podman() { pkill -KILL -u "$TEST_USER" 2>/dev/null; sleep 0.3; }

# 1. A graphroot on the NFS home itself is refused.
as_user "$N" fix --graphroot "$TEST_HOME/other-store" >/tmp/f0.out 2>/tmp/f0.err
rc=$?
t $((rc != 1)) "fix --graphroot onto NFS is refused (exit $rc)"
grep -q 'NFS' /tmp/f0.err; t $? "and the refusal names NFS"
d "$(cat /tmp/f0.err)"

# 2. fix --graphroot to local storage, as the user: podman works, diagnose passes.
as_user "$N" fix --graphroot '/var/tmp/$USER/containers/storage' >/tmp/f1.out 2>/tmp/f1.err
rc=$?
t $((rc != 0)) "fix --graphroot as the user: exit $rc (diagnose afterwards included)"
[ "$rc" -ne 0 ] && d "$(tail -15 /tmp/f1.out)" "$(cat /tmp/f1.err)"
as_user "$N" diagnose --timeout 30 >/tmp/f1d.out 2>&1
t $? "nfscheck diagnose exits 0 afterwards"
with_deadline 120 as_user podman import /tmp/img.tar nfscheck-test:moved >/tmp/p1.out 2>&1
rc=$?
t $rc "real podman import of a UID-60 tarball succeeds (exit $rc)"
[ "$rc" -ne 0 ] && d "$(tail -3 /tmp/p1.out)"
reset_podman
as_user mv "$TEST_HOME/.config/containers/storage.conf" "$TEST_HOME/.config/containers/storage.conf.moved"

# 3. Root, for the user, in a root-squashed home: a second identical run as root changes nothing.
as_user mv "$TEST_HOME/.config/containers/storage.conf.moved" "$TEST_HOME/.config/containers/storage.conf"
"$N" fix --user "$TEST_USER" --graphroot '/var/tmp/$USER/containers/storage' >/tmp/f2.out 2>/tmp/f2.err
rc=$?
grep -q '^nothing to change' /tmp/f2.out; t $? "root with --user on the squashed home: nothing to change (exit $rc)"
as_user rm -f "$TEST_HOME/.config/containers/storage.conf"

# 4. fix --image with the image in the squashed home.
touch "$TEST_HOME/root-probe" 2>/dev/null
t $((! $?)) "root cannot create files in the home (root_squash)"
"$N" fix --user "$TEST_USER" --image "$TEST_HOME/containers.img" --size 1G --move-aside >/tmp/f3.out 2>/tmp/f3.err
rc=$?
t $((rc != 0)) "fix --image in the NFS home: exit $rc"
[ "$rc" -ne 0 ] && d "$(tail -20 /tmp/f3.out)" "$(cat /tmp/f3.err)"
grep " $TEST_HOME/.local/share/containers " /proc/self/mountinfo >/tmp/f3.mnt
grep -q ' rw,.* - xfs /dev/loop[0-9]* rw' /tmp/f3.mnt; t $? "it is mounted read-write"
d "$(cat /tmp/f3.mnt)"
grep -q 'ok   reflink' /tmp/f3.out; t $? "reflink is verified"
with_deadline 120 as_user podman import /tmp/img.tar nfscheck-test:image >/tmp/p2.out 2>&1
rc=$?
t $rc "real podman import as the user succeeds on the image (exit $rc)"
[ "$rc" -ne 0 ] && d "$(tail -3 /tmp/p2.out)"
as_user podman info --format '{{.Store.GraphRoot}}' >/tmp/p2.info 2>/dev/null
grep -q "^$TEST_HOME/.local/share/containers/storage$" /tmp/p2.info; t $? "podman's graphroot is inside it"
reset_podman
"$N" fix --user "$TEST_USER" --undo >/tmp/f4.out 2>/tmp/f4.err
rc=$?
t $rc "fix --undo: exit $rc"
[ "$rc" -ne 0 ] && d "$(cat /tmp/f4.err)"
grep -q " $TEST_HOME/.local/share/containers " /proc/self/mountinfo; t $((! $?)) "--undo unmounted it"

# 5. The trap nfscheck avoids: root's plain loop mount of the same image.
# A home others may pass through, an image readable by all, as is common:
# root (squashed to nobody) may then read the image but not write it.
as_user chmod 0711 "$TEST_HOME"
as_user chmod 0644 "$TEST_HOME/containers.img"
mkdir -p /mnt/plain
mount -o loop "$TEST_HOME/containers.img" /mnt/plain >/tmp/f5.out 2>&1
mrc=$?
opts=$(awk '$5 == "/mnt/plain" {print $6}' /proc/self/mountinfo)
d "plain mount -o loop: exit $mrc, options '${opts:-not mounted}': $(head -2 /tmp/f5.out)"
[ "$mrc" -eq 0 ] && [[ $opts == ro* ]]
t $? "a plain 'mount -o loop' by root comes up read-only (exit $mrc, '${opts:-none}')"
umount /mnt/plain 2>/dev/null
losetup -D 2>/dev/null
exit 0
