#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# nfscheck against `podman info` on an NFS home with a live server (issue
# 11): boots user-mode Linux (tests/uml/uml-run.sh) with the test user's
# home on a real root-squashed NFS mount, and there runs `diagnose` and
# `config` and `podman info` alternately as that user, N pairs each
# (bench/uml-guest-nfs-home.sh); prints per subcommand the median times, the
# median of the pair-by-pair ratios, and the largest peak memory with
# children. Needs root and what tests/uml/README.md lists.
#
#   bench/uml-nfs-home.sh [--pairs N] [--nfs-vers V] [--before OLD_NFSCHECK] [NFSCHECK]
#
# --before OLD  a second nfscheck run in the same pairs, just before NFSCHECK
# Everything is timed by bench/timed-run.c (fork to exit, as the user,
# RUSAGE_CHILDREN), so the identity switch costs neither side.
set -u
pairs=21 vers=4.2 nfscheck= before=
while [ $# -gt 0 ]; do
	case $1 in
	--pairs) pairs=$2; shift 2 ;;
	--nfs-vers) vers=$2; shift 2 ;;
	--before) before=$2; shift 2 ;;
	-h|--help) sed -n '3,16p' "$0"; exit 0 ;;
	*) nfscheck=$1; shift ;;
	esac
done
here=$(cd "$(dirname "$0")" && pwd)
nfscheck=$(realpath "${nfscheck:-$here/../_build/src/nfscheck}")
[ -x "$nfscheck" ] || { echo "bench: no nfscheck at $nfscheck (build first, or pass its path)" >&2; exit 2; }
[ -z "$before" ] || [ -x "$before" ] || { echo "bench: no nfscheck at $before" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root to boot user-mode Linux" >&2; exit 2; }
[ "$pairs" -ge 21 ] 2>/dev/null || { echo "bench: --pairs must be at least 21" >&2; exit 2; }

# The guest sees the host's /tmp (its /var/tmp is its own): the binaries
# and the timer go there, readable by the guest's test user.
tmp=$(mktemp -d /tmp/nfscheck-umlbench.XXXXXX) && chmod 755 "$tmp"
trap 'rm -rf "${tmp:?}"' EXIT
cc -O2 -o "$tmp/timed-run" "$here/timed-run.c" || { echo "bench: cannot compile timed-run.c" >&2; exit 2; }
bins=()
if [ -n "$before" ]; then install -m 755 "$before" "$tmp/nfscheck-before" && bins+=("$tmp/nfscheck-before"); fi
install -m 755 "$nfscheck" "$tmp/nfscheck" && bins+=("$tmp/nfscheck")
chmod 755 "$tmp"/*

# A podman info takes 5 to 15 s in the guest on a loaded machine; each pair
# runs it once per subcommand besides one nfscheck run per binary.
"$here/../tests/uml/uml-run.sh" -t $((600 + pairs * (60 + 40 * ${#bins[@]}))) --nfs-vers "$vers" --uid 4661 --gid 4661 \
	-e PAIRS="$pairs" -e SUBS="diagnose config" -e BINS="${bins[*]}" -e TIMED="$tmp/timed-run" \
	"$here/uml-guest-nfs-home.sh" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 0 ] || { echo "bench: uml-run.sh exited $rc" >&2; tail -20 "$tmp/err" >&2; exit 2; }
grep '^E ' "$tmp/out" >&2 && exit 2
label() { if [ -n "$before" ] && [ "$1" = 1 ]; then echo before; else echo after; fi; }
echo "NFS home in user-mode Linux (NFSv$vers, root_squash, live server), load $(cut -d' ' -f1-3 /proc/loadavg); $(podman --version); $pairs pairs"
sed -n 's/^I //p' "$tmp/out"
printf '%-17s %9s %9s %8s | %9s %9s %8s | %9s %9s\n' "" "wall ms" "podman" "ratio" "CPU ms" "podman" "ratio" "peak KiB" "(podman)"
nb=${#bins[@]}
for sub in diagnose config; do
	for k in $(seq 1 "$nb"); do
		grep "^P $sub " "$tmp/out" | awk -v k="$k" -v nb="$nb" '
		function med(x, n,   i, j, t) {
			for (i = 2; i <= n; i++) for (j = i; j > 1 && x[j - 1] > x[j]; j--) { t = x[j]; x[j] = x[j - 1]; x[j - 1] = t }
			return n % 2 ? x[(n + 1) / 2] : (x[n / 2] + x[n / 2 + 1]) / 2
		}
		{
			a[NR] = $(2 * k + 1); c[NR] = $(2 * k + 2); if (c[NR] < 1) c[NR] = 1
			p[NR] = $(2 * nb + 3); pc[NR] = $(2 * nb + 4); r[NR] = p[NR] / a[NR]; cr[NR] = pc[NR] / c[NR]
		}
		END { printf "%.1f %.1f %.1f %.1f %.1f %.1f\n", med(a, NR) / 1000, med(p, NR) / 1000, med(r, NR),
			med(c, NR) / 1000, med(pc, NR) / 1000, med(cr, NR) }' >"$tmp/row"
		read -r a b r ca cb cr <"$tmp/row"
		m=$(grep "^M $sub " "$tmp/out" | awk -v k="$k" '{ print $(k + 2) }')
		pm=$(grep "^M $sub " "$tmp/out" | awk -v nb="$nb" '{ print $(nb + 3) }')
		printf '%-17s %9s %9s %7sx | %9s %9s %7sx | %9s %9s\n' "$sub ($(label "$k"))" "$a" "$b" "$r" \
			"$ca" "$cb" "$cr" "$m" "$pm"
	done
done
echo "(medians of $pairs alternating pairs; ratio = podman info / nfscheck, pair by pair; CPU = user+system, children included)"
