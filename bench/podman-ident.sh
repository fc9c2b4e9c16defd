#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# What identifying Podman costs. For each release line (the host's podman,
# then the trixie, sid and experimental trees of tests/release-tree.sh that
# are already built), nfscheck config --json runs RUNS times in a private
# mount namespace with that line's podman over /usr/bin/podman and its dpkg
# database over /var/lib/dpkg; printed: the median of the identification's
# own time and CPU time (NFSCHECK_DEBUG's "identify" line: the CPU time is
# what a busy machine does not inflate) and of config's wall time, and the
# peak memory (maximum resident set size, children included).
# With OLD (an nfscheck built from before the change, which runs
# `podman --version`), config on the host's podman is timed for both,
# alternating, run by run.
#
#   bench/podman-ident.sh [--runs N] [--old OLD-NFSCHECK] [NFSCHECK]
#
# Needs root (mount namespaces), jq and /usr/bin/time.
set -u
runs=21 old= nfscheck=
while [ $# -gt 0 ]; do
	case $1 in
	--runs) runs=$2; shift 2 ;;
	--old) old=$2; shift 2 ;;
	*) nfscheck=$1; shift ;;
	esac
done
top=$(cd "$(dirname "$0")/.." && pwd)
nfscheck=$(realpath "${nfscheck:-$top/_build/src/nfscheck}")
[ -x "$nfscheck" ] || { echo "bench: no nfscheck at $nfscheck (build first, or pass its path)" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root for mount namespaces" >&2; exit 2; }
command -v jq >/dev/null && [ -x /usr/bin/time ] || { echo "bench: needs jq and /usr/bin/time" >&2; exit 2; }
cache=${NFSCHECK_TREE_CACHE:-/var/cache/nfscheck-tests/trees}

median() { sort -n | awk '{v[NR] = $1} END {if (NR) printf "%.2f", v[int((NR + 1) / 2)]; else printf "-"}'; }
now_ms() { date +%s.%N | awk '{printf "%.3f", $1 * 1000}'; }

# one LINE TREE: RUNS identifications of TREE's podman, in one namespace.
one() {
	local line=$1 tree=$2 tmp
	tmp=$(mktemp -d)
	unshare -m --propagation private bash -s "$tree" "$nfscheck" "$runs" "$tmp" <<-'EOF'
		tree=$1 nfscheck=$2 runs=$3 tmp=$4
		if [ "$tree" != / ]; then
			mount --bind "$tree/usr/bin/podman" /usr/bin/podman || exit 1
			mount --bind "$tree/var/lib/dpkg" /var/lib/dpkg || exit 1
		fi
		"$nfscheck" config --json >/dev/null # warm the page cache
		for i in $(seq "$runs"); do
			t0=$(date +%s%N)
			NFSCHECK_DEBUG=1 /usr/bin/time -f %M -o "$tmp/rss.$i" "$nfscheck" config --json >"$tmp/out.$i" 2>"$tmp/err.$i"
			t1=$(date +%s%N)
			echo $(( (t1 - t0) / 1000 )) >>"$tmp/wall"
			sed -n 's/.*debug: identify [^:]*: \([0-9.]*\) ms.*/\1/p' "$tmp/err.$i" >>"$tmp/ident"
			sed -n 's/.*debug: identify [^:]*: [0-9.]* ms (\([0-9.]*\) ms CPU).*/\1/p' "$tmp/err.$i" >>"$tmp/cpu"
		done
		jq -r '"\(.podman.found) \(.podman.algorithm)"' "$tmp/out.1" >"$tmp/what"
	EOF
	printf '%-13s %-34s %10s %10s %14s %12s\n' "$line" "$(cat "$tmp/what")" "$(median <"$tmp/ident")" \
		"$(median <"$tmp/cpu")" \
		"$(awk '{print $1 / 1000}' "$tmp/wall" | median)" "$(cat "$tmp"/rss.* | sort -n | tail -1)"
	rm -rf "$tmp"
}

echo "nfscheck: $nfscheck, $runs runs each, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-13s %-34s %10s %10s %14s %12s\n' line found/algorithm "ident ms" "ident CPU" "config wall ms" "max RSS KiB"
for line in bookworm trixie sid experimental; do
	tree=/
	[ $line = bookworm ] || tree=$cache/$line
	[ -e "$tree/usr/bin/podman" ] && { [ $line = bookworm ] || [ -e "$tree/.ready" ]; } || {
		echo "$line: no tree (tests/release-tree.sh $line builds it)"
		continue
	}
	one $line $tree
done

[ -n "$old" ] || exit 0
old=$(realpath "$old")
echo
echo "config on the host's podman, alternating, $runs pairs: old $old"
new_w= old_w= new_r= old_r=
for i in $(seq "$runs"); do
	for which in old new; do
		bin=$nfscheck
		[ $which = old ] && bin=$old
		t0=$(now_ms)
		rss=$(/usr/bin/time -f %M "$bin" config --json 2>&1 >/dev/null | tail -1)
		t1=$(now_ms)
		w=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}')
		if [ $which = old ]; then old_w="$old_w $w" old_r="$old_r $rss"; else new_w="$new_w $w" new_r="$new_r $rss"; fi
	done
done
printf '%-6s median wall %8s ms, max RSS %8s KiB\n' \
	old "$(tr ' ' '\n' <<<"$old_w" | grep . | median)" "$(tr ' ' '\n' <<<"$old_r" | grep . | sort -n | tail -1)" \
	new "$(tr ' ' '\n' <<<"$new_w" | grep . | median)" "$(tr ' ' '\n' <<<"$new_r" | grep . | sort -n | tail -1)"

# CPU time, children included, which a busy machine inflates far less than
# wall time: getrusage(RUSAGE_CHILDREN) over RUNS runs of each.
cpu() { # NFSCHECK: mean CPU ms per config run
	python3 - "$1" "$runs" <<-'PY'
		import resource, subprocess, sys
		r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
		for _ in range(int(sys.argv[2])):
		    subprocess.run([sys.argv[1], "config", "--json"], stdout=subprocess.DEVNULL, check=False)
		r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
		t = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
		print("%.2f" % (t * 1000 / int(sys.argv[2])))
	PY
}
printf '%-6s mean CPU %8s ms per run (user + system, children included)\n' old "$(cpu "$old")" new "$(cpu "$nfscheck")"
