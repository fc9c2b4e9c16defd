#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# release-tree.sh NAME: print the path of a Debian tree holding the Podman
# release line NAME, building it first when it is not cached.
#
#   bookworm      the host itself (/), Podman 4.3.1
#   trixie        Podman 5.4.2, containers/storage 1.57 (legacy parser)
#   sid           Podman 5.8.6, containers/storage 1.64 (the new parser)
#   experimental  Podman 6.1.1 (sid plus experimental's podman)
#
# Trees are cached under $NFSCHECK_TREE_CACHE (default
# /var/cache/nfscheck-tests/trees), one per name, so a suite run builds each
# at most once and later runs on the same machine reuse them. A tree is
# complete when its .ready file exists; a half-built one is thrown away.
# The mirror is the machine's own (its apt sources), never a fixed host.
# Recipe and pitfalls: ../shared/reference/real-podman-releases.md.
# Exit 77 when mmdebstrap is missing or the archive cannot be reached.
set -uo pipefail

# shellcheck source=SCRIPTDIR/tree-cache.sh
. "$(dirname "${BASH_SOURCE[0]}")/tree-cache.sh"

name=${1:?usage: release-tree.sh bookworm|trixie|sid|experimental}

if [ "$name" = bookworm ]; then
	echo /
	exit 0
fi
case $name in trixie | sid | experimental) ;; *)
	echo "release-tree.sh: unknown release line: $name" >&2
	exit 2 ;;
esac

if tree_ready "$name"; then
	echo "$tree"
	exit 0
fi
tree_need_mmdebstrap || exit 77
M=$(tree_mirror)
[ -n "$M" ] || { echo "release-tree.sh: no Debian mirror in the apt sources" >&2; exit 77; }

# The sid snapshot's Release file may have expired.
A='Acquire::Check-Valid-Until "false"'
P=uidmap,fuse-overlayfs,passt,crun,containers-storage,podman
build() {
	case $name in
	trixie | sid)
		mmdebstrap --variant=apt --aptopt="$A" --include=$P "$name" "$tree" "deb $M $name main" ;;
	experimental)
		mmdebstrap --variant=apt --aptopt="$A" --include=${P%,podman} \
			--setup-hook="echo 'deb $M experimental main' >> \"\$1\"/etc/apt/sources.list" \
			--customize-hook='chroot "$1" apt-get install -y -t experimental podman' \
			sid "$tree" "deb $M sid main" ;;
	esac
}
tree_build "$name" "the $name tree" usr/bin/podman build || exit
echo "$tree"
