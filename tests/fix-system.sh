#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# `nfscheck fix --system` as root in a private mount namespace with its own
# /etc/containers and /usr/share/containers: the setting lands in the file
# and form the installed release reads (rootless_storage_path in /etc up to
# 5.8, a rootless drop-in for 6.0), real podman then uses it, a user with
# their own storage.conf is reported, dry-run and a second run change
# nothing, and an existing /etc file keeps every other byte.
. "$TESTS_SRCDIR/lib.sh"
NS_UID=4326 NS_NAME=nfssys
. "$TESTS_SRCDIR/nscase.sh"

command -v jq >/dev/null || skip_all "jq is not installed"
ns_require

template='/var/tmp/nfscheck-sys-$USER/containers/storage'
want=/var/tmp/nfscheck-sys-$NS_NAME/containers/storage
trap_extra() { rm -rf "/var/tmp/nfscheck-sys-$NS_NAME"; }
NS_EXTRA_CLEANUP=trap_extra
etc_conf() { echo "$case_dir/etc-containers/storage.conf"; }

# sys ARGS...: nfscheck fix --system as root (out, err, rc in the case dir)
sys() {
	ns_run <<-EOF
		"$NFSCHECK" fix --system --graphroot-template '$template' $* >"$case_dir/out" 2>"$case_dir/err"
		echo \$? >"$case_dir/rc"
	EOF
	rc=$(cat "$case_dir/rc")
}

# user_graphroot [PODMAN-VERSION]: the graphroot nfscheck config gives the user
user_graphroot() {
	ns_run <<-EOF
		as_user "$NFSCHECK" config --json ${1:+--podman-version $1} >"$case_dir/cfg.json" 2>"$case_dir/cfg.err"
	EOF
	jq -r '.storage.graphroot.value' "$case_dir/cfg.json" 2>/dev/null
}

usr_file='# the vendor file
[storage]
driver = "overlay"
runroot = "/run/containers/storage"
graphroot = "/var/lib/containers/storage"

[storage.options.overlay]
mountopt = "nodev"'

# --- up to 5.8, no /etc file: it is made from /usr/share's bytes ---
new_case legacy
printf '%s\n' "$usr_file" >"$case_dir/usr-containers/storage.conf"
sys --podman-version 4.3 --dry-run
ok $(( rc != 0 )) "4.3 dry-run: exit $rc"
[ ! -e "$(etc_conf)" ]; ok $? "4.3 dry-run: nothing was written"
grep -q "^+rootless_storage_path = \"$template\"\$" "$case_dir/out"
ok $? "4.3 dry-run: the diff adds rootless_storage_path" || diag "$(cat "$case_dir/out" "$case_dir/err")"
sys --podman-version 4.3
ok $(( rc != 0 )) "4.3: exit $rc" || diag "$(cat "$case_dir/err")"
diff <(printf '%s\n' "$usr_file") "$(etc_conf)" >"$case_dir/diff"
[ "$(grep -c '^[<>]' "$case_dir/diff")" -eq 1 ] && grep -q "^> rootless_storage_path = \"$template\"\$" "$case_dir/diff"
ok $? "4.3: /etc's file is /usr/share's plus the one line" || diag "$(cat "$case_dir/diff")"
[ "$(stat -c '%a %u' "$(etc_conf)")" = "644 0" ]; ok $? "4.3: the new file is root's, mode 0644"
grep -q "created .* from /usr/share/containers/storage.conf" "$case_dir/out"; ok $? "4.3: it says whose place it takes"
got=$(user_graphroot 4.3)
[ "$got" = "$want" ]; ok $? "4.3: a user without a file of their own now gets $want (got $got)"
grep -q "^  $NS_NAME " "$case_dir/out"; ok $(( $? == 0 )) "4.3: that user is not reported as overriding"
if command -v podman >/dev/null; then
	ns_run <<-EOF
		as_user podman info --format '{{.Store.GraphRoot}}' >"$case_dir/podman.out" 2>"$case_dir/podman.err"
	EOF
	got=$(tail -1 "$case_dir/podman.out")
	[ "$got" = "$want" ]; ok $? "4.3: real podman uses it too (podman info: $got)" ||
		diag "$(tail -3 "$case_dir/podman.err")"
else
	skip "podman is not installed"
fi

# the user's own storage.conf wins, and the report names it
user_file '[storage]
driver = "vfs"
graphroot = "/home/elsewhere"'
sum=$(sha256sum <"$(etc_conf)")
sys --podman-version 4.3
ok $(( rc != 0 )) "second run: exit $rc"
grep -q '^nothing to change' "$case_dir/out"; ok $? "second run: nothing to change"
[ "$(sha256sum <"$(etc_conf)")" = "$sum" ]; ok $? "second run: the file is untouched"
grep -q "^  $NS_NAME  *.*/home/elsewhere .*their own $home/.config/containers/storage.conf" "$case_dir/out"
ok $? "second run: the user with their own file is reported, with the file" || diag "$(cat "$case_dir/out")"
grep -Eq '^[0-9]+ users? checked, [1-9][0-9]* still override' "$case_dir/out"; ok $? "second run: and counted"

# --- an existing /etc file: one line inserted after [storage], backup kept ---
new_case existing
printf '%s' $'# site file\r\n[storage]\r\ndriver = "overlay"   # keep\r\n\r\n[storage.options]\r\nmount_program = ""' \
	>"$(etc_conf)"
cp "$(etc_conf)" "$case_dir/before"
sys --podman-version 4.3
ok $(( rc != 0 )) "existing: exit $rc"
diff "$case_dir/before" "$(etc_conf)" >"$case_dir/diff"
[ "$(grep -c '^[<>]' "$case_dir/diff")" -eq 1 ] &&
	grep -q $'^> rootless_storage_path = "'"$template"$'"\r$' "$case_dir/diff"
ok $? "existing: exactly one line added, with the file's CRLF" || diag "$(cat -A "$case_dir/diff")"
[ "$(tail -c 18 "$(etc_conf)")" = 'mount_program = ""' ]; ok $? "existing: the missing final newline stays missing"
bak=$(ls "$case_dir"/etc-containers/storage.conf.nfscheck-*.bak 2>/dev/null | head -1)
[ -n "$bak" ] && cmp -s "$bak" "$case_dir/before"; ok $? "existing: the backup holds the old bytes"

# --- 6.0: a rootless drop-in with graphroot ---
new_case v6
printf '%s\n' "$usr_file" >"$case_dir/usr-containers/storage.conf"
sys --podman-version 6.0
ok $(( rc != 0 )) "6.0: exit $rc" || diag "$(cat "$case_dir/err")"
dropin=$case_dir/etc-containers/storage.rootless.conf.d/50-nfscheck.conf
[ -f "$dropin" ] && grep -q "^graphroot = \"$template\"\$" "$dropin"; ok $? "6.0: a rootless drop-in sets graphroot"
[ "$(stat -c %a "${dropin%/*}")" = 755 ]; ok $? "6.0: the new drop-in directory is world-readable, as Podman needs"
[ ! -e "$(etc_conf)" ]; ok $? "6.0: the main file is left alone"
got=$(user_graphroot 6.0)
[ "$got" = "$want" ]; ok $? "6.0: the drop-in wins for the user (got $got)" || diag "$(cat "$case_dir/cfg.err"; jq -c ".fatal, .storage.graphroot, .files, .problems" "$case_dir/cfg.json")"

# --- refusals ---
new_case refuse
ns_run <<-EOF
	as_user "$NFSCHECK" fix --system --graphroot-template '$template' >"$case_dir/out" 2>"$case_dir/err"
	echo \$? >"$case_dir/rc"
EOF
rc=$(cat "$case_dir/rc")
[ "$rc" -eq 77 ] && grep -q 'needs root' "$case_dir/err"; ok $? "not root: exit 77 and says it needs root (exit $rc)"
template=relative/path sys --podman-version 4.3
[ "$rc" -eq 64 ] && [ ! -e "$(etc_conf)" ]; ok $? "a relative template is a usage error and writes nothing (exit $rc)"

done_testing
