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

# shellcheck source=SCRIPTDIR/../tree-cache.sh
. "$(dirname "${BASH_SOURCE[0]}")/../tree-cache.sh"

if tree_ready bookworm-systemd; then
	echo "$tree"
	exit 0
fi
tree_need_mmdebstrap || exit 77
[ -d /usr/lib/uml/modules ] || { echo "systemd-tree.sh: user-mode-linux is not installed" >&2; exit 77; }
M=$(tree_mirror)
[ -n "$M" ] || { echo "systemd-tree.sh: no Debian mirror in the apt sources" >&2; exit 77; }

P=systemd,systemd-sysv,udev,dbus,kmod,iproute2,util-linux,procps,nfs-kernel-server,nfs-common,rpcbind
P=$P,xfsprogs,uidmap,fuse-overlayfs,crun,podman
P=$P,libtirpc3,libinih1,libjson-c5,libsubid4,libcap2,libsqlite3-0
build() {
	mmdebstrap --variant=apt --include=$P \
		--customize-hook='mkdir -p "$1"/lib/modules && cp -a /usr/lib/uml/modules/. "$1"/lib/modules/' \
		bookworm "$tree" "deb $M bookworm main"
}
tree_build bookworm-systemd "the tree" lib/systemd/systemd build || exit
echo "$tree"
