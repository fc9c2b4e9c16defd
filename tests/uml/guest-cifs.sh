#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Guest side of tests/cifs-home.sh: the user's home on a real CIFS mount
# (Samba's smbd in the guest, the kernel's cifs client), as a site with SMB
# home shares has it. nfscheck diagnose runs first and predicts; then real
# podman imports a one-layer image (a file owned by UID 60, a symlink); the
# two must agree: on the client's defaults, after fix --graphroot, and with
# mfsymlinks, where Podman works but ownership is lost.
. "$GUEST_LIB"
N=$NFSCHECK
t() { echo "T $(( $1 != 0 )) cifs: $2"; return $(( $1 != 0 )); }
d() { printf '%s\n' "$@" | sed 's/^/D /'; }
S=/run/cifs-test

# --- a Samba server on loopback, everything it keeps under /run ---
mkdir -p $S/export $S/private $S/lock $S/state $S/cache $S/pid $S/ncalrpc
mount -t tmpfs -o mode=0755 cifs-export $S/export
cat >$S/smb.conf <<EOF
[global]
	server role = standalone server
	interfaces = lo
	bind interfaces only = yes
	smb ports = 445
	pid directory = $S/pid
	lock directory = $S/lock
	state directory = $S/state
	cache directory = $S/cache
	private dir = $S/private
	ncalrpc dir = $S/ncalrpc
	log file = $S/log.smbd
	passdb backend = tdbsam:$S/private/passdb.tdb
	map to guest = never
	load printers = no
	printing = bsd
	printcap name = /dev/null
	disable spoolss = yes
[homes-share]
	path = $S/export
	read only = no
	browseable = no
EOF
install -d -o "$TEST_UID" -g "$TEST_GID" -m 0700 "$S/export/$TEST_USER"
printf 'cifs-pw\ncifs-pw\n' | smbpasswd -c $S/smb.conf -s -a "$TEST_USER" >$S/smbpasswd.log 2>&1 ||
	{ t 1 "smbpasswd -a $TEST_USER"; d "$(cat $S/smbpasswd.log)"; exit 0; }
_uml_start_daemon smbd smbd --foreground --no-process-group -s $S/smb.conf
modprobe cifs 2>$S/modprobe.err || { t 1 "modprobe cifs"; d "$(cat $S/modprobe.err)"; exit 0; }
for _ in $(seq 50); do
	timeout 2 bash -c '</dev/tcp/127.0.0.1/445' 2>/dev/null && break
	sleep 0.2
done

mount_home() { # OPTS: the share as the home, where the passwd entry says it is
	umount "$TEST_HOME" 2>/dev/null
	timeout -s KILL 60 mount -t cifs "//127.0.0.1/homes-share/$TEST_USER" "$TEST_HOME" \
		-o "username=$TEST_USER,password=cifs-pw,uid=$TEST_UID,gid=$TEST_GID,forceuid,forcegid,file_mode=0644,dir_mode=0700,vers=3.0${1:+,$1}" \
		>$S/mount.log 2>&1
}

# A one-layer image as real ones are: a file owned by UID 60, and a symlink.
mkdir -p /tmp/cifs-img/etc && echo hello >/tmp/cifs-img/etc/owned-by-60 && ln -s owned-by-60 /tmp/cifs-img/etc/link
tar --owner=60 --group=60 -C /tmp/cifs-img -cf /tmp/cifs-img.tar . && chmod 644 /tmp/cifs-img.tar
reset_podman() { pkill -KILL -u "$TEST_USER" 2>/dev/null; sleep 0.3; }

# agree STEP: diagnose first (it must predict, not read back), then podman.
agree() {
	local step=$1 drc prc
	as_user "$N" diagnose --timeout 30 >/tmp/cifs-$step.diag 2>&1
	drc=$?
	as_user "$N" diagnose --json --timeout 30 >/tmp/cifs-$step.json 2>/dev/null
	with_deadline 180 as_user podman import /tmp/cifs-img.tar "nfscheck-test:$step" >/tmp/cifs-$step.podman 2>&1
	prc=$?
	reset_podman
	d "$step: diagnose exit $drc; podman import exit $prc: $(tail -1 /tmp/cifs-$step.podman)"
	[ "$drc" -le 1 ]; t $? "$step: diagnose completes (exit $drc)" || d "$(tail -20 /tmp/cifs-$step.diag)"
	[ $(( drc == 0 )) -eq $(( prc == 0 )) ]
	t $? "$step: diagnose's verdict (exit $drc) agrees with podman import (exit $prc)" ||
		d "$(cat /tmp/cifs-$step.diag)" "$(tail -3 /tmp/cifs-$step.podman)"
	eval "${step}_drc=$drc ${step}_prc=$prc"
}
probe_value() { jq -r ".checks[] | select(.id == \"probe\") | .values.$2" "/tmp/cifs-$1.json"; }

# 1. The defaults of a Linux client and a Samba server: SMB3 without unix
# extensions. chown is accepted and ignored, symbolic links are refused.
mount_home
rc=$?
t $rc "the home is a CIFS mount from a real smbd (exit $rc)" || { d "$(cat $S/mount.log)" "$(tail -5 $S/log.smbd 2>/dev/null)"; exit 0; }
d "$(findmnt -n -o SOURCE,FSTYPE,OPTIONS "$TEST_HOME")"
as_user mkdir -p "$TEST_HOME/.config"
agree plain
[ "$plain_prc" -ne 0 ] && grep -q 'symlink' /tmp/cifs-plain.podman
t $? "podman import fails on the CIFS home, at a symlink" || d "$(tail -2 /tmp/cifs-plain.podman)"
grep -q '\[FAIL\] probe .*create a symbolic link' /tmp/cifs-plain.diag
t $? "diagnose names the symlink the probe could not make" || d "$(grep -A3 ' probe ' /tmp/cifs-plain.diag)"
[ "$(probe_value plain chown_ignored)" = true ]
t $? "and sees that the chown was accepted but not kept"
grep -q "fix --graphroot" /tmp/cifs-plain.diag; t $? "and gives the fix --graphroot remedy"

as_user "$N" fix --graphroot '/var/tmp/$USER/containers/storage' >/tmp/cifs-fix.out 2>/tmp/cifs-fix.err
rc=$?
t $((rc != 0)) "fix --graphroot to local disk, as the user (exit $rc)" ||
	d "$(tail -15 /tmp/cifs-fix.out)" "$(cat /tmp/cifs-fix.err)"
agree fixed
[ "$fixed_prc" -eq 0 ]; t $? "podman import works after the fix"
as_user rm -rf "$TEST_HOME/.config/containers" "$TEST_HOME/.local"

# 2. mfsymlinks: the client stores symbolic links as files, so layers
# unpack; ownership is still not kept. Podman works, with every file the
# user's, and diagnose must say so without failing.
umount "$TEST_HOME"
mount_home mfsymlinks
rc=$?
t $rc "the home again, mounted with mfsymlinks (exit $rc)" || { d "$(cat $S/mount.log)"; exit 0; }
agree mfsymlinks
d "$(grep -E '^ +\[' /tmp/cifs-mfsymlinks.diag)"
[ "$mfsymlinks_prc" -eq 0 ]; t $? "podman import works on CIFS with mfsymlinks" ||
	d "$(tail -2 /tmp/cifs-mfsymlinks.podman)"
[ "$(probe_value mfsymlinks chown_ignored)" = true ] && grep -q '\[warn\] probe .*keeps its owner' /tmp/cifs-mfsymlinks.diag
t $? "diagnose warns that chown is accepted but not kept" || d "$(grep -A3 ' probe ' /tmp/cifs-mfsymlinks.diag)"

umount -l "$TEST_HOME" 2>/dev/null
_uml_stop_daemon smbd
exit 0
