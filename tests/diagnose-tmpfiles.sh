#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# diagnose's tmpfiles.d exclusion check against systemd-tmpfiles itself:
# for each x or X line, a graphroot under /tmp (the namespace's own tmpfs)
# holds a file 40 days old; nfscheck says whether the line excludes the
# graphroot from ageing, then systemd-tmpfiles --clean ages /tmp with that
# line in force, and whether the file is still there must be nfscheck's
# answer. Cases: globs by whole path components (a line for /tmp/tt/al
# does not cover /tmp/tt/alice), FNM_PERIOD, X as x (systemd 252 skips an
# X directory's contents too when it ages the directory above), boot-only
# and aged lines, the walk's start, path simplification, specifiers as
# root's (the system instance ages /tmp, so %u is "root"), and backslash
# escapes that systemd releases read differently.
. "$TESTS_SRCDIR/lib.sh"
NS_UID=4332 NS_NAME=nfstmpf
. "$TESTS_SRCDIR/nscase.sh"

command -v jq >/dev/null || skip_all "jq is not installed"
command -v systemd-tmpfiles >/dev/null && [ -d /etc/tmpfiles.d ] || skip_all "systemd-tmpfiles is not installed"
ns_require

n=0
# judge GRAPHROOT KEPT LINE: nfscheck's verdict and systemd-tmpfiles' on
# LINE; KEPT (yes/no) is what systemd-tmpfiles is expected to do, so that a
# judge that deletes or keeps everything shows.
judge() {
	local g=$1 want=$2 line=$3 excl kept
	n=$((n + 1))
	new_case "t$n"
	install -d -m 700 -o "$NS_UID" -g "$NS_UID" "$case_dir/run"
	ENV+=(XDG_RUNTIME_DIR="$case_dir/run")
	user_file "[storage]
driver = \"vfs\"
graphroot = \"$g\""
	mkdir -p "$case_dir/tmpfiles.d"
	printf '%s\n' "$line" >"$case_dir/tmpfiles.d/t.conf"
	printf 'e /tmp - - - m:1s\n' >"$case_dir/age.conf"
	ns_run <<-EOF
		mount --bind "$case_dir/tmpfiles.d" /etc/tmpfiles.d
		mkdir -p "$g"
		chown "$NS_UID:$NS_UID" "$g"
		as_user "$NFSCHECK" diagnose --json >"$case_dir/out.json" 2>"$case_dir/out.err"
		echo old >"$g/old-layer-file"
		touch -d '40 days ago' "$g/old-layer-file"
		systemd-tmpfiles --clean "$case_dir/age.conf" "$case_dir/tmpfiles.d/t.conf" >"$case_dir/clean.log" 2>&1
		if [ -e "$g/old-layer-file" ]; then echo yes; else echo no; fi >"$case_dir/kept"
	EOF
	kept=$(cat "$case_dir/kept" 2>/dev/null)
	excl=$(jq -r '.checks[] | select(.id == "location") | .values.tmpfiles_exclusion // "none"' "$case_dir/out.json" 2>/dev/null)
	[ "$kept" = "$want" ]
	ok $? "'$line': systemd-tmpfiles $( [ "$want" = yes ] && echo keeps || echo deletes) $g's old file" ||
		diag "kept: '$kept'" "$(cat "$case_dir/clean.log" "$case_dir/ns.log" 2>/dev/null)"
	{ [ "$excl" != none ] && [ "$kept" = yes ]; } || { [ "$excl" = none ] && [ "$kept" = no ]; }
	ok $? "'$line': nfscheck agrees (exclusion: $excl)" || diag "$(cat "$case_dir/out.err")"
}

A=/tmp/tt/alice/storage
judge $A yes 'x /tmp/tt/alice'
judge $A no 'x /tmp/tt/al'
judge $A yes 'x /tmp/tt/alice/storage'
judge $A no 'x /tmp/tt/alice/storage/overlay'
judge $A yes 'X /tmp/tt/alice'
judge $A yes 'X /tmp/tt/alice/storage'
judge $A yes 'x /tmp/tt/*'
judge /tmp/tt/.alice/storage no 'x /tmp/tt/*'
judge $A yes 'x "/tmp/tt/al?ce"'
judge $A yes 'x /tmp//tt/./alice/'
judge $A no 'x! /tmp/tt/alice'
judge $A no 'x /tmp/tt/alice - - - m:1s'
judge $A yes 'x- /tmp/tt/alice - - - -'
judge $A no 'x /tmp'
judge /tmp/tt/$NS_NAME/storage no 'x /tmp/tt/%u'
judge /tmp/tt/root/storage yes 'x /tmp/tt/%u'
judge /tmp/tt/0/storage yes 'x /tmp/tt/%U'
judge '/tmp/tt/a%u/storage' yes 'x /tmp/tt/a%%u'
judge $A no 'x /tmp/tt/\x61lice'
judge $A no 'x /tmp/tt/%q'

done_testing
