#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# systemd-tree.sh: print the path of a cached Debian 12 tree that boots with
# systemd as PID 1 under user-mode Linux (tests/boot-persist.sh), building it
# once under $NFSCHECK_TREE_CACHE (default /var/cache/nfscheck-tests/trees)
# as bookworm-systemd; complete when its .ready file exists; concurrent
# callers wait on a lock. It holds systemd, an NFS server and client, XFS
# tools, podman, nfscheck's runtime libraries, and the UML kernel's modules
# in /lib/modules (the host keeps them in /usr/lib/uml/modules).
# Exit 77 when mmdebstrap or linux.uml is missing or the build fails.
set -uo pipefail

cache=${NFSCHECK_TREE_CACHE:-/var/cache/nfscheck-tests/trees}
tree=$cache/bookworm-systemd
if [ -e "$tree/.ready" ]; then
	echo "$tree"
	exit 0
fi
command -v mmdebstrap >/dev/null || { echo "systemd-tree.sh: mmdebstrap is not installed" >&2; exit 77; }
[ -d /usr/lib/uml/modules ] || { echo "systemd-tree.sh: user-mode-linux is not installed" >&2; exit 77; }

mirror() {
	local m
	m=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -1)
	[ -n "$m" ] || m=$(awk '$1 == "deb" && $0 !~ /security/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null)
	echo "$m"
}
M=$(mirror)
[ -n "$M" ] || { echo "systemd-tree.sh: no Debian mirror in the apt sources" >&2; exit 77; }

mkdir -p "$cache"
exec 9>"$cache/.bookworm-systemd.lock"
flock 9
if [ -e "$tree/.ready" ]; then
	echo "$tree"
	exit 0
fi
rm -rf "$tree"

P=systemd,systemd-sysv,udev,dbus,kmod,iproute2,util-linux,procps,nfs-kernel-server,nfs-common,rpcbind
P=$P,xfsprogs,uidmap,fuse-overlayfs,crun,podman
P=$P,libtirpc3,libinih1,libjson-c5,libsubid4,libcap2,libsqlite3-0
log=$cache/bookworm-systemd.log
mmdebstrap --variant=apt --include=$P \
	--customize-hook='mkdir -p "$1"/lib/modules && cp -a /usr/lib/uml/modules/. "$1"/lib/modules/' \
	bookworm "$tree" "deb $M bookworm main" >"$log" 2>&1
rc=$?
if [ $rc -ne 0 ] || [ ! -x "$tree/lib/systemd/systemd" ]; then
	echo "systemd-tree.sh: building the tree failed (exit $rc); the end of $log:" >&2
	tail -5 "$log" >&2
	rm -rf "$tree"
	exit 77
fi
touch "$tree/.ready"
echo "$tree"
