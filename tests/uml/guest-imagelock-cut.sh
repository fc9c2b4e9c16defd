#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Sourced by tests/uml/guest-imagelock.sh (argument "cut") once hostA holds
# the image and hostB has been refused: hostA stays up, its user writing to
# its XFS, but is cut off from the server (its link down). What is true:
# the server lets hostA's lease expire and gives the lock to hostB, while
# hostA's XFS stays mounted read-write and its holder notices nothing; when
# hostA's link comes back its kernel reports the lost lock, and the writes
# hostA made meanwhile reach the server after hostB had taken the lock.
# hostB's mount of the same XFS fails here only because the two "hosts"
# are one kernel, which refuses a second mount of an XFS with the same UUID;
# on two machines both would have it mounted read-write.
# shellcheck disable=SC2154 # pa, pb, hpid, sampler: set by guest-imagelock.sh

mark "hostA is cut off while its user writes"
# The user writes to hostA's XFS all along: a line, synced, every 0.2 s.
on hostA "${AS_U[@]}" sh -c "while :; do date +%s.%N >>'$MP/a-writes'; sync '$MP/a-writes'; sleep 0.2; done" &
wpid=$(child_of $! sh)
sleep 2
# A last call renews hostA's lease: hostB is refused at first.
on hostA "${AS_U[@]}" cat "$IMG.lock" >/dev/null
ip link set vs1 down
ip -n hostA link set vh1 down
t0=$EPOCHREALTIME

refused=0 rc=1
while :; do
	ts=$EPOCHREALTIME
	attach hostB >/tmp/b2.out 2>/tmp/b2.err
	rc=$?
	grep -q "^locked $IMG.lock" /tmp/b2.out && break
	grep -q "is attached on hostA" /tmp/b2.err && refused=$((refused + 1))
	[ "$rc" -ne 1 ] && { d "hostB: exit $rc: $(cat /tmp/b2.err)"; break; }
	[ $((${EPOCHREALTIME%.*} - ${t0%.*})) -gt 120 ] && break
	sleep 1
done
lock_s=$(awk -v a="$ts" -v b="$t0" 'BEGIN { printf "%.1f", a - b }')
a_rw=$(xfs_rw "$pa")
kill -0 "$hpid" 2>/dev/null
a_hold=$?
grep -q "^locked $IMG.lock" /tmp/b2.out && [ "$refused" -ge 1 ] && [ "$a_rw" = 1 ] && [ "$a_hold" = 0 ]
t $? "hostB took the lock once the server let hostA's lease expire, though hostA is up with its XFS mounted read-write and its holder alive (refused $refused times first)"
d "cut off: the attempt that got the lock started $lock_s s after hostA's link went down (lease time ${NFSD_LEASE_TIME}s)"
# One kernel plays both hosts: XFS refuses the second mount of its UUID.
dmesg | grep -q "duplicate UUID.*can't mount" && [ "$rc" = 2 ] && [ "$(xfs_rw "$pb")" = 0 ]
t $? "hostB: its mount is refused only because both hosts are one kernel here (XFS: duplicate UUID), and it lets go (exit $rc)"
d "$(cat /tmp/b2.err)"

mark "hostA's link comes back"
simg=$NFS_EXPORT/${TEST_HOME#"$NFS_MNT"/}/containers.img
m0=$(stat -c %Y "$simg")
ip link set vs1 up
ip -n hostA link set vh1 up
for _ in $(seq 60); do dmesg | grep -q "NFS: 10.77.1.1: lost [0-9]* locks" && break; sleep 1; done
dmesg | grep -q "NFS: 10.77.1.1: lost [0-9]* locks"
t $? "hostA's kernel reports its lost lock once its link is back ($(dmesg | grep -o 'NFS: 10.77.1.1: lost [0-9]* locks' | head -1))"
sleep 5
m1=$(stat -c %Y "$simg")
[ "$m1" -gt "$m0" ]
t $? "hostA's writes reached the server after hostB had taken the lock (the image's mtime at the server: $m0, then $m1)"
sleep 5
m2=$(stat -c %Y "$simg")
[ "$m2" -gt "$m1" ]
t $? "hostA keeps writing to the image after its kernel reported the lost lock (mtime $m1, then $m2)"
kill -0 "$hpid" 2>/dev/null
a_hold=$?
a_rw=$(xfs_rw "$pa")
# The known limit, shown, not counted as a check: a fix would have the
# holder notice the lost lock (or the silent server, before its lease can
# expire) and stop the XFS; the man page tells the administrator instead.
guest_diag "limit: after the lost lock hostA's holder alive: $((!a_hold)), its XFS read-write: $a_rw (a cut-off host must be powered off or unmounted first)"

# hostA lets go; hostB gets the image.
kill "$wpid"
on hostA "${AS_U[@]}" sh -c "cd '$MP' && exec sleep 1000" &
upid=$(child_of $! sleep)
on hostA umount -l -c "/proc/$upid/cwd"
kill "$upid"
for _ in $(seq 300); do [ "$(loops)" -eq 0 ] && ! kill -0 "$hpid" 2>/dev/null && break; sleep 0.1; done
attach hostB >/tmp/b3.out 2>/tmp/b3.err
rc=$?
grep -q "^attached $IMG to /dev/loop" /tmp/b3.out && [ "$(xfs_rw "$pb")" = 1 ]
t $? "hostB: attached once hostA let go (exit $rc)" || d "$(cat /tmp/b3.err)"
on hostB "$N" fix --user "$TEST_USER" --undo >/tmp/b4.out 2>&1
t $? "hostB: --undo"

kill "$sampler"
wait "$sampler" 2>/dev/null
both=$(awk '$2 == 1 && $3 == 1' /tmp/samples | wc -l)
[ "$both" -eq 0 ]
t $? "never mounted read-write on both here ($(wc -l </tmp/samples) samples, both $both): one kernel refuses the second mount"
kill "$pa" "$pb" 2>/dev/null
