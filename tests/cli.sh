#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The command line: the table of commands, help, version, usage errors and exit codes.
. "$TESTS_SRCDIR/lib.sh"

run "$NFSCHECK" --version
ok $(( rc != 0 )) "--version exits 0"
[[ $out == "nfscheck "[0-9]* ]]; ok $? "--version prints the version"

run "$NFSCHECK" --help
ok $(( rc != 0 )) "--help exits 0"
for c in diagnose fix config server help; do
	grep -q "^  $c " <<<"$out"; ok $? "--help lists $c"
done
grep -q '^  77 ' <<<"$out"; ok $? "--help documents exit status 77"

run "$NFSCHECK"
ok $(( rc != 64 )) "no command exits 64"

run "$NFSCHECK" frobnicate
ok $(( rc != 64 )) "unknown command exits 64"
[[ $err == "nfscheck: 'frobnicate' is not an nfscheck command"*"Try 'nfscheck --help' for more information." ]]
ok $? "unknown command: one line and the hint"

# A mistyped command gets the command it most likely meant; a word that is
# no command's typo gets none (above).
for typo in diagnos:diagnose diag:diagnose fiz:fix confg:config sever:server; do
	run "$NFSCHECK" "${typo%%:*}"
	[ "$rc" -eq 64 ] && [[ $err == "nfscheck: '${typo%%:*}' is not an nfscheck command; did you mean '${typo#*:}'?"* ]]
	ok $? "mistyped '${typo%%:*}': exit 64, did you mean '${typo#*:}'" || diag "$err"
done
! grep -q 'did you mean' <<<"$(run "$NFSCHECK" frobnicate; echo "$err")"; ok $? "no suggestion for a word that is nobody's typo"
run "$NFSCHECK" help confg
[[ $err == *"did you mean 'config'?"* ]]; ok $? "help with a mistyped command suggests it too"

run "$NFSCHECK" --frobnicate
ok $(( rc != 64 )) "unknown option exits 64"
[[ $err == *"unknown option '--frobnicate'"*"Try 'nfscheck --help'"* ]]; ok $? "unknown option: message and hint"
[ "$(wc -l <<<"$err")" -eq 2 ]; ok $? "unknown option: exactly two lines"

for c in diagnose fix config server; do
	run "$NFSCHECK" "$c" --frobnicate
	ok $(( rc != 64 )) "$c: unknown option exits 64"
	[[ $err == *"unknown option '--frobnicate'"*"Try 'nfscheck $c --help'"* ]]; ok $? "$c: unknown option names the hint"
	run "$NFSCHECK" help "$c"
	ok $(( rc != 0 )) "help $c exits 0"
	run2=$out
	run "$NFSCHECK" "$c" --help
	[ "$out" = "$run2" ] && [ -n "$out" ]; ok $? "'$c --help' and 'help $c' agree"
done

# A mistyped option gets the command's option it most likely meant; an
# option that is nobody's typo gets none (above).
for typo in diagnose:--jsn:--json fix:--dryrun:--dry-run server:--timout:--timeout \
	config:--usr:--user :--verison:--version; do
	words=${typo%%:*} typed=${typo#*:} typed=${typed%%:*} meant=${typo##*:}
	# shellcheck disable=SC2086  # the command, when there is one
	run "$NFSCHECK" $words "$typed"
	[ "$rc" -eq 64 ] && [[ $err == "nfscheck: unknown option '$typed'; did you mean '$meant'?"* ]]
	ok $? "mistyped option '${words:+$words }$typed': exit 64, did you mean '$meant'" || diag "$err"
done
run "$NFSCHECK" diagnose --frobnicate
[[ $err != *"did you mean"* ]]; ok $? "no suggestion for an option that is nobody's typo"

# server's own arguments.
for args in "" "a b" "host:0" "host:99999" "host:+22" "[::1" "host --timeout 0" "host --timeout x" "host --rpcbind-port -1"; do
	# shellcheck disable=SC2086  # split on purpose
	run "$NFSCHECK" server $args
	ok $(( rc != 64 )) "server ${args:-(no host)}: usage error, exit 64 (got $rc)"
done
[[ $err == *"Try 'nfscheck server --help'"* ]]; ok $? "server: a usage error names the hint"
run "$NFSCHECK" server "host: 22"
ok $(( rc != 64 )) "server 'host: 22': a port with a space is a usage error (got $rc)"

# fix's --timeout (its closing diagnose's) is read as diagnose's is.
run "$NFSCHECK" fix --graphroot /nonexistent/g --timeout 0
[ "$rc" = 64 ] && [[ $err == *"--timeout: '0' is not a number of seconds"* ]]
ok $? "fix --timeout 0: usage error naming --timeout (exit $rc)" || diag "$err"

run "$NFSCHECK" help nosuch
ok $(( rc != 64 )) "help for an unknown command exits 64"

# Started with SIGCHLD ignored (some daemons and CI runners do that), the
# guarded calls must still get their children's status: the same answer.
if command -v python3 >/dev/null; then
	ign() { python3 -c 'import os, signal, sys
signal.signal(signal.SIGCHLD, signal.SIG_IGN)
os.execv(sys.argv[1], sys.argv[1:])' "$@"; }
	want=$("$NFSCHECK" config --json 2>&1; echo "exit $?")
	got=$(ign "$NFSCHECK" config --json 2>&1; echo "exit $?")
	[ "$got" = "$want" ]; ok $? "with SIGCHLD ignored, config gives the same answer" || diag "$(diff <(echo "$want") <(echo "$got") | head -5)"
else
	skip "python3 is not installed"
fi

# A closed stdout must be an error, not a silent success.
"$NFSCHECK" --help >/dev/full 2>/dev/null
ok $(( $? != 2 )) "a write error on stdout exits 2"

# diagnose as root without --user: the user who ran sudo or pkexec, else a
# pointer to --user; never a rootless verdict about root.
if [ "$(id -u)" -eq 0 ]; then
	run env -u SUDO_USER -u PKEXEC_UID "$NFSCHECK" diagnose --timeout 5
	[ "$rc" -eq 64 ] && [[ $err == *"as root, name the user whose rootless Podman to check: nfscheck diagnose --user NAME"* ]] &&
		[ -z "$out" ]
	ok $? "diagnose as root with no SUDO_USER/PKEXEC_UID: exit 64, points at --user, no report (got $rc)" || diag "$out" "$err"
	run env -u PKEXEC_UID SUDO_USER=root "$NFSCHECK" diagnose --timeout 5
	ok $(( rc != 64 )) "diagnose with SUDO_USER=root is root without an invoking user (got $rc)"
	run env -u PKEXEC_UID SUDO_USER=nobody "$NFSCHECK" diagnose --timeout 5
	[[ $out == "nfscheck diagnose: nobody (uid 65534)"*"note: running as root for nobody, who ran it (SUDO_USER)"*"Verdict: "* ]]
	ok $? "diagnose under sudo checks SUDO_USER and says so" || diag "$out" "$err"
	# The verdict names every failed check (each once) and counts the warnings.
	fails=$(sed -nE 's/^  \[FAIL\] ([a-z.-]+) .*/\1/p' <<<"$out")
	nwarn=$(grep -c '^  \[warn\] ' <<<"$out")
	verdict=$(sed -n '/^Verdict: /,/^$/p' <<<"$out")
	missing=
	for id in $fails; do
		[ "$(grep -cE "(^Verdict: .*|^    )$id: " <<<"$verdict")" -eq 1 ] || missing="$missing $id"
	done
	[ -n "$fails" ] && [ -z "$missing" ]; ok $? "the verdict names each of the $(wc -w <<<"$fails") failed checks once" ||
		diag "missing:$missing" "$verdict"
	if [ "$nwarn" -gt 0 ]; then
		grep -qE "^    and $nwarn warnings? above: " <<<"$verdict"
	else
		! grep -q 'warning' <<<"$verdict"
	fi
	ok $? "the verdict counts the $nwarn warnings" || diag "$verdict"
	# Root needs no sudo (a minimal Debian has none); Podman's own state is
	# the user's to migrate.
	fixblock=$(sed -n '/^To fix it/,$p' <<<"$out")
	[ -n "$fixblock" ] && ! grep -qE '(^    |[|;&] *)sudo ' <<<"$fixblock" &&
		{ ! grep -q 'podman system migrate' <<<"$fixblock" || grep -qx '    runuser -u nobody -- podman system migrate' <<<"$fixblock"; }
	ok $? "run as root, the fix commands carry no sudo and migrate as the user" || diag "$fixblock"
	run env -u SUDO_USER PKEXEC_UID=65534 "$NFSCHECK" diagnose --json --timeout 5
	[ "$(jq -r '.notes[0]' <<<"$out" 2>/dev/null)" = "running as root for nobody, who ran it (PKEXEC_UID), with a clean login environment; --user NAME checks another user" ]
	ok $? "diagnose under pkexec checks PKEXEC_UID's user" || diag "$out" "$err"
	# A broken storage.conf is reported once, and the remedy points where
	# the file and line are (as nobody, in a home of its own).
	h=$(mktemp -d)
	chown 65534 "$h"
	printf '[storage]\ndriver = "overlay\n' >"$h/storage.conf"
	chmod 644 "$h/storage.conf"
	chmod 755 "$h"
	run setpriv --reuid=65534 --regid=65534 --clear-groups env -i PATH=/usr/bin:/bin HOME="$h" USER=nobody \
		CONTAINERS_STORAGE_CONF="$h/storage.conf" "$NFSCHECK" diagnose --timeout 5
	[ "$(grep -c 'unterminated string' <<<"$out")" -eq 2 ] &&
		grep -q "^  \[FAIL\] config .*refuses this configuration: $h/storage.conf:2: driver: unterminated string" <<<"$out" &&
		grep -q 'remedy: correct the file and line named above' <<<"$out"
	ok $? "a broken storage.conf: once in the report (and once in the verdict), the remedy points above" ||
		diag "$(sed -n '/^Configuration/,/^$/p' <<<"$out")" "$(grep '^Verdict' <<<"$out")"
	# That HOME is not nobody's passwd home: named, as after su or setpriv.
	grep -q "^note: HOME is $h, not nobody's home /nonexistent from the passwd file" <<<"$out"
	ok $? "a HOME that is not the user's home is named" || diag "$(grep '^note' <<<"$out")"
	run setpriv --reuid=65534 --regid=65534 --clear-groups env -i PATH=/usr/bin:/bin HOME=/nonexistent/ USER=nobody \
		"$NFSCHECK" diagnose --timeout 5
	! grep -q '^note: HOME is' <<<"$out"; ok $? "the user's own HOME (a trailing slash aside) is not"
	run setpriv --reuid=65534 --regid=65534 --clear-groups env -i PATH=/usr/bin:/bin HOME="$h" USER=nobody \
		CONTAINERS_STORAGE_CONF="$h/storage.conf" "$NFSCHECK" config
	[ "$rc" -eq 1 ] && [ "$(grep -c 'unterminated string' <<<"$out")" -eq 2 ] &&
		grep -q "^Podman will not start with this configuration: $h/storage.conf:2: driver: unterminated string" <<<"$out"
	ok $? "config: a broken storage.conf once under Problems (and once in the last line)" || diag "$out"
	rm -rf "$h"
	run env -u SUDO_USER -u PKEXEC_UID "$NFSCHECK" diagnose --user root --timeout 5
	[[ $out == *"Verdict: "*"rootful Podman (root's own storage)"* ]] && [[ $out != *"rootless Podman will"* ]] &&
		! grep -q '^Verdict: .*rootless' <<<"$out"
	ok $? "diagnose --user root: the verdict is about rootful Podman, not rootless" || diag "$out"
else
	skip "diagnose as root: not root"
fi

done_testing
