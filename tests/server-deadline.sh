#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# nfscheck server keeps its deadlines, on loopback only: against a port that
# accepts connections and never answers, against a port whose listen queue
# is full so that a connect hangs, and against a closed port. Each call has
# 3 s (NFS_CALL_MS) and --timeout bounds the whole run (default 10 s); the
# measured times are printed.
. "$TESTS_SRCDIR/lib.sh"

servers_setup
sink=$TESTS_SRCDIR/tcp-sink.py
# Slack over a deadline for process start and exit, on a loaded machine
# and under the sanitizers; a hang would overrun it by far more.
SLACK_MS=2000

# sink MODE: start tests/tcp-sink.py MODE; its port in $port.
sink() { start "$1" "$sink" "$1"; }

# timed ARGS...: nfscheck server ARGS; $out, $err, $rc, and $ms it took.
timed() {
	local s
	s=$(date +%s%N)
	run "$NFSCHECK" server "$@"
	ms=$(( ($(date +%s%N) - s) / 1000000 ))
}

# within NAME LIMIT_MS: the last run took at most LIMIT_MS plus the slack.
within() {
	[ "$ms" -le $(( $2 + SLACK_MS )) ]
	ok $? "$1: returned in $ms ms (deadline $2 ms)"
}

if sink mute; then
	mute=$port
	timed "127.0.0.1:$mute" --rpcbind-port "$mute"
	ok $(( rc != 1 )) "mute listener: exit 1 (got $rc)"
	within "mute listener, default --timeout 10" 10000
	# Two calls (NFS NULL, rpcbind dump), each ended by its own 3 s deadline.
	[ "$ms" -ge 5500 ] && [ "$ms" -le 8000 ]
	ok $? "mute listener: two calls of 3 s each, not the whole timeout ($ms ms)"
	grep -q "connected to 127.0.0.1 port $mute, but no answer to an RPC call within 3.0 s" <<<"$out"
	ok $? "mute listener: the message says it connected and got no answer" || diag "$out"
	grep -q "^Verdict: 127.0.0.1 is not responding" <<<"$out"
	ok $? "mute listener: the verdict is not responding"

	timed "127.0.0.1:$mute" --rpcbind-port "$mute" --timeout 2
	ok $(( rc != 1 )) "mute listener, --timeout 2: exit 1 (got $rc)"
	within "mute listener, --timeout 2" 2000

	timed --json "127.0.0.1:$mute" --rpcbind-port 0 --timeout 5
	within "mute listener, --json, no rpcbind, --timeout 5" 5000
	jq -e '(.responding | not) and (.steps[] | select(.id == "null") | .error == "RPC_TIMEDOUT") and
		.rpcbind_port == null and .verdict == "fail"' <<<"$out" >/dev/null
	ok $? "mute listener, --json: the NULL call timed out (RPC_TIMEDOUT)"
	printf '%s\n' "$out" >"$tmp/mute.json"
else
	skip "cannot start a listener on 127.0.0.1: $(cat "$tmp/mute.err")"
fi

if sink full; then
	full=$port
	timed "127.0.0.1:$full" --rpcbind-port "$full"
	ok $(( rc != 1 )) "full listen queue: exit 1 (got $rc)"
	within "full listen queue, default --timeout 10" 10000
	[ "$ms" -ge 5500 ] && [ "$ms" -le 8000 ]
	ok $? "full listen queue: two connects of 3 s each ($ms ms)"
	grep -q "no TCP connection to 127.0.0.1 port $full within 3.0 s" <<<"$out"
	ok $? "full listen queue: the message says the connect did not complete" || diag "$out"

	timed "127.0.0.1:$full" --rpcbind-port "$full" --timeout 1.5
	ok $(( rc != 1 )) "full listen queue, --timeout 1.5: exit 1 (got $rc)"
	within "full listen queue, --timeout 1.5" 1500

	timed --json "127.0.0.1:$full" --rpcbind-port "$full"
	jq -e '(.steps[] | select(.id == "connect") | .error == "ETIMEDOUT") and
		(.steps[] | select(.id == "rpcbind-connect") | .error == "ETIMEDOUT")' <<<"$out" >/dev/null
	ok $? "full listen queue, --json: both connects end in ETIMEDOUT"
	printf '%s\n' "$out" >"$tmp/full.json"
else
	skip "no listen queue that drops SYNs here: $(cat "$tmp/full.err")"
fi

# A closed port refuses at once.
closed=$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
timed "127.0.0.1:$closed" --rpcbind-port "$closed"
ok $(( rc != 1 )) "closed port: exit 1 (got $rc)"
within "closed port" 1000
grep -q "127.0.0.1 port $closed refuses connections" <<<"$out"
ok $? "closed port: the message says it refuses connections"
timed --json "127.0.0.1:$closed" --rpcbind-port "$closed"
printf '%s\n' "$out" >"$tmp/closed.json"

schema_ok nfscheck-server.schema.json "server --json" "$tmp"/*.json

done_testing
