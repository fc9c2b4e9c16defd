#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Compare `nfscheck diagnose` with `podman info` on a local home: wall time
# (median of N runs, after one warm-up) and peak memory (maximum resident
# set size), side by side. Run as the user to measure, or as root with
# --user NAME (then both run as that user, podman with a login-like env).
#
#   bench/diagnose-vs-podman-info.sh [--runs N] [--user NAME] [NFSCHECK]
set -u
runs=21 user= nfscheck=
while [ $# -gt 0 ]; do
	case $1 in
	--runs) runs=$2; shift 2 ;;
	--user) user=$2; shift 2 ;;
	*) nfscheck=$1; shift ;;
	esac
done
nfscheck=${nfscheck:-$(dirname "$0")/../_build/src/nfscheck}
nfscheck=$(realpath "$nfscheck" 2>/dev/null || echo "$nfscheck")
nfscheck=$(realpath "$nfscheck" 2>/dev/null || echo "$nfscheck")
[ -x "$nfscheck" ] || { echo "bench: no nfscheck at $nfscheck (build first, or pass its path)" >&2; exit 2; }
command -v podman >/dev/null || { echo "bench: podman is not installed" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time is missing (apt-get install time)" >&2; exit 2; }

as() { # run "$@" as the chosen user with a login-like environment
	if [ -n "$user" ]; then
		local home
		home=$(getent passwd "$user" | cut -d: -f6)
		(cd / && setpriv --reuid="$user" --regid="$(id -g "$user")" --init-groups \
			env -i HOME="$home" USER="$user" LOGNAME="$user" PATH=/usr/local/bin:/usr/bin:/bin "$@")
	else
		"$@"
	fi
}

# median_ms CMD...: median wall time of $runs runs, in milliseconds
median_ms() {
	local i t0 t1 times=()
	# warm-up (caches, podman's first-run set-up), and proof that it runs at all;
	# diagnose may exit 1 when it finds a problem, which is still a full run
	as "$@" >/dev/null 2>&1
	[ $? -le 1 ] || { echo "bench: $* failed" >&2; exit 2; }
	for ((i = 0; i < runs; i++)); do
		t0=$(date +%s%N)
		as "$@" >/dev/null 2>&1
		t1=$(date +%s%N)
		times+=($(( (t1 - t0) / 1000 )))
	done
	printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {m=a[int((NR+1)/2)]; printf "%.1f", m/1000}'
}

# peak_kb CMD...: the largest maximum RSS over 5 runs, in KiB
peak_kb() {
	local i max=0 kb
	for ((i = 0; i < 5; i++)); do
		kb=$(as /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -1)
		[ "$kb" -gt "$max" ] && max=$kb
	done
	echo "$max"
}

# nfscheck runs `podman --version` to pick its model; that child is in the
# first row's numbers. The second row gives the release instead, so it
# shows nfscheck alone.
rel=$(podman --version | awk '{split($3, v, "."); print v[1] "." v[2]}')
nd=$(median_ms "$nfscheck" diagnose)
nv=$(median_ms "$nfscheck" diagnose --podman-version "$rel")
pi=$(median_ms podman info)
ndm=$(peak_kb "$nfscheck" diagnose)
nvm=$(peak_kb "$nfscheck" diagnose --podman-version "$rel")
pim=$(peak_kb podman info)
printf '%-44s %10s %14s\n' "command" "median ms" "peak RSS KiB"
printf '%-44s %10s %14s\n' "nfscheck diagnose" "$nd" "$ndm"
printf '%-44s %10s %14s\n' "nfscheck diagnose --podman-version $rel" "$nv" "$nvm"
printf '%-44s %10s %14s\n' "podman info" "$pi" "$pim"
awk -v a="$nd" -v b="$pi" -v c="$ndm" -v d="$pim" 'BEGIN {
	printf "nfscheck diagnose takes %.2fx the time of podman info and %.2fx its peak memory (%d runs each)\n", a/b, c/d, '"$runs"' }'
echo "machine: $(uname -r), $(nproc) CPUs; $(podman --version); nfscheck $("$nfscheck" --version | cut -d' ' -f2)"
