#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# fix --image --persist with systemd as PID 1: a Debian 12 tree
# (tests/uml/systemd-tree.sh) booted four times under user-mode Linux, its
# root a private copy of the tree through hostfs. The guest serves NFS to
# itself (nfs-kernel-server, root_squash, an ext4 ubd disk exported) and its
# fstab mounts it; the user's home is on it. Boot 1: fix --image --persist.
# Boot 2: the unit attached the image before multi-user.target, podman
# sees what was stored before and imports again. Boot 3: the journal of
# boot 2's shutdown stops the unit before /mnt/nfs is unmounted, and XFS
# mounts without log recovery. At every boot systemd orders the image's
# mount as a network filesystem (_netdev, from utab), and the shutdown
# before had no ordering cycle: as a local one it made a cycle through the
# NFS home, and systemd dropped a stop job, some runs the home's unmount.
# Boot 4: the NFS server is down at boot; the
# mount fails after its timeout, the unit fails with it and boot goes on;
# once the server is back, starting the unit attaches the image and podman
# works. The guest side is tests/uml/boot-stage.sh.
. "$TESTS_SRCDIR/lib.sh"

[ "$(id -u)" -eq 0 ] || skip_all "needs root to boot user-mode Linux"
kernel=${UML_KERNEL:-$(command -v linux.uml)} || skip_all "linux.uml is not installed"
tree=$("$TESTS_SRCDIR/uml/systemd-tree.sh") || skip_all "no systemd tree (tests/uml/systemd-tree.sh)"
command -v mkfs.ext4 >/dev/null || skip_all "mkfs.ext4 is not installed"

run=$(mktemp -d /var/tmp/nfscheck-boot.XXXXXX) || exit 99
# BOOT_KEEP=1 keeps the run directory (consoles, results, the tree copy).
[ -n "${BOOT_KEEP:-}" ] || trap 'rm -rf "$run"' EXIT
root=$run/root
cp -a "$tree" "$root" || { ok 1 "copy of the systemd tree"; done_testing; exit; }
rm -f "$root/.ready"
install -m 755 "$NFSCHECK" "$root/usr/local/bin/nfscheck"
install -m 755 "$TESTS_SRCDIR/uml/boot-stage.sh" "$root/usr/local/sbin/nfscheck-boot-stage"

# The guest's configuration, in its own copy. On hostfs every file belongs
# to the host's root whoever made it, so the user's temporary directories
# are tmpfs.
cat >"$root/etc/fstab" <<'FSTAB'
/dev/ubda /srv/nfs ext4 defaults 0 0
tmpfs /tmp tmpfs mode=1777 0 0
tmpfs /var/tmp tmpfs mode=1777 0 0
127.0.0.1:/ /mnt/nfs nfs vers=4.2,hard,_netdev,x-systemd.requires=nfs-server.service 0 0
FSTAB
echo '/srv/nfs 127.0.0.1(rw,sync,root_squash,no_subtree_check,fsid=0)' >"$root/etc/exports"
printf '%s\n' loop nfsd nfs nfsv4 fuse overlay >"$root/etc/modules-load.d/nfscheck-test.conf"
mkdir -p "$root/srv/nfs" "$root/mnt/nfs" "$root/var/log/journal"
echo nfscheck-boot >"$root/etc/hostname"
chroot "$root" groupadd -g 2345 nfsuser &&
	chroot "$root" useradd -M -N -g 2345 -u 2345 -d /mnt/nfs/nfsuser -s /bin/bash nfsuser || exit 99
echo nfsuser:200000:65536 >"$root/etc/subuid"
echo nfsuser:200000:65536 >"$root/etc/subgid"
cat >"$root/etc/systemd/system/nfscheck-boot-test.service" <<'UNIT'
[Unit]
Description=nfscheck boot test stage
After=multi-user.target
[Service]
Type=oneshot
ExecStart=/usr/local/sbin/nfscheck-boot-stage
StandardOutput=journal+console
[Install]
WantedBy=default.target
UNIT
chroot "$root" systemctl -q enable nfscheck-boot-test.service nfs-server.service
chroot "$root" systemctl -q set-default multi-user.target
# Nothing to wait for on a machine without terminals or a network.
chroot "$root" systemctl -q mask getty@tty1.service serial-getty@ttyS0.service \
	systemd-networkd-wait-online.service apt-daily.timer apt-daily-upgrade.timer 2>/dev/null
truncate -s 1G "$run/srv.img" && mkfs.ext4 -q -F "$run/srv.img" || exit 99
mkdir "$run/out" "$run/uml"

# The XSAVE shim of tests/uml/uml-run.sh (see tests/uml/uml-xstate-shim.c).
preload=
if command -v "${UML_CC:-cc}" >/dev/null &&
	"${UML_CC:-cc}" -shared -fPIC -O2 -o "$run/shim.so" "$TESTS_SRCDIR/uml/uml-xstate-shim.c" -ldl 2>/dev/null; then
	preload=$run/shim.so
fi

# boot N: one boot of the tree, killed after BOOT_TIMEOUT seconds (boot 4: 120 more); the
# stage's lines become TAP. linux.uml makes its own session and process
# group (its PID, in uml_dir/umid/pid): timeout kills the kernel process,
# then the group goes.
boot() {
	local n=$1 rc line t0=$EPOCHSECONDS pid limit=${BOOT_TIMEOUT:-300}
	# Boot 4 waits out the mount's timeout, then the server's grace period.
	[ "$n" != 4 ] || limit=$((limit + 120))
	(
		cd "$run" || exit 99
		ulimit -c 0
		exec timeout -s KILL "$limit" env -i PATH="$PATH" ${preload:+LD_PRELOAD="$preload"} \
			"$kernel" mem=1200M systemd.show_status=false root=/dev/root rootfstype=hostfs rootflags="$root" rw \
			init=/lib/systemd/systemd "ubd0=$run/srv.img" umid=nfscheck-boot-$$-$n "uml_dir=$run/uml" \
			con=null con0=null,fd:1 ssl=null nfscheck.stage="$n" nfscheck.out="$run/out"
	) </dev/null >"$run/console.$n" 2>&1
	rc=$?
	pid=$(cat "$run/uml/nfscheck-boot-$$-$n/pid" 2>/dev/null) && kill -KILL -- "-$pid" 2>/dev/null
	[ -e "$run/out/stage$n.done" ]
	ok $? "boot $n ran its stage and powered off (UML exit $rc, $((EPOCHSECONDS - t0)) s)" ||
		diag "$(tail -30 "$run/console.$n")"
	[ -e "$run/out/stage$n" ] || return 0
	while IFS= read -r line; do
		case $line in
		# A known bug's check (TAP "# TODO"): reported, not counted.
		"T 1 "*"# TODO "*) TAP_N=$((TAP_N + 1)) && echo "not ok $TAP_N - ${line:4}" ;;
		"T "*) ok "${line:2:1}" "${line:4}" ;;
		"D "*) diag "${line:2}" ;;
		esac
	done <"$run/out/stage$n"
}

# server_down: from the next boot on, the NFS server is down at boot: not
# started, and the fstab line no longer waits for it (as for a server on
# another machine), with a mount timeout of its own.
server_down() {
	sed -i 's|,x-systemd.requires=nfs-server.service|,x-systemd.mount-timeout=20|' "$root/etc/fstab" &&
		rm -f "$root/etc/systemd/system/multi-user.target.wants/nfs-server.service"
}

for n in ${BOOT_STAGES:-1 2 3 4}; do
	if [ "$n" = 4 ]; then server_down || ok 1 "boot 4: stop the NFS server at boot"; fi
	boot "$n"
done
[ -z "${BOOT_KEEP:-}" ] || diag "kept $run"
done_testing
