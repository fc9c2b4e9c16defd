# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Cached Debian trees made with mmdebstrap, for the scripts that print or
# use one (release-tree.sh, fresh-tree.sh, uml/systemd-tree.sh). Sourced.
#
#   tree_ready NAME        sets $tree to $tree_cache/NAME; true when it is
#                          complete (its .ready file exists)
#   tree_need_mmdebstrap   false, saying so, when mmdebstrap is missing
#   tree_mirror            prints the machine's Debian mirror, from its apt
#                          sources (never a fixed host); empty when none
#   tree_sources           prints the machine's apt source files that hold
#                          sources, one a line; false when there are none
#   tree_build NAME WHAT CHECK BUILD [ARGS...]
#                          builds $tree_cache/NAME unless it is complete:
#                          one builder per NAME at a time (parallel tests
#                          wait for the first, then find it complete); a
#                          half-built tree is thrown away first. BUILD ARGS
#                          runs with $tree set and its output going to
#                          $tree_log ($tree_cache/NAME.log); the tree is
#                          complete when BUILD succeeds and CHECK (a path
#                          inside the tree) is executable. Else it says so,
#                          naming WHAT, removes the tree and returns 77.
#                          The lock (descriptor 9) is held until the caller
#                          exits.
#
# The cache is $NFSCHECK_TREE_CACHE, by default /var/cache/nfscheck-tests/trees.
# Messages start with the calling script's name.

tree_cache=${NFSCHECK_TREE_CACHE:-/var/cache/nfscheck-tests/trees}
tree_prog=${0##*/}

tree_ready() {
	tree=$tree_cache/$1
	[ -e "$tree/.ready" ]
}

tree_need_mmdebstrap() {
	command -v mmdebstrap >/dev/null && return 0
	echo "$tree_prog: mmdebstrap is not installed" >&2
	return 1
}

tree_mirror() {
	local m
	m=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -1)
	[ -n "$m" ] || m=$(awk '$1 == "deb" && $0 !~ /security/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null)
	echo "$m"
}

# As mmdebstrap arguments: it copies a file argument into the tree as it is.
tree_sources() {
	local f found=
	for f in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list; do
		[ -s "$f" ] || continue
		grep -qE '^(deb|URIs:)' "$f" || continue
		echo "$f"
		found=1
	done
	[ -n "$found" ]
}

tree_build() {
	local name=$1 what=$2 check=$3 rc
	shift 3
	mkdir -p "$tree_cache"
	exec 9>"$tree_cache/.$name.lock"
	flock 9
	tree_ready "$name" && return 0
	rm -rf "${tree:?}"
	tree_log=$tree_cache/$name.log
	"$@" >"$tree_log" 2>&1
	rc=$?
	if [ $rc -ne 0 ] || [ ! -x "$tree/$check" ]; then
		echo "$tree_prog: building $what failed (exit $rc); the end of $tree_log:" >&2
		tail -5 "$tree_log" >&2
		rm -rf "${tree:?}"
		return 77
	fi
	touch "$tree/.ready"
}
