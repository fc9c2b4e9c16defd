#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The whole test suite: `make check` (unit tests, command-line tests, and
# the tests on real parts: podman, loop devices and XFS, user-mode Linux
# with a kernel NFS server), then `make distcheck`, then the unit and command-line tests again
# built with AddressSanitizer and UndefinedBehaviorSanitizer, then the unit
# tests under valgrind. Ends with one line: N passed, N failed, N skipped.
#
# --install     install the packages first (tests/install-deps.sh --test)
# --build-only  stop after the build in _build (tests/readme-fresh.sh runs
#               the README's test command this far in a fresh tree)
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

install=no build_only=no
for a in "$@"; do
	case $a in
	--install) install=yes ;;
	--build-only) build_only=yes ;;
	*) echo "usage: run-all.sh [--install] [--build-only]" >&2; exit 64 ;;
	esac
done
if [ "$install" = yes ]; then
	sh tests/install-deps.sh --test || { echo "0 passed, 1 failed"; exit 1; }
fi

jobs=$(nproc 2>/dev/null || echo 2)
status=0

build() { # DIR CONFIGURE-ARGS...
	local dir=$1
	shift
	mkdir -p "$dir"
	( cd "$dir" &&
	  { [ -f Makefile ] || "$top/configure" -q "$@"; } &&
	  make -s -j"$jobs" >/dev/null ) 
}

[ -x configure ] || autoreconf -fi >/dev/null 2>&1 || { echo "autoreconf failed"; echo "0 passed, 1 failed"; exit 1; }

echo "== build"
build "$top/_build" --enable-werror || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }
[ "$build_only" = no ] || exit 0

echo "== make check"
make -C "$top/_build" -s check -j"$jobs" || status=1

echo "== make distcheck"
# The release tarball: complete (EXTRA_DIST), builds in a read-only copy out
# of tree, installs and uninstalls cleanly. The quick tests run in it; the
# whole suite has just run in _build.
dc_pass=0 dc_fail=0
if make -C "$top/_build" -s distcheck \
	TESTS='$(check_PROGRAMS) tests/cli.sh tests/docs.sh tests/layers.sh tests/lint-tests.sh' \
	>"$top/_build/distcheck.out" 2>&1; then
	dc_pass=1
else
	dc_fail=1; status=1
	echo "make distcheck failed; the end of _build/distcheck.out:"; tail -30 "$top/_build/distcheck.out" | sed 's/^/  /'
fi

echo "== ASan + UBSan"
if build "$top/_build-asan" --enable-werror --enable-sanitizers; then
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		make -C "$top/_build-asan" -s check -j"$jobs" \
		TESTS="\$(check_PROGRAMS) tests/cli.sh tests/config.sh tests/diagnose-local.sh tests/server-deadline.sh tests/server-verdicts.sh" || status=1
else
	echo "sanitizer build failed"; status=1
fi

echo "== valgrind"
vg_fail=0 vg_pass=0
for t in "$top"/_build/tests/unit/test-*; do
	case $t in *.log|*.trs|*.o) continue ;; esac
	[ -x "$t" ] || continue
	# valgrind 3.19 does not know openat2 (syscall 437), the call the local
	# walk is made of, so under it the walk cannot run at all; the test
	# runs under ASan and UBSan above instead, with the same assertions.
	case $t in */test-localwalk) continue ;; esac
	if valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
		"$t" >/dev/null 2>"$t.valgrind"; then
		vg_pass=$((vg_pass + 1))
	else
		vg_fail=$((vg_fail + 1)); status=1
		echo "valgrind: $(basename "$t") failed"; sed 's/^/  /' "$t.valgrind" | head -20
	fi
done

pass=0 fail=0 skip=0
for f in $(find "$top/_build" "$top/_build-asan" -name '*.trs' 2>/dev/null); do
	p=$(grep -c '^:test-result: PASS' "$f"); x=$(grep -c '^:test-result: XFAIL' "$f")
	e=$(grep -cE '^:test-result: (FAIL|ERROR|XPASS)' "$f"); s=$(grep -c '^:test-result: SKIP' "$f")
	pass=$((pass + p + x)); fail=$((fail + e)); skip=$((skip + s))
done
pass=$((pass + vg_pass + dc_pass)); fail=$((fail + vg_fail + dc_fail))
# Show what failed, so a CI log is enough to act on.
if [ "$fail" -gt 0 ]; then
	grep -hE '^(not ok|ERROR:|FAIL:)' "$top"/_build/test-suite.log "$top"/_build-asan/test-suite.log 2>/dev/null | head -50
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$status" -eq 0 ] && [ "$fail" -eq 0 ]
