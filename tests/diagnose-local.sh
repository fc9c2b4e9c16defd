#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# `nfscheck diagnose` on local filesystems: a healthy setup passes, and each
# cause that is not the filesystem -- no subordinate range, a newuidmap that
# is neither setuid nor capable, a missing or open runtime directory -- gets
# its own failing check and remedy, and no false network verdict. A run
# killed with SIGKILL in the middle of the probe leaves a directory that the
# next run removes.
. "$TESTS_SRCDIR/lib.sh"
NS_UID=4323 NS_NAME=nfsdiag
. "$TESTS_SRCDIR/nscase.sh"

command -v jq >/dev/null || skip_all "jq is not installed"
ns_require

# run_diagnose [ARGS...]: nfscheck diagnose --json as the case's user.
run_diagnose() {
	ns_run <<-EOF
		${NS_PRE:-}
		as_user "$NFSCHECK" diagnose --json $* >"$case_dir/out.json" 2>"$case_dir/out.err"
		echo \$? >"$case_dir/out.rc"
	EOF
	rc=$(cat "$case_dir/out.rc")
}

status_of() { jq -r --arg id "$1" '[.checks[] | select(.id == $id) | .status] | first' "$case_dir/out.json"; }

is_status() { # ID STATUS MESSAGE
	local got
	got=$(status_of "$1")
	[ "$got" = "$2" ]
	ok $? "$3" || diag "$1 is '$got': $(jq -c --arg id "$1" '.checks[] | select(.id == $id) | {summary, detail}' "$case_dir/out.json")"
}

no_network_verdict() {
	jq -e '[.checks[] | select(.id | startswith("filesystem.")) | select(.status == "fail")] | length == 0' \
		"$case_dir/out.json" >/dev/null
	ok $? "$1: no filesystem check fails"
	jq -e '[.checks[] | select(.id == "probe") | .summary | test("nfs|NFS|network")] | any | not' \
		"$case_dir/out.json" >/dev/null
	ok $? "$1: the probe does not blame a network filesystem"
}

runtime_dir() { # make an XDG_RUNTIME_DIR for the case's user
	install -d -m 700 -o "$NS_UID" -g "$NS_UID" "$case_dir/run"
	ENV+=(XDG_RUNTIME_DIR="$case_dir/run")
}

leftovers() { find "$case_dir" -name '.nfscheck-probe.*' | wc -l; }

# --- healthy ---
new_case healthy
runtime_dir
run_diagnose
ok $(( rc != 0 )) "healthy: exit 0 (got $rc)" || diag "$(jq -c '[.checks[] | select(.status != "ok")]' "$case_dir/out.json")"
jq -e '[.checks[] | select(.status == "fail")] | length == 0' "$case_dir/out.json" >/dev/null
ok $? "healthy: no check fails"
is_status probe ok "healthy: the probe's chown into subordinate IDs works"
jq -e '.checks[] | select(.id == "probe") | .values.steps | all(.ok)' "$case_dir/out.json" >/dev/null
ok $? "healthy: every probe step succeeded"
is_status subids ok "healthy: subordinate IDs found"
is_status runtime-dir ok "healthy: runtime directory accepted"
is_status filesystem.graphroot ok "healthy: graphroot filesystem is fine"
[ "$(jq -r .verdict "$case_dir/out.json")" = ok ]; ok $? "healthy: verdict ok"
[ "$(leftovers)" -eq 0 ]; ok $? "healthy: nothing left behind"
jq -e '.checks | map(.id) | index("probe") and index("subids") and index("newuidmap") and index("newgidmap")
	and index("userns") and index("runtime-dir") and index("driver") and index("location")
	and index("config") and index("filesystem.graphroot")' "$case_dir/out.json" >/dev/null
ok $? "healthy: every check is reported"

# --- no subordinate range ---
new_case no-subids
runtime_dir
: >"$case_dir/subuid"
: >"$case_dir/subgid"
run_diagnose
ok $(( rc != 1 )) "no subids: exit 1"
is_status subids fail "no subids: the subids check fails"
jq -e --arg n "$NS_NAME" '.fix | any(test("usermod --add-subuids [0-9]+-[0-9]+ --add-subgids [0-9]+-[0-9]+ " + $n))' \
	"$case_dir/out.json" >/dev/null
ok $? "no subids: the fix block gives the usermod command"
jq -e '.fix | any(. == "podman system migrate")' "$case_dir/out.json" >/dev/null
ok $? "no subids: and podman system migrate after it"
no_network_verdict "no subids"
is_status probe warn "no subids: the probe warns that only one ID could be tested"
# Root for the user: its child that became the user is not dumpable, so it
# cannot write the one-ID map itself as Podman does; the verdict must not
# change for that (it was "mapping the namespace failed: EACCES").
ns_run <<-EOF
	${NS_PRE:-}
	"$NFSCHECK" diagnose --json --user "$NS_NAME" >"$case_dir/out.json" 2>"$case_dir/out.err"
EOF
is_status probe warn "no subids, root with --user: the probe warns just the same"
is_status subids fail "no subids, root with --user: the subids check fails"

# --- overlapping ranges and a broken line ---
new_case overlap
runtime_dir
printf '%s:200000:65536\nother:230000:65536\nbroken-line\n' "$NS_NAME" >"$case_dir/subuid"
printf '%s:200000:65536\n' "$NS_NAME" >"$case_dir/subgid"
run_diagnose
is_status subids fail "overlap: a range shared with another user fails"
jq -e '.checks[] | select(.id == "subids") | .detail | test("overlaps other.s range") and test("/etc/subuid:3")' \
	"$case_dir/out.json" >/dev/null
ok $? "overlap: names the other owner and the broken line by file and line"

# --- newuidmap neither setuid nor capable ---
new_case no-setuid
runtime_dir
cp /usr/bin/newuidmap "$case_dir/newuidmap"
chmod 0755 "$case_dir/newuidmap"
setcap -r "$case_dir/newuidmap" 2>/dev/null
NS_PRE="mount --bind '$case_dir/newuidmap' /usr/bin/newuidmap" run_diagnose
ok $(( rc != 1 )) "plain newuidmap: exit 1"
is_status newuidmap fail "plain newuidmap: the newuidmap check fails"
is_status newgidmap ok "plain newuidmap: newgidmap is still fine"
# Debian ships newuidmap setuid root; elsewhere file capabilities are usual.
if grep -qE '^ID(_LIKE)?=.*(debian|ubuntu)' /etc/os-release 2>/dev/null; then
	jq -e '.fix | any(test("chown root:root /usr/bin/newuidmap && sudo chmod 4755 /usr/bin/newuidmap"))' "$case_dir/out.json" >/dev/null
	ok $? "plain newuidmap: the fix makes it setuid root, as Debian ships it"
else
	jq -e '.fix | any(test("setcap cap_setuid\\+ep /usr/bin/newuidmap"))' "$case_dir/out.json" >/dev/null
	ok $? "plain newuidmap: the fix gives cap_setuid to it"
fi
no_network_verdict "plain newuidmap"

# --- file capabilities instead of setuid count as fine ---
new_case filecaps
runtime_dir
cp /usr/bin/newuidmap "$case_dir/newuidmap"
chmod 0755 "$case_dir/newuidmap"
if setcap cap_setuid+ep "$case_dir/newuidmap" 2>/dev/null; then
	NS_PRE="mount --bind '$case_dir/newuidmap' /usr/bin/newuidmap" run_diagnose
	is_status newuidmap ok "newuidmap with cap_setuid and no setuid bit is accepted"
	is_status probe ok "and the probe maps the namespace through it"
else
	skip "setcap is not available"
fi

# --- runtime directory missing, then open to others ---
new_case rundir-missing
ENV+=(XDG_RUNTIME_DIR="$case_dir/no-such-dir")
run_diagnose
ok $(( rc != 1 )) "missing runtime dir: exit 1"
is_status runtime-dir fail "missing runtime dir: the runtime-dir check fails"
jq -e --arg u "$NS_UID" '.fix | any(test("install -d -m 0700 -o " + $u + " -g " + $u))' "$case_dir/out.json" >/dev/null
ok $? "missing runtime dir: the fix creates it for the user"
no_network_verdict "missing runtime dir"

new_case rundir-mode
install -d -m 755 -o "$NS_UID" -g "$NS_UID" "$case_dir/run"
ENV+=(XDG_RUNTIME_DIR="$case_dir/run")
run_diagnose
is_status runtime-dir fail "runtime dir mode 0755: fails"
jq -e '.fix | any(test("^chmod 0700 "))' "$case_dir/out.json" >/dev/null
ok $? "runtime dir mode 0755: the fix is chmod 0700"

new_case rundir-other
install -d -m 700 "$case_dir/run"
ENV+=(XDG_RUNTIME_DIR="$case_dir/run")
run_diagnose
is_status runtime-dir fail "runtime dir owned by root: fails"

# --- a graphroot in /var/tmp is a warning about ageing ---
new_case in-var-tmp
runtime_dir
user_file '[storage]
driver = "vfs"
graphroot = "/var/tmp/nfscheck-test-'"$$"'/storage"'
run_diagnose
is_status location warn "/var/tmp graphroot: the location check warns about tmpfiles ageing"
ok $(( rc != 0 )) "/var/tmp graphroot: still exit 0"
rm -rf "/var/tmp/nfscheck-test-$$"

# --- a graphroot on a noexec mount: the summary names noexec, not the type ---
new_case noexec
runtime_dir
mkdir -p "$case_dir/noexec"
user_file '[storage]
driver = "vfs"
graphroot = "'"$case_dir"'/noexec/storage"'
NS_PRE="mount -t tmpfs -o noexec,mode=0755,uid=$NS_UID,gid=$NS_UID tmpfs '$case_dir/noexec'" run_diagnose
is_status filesystem.graphroot fail "noexec graphroot: the filesystem check fails"
jq -e '.checks[] | select(.id == "filesystem.graphroot") | .summary | test("mounted noexec: Podman cannot run programs")' \
	"$case_dir/out.json" >/dev/null
ok $? "noexec graphroot: the summary names noexec as the cause" ||
	diag "$(jq -c '.checks[] | select(.id == "filesystem.graphroot") | {summary, detail}' "$case_dir/out.json")"

# --- a parent the user cannot pass through ---
new_case no-traverse
runtime_dir
install -d -m 700 "$case_dir/locked"
user_file '[storage]
driver = "vfs"
graphroot = "'"$case_dir"'/locked/storage"'
run_diagnose
is_status location fail "a graphroot under a directory the user cannot enter fails"
is_status probe fail "and the probe cannot create anything there"

# probe_then SIGNAL OUT: run diagnose with every lchown held for 3 s, so that
# the probe is inside its scratch directory when SIGNAL reaches nfscheck.
probe_then() {
	ns_run <<-EOF
		# LeakSanitizer cannot run under ptrace; the other sanitizers still do.
		export ASAN_OPTIONS=\${ASAN_OPTIONS:+\$ASAN_OPTIONS:}detect_leaks=0
		strace -f -o /dev/null -e trace=lchown,fchownat -e inject=lchown,fchownat:delay_enter=3s \\
			"$NFSCHECK" diagnose --user $NS_NAME >"$case_dir/$2" 2>&1 &
		sleep 1.5
		# only this test's nfscheck: strace's child (others may run in parallel)
		pkill -$1 -P \$! -x nfscheck
		wait \$!
		echo \$? >"$case_dir/$2.rc"
		find "$home" -name '.nfscheck-probe.*' >"$case_dir/$2.left"
		as_user "$NFSCHECK" diagnose --json >"$case_dir/out.json" 2>"$case_dir/out.err"
		find "$home" -name '.nfscheck-probe.*' >"$case_dir/$2.after"
	EOF
}

# --- killed with SIGKILL in the middle of the probe, then a normal run ---
new_case killed
runtime_dir
if command -v strace >/dev/null; then
	probe_then KILL kill.out
	[ -s "$case_dir/kill.out.left" ]; ok $? "killed run: it did leave its scratch directory behind"
	[ ! -s "$case_dir/kill.out.after" ]; ok $? "the next normal run removed it"
	jq -e '.checks[] | select(.id == "probe") | .values.leftovers_removed == 1' "$case_dir/out.json" >/dev/null
	ok $? "and reported removing one leftover"
else
	skip "strace is not installed"
fi

# --- interrupted with SIGINT during the probe: cleaned up, exit 2 ---
new_case interrupted
runtime_dir
if command -v strace >/dev/null; then
	probe_then INT int.out
	[ "$(cat "$case_dir/int.out.rc")" -eq 2 ]; ok $? "SIGINT: exit 2 (got $(cat "$case_dir/int.out.rc"))"
	[ ! -s "$case_dir/int.out.left" ]; ok $? "SIGINT: the scratch directory is gone"
else
	skip "strace is not installed"
fi

# --- the JSON document matches the shipped schema ---
# shellcheck disable=SC2046  # one path per word
schema_ok nfscheck-diagnose.schema.json "diagnose --json" $(find "$ns_top" -name 'out.json' -size +0)

# --- colour only on a terminal, never with NO_COLOR ---
new_case color
runtime_dir
if command -v script >/dev/null; then
	ns_run <<-EOF
		as_user script -qec "$NFSCHECK diagnose" /dev/null >"$case_dir/tty.out" 2>&1
		as_user env NO_COLOR=1 script -qec "$NFSCHECK diagnose" /dev/null >"$case_dir/tty-nocolor.out" 2>&1
		as_user "$NFSCHECK" diagnose >"$case_dir/pipe.out" 2>&1
	EOF
	grep -q $'\033\[' "$case_dir/tty.out"; ok $? "colour on a terminal"
	! grep -q $'\033\[' "$case_dir/tty-nocolor.out"; ok $? "no colour with NO_COLOR"
	! grep -q $'\033\[' "$case_dir/pipe.out"; ok $? "no colour into a pipe"
else
	skip "script is not installed"
fi

run "$NFSCHECK" diagnose --timeout abc
ok $(( rc != 64 )) "--timeout that is not a number exits 64"

done_testing
