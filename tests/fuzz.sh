#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The libFuzzer targets in fuzz/, built with clang and run briefly on the
# seeds (tests/fixtures and fuzz/seeds): 20,000 inputs each with a fixed
# seed, so a run is repeatable. A crash, a sanitizer report, a leak or an
# input that runs for 10 s fails the test; the long runs are in
# fuzz/README.md.
. "$TESTS_SRCDIR/lib.sh"

top=$(cd "$TESTS_SRCDIR/.." && pwd)
build=$(cd "$(dirname "$NFSCHECK")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

sh "$top/fuzz/build.sh" "$build" "$tmp/bin" >"$tmp/build.log" 2>&1
rc=$?
[ "$rc" -eq 77 ] && skip_all "$(tail -1 "$tmp/build.log")"
ok $rc "the fuzz targets build with clang" || { diag "$(tail -20 "$tmp/build.log")"; done_testing; exit; }

# fuzz NAME SEED-FILES...: run target NAME on a corpus of copies of them.
fuzz() {
	local name=$1
	shift
	mkdir -p "$tmp/corpus-$name" "$tmp/art-$name"
	cp "$@" "$tmp/corpus-$name/"
	(cd "$tmp" && "$tmp/bin/fuzz-$name" -seed=1 -runs=20000 -max_len="${MAX_LEN:-4096}" -timeout=10 -max_total_time=120 \
		-dict="$top/fuzz/toml.dict" -artifact_prefix="$tmp/art-$name/" "$tmp/corpus-$name" \
		>"$tmp/$name.log" 2>&1)
	ok $? "fuzz-$name: 20,000 inputs, no crash, leak or hang" || diag "$(grep -A12 -m1 'ERROR\|SUMMARY' "$tmp/$name.log")"
}

fuzz conf-file "$FIXTURES"/edit/*.conf "$top"/fuzz/seeds/conf/*
fuzz conf-edit "$FIXTURES"/edit/*.conf "$top"/fuzz/seeds/conf/*
fuzz mounts "$FIXTURES"/mountinfo-netroot "$top"/fuzz/seeds/mounts/*
fuzz subids "$top"/fuzz/seeds/subids/*
MAX_LEN=65536 fuzz boltdb "$top"/fuzz/seeds/boltdb/*
fuzz outsafe "$top"/fuzz/seeds/conf/*
MAX_LEN=65536 fuzz gobin "$top"/fuzz/seeds/gobin/*
fuzz dpkg "$top"/fuzz/seeds/dpkg/*
fuzz lock-owner "$top"/fuzz/seeds/lock/*
fuzz policy "$top"/fuzz/seeds/policy/*

done_testing
