#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# fresh-tree.sh: a fresh Debian 12 machine for the tests that follow the
# README or install the .deb as a new user would.
#
#   fresh-tree.sh base          print the path of the cached minimal
#                               Debian 12 tree (mmdebstrap --variant=minbase),
#                               building it once
#   fresh-tree.sh new DIR       make DIR a private copy of it
#   fresh-tree.sh run DIR CMD   run the shell command CMD as root inside DIR
#                               (extra environment: VAR=VALUE ... before CMD
#                               through `env`, by the caller)
#
# The base tree is cached under $NFSCHECK_TREE_CACHE (default
# /var/cache/nfscheck-tests/trees) as bookworm-base, complete when its .ready
# file exists; concurrent callers wait on a lock. Its apt sources are the
# machine's own (/etc/apt/sources.list.d/*.sources, else sources.list), so
# the tree reaches the same archive. Downloaded .debs are kept in
# $cache/bookworm-debs, bound over the tree's /var/cache/apt/archives: apt
# still decides and installs everything itself; it only skips downloads.
#
# Inside, the tree is entered by pivot_root in a private mount namespace, not
# chroot: the kernel refuses unshare(CLONE_NEWUSER) to a chrooted process, and
# nfscheck's probe needs one. /proc, /sys and /dev are the host's; /tmp is a
# fresh tmpfs; the network is the host's.
# Exit 77 when mmdebstrap is missing or the archive cannot be reached.
set -uo pipefail

# shellcheck source=SCRIPTDIR/tree-cache.sh
. "$(dirname "${BASH_SOURCE[0]}")/tree-cache.sh"

cache=$tree_cache
base=$cache/bookworm-base
debs=$cache/bookworm-debs

build_base() {
	local src
	tree_ready bookworm-base && return 0
	tree_need_mmdebstrap || return 77
	mapfile -t src < <(tree_sources) || true
	[ ${#src[@]} -gt 0 ] || { echo "fresh-tree.sh: no apt sources on this machine" >&2; return 77; }
	tree_build bookworm-base "the base tree" usr/bin/apt-get mmdebstrap --variant=minbase bookworm "$base" "${src[@]}"
}

new_tree() { # DIR
	build_base || return
	rm -rf "$1"
	mkdir -p "$(dirname "$1")"
	cp -a "$base" "$1" && rm -f "$1/.ready"
}

run_in() { # DIR CMD
	local dir=$1 cmd=$2
	mkdir -p "$debs/partial"
	# apt in two trees must not share the .deb cache at once (it takes its
	# lock there and fails at once when it is held): one run at a time.
	# shellcheck disable=SC2016  # expanded by the inner shell
	flock "$debs.lock" unshare -m --propagation private sh -euc '
		R=$1 D=$2
		shift 2
		mount --bind "$R" "$R"
		mount --rbind /proc "$R/proc"
		mount --rbind /sys "$R/sys"
		mount --rbind /dev "$R/dev"
		mount -t tmpfs -o mode=1777 tmpfs "$R/tmp"
		mount --bind "$D" "$R/var/cache/apt/archives"
		[ -e /etc/resolv.conf ] && mount --bind /etc/resolv.conf "$R/etc/resolv.conf" 2>/dev/null || true
		mkdir -p "$R/.oldroot"
		cd "$R"
		pivot_root . .oldroot
		umount -l /.oldroot
		rmdir /.oldroot 2>/dev/null || true
		cd /root
		exec env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/root USER=root LOGNAME=root TERM=dumb LANG=C.UTF-8 SHELL=/bin/bash "$@"
	' sh "$dir" "$debs" bash -c "$cmd"
}

case ${1:-} in
base)
	build_base || exit
	echo "$base" ;;
new)
	new_tree "${2:?usage: fresh-tree.sh new DIR}" ;;
run)
	run_in "${2:?usage: fresh-tree.sh run DIR CMD}" "${3:?usage: fresh-tree.sh run DIR CMD}" ;;
*)
	echo "usage: fresh-tree.sh base | new DIR | run DIR CMD" >&2
	exit 2 ;;
esac
