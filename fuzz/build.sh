#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Build the libFuzzer targets in fuzz/ with clang (Debian: clang and
# libclang-rt-14-dev), with AddressSanitizer and UndefinedBehaviorSanitizer.
#
#   fuzz/build.sh BUILDDIR [OUTDIR]
#
# BUILDDIR is a configured build tree (for its config.h); the targets land
# in OUTDIR (default BUILDDIR/fuzz). The normal build never runs this, so
# a machine without clang builds nfscheck as before. Exits 77 when clang
# cannot build a fuzzer here.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:?usage: fuzz/build.sh BUILDDIR [OUTDIR]}" && pwd)
out=${2:-$build/fuzz}
cc=${FUZZ_CC:-clang}

[ -f "$build/config.h" ] || { echo "fuzz/build.sh: no config.h in $build: run configure first" >&2; exit 2; }
command -v "$cc" >/dev/null 2>&1 || { echo "fuzz/build.sh: $cc is not installed" >&2; exit 77; }
mkdir -p "$out"
# A one-line program tells a missing libclang-rt (the fuzzer runtime)
# apart from a real build failure.
printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' \
	>"$out/probe.c"
"$cc" -fsanitize=fuzzer "$out/probe.c" -o "$out/probe" 2>/dev/null ||
	{ echo "fuzz/build.sh: $cc -fsanitize=fuzzer does not link (libclang-rt-14-dev missing?)" >&2; exit 77; }
rm -f "$out/probe" "$out/probe.c"

# One -I per layer folder of src/ (src/LAYERS), as Makefile.am has them.
incs=
for d in "$top"/src/*/; do incs="$incs -I${d%/}"; done
flags="-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
-I$build $incs $(pkg-config --cflags mount inih)"
libs="$(pkg-config --libs mount inih)"
common="lib/msg.c lib/util.c lib/xalloc.c lib/strbuf.c lib/strhash.c lib/problems.c lib/memfind.c lib/ioutil.c"
toml="$common conf/conf-schema.c conf/conf-file.c conf/toml-lines.c conf/toml-value.c"

target() { # NAME SOURCES... -- LIBS...
	local name=$1 srcs=
	shift
	while [ "$1" != -- ]; do srcs="$srcs $top/src/$1"; shift; done
	shift
	# shellcheck disable=SC2086  # word lists
	"$cc" $flags "$top/fuzz/$name.c" $srcs $libs "$@" -o "$out/$name"
	# The same code without sanitizers, timed on a corpus (slowest.c).
	# shellcheck disable=SC2086
	"$cc" -O2 -I"$build" $incs $(pkg-config --cflags mount inih) "$top/fuzz/slowest.c" \
		"$top/fuzz/$name.c" $srcs $libs "$@" -o "$out/$name-slowest"
	echo "$out/$name"
}

target fuzz-conf-file $toml --
target fuzz-conf-edit $toml conf/conf-edit.c --
target fuzz-mounts $common sys/mounts.c --
target fuzz-subids $common sys/subids.c sys/dynlib.c sys/subids-plan.c sys/subids-snapshot.c sys/subids-spans.c sys/nsswitch.c sys/fsident.c sys/forkmark.c --
target fuzz-boltdb $common model/boltdb.c --
target fuzz-outsafe $common lib/outsafe.c --
target fuzz-gobin $common sys/gobin.c --
target fuzz-dpkg $common sys/dpkg.c --
target fuzz-lock-owner fix/image-owner.c --
target fuzz-policy $common conf/policy.c --
