#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# boot-stage.sh: runs inside a Debian tree booted with systemd as PID 1 under
# user-mode Linux (tests/boot-persist.sh), as the oneshot service
# nfscheck-boot-test.service after multi-user.target. The stage comes from
# the kernel command line (nfscheck.stage=N), the host directory for results
# from nfscheck.out=DIR (mounted by hostfs). It writes "T 0|1 text" and
# "D text" lines to DIR/stageN, then "done" to DIR/stageN.done, and powers
# off. The user's home /mnt/nfs/nfsuser is on NFS (fstab) from the nfsd of
# this same guest, exporting /srv/nfs (an ext4 ubd disk) with root_squash.
set -u
arg() { sed -n "s/.*[[:space:]]$1=\([^[:space:]]*\).*/\1/p" /proc/cmdline; }
stage=$(arg nfscheck.stage)
outdir=$(arg nfscheck.out)
U=nfsuser H=/mnt/nfs/nfsuser
unit=nfscheck-image-$U
mkdir -p /host
mount -t hostfs -o "$outdir" none /host || { systemctl poweroff --no-block; exit 1; }
out=/host/stage$stage
: >"$out"
t() { echo "T $(($1 != 0 ? 1 : 0)) stage $stage: $2" >>"$out"; }
d() { printf '%s\n' "$@" | sed 's/^/D /' >>"$out"; }
as_user() { timeout -s KILL 180 setpriv --reuid=$U --regid=$U --init-groups env -i HOME=$H USER=$U LOGNAME=$U \
	PATH=/usr/local/bin:/usr/bin:/bin XDG_RUNTIME_DIR=/run/user/2345 "$@"; }
mp=$H/.local/share/containers

# systemd's unit for the image's mount is ordered as a network filesystem
# (nfscheck records _netdev in utab): with the default Before=local-fs.target
# of a local one, it closes a cycle through the NFS mount below it, and at
# shutdown systemd drops a job (the NFS unmount, say) to break it.
mount_order() {
	local u bf r
	u=$(systemd-escape -p --suffix=mount "$mp")
	bf=" $(systemctl show -P Before "$u") "
	case $bf in *" remote-fs.target "*) r=0 ;; *) r=1 ;; esac
	case $bf in *" local-fs.target "*) r=1 ;; esac
	t $r "$u is ordered before remote-fs.target, not local-fs.target (options $(systemctl show -P Options "$u"))"
	[ $r -eq 0 ] || d "Before=$bf"
}

if [ "$stage" != 4 ]; then
	findmnt -n -o FSTYPE,OPTIONS /mnt/nfs >/dev/null
	t $? "the NFS home is mounted at boot ($(findmnt -n -o SOURCE,FSTYPE /mnt/nfs | tr -s ' '))"
fi
mkdir -p -m 0700 /run/user/2345 && chown $U:$U /run/user/2345
# A tiny image for podman import: one file owned by UID 60 (the case the
# project is about: chown in the user namespace on a squashed NFS home).
mkdir -p /tmp/img/etc && echo x >/tmp/img/etc/x && chown -R 60:60 /tmp/img && tar -C /tmp/img -cf /tmp/img.tar .

case $stage in
1)
	# The server side: the user's home on the exported disk.
	install -d -o $U -g $U -m 0700 /srv/nfs/$U
	timeout -s KILL 240 nfscheck fix --user $U --image $H/containers.img --size 300M --persist --timeout 60 >/tmp/fix.out 2>&1
	rc=$?
	t $rc "fix --image --persist in the root-squashed NFS home (exit $rc)"
	[ $rc -eq 0 ] || d "$(tail -20 /tmp/fix.out)"
	mount_order
	systemctl is-enabled $unit >/tmp/en 2>&1
	t $? "$unit is enabled ($(cat /tmp/en))"
	as_user podman import /tmp/img.tar boot:one >/tmp/p.out 2>&1
	rc=$?
	t $rc "podman import as the user on the image right after fix (exit $rc)"
	[ $rc -eq 0 ] || d "$(tail -5 /tmp/p.out)"
	;;
2|3)
	st=$(systemctl is-active $unit)
	# At boot the unit only attaches (--no-diagnose): before the user's
	# first login there is no /run/user/UID, and a diagnose there failed it.
	t $([ "$st" = active ]; echo $?) "$unit is active after boot ($st)"
	[ "$st" = active ] || d "$(journalctl -b -u $unit --no-pager | tail -20)"
	line=$(findmnt -n -o FSTYPE,OPTIONS "$mp")
	case $line in xfs*rw,*) r=0 ;; *) r=1 ;; esac
	t $r "the image is mounted read-write on $mp before login ($line)"
	# Ordered before the target that user logins wait for.
	a=$(systemctl show -P ExecMainExitTimestampMonotonic $unit)
	b=$(systemctl show -P ActiveEnterTimestampMonotonic systemd-user-sessions.service)
	c=$(systemctl show -P ActiveEnterTimestampMonotonic multi-user.target)
	t $([ "${a:-0}" -gt 0 ] && [ "$a" -le "$c" ]; echo $?) "the unit finished before multi-user.target (unit $a, target $c, user-sessions $b)"
	mount_order
	# The shutdown before this boot: no job dropped to break a cycle.
	journalctl -b -1 --no-pager >/tmp/jprev 2>&1
	grep -i "ordering cycle" /tmp/jprev >/tmp/cyc
	# Its journal must be there (and hold the poweroff) for none to mean none.
	t $(grep -qi "reached target.*\(shutdown\|power\)" /tmp/jprev &&
		[ ! -s /tmp/cyc ]; echo $?) "the previous shutdown had no ordering cycle ($(wc -l </tmp/jprev) journal lines, $(wc -l </tmp/cyc) of a cycle)"
	[ ! -s /tmp/cyc ] || d "$(head -8 /tmp/cyc)"
	if [ "$stage" = 2 ]; then
		as_user podman images --format '{{.Repository}}' >/tmp/p.out 2>&1
		grep -q boot/one /tmp/p.out || grep -q localhost/boot /tmp/p.out
		t $? "the image stored before reboot is there ($(tr '\n' ' ' </tmp/p.out))"
		as_user podman import /tmp/img.tar boot:two >/tmp/p.out 2>&1
		rc=$?
		t $rc "podman import as the user after reboot (exit $rc)"
		[ $rc -eq 0 ] || d "$(tail -5 /tmp/p.out)"
	else
		# The previous shutdown: the unit stopped, and its XFS unmounted,
		# before the NFS home went.
		journalctl -b -1 -o short-monotonic --no-pager >/tmp/j 2>&1
		s=$(grep -n "Stopped.*nfscheck: XFS container store" /tmp/j | head -1 | cut -d: -f1)
		n=$(grep -n "Unmounted mnt-nfs\.mount" /tmp/j | head -1 | cut -d: -f1)
		t $([ -n "$s" ] && [ -n "$n" ] && [ "$s" -lt "$n" ]; echo $?) "at shutdown the unit stopped (journal line ${s:-none}) before /mnt/nfs was unmounted (${n:-none})"
		[ -n "$s" ] && [ -n "$n" ] || d "$(grep -i "nfscheck:\|nfscheck-image\|mnt-nfs\|mnt/nfs\|nfs-server" /tmp/j | tail -20)"
		dmesg | grep -i "xfs" >/tmp/x
		! grep -qi "recovery" /tmp/x
		t $? "the image mounted at this boot without log recovery (clean unmount before)"
		d "$(cat /tmp/x)"
	fi
	;;
4)
	# The NFS server was down at boot (tests/boot-persist.sh did not
	# start it, and the fstab line no longer waits for it): the mount
	# failed after its x-systemd.mount-timeout, the unit with it.
	findmnt /mnt/nfs >/dev/null
	t $((! $?)) "the NFS home is not mounted: the server is down ($(systemctl is-active mnt-nfs.mount))"
	st=$(systemctl show -P ActiveState $unit)
	journalctl -b -u $unit --no-pager >/tmp/ju 2>&1
	[ "$st" != active ] && [ "$st" != activating ] && grep -q "Dependency failed" /tmp/ju
	t $? "$unit did not start, for want of the NFS home ($st: $(grep -o 'Dependency failed.*' /tmp/ju | head -1))"
	[ -z "$(losetup -n -O NAME -j $H/containers.img 2>/dev/null)" ] && ! pgrep -x nfscheck-hold >/dev/null &&
		! grep -q " xfs " /proc/self/mounts
	t $? "nothing attached: no loop device, no lock holder, no XFS mounted"
	# How long the boot waited, from the monotonic clock (microseconds).
	ms() { echo $(($(systemctl show -P "$2" "$1") / 1000)); }
	m0=$(ms mnt-nfs.mount InactiveExitTimestampMonotonic)
	m1=$(ms mnt-nfs.mount InactiveEnterTimestampMonotonic)
	# The unit never ran: when its job failed is in the journal only.
	u1=$(journalctl -b -o short-monotonic -u $unit --no-pager | sed -n 's/^\[ *\([0-9]*\)\.\([0-9]\{3\}\).*Dependency failed.*/\1\2/p' | head -1)
	mu=$(ms multi-user.target ActiveEnterTimestampMonotonic)
	t $([ "$mu" -gt 0 ]; echo $?) "multi-user.target was reached all the same"
	d "boot with the server down: mnt-nfs.mount tried from ${m0} ms to ${m1} ms after the kernel started ($((m1 - m0)) ms; x-systemd.mount-timeout=$(grep -o 'mount-timeout=[0-9]*' /etc/fstab | cut -d= -f2) s); $unit's start failed at ${u1:-?} ms; multi-user.target at ${mu} ms ($((mu - m1)) ms after the mount failed)"
	# The server comes back; the mount and then the unit are started by hand.
	timeout -s KILL 60 systemctl start nfs-server.service && timeout -s KILL 90 systemctl start mnt-nfs.mount
	t $? "the server back: /mnt/nfs mounted ($(findmnt -n -o SOURCE,FSTYPE /mnt/nfs | tr -s ' '))"
	# A server that has just started lets no lock through during its grace
	# period (lockd's, 50 s here, holds back NFSv4 locks too, even once
	# every NFSv4 client has reclaimed), and the unit's lock gives up after
	# 30 s. A start that fails must fail cleanly; the admin starts it again.
	s0=$EPOCHREALTIME tries=0
	while :; do
		tries=$((tries + 1))
		timeout -s KILL 200 systemctl start $unit
		rc=$?
		[ $rc -eq 0 ] || [ $tries -ge 6 ] && break
		journalctl -b -u $unit --no-pager | grep -o 'nfscheck: fix: .*' | tail -1 >/tmp/why
		[ -z "$(losetup -n -O NAME -j $H/containers.img 2>/dev/null)" ] && ! pgrep -x nfscheck-hold >/dev/null &&
			! grep -q " xfs " /proc/self/mounts
		t $? "start $tries failed cleanly, nothing attached ($(cat /tmp/why))"
		sleep 10
	done
	s1=$EPOCHREALTIME
	t $rc "systemctl start $unit once the server is back: start $tries worked (exit $rc), $(awk -v a="$s0" -v b="$s1" 'BEGIN { printf "%.1f", b - a }') s after the first"
	[ $rc -eq 0 ] || d "$(journalctl -b -u $unit --no-pager | tail -20)"
	line=$(findmnt -n -o FSTYPE,OPTIONS "$mp")
	case $line in xfs*rw,*) r=0 ;; *) r=1 ;; esac
	t $r "the image is mounted read-write on $mp ($line)"
	mount_order
	as_user podman images --format '{{.Repository}}:{{.Tag}}' >/tmp/p.out 2>&1
	grep -q 'boot:one' /tmp/p.out && grep -q 'boot:two' /tmp/p.out
	t $? "the images stored at boots 1 and 2 are there ($(tr '\n' ' ' </tmp/p.out))"
	as_user podman import /tmp/img.tar boot:four >/tmp/p.out 2>&1
	rc=$?
	t $rc "podman import as the user after the late start (exit $rc)"
	[ $rc -eq 0 ] || d "$(tail -5 /tmp/p.out)"
	# Nothing orders the server (started by hand) after the NFS mount:
	# let go of the image and the mount before poweroff stops the server.
	timeout -s KILL 60 systemctl stop $unit && timeout -s KILL 60 umount /mnt/nfs
	t $? "$unit stopped and /mnt/nfs unmounted before poweroff"
	;;
esac
echo done >"/host/stage$stage.done"
sync -f "$out"
systemctl poweroff --no-block
