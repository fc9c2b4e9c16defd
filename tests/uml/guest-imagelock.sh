#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Guest side of tests/image-lock-nfs.sh: one host at a time, with two real
# NFS clients. hostA and hostB each have their own network namespace (a veth
# pair to the server in this guest), their own host name (UTS namespace),
# their own mount namespace, and so their own NFS client state; both mount
# the same root-squashed export. hostA attaches the user's image; hostB's
# attach is refused while hostA holds it. Then hostA dies: its XFS goes,
# its network goes, its holder is killed, so its unlock never reaches the
# server; hostB gets the image once the server lets hostA's lease expire
# (nfsd's lease time is NFSD_LEASE_TIME, 10 s). A sampler checks that the
# XFS is never mounted in both at once.
. "$GUEST_LIB"
N=$NFSCHECK
t() { echo "T $(( $1 != 0 )) v$NFS_VERS: $2"; }
d() { printf '%s\n' "$@" | sed 's/^/D /'; }
mark() { d "at ${SECONDS}s: $*"; }
H=/run/hosts
IMG=$TEST_HOME/containers.img
MP=$TEST_HOME/.local/share/containers

# "${AS_U[@]}" CMD...: CMD as the test user (the home is root-squashed, mode 0700).
AS_U=(setpriv --reuid="$TEST_UID" --regid="$TEST_GID" --clear-groups)
# loops: how many loop devices (a kernel-wide list) are backed by the image.
loops() { losetup -n -O BACK-FILE | grep -c "^$IMG\$"; }

# child_of PID NAME: the child of PID called NAME, once it is there (20 s at most).
child_of() {
	local c
	for _ in $(seq 200); do
		c=$(pgrep -P "$1" -x "$2") && { echo "$c"; return 0; }
		sleep 0.1
	done
	return 1
}

# on HOST CMD...: run CMD as root on HOST (its network, name and mounts).
on() {
	local h=$1
	shift
	nsenter --net=/run/netns/"$h" --uts="$H/$h/uts" --mount="$H/$h/mnt" --wd=/ -- "$@"
}

# registered HOST PROGRAM: PROGRAM answers on HOST's own rpcbind.
registered() { on "$1" rpcinfo -p 127.0.0.1 2>/dev/null | awk -v p="$2" '$5 == p { f = 1 } END { exit !f }'; }

# nsm_up HOST: NFSv3 locks go through the client's own lockd and statd, so
# a host has its own rpcbind and rpc.statd (on its own /run), and a statd
# directory that outlives the host as /var/lib/nfs on its disk would: when
# the host comes back, statd's sm-notify tells the server it rebooted.
nsm_up() {
	local h=$1 sm=/var/lib/nfs-hosts/$1
	mkdir -p "$sm/sm" "$sm/sm.bak" && touch "$sm/state" &&
		chown statd "$sm/sm" "$sm/sm.bak" "$sm/state" &&
		on "$h" mount -t tmpfs -o mode=0755 "run-$h" /run &&
		on "$h" mount --bind "$sm" /var/lib/nfs || return 1
	on "$h" setsid rpcbind -f -w </dev/null >>"/tmp/rpcbind-$h.log" 2>&1 &
	for _ in $(seq 100); do registered "$h" portmapper && break; sleep 0.1; done
	on "$h" setsid rpc.statd --foreground --no-syslog </dev/null >>"/tmp/statd-$h.log" 2>&1 &
	for _ in $(seq 100); do registered "$h" status && return 0; sleep 0.1; done
	return 1
}

# host_up NAME N: a host on 10.77.N.2, the server at 10.77.N.1, the export mounted.
host_up() {
	local h=$1 n=$2 src
	mkdir -p "$H/$h" && touch "$H/$h/uts" "$H/$h/mnt" &&
		ip netns add "$h" &&
		ip link add "vs$n" type veth peer name "vh$n" netns "$h" &&
		ip addr add "10.77.$n.1/24" dev "vs$n" && ip link set "vs$n" up &&
		ip -n "$h" addr add "10.77.$n.2/24" dev "vh$n" && ip -n "$h" link set "vh$n" up &&
		ip -n "$h" link set lo up &&
		nsenter --net=/run/netns/"$h" unshare --uts="$H/$h/uts" --mount="$H/$h/mnt" --propagation private true ||
		return 1
	src=10.77.$n.1:${NFS_SOURCE#*:}
	on "$h" hostname "$h" || return 1
	if [ "$NFS_VERS" = 3 ]; then nsm_up "$h" || return 1; fi
	on "$h" umount -l "$NFS_MNT" &&
		on "$h" mount -t nfs -o "vers=$NFS_VERS,hard" "$src" "$NFS_MNT"
}

# host_gone HOST N: HOST is gone for good: every process in it killed, its
# link deleted, its namespaces let go.
host_gone() {
	local p
	p=$(ip netns pids "$1")
	# shellcheck disable=SC2086 # a list of PIDs
	[ -z "$p" ] || kill -KILL $p
	ip link del "vs$2"
	umount "$H/$1/uts" "$H/$1/mnt"
	rm -f "$H/$1/uts" "$H/$1/mnt"
	ip netns del "$1"
}

modprobe veth || { uml_msg "no veth module"; exit 99; }
mkdir -p "$H" && mount -t tmpfs hosts "$H" && mount --make-private "$H"
# The server exports to the two hosts too.
exportfs -o "$NFS_EXPORT_OPTS" "10.77.0.0/16:$NFS_EXPORT" || { uml_msg "exportfs failed"; exit 99; }
# Names statd can resolve: the server matches a reboot notice by name.
printf '10.77.1.2 hostA\n10.77.2.2 hostB\n' >>/etc/hosts
for h in hostA:1 hostB:2; do
	host_up "${h%:*}" "${h#*:}" || { uml_msg "cannot set up ${h%:*}"; exit 99; }
done
on hostA grep " $NFS_MNT " /proc/self/mountinfo >/tmp/a.nfs
on hostB grep " $NFS_MNT " /proc/self/mountinfo >/tmp/b.nfs
grep -q "10.77.1.1:" /tmp/a.nfs && grep -q "10.77.2.1:" /tmp/b.nfs
t $? "hostA and hostB each mount the export over their own network"
d "$(cat /tmp/a.nfs /tmp/b.nfs)"

# A process in each host's mount namespace, so that the sampler can read
# its mountinfo without starting anything.
on hostA sleep 100000 &
pa=$(child_of $! sleep)
on hostB sleep 100000 &
pb=$(child_of $! sleep)
[ -n "$pa" ] && [ -n "$pb" ] || { uml_msg "no process in the hosts' namespaces"; exit 99; }
# xfs_rw PID: 1 when the user's XFS is mounted read-write in PID's
# namespace (0 once that process, and so its host, is gone).
xfs_rw() {
	local l
	while IFS= read -r l; do
		[[ $l == *" $MP rw,"*" - xfs "* ]] && { echo 1; return; }
	done 2>/dev/null <"/proc/$1/mountinfo"
	echo 0
}
(
	while :; do
		echo "$(date +%s.%N) $(xfs_rw "$pa") $(xfs_rw "$pb")"
		sleep 0.2
	done
) >/tmp/samples 2>/dev/null &
sampler=$!

attach() { on "$1" "$N" fix --user "$TEST_USER" --image "$IMG" --size 1G; }

# 1. hostA attaches: created, mounted read-write, locked.
mark "hostA attaches"
attach hostA >/tmp/a1.out 2>/tmp/a1.err
rc=$?
# Exit 2 would be the diagnose afterwards running out of time in a slow guest.
grep -q "^attached $IMG to /dev/loop" /tmp/a1.out
t $? "hostA: fix --image: attached (exit $rc)" || d "$(tail -20 /tmp/a1.out)" "$(cat /tmp/a1.err)"
[ "$(xfs_rw "$pa")" = 1 ]; t $? "hostA: the XFS is mounted read-write"
grep -q "^locked $IMG.lock" /tmp/a1.out; t $? "hostA: it holds the lock"
on hostA "${AS_U[@]}" cat "$IMG.lock" >/tmp/lock1 2>&1
grep -q '^host=hostA$' /tmp/lock1; t $? "the lock file names hostA"
hpid=$(sed -n 's/^pid=//p' /tmp/lock1)
d "$(cat /tmp/lock1)"

# 2. hostB is refused, and touches nothing.
mark "hostB tries"
attach hostB >/tmp/b1.out 2>/tmp/b1.err
rc=$?
t $((rc != 1)) "hostB: fix --image while hostA holds it: exit $rc"
grep -q "nfscheck: fix: $IMG is attached on hostA since " /tmp/b1.err
t $? "hostB: the refusal names hostA and since when"
d "$(cat /tmp/b1.err)"
[ "$(xfs_rw "$pb")" = 0 ] && [ "$(loops)" -eq 1 ]
t $? "hostB: nothing mounted, no second loop device ($(loops) in all)"
on hostB "${AS_U[@]}" cat "$IMG.lock" >/tmp/lock2 2>&1
cmp -s /tmp/lock1 /tmp/lock2; t $? "hostB: the lock file is as hostA wrote it"

# A host cut off from the server while it holds the image: another case.
if [ "${1:-}" = cut ]; then
	# shellcheck source=guest-imagelock-cut.sh
	. "${0%/*}/guest-imagelock-cut.sh"
	exit 0
fi

# 3. hostA dies: its holder stops dead, its XFS goes (cleanly, while the
# network is still up, as at a crash after writeback), its network goes,
# then the holder is killed: no unlock can reach the server.
mark "hostA dies"
kill -STOP "$hpid"
# Root cannot walk the squashed home: unmount through a user process's cwd.
on hostA "${AS_U[@]}" sh -c "cd '$MP' && exec sleep 1000" &
upid=$(child_of $! sleep)
on hostA umount -l -c "/proc/$upid/cwd"; urc=$?
kill "$upid"
wait "$upid" 2>/dev/null
for _ in $(seq 300); do [ "$(loops)" -eq 0 ] && break; sleep 0.1; done
# A last call to the server renews hostA's lease: it has a full lease
# time to run, so hostB is refused at first however slow this guest is.
on hostA "${AS_U[@]}" cat "$IMG.lock" >/dev/null
ip link set vs1 down
ip -n hostA link set vh1 down
t0=$EPOCHREALTIME
kill -KILL "$hpid"
[ -n "$hpid" ] && [ "$urc" -eq 0 ] && [ "$(xfs_rw "$pa")" = 0 ] && [ "$(loops)" -eq 0 ]
t $? "hostA: its XFS is gone, its network cut, its holder killed"

# 4, NFSv3. NLM has no lease: the lock of a dead host stays at the server
# until that host boots again and its statd tells the server so. hostB is
# refused for three NFSv4 lease times; then hostA boots again (new
# namespaces, same name and address, the statd directory it had) and its
# sm-notify frees its locks.
if [ "$NFS_VERS" = 3 ]; then
	tries=0 refused=0
	while [ $((${EPOCHREALTIME%.*} - ${t0%.*})) -lt $((3 * NFSD_LEASE_TIME)) ]; do
		attach hostB >/tmp/b2.out 2>/tmp/b2.err
		tries=$((tries + 1))
		grep -q "is attached on hostA" /tmp/b2.err && refused=$((refused + 1))
		grep -q "^attached $IMG to /dev/loop" /tmp/b2.out && break
		sleep 2
	done
	t $((tries < 2 || refused != tries)) "hostB: refused all $tries tries in the $((3 * NFSD_LEASE_TIME)) s after hostA died: an NLM lock has no lease"
	[ "$refused" = "$tries" ] || d "$(cat /tmp/b2.err)"
	mark "hostA boots again"
	host_gone hostA 1
	t0=$EPOCHREALTIME
	host_up hostA 1
	t $? "hostA is back: its rpc.statd started, the export mounted"
	up_s=$(awk -v a="$EPOCHREALTIME" -v b="$t0" 'BEGIN { printf "%.1f", a - b }')
	d "hostA's statd: $(tr '\n' ' ' </tmp/statd-hostA.log)"
fi

# 4. hostB tries once a second; it gets the image when the lease has
# expired (NFSv4), when hostA's reboot notice has reached the server (NFSv3).
refused=0 rc=1
while :; do
	ts=$EPOCHREALTIME
	attach hostB >/tmp/b2.out 2>/tmp/b2.err
	rc=$?
	# Attached: the diagnose that follows may run out of time in a slow
	# guest (exit 2); the attach and its verification are what count here.
	grep -q "^attached $IMG to /dev/loop" /tmp/b2.out && break
	grep -q "is attached on hostA" /tmp/b2.err && refused=$((refused + 1))
	[ "$rc" -ne 1 ] && { d "hostB: exit $rc: $(cat /tmp/b2.err)"; break; }
	[ $(( ${EPOCHREALTIME%.*} - ${t0%.*} )) -gt 120 ] && break
	sleep 1
done
t1=$EPOCHREALTIME
lock_s=$(awk -v a="$ts" -v b="$t0" 'BEGIN { printf "%.1f", a - b }')
done_s=$(awk -v a="$t1" -v b="$t0" 'BEGIN { printf "%.1f", a - b }')
grep -q "^attached $IMG to /dev/loop" /tmp/b2.out
t $? "hostB: attached after hostA died (exit $rc)" || d "$(tail -20 /tmp/b2.out)" "$(cat /tmp/b2.err)"
if [ "$NFS_VERS" = 3 ]; then
	d "takeover: the attempt that got the lock started $lock_s s after hostA began to boot again (up, its statd started and so its sm-notify, at $up_s s; hostB refused $refused times meanwhile); attached and verified at $done_s s"
else
	t $((refused < 1)) "hostB: refused $refused time(s) after hostA died, until the server let its lease expire"
	d "takeover: the attempt that got the lock started $lock_s s after hostA's holder was killed; attached and verified at $done_s s (lease time ${NFSD_LEASE_TIME}s)"
fi
[ "$(xfs_rw "$pb")" = 1 ]; t $? "hostB: the XFS is mounted read-write"
grep -q 'ok   read-write' /tmp/b2.out && grep -q 'ok   a file written' /tmp/b2.out
t $? "hostB: verified: read-write, a file written and synced"
on hostB "${AS_U[@]}" cat "$IMG.lock" >/tmp/lock3 2>&1
grep -q '^host=hostB$' /tmp/lock3; t $? "the lock file names hostB now"

# 5. hostB lets go with --undo.
mark "hostB undoes"
on hostB "$N" fix --user "$TEST_USER" --undo >/tmp/b3.out 2>/tmp/b3.err
rc=$?
t $((rc != 0)) "hostB: --undo: exit $rc"
[ "$rc" -ne 0 ] && d "$(cat /tmp/b3.err)"
grep -q '^stopped the lock holder' /tmp/b3.out; t $? "hostB: --undo stopped its lock holder"

kill "$sampler"
wait "$sampler" 2>/dev/null
both=$(awk '$2 == 1 && $3 == 1' /tmp/samples | wc -l)
a=$(awk '$2 == 1' /tmp/samples | wc -l)
b=$(awk '$3 == 1' /tmp/samples | wc -l)
[ "$both" -eq 0 ] && [ "$a" -gt 0 ] && [ "$b" -gt 0 ]
t $? "never mounted read-write on both ($(wc -l </tmp/samples) samples: hostA $a, hostB $b, both $both)"
kill "$pa" "$pb" 2>/dev/null
# hostA's client comes back to find its state gone: nothing left to flush
# at poweroff (whose sync would wait for ever on a client cut off).
ip link set vs1 up
ip -n hostA link set vh1 up
sleep 2
exit 0
