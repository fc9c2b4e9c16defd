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

name=${1:?usage: release-tree.sh bookworm|trixie|sid|experimental}
cache=${NFSCHECK_TREE_CACHE:-/var/cache/nfscheck-tests/trees}

if [ "$name" = bookworm ]; then
	echo /
	exit 0
fi
case $name in trixie | sid | experimental) ;; *)
	echo "release-tree.sh: unknown release line: $name" >&2
	exit 2 ;;
esac

tree=$cache/$name
if [ -e "$tree/.ready" ]; then
	echo "$tree"
	exit 0
fi
command -v mmdebstrap >/dev/null || { echo "release-tree.sh: mmdebstrap is not installed" >&2; exit 77; }

mirror() {
	local m
	m=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -1)
	[ -n "$m" ] || m=$(awk '$1 == "deb" && $0 !~ /security/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null)
	echo "$m"
}
M=$(mirror)
[ -n "$M" ] || { echo "release-tree.sh: no Debian mirror in the apt sources" >&2; exit 77; }

mkdir -p "$cache"
# One builder per name at a time: parallel tests wait for the first.
exec 9>"$cache/.$name.lock"
flock 9
if [ -e "$tree/.ready" ]; then
	echo "$tree"
	exit 0
fi
rm -rf "$tree"

# The sid snapshot's Release file may have expired.
A='Acquire::Check-Valid-Until "false"'
P=uidmap,fuse-overlayfs,passt,crun,containers-storage,podman
log=$cache/$name.log
case $name in
trixie | sid)
	mmdebstrap --variant=apt --aptopt="$A" --include=$P "$name" "$tree" "deb $M $name main" >"$log" 2>&1 ;;
experimental)
	mmdebstrap --variant=apt --aptopt="$A" --include=${P%,podman} \
		--setup-hook="echo 'deb $M experimental main' >> \"\$1\"/etc/apt/sources.list" \
		--customize-hook='chroot "$1" apt-get install -y -t experimental podman' \
		sid "$tree" "deb $M sid main" >"$log" 2>&1 ;;
esac
rc=$?
if [ $rc -ne 0 ] || [ ! -x "$tree/usr/bin/podman" ]; then
	echo "release-tree.sh: building the $name tree failed (exit $rc); the end of $log:" >&2
	tail -5 "$log" >&2
	rm -rf "$tree"
	exit 77
fi
touch "$tree/.ready"
echo "$tree"
