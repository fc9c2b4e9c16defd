#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# fleet's Prometheus file through the real monitoring stack, on loopback:
# Debian's prometheus-node-exporter reads it with its textfile collector,
# Debian's prometheus scrapes the exporter (random free ports, a temporary
# configuration and TSDB), and PromQL over the HTTP API must return the
# number of failing users fleet wrote -- one of them named with a double
# quote and a backslash, which must come back intact. promtool checks the
# file and the example alerting rules (data/nfscheck-alerts.yml), which
# prometheus also loads. UIDs 202000-202040.
. "$TESTS_SRCDIR/lib.sh"

[ "$(id -u)" -eq 0 ] || skip_all "needs root for a private mount namespace and synthetic users"
for t in prometheus prometheus-node-exporter promtool jq python3 unshare; do
	command -v $t >/dev/null || skip_all "$t is not installed"
done

N=40
top=$(mktemp -d /var/tmp/nfscheck-fleetmon.XXXXXX)
chmod 755 "$top"
pids=()
cleanup() {
	kill "${pids[@]}" 2>/dev/null
	wait 2>/dev/null
	pkill -KILL -U "$(seq -s, 202000 $((202000 + N)))" 2>/dev/null
	rm -rf "$top"
}
trap cleanup EXIT
mkdir -p "$top/textfile" "$top/tsdb"

FLEET_ENV_ODD=1 FLEET_ENV_UID0=202000 "$TESTS_SRCDIR/fleet-env.sh" "$top/env" "$N" \
	"$NFSCHECK" fleet --jobs 2 --timeout 300 --json --prometheus "$top/textfile/nfscheck.prom" >"$top/fleet.json" 2>"$top/fleet.err"
rc=$?
prom=$top/textfile/nfscheck.prom
failing=$(jq '[.users[] | select(.verdict == "fail")] | length' "$top/fleet.json")
ok $([ "$rc" = 1 ] && [ -s "$prom" ] && [ "$failing" -gt 0 ]; echo $?) "fleet wrote $prom with $failing failing users (exit $rc)" ||
	diag "$(tail -5 "$top/fleet.err")"
ok $(grep -q 'user="odd\\"na\\\\me"' "$prom"; echo $?) 'the odd name is escaped in the label: odd\"na\\me'
res=$(promtool check metrics <"$prom" 2>&1)
ok $? "promtool check metrics accepts the file" || diag "$res"
res=$(promtool check rules "$TESTS_SRCDIR/../data/nfscheck-alerts.yml" 2>&1)
ok $? "promtool check rules accepts data/nfscheck-alerts.yml" || diag "$res"

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
pe=$(free_port)
prometheus-node-exporter --web.listen-address="127.0.0.1:$pe" --collector.disable-defaults \
	--collector.textfile --collector.textfile.directory="$top/textfile" >"$top/ne.log" 2>&1 &
pids+=($!)
pp=$(free_port)
cat >"$top/prometheus.yml" <<EOS
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $TESTS_SRCDIR/../data/nfscheck-alerts.yml
scrape_configs:
  - job_name: node
    static_configs:
      - targets: ['127.0.0.1:$pe']
EOS
prometheus --config.file="$top/prometheus.yml" --storage.tsdb.path="$top/tsdb" \
	--web.listen-address="127.0.0.1:$pp" >"$top/prom.log" 2>&1 &
pids+=($!)

# query PROMQL: the first sample's value, or nothing.
query() {
	python3 - "$pp" "$1" <<'EOP'
import json, sys, urllib.parse, urllib.request
url = "http://127.0.0.1:%s/api/v1/query?query=%s" % (sys.argv[1], urllib.parse.quote(sys.argv[2]))
try:
    r = json.load(urllib.request.urlopen(url, timeout=5))
except Exception:
    sys.exit(0)
res = r.get("data", {}).get("result", [])
if r.get("status") == "success" and res:
    print(res[0]["value"][1])
EOP
}
got=
for _ in $(seq 60); do
	got=$(query 'count(count by (user) (nfscheck_user_failing))')
	[ -n "$got" ] && break
	sleep 1
done
ok $([ "$got" = "$failing" ]; echo $?) "PromQL over prometheus' HTTP API counts $failing failing users (got '${got}')" ||
	diag "$(tail -5 "$top/prom.log" "$top/ne.log")"
v=$(query 'nfscheck_users{verdict="fail"}')
ok $([ "$v" = "$failing" ]; echo $?) "nfscheck_users{verdict=\"fail\"} scraped as $failing (got '$v')"
v=$(query 'nfscheck_user_failing{user="odd\"na\\me", cause="subids"}')
ok $([ "$v" = 1 ]; echo $?) "the odd user's series came through the exporter and the scrape with its name intact"
health=$(python3 - "$pp" <<'EOP'
import json, sys, urllib.request
r = json.load(urllib.request.urlopen("http://127.0.0.1:%s/api/v1/rules" % sys.argv[1], timeout=5))
rules = [x for g in r["data"]["groups"] for x in g["rules"]]
print(len(rules), all(x.get("health") in ("ok", "unknown") for x in rules))
EOP
)
ok $([ "$health" = "4 True" ]; echo $?) "prometheus loaded the 4 example alerting rules ($health)"
done_testing
