#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The layers of src/ hold: every #include "..." in src/*/*.[ch], and every
# symbol an object file takes from another, points only at the folder's own
# layer or at one src/LAYERS allows it. A planted wrong-way include (upward,
# and sideways between siblings) and a planted wrong-way call must be caught,
# so the checks are shown to be able to fail.
. "$TESTS_SRCDIR/lib.sh"

src=$(cd "$TESTS_SRCDIR/../src" && pwd) || exit 1
objdir=$(dirname "$NFSCHECK")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# layer_rules LAYERS: one line "FOLDER FOLDER ALLOWED..." per folder (a
# folder may use itself). Fails, naming the line, on a malformed line or a
# folder that names one not declared above it.
layer_rules() {
	awk '
	{ sub(/#.*/, "") }
	NF == 0 { next }
	$1 !~ /^[a-z]+:$/ { printf "LAYERS:%d: not FOLDER: FOLDERS...\n", FNR; bad = 1; next }
	{
		f = substr($1, 1, length($1) - 1)
		line = f " " f
		for (i = 2; i <= NF; i++) {
			if (!($i in seen)) {
				printf "LAYERS:%d: %s may use %s, which is not declared above it\n", FNR, f, $i
				bad = 1
			}
			line = line " " $i
		}
		seen[f] = 1
		rules[++n] = line
	}
	END { if (bad) exit 1; for (i = 1; i <= n; i++) print rules[i] }' "$1"
}

# include_violations SRC RULES: one line per wrong-way or unresolvable
# include, per source file outside a declared folder, and per header name
# found in two folders (the -I path would pick one silently).
include_violations() {
	local dir=$1 rules=$2
	(cd "$dir" && find . -name '*.[ch]' | sed 's|^\./||' | LC_ALL=C sort) >"$tmp/files"
	(cd "$dir" && xargs -r grep -Hn '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' <"$tmp/files") >"$tmp/incs"
	awk -v R="$rules" -v F="$tmp/files" '
	FILENAME == R { for (i = 2; i <= NF; i++) ok[$1, $i] = 1; declared[$1] = 1; next }
	FILENAME == F {
		n = split($0, p, "/")
		if (n < 2) { printf "src/%s: not in a layer folder\n", $0; next }
		if (!(p[1] in declared)) { printf "src/%s: folder %s is not declared in src/LAYERS\n", $0, p[1]; next }
		if ($0 ~ /\.h$/) {
			if (p[n] in home) printf "src/%s: header %s is also in src/%s\n", $0, p[n], home[p[n]]
			else home[p[n]] = p[1]
		}
		next
	}
	{
		# file:line:#include "name.h"
		file = $0; sub(/:.*/, "", file)
		rest = substr($0, length(file) + 2); line = rest; sub(/:.*/, "", line)
		name = rest; sub(/^[^"]*"/, "", name); sub(/".*/, "", name)
		base = name; sub(/.*\//, "", base)
		split(file, p, "/"); from = p[1]
		if (base == "config.h" || !(from in declared)) next
		if (!(base in home)) { printf "src/%s:%s: includes %s, which no layer folder has\n", file, line, name; next }
		to = home[base]
		if (!((from, to) in ok))
			printf "src/%s:%s: %s includes %s from %s, a layer %s may not use\n", file, line, from, name, to, from
	}' "$rules" "$tmp/files" "$tmp/incs"
}

# symbol_violations OBJDIR RULES: one line per symbol an object in one
# folder takes from an object in a folder it may not use.
symbol_violations() {
	local dir=$1 rules=$2
	(cd "$dir" && find . -mindepth 2 -name '*.o' | sed 's|^\./||' | LC_ALL=C sort | xargs -r nm -A) >"$tmp/nm"
	awk -v R="$rules" '
	FILENAME == R { for (i = 2; i <= NF; i++) ok[$1, $i] = 1; next }
	{
		# OBJ:ADDRESS T NAME, or OBJ: U NAME
		obj = $0; sub(/:.*/, "", obj); split(obj, p, "/")
		if ($(NF - 1) == "U") { use[++n] = obj; usym[n] = $NF; ufrom[n] = p[1]; next }
		if ($(NF - 1) ~ /^[TDBRC]$/ && !($NF in def)) { def[$NF] = p[1]; defobj[$NF] = obj }
	}
	END {
		for (i = 1; i <= n; i++) {
			s = usym[i]
			if (!(s in def) || ufrom[i] == def[s] || (ufrom[i], def[s]) in ok) continue
			printf "src/%s: %s uses %s from %s (src/%s), a layer %s may not use\n", use[i], ufrom[i], s,
			       def[s], defobj[s], ufrom[i]
		}
	}' "$rules" "$tmp/nm"
}

rules=$tmp/rules
layer_rules "$src/LAYERS" >"$rules"
ok $? "src/LAYERS declares each folder after the folders it may use" || sed 's/^/# /' "$rules"

# Every folder under src/ is a declared layer, and every declared layer is a folder.
folders=$(cd "$src" && find . -mindepth 1 -maxdepth 1 -type d | sed 's|^\./||' | LC_ALL=C sort)
declared=$(awk '{print $1}' "$rules" | LC_ALL=C sort)
[ "$folders" = "$declared" ]; ok $? "the folders of src/ are the layers of src/LAYERS" ||
	diag "folders: $(echo $folders)" "declared: $(echo $declared)"

v=$(include_violations "$src" "$rules")
[ -z "$v" ]; ok $? "every #include in src/ points down the layers or within its own" || diag "$v"

# The checker catches a planted upward include (sys using diagnose) and a
# sideways one (conf using its sibling sys), naming file, line and layers.
mkdir "$tmp/src" && cp -R "${src:?}/." "$tmp/src/"
printf '#include "diag.h"\n' >>"$tmp/src/sys/fsx.c"
printf '#include "guard.h"\n' >>"$tmp/src/conf/toml-value.h"
up=$(wc -l <"$tmp/src/sys/fsx.c") side=$(wc -l <"$tmp/src/conf/toml-value.h")
v=$(include_violations "$tmp/src" "$rules")
grep -qx "src/sys/fsx.c:$up: sys includes diag.h from diagnose, a layer sys may not use" <<<"$v"
ok $? "a planted upward include (sys -> diagnose) is reported with its file and line" || diag "$v"
grep -qx "src/conf/toml-value.h:$side: conf includes guard.h from sys, a layer conf may not use" <<<"$v"
ok $? "a planted sideways include (conf -> sys) is reported" || diag "$v"
[ "$(wc -l <<<"$v")" -eq 2 ]; ok $? "and nothing else is" || diag "$v"

# A declaration that lets a layer use one above it is refused too.
printf 'lib: cmd\n' >"$tmp/LAYERS.bad"
layer_rules "$tmp/LAYERS.bad" >"$tmp/bad.out"
[ $? -ne 0 ] && grep -q "lib may use cmd, which is not declared above it" "$tmp/bad.out"
ok $? "src/LAYERS itself cannot declare a cycle"

# Link level: what the objects really call, macros and inline functions aside.
if [ -d "$objdir/lib" ] && ls "$objdir"/lib/*.o >/dev/null 2>&1 && command -v nm >/dev/null; then
	v=$(symbol_violations "$objdir" "$rules")
	[ -z "$v" ]; ok $? "every symbol an object takes from another folder's is allowed by src/LAYERS" || diag "$v"

	# Everything but the commands is in the library the unit tests link.
	members=$(ar t "$objdir/libnfscheck.a" | LC_ALL=C sort)
	lib_objs=$(cd "$objdir" && find . -mindepth 2 -name '*.o' ! -path './cmd/*' -exec basename {} \; | LC_ALL=C sort)
	[ "$members" = "$lib_objs" ]; ok $? "libnfscheck.a holds every object outside src/cmd, and none of src/cmd" ||
		diag "$(diff <(echo "$members") <(echo "$lib_objs"))"

	if command -v "${CC:-cc}" >/dev/null; then
		mkdir -p "$tmp/obj/lib" "$tmp/obj/diagnose"
		cp "$objdir"/diagnose/*.o "$tmp/obj/diagnose/"
		printf 'int diagnose_run(const void *o);\nint planted(void) { return diagnose_run(0); }\n' >"$tmp/planted.c"
		"${CC:-cc}" -c -o "$tmp/obj/lib/planted.o" "$tmp/planted.c"
		v=$(symbol_violations "$tmp/obj" "$rules")
		grep -qx "src/lib/planted.o: lib uses diagnose_run from diagnose (src/diagnose/diagnose.o), a layer lib may not use" <<<"$v"
		ok $? "a planted wrong-way call (lib -> diagnose_run) is reported" || diag "$v"
	else
		skip "no C compiler to plant a wrong-way call"
	fi
else
	skip "no objects next to $NFSCHECK: link-level layers not checked"
	skip "no objects: library membership not checked"
	skip "no objects: planted wrong-way call not checked"
fi

done_testing
