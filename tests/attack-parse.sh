#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Attack: a user's storage.conf against root's nfscheck. The user writes
# files nested 100,000 levels deep (dotted keys, [a.a...] headers, inline
# tables, arrays) and files of 1 MiB (one long array, 80,000 keys); root
# runs `config --user` and `fix --graphroot --user --dry-run` on them. Root
# must neither crash (recursion overflowing the stack) nor spin for
# minutes (rescans per value, linear key lookups): each run ends under a
# generous `timeout 60`, exits 0 or 1, and a file nested too deeply is
# named with its line.
. "$TESTS_SRCDIR/lib.sh"
NS_UID=4335 NS_NAME=nfsparse
. "$TESTS_SRCDIR/nscase.sh"

command -v jq >/dev/null || skip_all "jq is not installed"
command -v python3 >/dev/null || skip_all "python3 is not installed"
ns_require

# plant NAME PYTHON-EXPR: the user writes their own
# ~/.config/containers/storage.conf: "[storage]", 'driver = "overlay"' and
# then the text PYTHON-EXPR makes (N is 100,000), so what is attacked
# starts on line 3.
plant() {
	new_case "$1"
	install -d -o "$NS_UID" -g "$NS_UID" "$home/.config" "$home/.config/containers"
	conf=$home/.config/containers/storage.conf
	ns_run <<-EOF
		as_user /usr/bin/python3 -c 'import sys
N = 100000
open(sys.argv[1], "w").write("[storage]\ndriver = \"overlay\"\n" + ($2) + "\n")' "$conf"
	EOF
	[ "$(stat -c %u "$conf" 2>/dev/null)" = "$NS_UID" ] || diag "$1: the user could not write $conf"
}

# config_as_root: root runs config --json --user for the user, bounded.
config_as_root() {
	ns_run <<-EOF
		timeout 60 "$NFSCHECK" config --json --user $NS_NAME --podman-version 6.0 \
			>"$case_dir/out.json" 2>"$case_dir/out.err"
		echo \$? >"$case_dir/out.rc"
	EOF
	rc=$(cat "$case_dir/out.rc")
}

# ended WHAT: the run finished (not 124) without a signal, exiting 0 or 1.
ended() {
	[ "$rc" -ne 124 ]; ok $? "$1: finishes (timeout 60 not reached)"
	[ "$rc" -eq 0 ] || [ "$rc" -eq 1 ]
	ok $? "$1: exits 0 or 1, no crash (got $rc)" || diag "$(tail -c 400 "$case_dir/out.err")"
}

# too_deep WHAT LINE: refused as a configuration error at FILE:LINE.
too_deep() {
	[ "$rc" -eq 1 ]; ok $? "$1: refused with the configuration-error status 1 (got $rc)"
	jq -e --arg f "$conf" --argjson l "$2" \
		'.problems | any(.severity == "error" and .file == $f and .line == $l and
			(.message | contains("too deeply nested")))' "$case_dir/out.json" >/dev/null
	ok $? "$1: 'too deeply nested' at $conf:$2" || diag "$(jq -c '.problems' "$case_dir/out.json" 2>/dev/null | head -c 600)"
}

# ---- deep: one logical line, 100,000 levels or more ----
plant dotted '".".join(["a"] * 5 * N) + " = 1"'
config_as_root; ended "dotted key 500,000 parts"; too_deep "dotted key" 3

plant header '"[" + ".".join(["a"] * 5 * N) + "]\nk = 1"'
config_as_root; ended "[a.a...] header 500,000 parts"; too_deep "[a.a...] header" 3

plant inline '"x = " + "{a = " * N + "1" + "}" * N'
config_as_root; ended "inline tables 100,000 deep"; too_deep "inline tables" 3

plant inline-dotted '"x = {" + ".".join(["a"] * 4 * N) + " = 1}"'
config_as_root; ended "inline table with a 400,000-part key"; too_deep "inline dotted key" 3

plant arrays '"x = " + "[" * N + "]" * N'
config_as_root; ended "arrays 100,000 deep"; too_deep "arrays" 3

# One '[' a line: [storage] is level 1, so the 64th '[' (line 3 + 63) is
# the first too many -- the line must be that one, not the key's.
plant arrays-by-line '"x = " + "[\n" * N + "]\n" * N'
config_as_root; ended "arrays 100,000 deep, one a line"; too_deep "arrays one a line" 66

# ---- huge: 1 MiB files that are not too deep ----
no_depth_error() {
	jq -e '.problems | all(.message | contains("too deeply nested") | not)' "$case_dir/out.json" >/dev/null
	ok $? "$1: decoded, no depth error" || diag "$(jq -c '.problems[:3]' "$case_dir/out.json" 2>/dev/null)"
}

plant long-array '"x = [" + ",".join(["\"a\""] * 262000) + "]"'
config_as_root; ended "1 MiB array of strings on one line"; no_depth_error "1 MiB array"

plant long-array-lines '"x = [\n" + "\"ab\",\n" * 170000 + "]"'
config_as_root; ended "1 MiB array, one string a line"; no_depth_error "1 MiB multi-line array"

plant many-keys '"".join("k%d = 1\n" % i for i in range(80000))'
config_as_root; ended "80,000 keys"
jq -e --arg f "$conf" '.problems | any(.file == $f and .line == 3 and (.message | contains("storage.k0")))' \
	"$case_dir/out.json" >/dev/null
ok $? "80,000 keys: the first unknown one is named on its line (3)"
jq -e --arg f "$conf" '.problems | any(.file == $f and (.message | contains("79900 more problems")))' \
	"$case_dir/out.json" >/dev/null
ok $? "80,000 keys: the rest are counted in one line, not listed" ||
	diag "$(jq -c '.problems | length' "$case_dir/out.json" 2>/dev/null)"

# Half a million broken lines: each an error, listed up to the cap.
plant bad-lines '"x\n" * 5 * N'
config_as_root; ended "500,000 broken lines"
jq -e --arg f "$conf" '.problems | any(.file == $f and .line == 3 and .severity == "error")' \
	"$case_dir/out.json" >/dev/null
ok $? "500,000 broken lines: the first is an error on line 3"

plant many-tables '"".join("[t%d]\nk = 1\n" % i for i in range(60000))'
config_as_root; ended "60,000 tables"; no_depth_error "60,000 tables"

# ---- the editor, as root for the user, on a deep file ----
plant edit-dotted '".".join(["a"] * 5 * N) + " = 1"'
ns_run <<EOF
timeout 60 "$NFSCHECK" fix --graphroot '/var/tmp/\$USER/c' --user $NS_NAME --dry-run \
	>"$case_dir/out.txt" 2>&1
echo \$? >"$case_dir/out.rc"
EOF
rc=$(cat "$case_dir/out.rc")
[ "$rc" -ne 124 ] && [ "$rc" -lt 128 ]
ok $? "fix --graphroot --user --dry-run on a 500,000-part key: ends without a crash (got $rc)"
grep -q "$conf:3.*too deeply nested" "$case_dir/out.txt"
ok $? "and names $conf:3" || diag "$(head -c 600 "$case_dir/out.txt")"

done_testing
