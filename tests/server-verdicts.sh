#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# nfscheck server's verdicts and exit codes against servers on loopback that
# answer exactly as configured (tests/rpc-fake.py): NFSv3 only with lock
# services that are registered but silent, or an rpcbind that never answers
# (exit 1); the same with everything answering (exit 0); NFSv4 too, where a
# missing lock service only warns; a run whose deadline leaves rpcbind
# unasked (exit 2, "not known", never blamed); a list cut short; IPv6 with
# rpcbind 4 and with portmap 2; a name with several addresses; and, as
# root, the questions asked as nobody.
. "$TESTS_SRCDIR/lib.sh"

servers_setup
command -v jq >/dev/null || skip_all "jq is not installed"

# fake NAME CONFIG: tests/rpc-fake.py with CONFIG, rpcbind on the same port.
fake() { start "$1" "$TESTS_SRCDIR/rpc-fake.py" "$2"; }

# ask NAME [HOST] ARGS...: nfscheck server --json against $port; $rc, $doc.
ask() {
	local name=$1 host=${2:-127.0.0.1}
	shift $(( $# < 2 ? $# : 2 ))
	"$NFSCHECK" server --json "$host:$port" --rpcbind-port "$port" "$@" >"$tmp/$name.json" 2>"$tmp/$name.stderr"
	rc=$?
	doc=$tmp/$name.json
}

finding() { jq -r --arg id "$1" '.findings[] | select(.id == $id) | .status' "$doc"; }

nfs3='"100003": {"low": 3, "high": 3}'
locks='"100021": {"low": 1, "high": 4}, "100024": {"low": 1, "high": 1}'
regs='[100003, 3, "tcp", 0], [100005, 3, "tcp", 0]'

start mute "$TESTS_SRCDIR/tcp-sink.py" mute || skip_all "cannot listen on 127.0.0.1: $(cat "$tmp/mute.err")"
mute=$port

# --- NFSv3 only, lock services registered on a port that never answers ---
fake v3-silent-locks "{\"programs\": {$nfs3}, \"rpcbind\": [$regs, [100021, 4, \"tcp\", $mute], [100024, 1, \"tcp\", $mute]]}"
ask v3-silent-locks "" --timeout 15
ok $(( rc != 1 )) "NFSv3 only, lock services silent: exit 1 (got $rc)"
jq -e '.verdict == "fail" and .exit_status == 1 and (.summary | test("NFSv3 locks will fail"))' "$doc" >/dev/null
ok $? "and the JSON verdict says locks will fail" || diag "$(jq -c '{verdict, summary}' "$doc")"
[ "$(finding nlockmgr)" = fail ] && [ "$(finding status)" = fail ]; ok $? "and the nlockmgr and status findings fail"

# --- NFSv3 only, rpcbind takes the call and never answers ---
fake v3-rpcbind-silent "{\"programs\": {$nfs3}, \"rpcbind\": [$regs], \"rpcbind_silent\": true}"
ask v3-rpcbind-silent
ok $(( rc != 1 )) "NFSv3 only, rpcbind silent: exit 1 (got $rc)"
[ "$(finding rpcbind)" = fail ] && jq -e '.verdict == "fail"' "$doc" >/dev/null
ok $? "and the rpcbind finding and the verdict fail"

# --- NFSv3 only, everything answers ---
fake v3-good "{\"programs\": {$nfs3, $locks}, \"rpcbind\": [$regs, [100021, 4, \"tcp\", 0], [100024, 1, \"tcp\", 0]]}"
ask v3-good
ok $(( rc != 0 )) "NFSv3 only, lock services answer: exit 0 (got $rc)"
jq -e '.verdict == "ok" and .services.nlockmgr.answers and .services.status.answers' "$doc" >/dev/null
ok $? "and both lock services are reported answering"

# --- NFSv3 and NFSv4, no lock services: a warning, clients can use NFSv4 ---
fake v34-nolocks '{"programs": {"100003": {"low": 3, "high": 4}}, "rpcbind": [[100003, 3, "tcp", 0]]}'
ask v34-nolocks
ok $(( rc != 0 )) "NFSv3 and NFSv4, no lock services: exit 0 (got $rc)"
[ "$(finding nlockmgr)" = warn ]; ok $? "and the missing lock manager warns"

# --- the deadline leaves rpcbind unasked: not known, exit 2, nothing blamed ---
fake v4-silent "{\"programs\": {\"100003\": {\"low\": 3, \"high\": 4, \"silent\": [4]}}, \"rpcbind\": [$regs]}"
ask v4-silent "" --timeout 2
ok $(( rc != 2 )) "NFSv4 ping eats the time, rpcbind never asked: exit 2 (got $rc)"
jq -e '.verdict == "incomplete" and (.summary | test("time ran out"))
	and (.steps[] | select(.id == "rpcbind-connect") | .asked == false and .settled == false)
	and ([.findings[] | select(.status == "fail")] | length == 0)' "$doc" >/dev/null
ok $? "and it says the time ran out, marks rpcbind not asked, and fails nothing" ||
	diag "$(jq -c '{verdict, summary, findings}' "$doc")"

# --- it names its versions, then the deadline cuts the first ping short ---
fake pings-cut '{"programs": {"100003": {"low": 3, "high": 4, "silent": [3, 4]}}}'
ask pings-cut "" --rpcbind-port 0 --timeout 1
ok $(( rc != 2 )) "versions named, ping cut short by --timeout 1: exit 2, not 'not responding' (got $rc)" ||
	diag "$(jq -r .summary "$doc")"

# --- a list cut short: reported, no crash, for rpcbind 4 and portmap 2 ---
for v in 4 2; do
	fake "cut$v" "{\"programs\": {$nfs3}, \"rpcbind_versions\": [$v], \"rpcbind_truncate\": 30, \"rpcbind\": [$regs, [100021, 4, \"tcp\", 0], [100024, 1, \"tcp\", 0]]}"
	ask "cut$v"
	[ "$rc" -eq 1 ] && jq -e '.rpcbind.answers == false and (.steps[] | select(.id == "rpcbind-dump") | .error == "RPC_CANTDECODERES")' "$doc" >/dev/null
	ok $? "a cut-short list from rpcbind $v: cannot decode, exit 1 (got $rc)" || diag "$(jq -c '.steps' "$doc")"
done

# --- IPv6: rpcbind 4 lists tcp6; portmap 2 knows no families ---
if "$py" -c 'import socket; s = socket.socket(socket.AF_INET6); s.bind(("::1", 0))' 2>/dev/null; then
	fake v6 "{\"family\": \"6\", \"programs\": {$nfs3, $locks}, \"rpcbind\": [[100003, 3, \"tcp6\", 0], [100021, 4, \"tcp6\", 0], [100024, 1, \"tcp6\", 0]]}"
	ask v6 "[::1]"
	ok $(( rc != 0 )) "IPv6, rpcbind 4: exit 0 (got $rc)"
	jq -e --argjson p "$port" '.services.nlockmgr.answers and .services.status.answers and .address == "::1"' "$doc" >/dev/null &&
		grep -q "tcp port $port" <<<"$(jq -r '.findings[] | select(.id == "nlockmgr") | .text' "$doc")"
	ok $? "IPv6, rpcbind 4: the tcp6 lock services are called, and their port shown"
	fake v6-pmap2 "{\"family\": \"6\", \"rpcbind_versions\": [2], \"programs\": {$nfs3, $locks}, \"rpcbind\": [[100003, 3, \"tcp\", 0], [100021, 4, \"tcp\", 0], [100024, 1, \"tcp\", 0]]}"
	ask v6-pmap2 "[::1]"
	jq -e '.rpcbind.protocol == 2 and .services.nlockmgr.answers and .services.status.answers' "$doc" >/dev/null
	ok $? "IPv6, portmap 2: the lock services are still called (exit $rc)" || diag "$(jq -c '.services' "$doc")"
else
	skip "no IPv6 loopback here"
	skip "no IPv6 loopback here"
	skip "no IPv6 loopback here"
fi

# --- a name with several addresses: the one that takes the connection wins ---
# As root, in a private mount namespace whose /etc/hosts gives the name
# ::1 first and 127.0.0.1 second, with the server on 127.0.0.1 only.
fake v3-named "{\"programs\": {$nfs3, $locks}, \"rpcbind\": [$regs, [100021, 4, \"tcp\", 0], [100024, 1, \"tcp\", 0]]}"
if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null; then
	printf '127.0.0.1 localhost\n::1 nfscheck-two\n127.0.0.1 nfscheck-two\n' >"$tmp/hosts"
	unshare --mount --propagation private sh -c "mount --bind '$tmp/hosts' /etc/hosts &&
		getent ahosts nfscheck-two | awk '\$2 == \"STREAM\" {print \$1}' | paste -sd' ' >'$tmp/addrs' &&
		'$NFSCHECK' server --json nfscheck-two:$port --rpcbind-port $port >'$tmp/v3-named.json'"
	rc=$?
	doc=$tmp/v3-named.json
	name="nfscheck-two ($(cat "$tmp/addrs"))"
else
	ask v3-named localhost
	name="localhost ($(getent ahosts localhost | awk '$2 == "STREAM" {print $1}' | paste -sd' '))"
fi
ok $(( rc != 0 )) "$name, server on 127.0.0.1 only: exit 0 (got $rc)"
jq -e '.address == "127.0.0.1"' "$doc" >/dev/null; ok $? "and the address that answered is reported"

# --- as root, the questions are asked as nobody ---
if [ "$(id -u)" -eq 0 ] && nobody=$(id -u nobody 2>/dev/null); then
	log=$tmp/uids
	: >"$log"
	chmod 666 "$log"
	fake v3-uid "{\"programs\": {$nfs3}, \"rpcbind\": [$regs], \"uid_log\": \"$log\"}"
	ask v3-uid
	[ -s "$log" ] && [ "$(sort -u "$log")" = "$nobody" ]
	ok $? "as root, every connection comes from nobody ($(sort -u "$log" | paste -sd' '))"
else
	skip "not root, or no user nobody"
fi

schema_ok nfscheck-server.schema.json "server --json" "$tmp"/*.json

done_testing
