#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# How long `nfscheck config` takes on storage.conf files of 1 MiB in
# different shapes -- the largest file nfscheck reads (a larger one is
# reported as too large). Not a test: it prints the wall-clock and CPU
# milliseconds per shape (medians of 5 runs) and whether the wall clock is
# under the 100 ms target. On a busy machine the wall clock is the larger.
#
#   bench/parse-1mib.sh [NFSCHECK]    (default: src/nfscheck of this tree)
#
# --podman-version keeps `podman --version` out of the time, so what is
# measured is reading, decoding and reporting the file.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
nfscheck=${1:-$top/src/nfscheck}
# KEEP=DIR keeps the generated files there.
if [ -n "${KEEP:-}" ]; then
	tmp=$KEEP
	mkdir -p "$tmp"
else
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
fi

# gen NAME PYTHON: write $tmp/NAME.conf from a Python expression, cut to
# 1 MiB at a line boundary so every file is as large as nfscheck reads.
gen() {
	python3 - "$tmp/$1.conf" <<EOF
import sys
N = 300000
s = $2
limit = 1 << 20
if len(s) > limit:
    s = s[:s.rindex("\n", 0, limit) + 1]
open(sys.argv[1], "w").write(s)
EOF
}

gen long-array '"[storage]\nx = [" + ",".join(["\"a\""] * 262000) + "]\n"'
gen array-lines '"[storage]\nx = [\n" + "  \"/srv/a\",\n" * 87000 + "]\n"'
gen many-keys '"[storage]\n" + "".join("k%d = 1\n" % i for i in range(N))'
gen many-tables '"".join("[t%d]\nk = 1\n" % i for i in range(N))'
gen dotted-keys '"".join("storage.options.k%d = \"v\"\n" % i for i in range(N))'
gen long-strings '"[storage]\n" + "".join("k%d = \"%s\"\n" % (i, "x" * 4000) for i in range(300))'
gen one-string '"[storage]\ngraphroot = \"" + "x" * ((1 << 20) - 40) + "\"\n"'
gen ml-string '"[storage]\ngraphroot = \"\"\"\n" + "line of text\\\\\n" * 74000 + "\"\"\"\n"'
gen inline-wide '"[storage]\nx = {" + ", ".join("k%d = %d" % (i, i) for i in range(60000)) + "}\n"'
gen deep-allowed '"[storage]\n" + "".join("x%d = " % i + "[" * 60 + "1" + "]" * 60 + "\n" for i in range(9000))'
gen deep-inline '"[storage]\n" + "".join("y%d = " % i + "{a = " * 30 + "1" + "}" * 30 + "\n" for i in range(5000))'
gen bad-lines '"[storage]\n" + "x\n" * 524000'
gen comments '"[storage]\ndriver = \"overlay\"\n" + "# a comment with \"quotes\" and [brackets] = {x}\n" * 40000'
gen numbers '"[storage]\nx = [" + ", ".join(str(i * 7919) for i in range(90000)) + "]\n"'

# run FILE: "WALL CPU" in ms for one `nfscheck config` (CPU: user + system,
# the children included), from bash's own `time`.
run() {
	local TIMEFORMAT='%3R %3U %3S' t
	t=$( { time CONTAINERS_STORAGE_CONF=$1 "$nfscheck" config --podman-version 6.0 >/dev/null 2>&1; } 2>&1) || true
	set -- $t
	awk -v r="$1" -v u="$2" -v s="$3" 'BEGIN { printf "%d %d\n", r * 1000, (u + s) * 1000 }'
}

printf '%-14s %9s %8s %8s %s\n' shape bytes wall-ms cpu-ms verdict
for f in "$tmp"/*.conf; do
	name=$(basename "$f" .conf)
	walls=() cpus=()
	for _ in 1 2 3 4 5; do
		read -r w c < <(run "$f")
		walls+=("$w") cpus+=("$c")
	done
	# Medians of five runs.
	wall=$(printf '%s\n' "${walls[@]}" | sort -n | sed -n 3p)
	cpu=$(printf '%s\n' "${cpus[@]}" | sort -n | sed -n 3p)
	printf '%-14s %9s %8s %8s %s\n' "$name" "$(stat -c %s "$f")" "$wall" "$cpu" \
		"$([ "$wall" -lt 100 ] && echo ok || echo SLOW)"
done
