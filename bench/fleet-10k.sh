#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# nfscheck fleet over 10,000 synthetic users (tests/fleet-env.sh: a private
# mount namespace, the users in bind-mounted passwd/group/subuid/subgid,
# homes on a tmpfs, the tests' mix of healthy and failing users) against a
# shell loop of `nfscheck diagnose --user` timed on a sample and
# extrapolated to all users. Not a test: it prints fleet's wall clock, CPU
# time and peak memory (the largest resident set among its processes), the
# loop's, and the ratio. Targets: under 15 s, and 50 times faster than the
# loop. On a busy machine the wall clock is the larger; CPU time says more.
#
#   bench/fleet-10k.sh [NFSCHECK]    (root; default: src/nfscheck of this tree)
#   N=10000 SAMPLE=100 JOBS=$(nproc) change the sizes; UID0=210000 the first
#   UID (the tests' own synthetic users start at 200000: no clash).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
nfscheck=${1:-$top/src/nfscheck}
[ -x "$nfscheck" ] || nfscheck=$top/_build/src/nfscheck
N=${N:-10000} SAMPLE=${SAMPLE:-100} JOBS=${JOBS:-$(nproc)} UID0=${UID0:-210000}
[ "$(id -u)" -eq 0 ] || { echo "bench/fleet-10k.sh: needs root" >&2; exit 1; }
[ "$N" -le 20000 ] || { echo "bench/fleet-10k.sh: at most 20000 users (UIDs from $UID0)" >&2; exit 1; }
tmp=$(mktemp -d /var/tmp/nfscheck-bench-fleet.XXXXXX)
chmod 755 "$tmp"
cp "$nfscheck" "$tmp/nfscheck"
trap 'pkill -KILL -U "$(seq -s, "$UID0" $((UID0 + N - 1)))" 2>/dev/null || true; rm -rf "$tmp" || true' EXIT

cat >"$tmp/inside.sh" <<EOS
cd "$tmp"
/usr/bin/time -f '%e %U %S %M' -o fleet.time ./nfscheck fleet --jobs $JOBS --timeout 3600 --json >fleet.json 2>fleet.err || true
# The loop, on every (N / SAMPLE)th user: the same kinds in the same mix.
awk -v step=$((N / SAMPLE)) 'NR % step == 1 { print \$1 }' env/kinds >sample
/usr/bin/time -f '%e %U %S %M' -o loop.time bash -c 'while read -r u; do ./nfscheck diagnose --user "\$u" >/dev/null; done <sample' || true
EOS
FLEET_ENV_UID0=$UID0 "$top/tests/fleet-env.sh" "$tmp/env" "$N" bash "$tmp/inside.sh"

echo "fleet (wall, user, sys s, max RSS KiB): $(tail -1 "$tmp/fleet.time"); loop: $(tail -1 "$tmp/loop.time")"
read -r fw fu fs fm < <(tail -1 "$tmp/fleet.time")
read -r lw lu ls lm < <(tail -1 "$tmp/loop.time")
ns=$(wc -l <"$tmp/sample")
checked=$(jq '.users_total - .users_by_verdict["not-checked"]' "$tmp/fleet.json")
awk -v n="$N" -v ns="$ns" -v fw="$fw" -v fu="$fu" -v fs="$fs" -v fm="$fm" -v lw="$lw" -v lu="$lu" -v ls="$ls" \
	-v jobs="$JOBS" -v checked="$checked" -v load="$(cut -d' ' -f1-3 /proc/loadavg)" 'BEGIN {
	ext = lw / ns * n; extcpu = (lu + ls) / ns * n
	printf "users: %d (checked %d), jobs: %d, load average at the end: %s\n", n, checked, jobs, load
	printf "fleet: %.1f s wall, %.1f s CPU (%.2f ms CPU a user), peak RSS %.1f MiB  [target: under 15 s: %s]\n",
		fw, fu + fs, (fu + fs) * 1000 / n, fm / 1024, (fw < 15 ? "yes" : "no")
	printf "diagnose --user loop: %d users in %.1f s (%.0f ms a user): %.0f s wall, %.0f s CPU for %d users, extrapolated\n",
		ns, lw, lw * 1000 / ns, ext, extcpu, n
	printf "fleet is %.1fx faster by the wall clock, %.1fx by CPU time  [target: 50x: %s]\n",
		ext / fw, extcpu / (fu + fs), (ext / fw >= 50 ? "yes" : "no")
}'
