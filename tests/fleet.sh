#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# nfscheck fleet over 2,000 synthetic users (tests/fleet-env.sh: a private
# mount namespace, bind-mounted passwd, group, subuid, subgid, login.defs,
# homes on a tmpfs) in a known mix: healthy, no subordinate IDs, too few
# IDs for the site policy, a graphroot on a noexec tmpfs, a storage.conf
# that is not TOML. Fleet's report must name exactly the failing users with
# their causes, its counts must add up, and for 50 users of every kind its
# verdict, causes and fix commands must be diagnose --user's own. The
# Prometheus file must say the same. UIDs 200000-201999.
. "$TESTS_SRCDIR/lib.sh"

[ "$(id -u)" -eq 0 ] || skip_all "needs root for a private mount namespace and synthetic users"
command -v jq >/dev/null || skip_all "jq is not installed"
command -v unshare >/dev/null || skip_all "util-linux unshare is missing"

N=2000
top=$(mktemp -d /var/tmp/nfscheck-fleet.XXXXXX)
chmod 755 "$top"
nfscheck_for_users /var/tmp || skip_all "cannot copy nfscheck for the test users"
cleanup() {
	local uids
	uids=$(seq -s, 200000 $((200000 + N - 1)))
	pkill -KILL -U "$uids" 2>/dev/null
	rm -rf "$top" "$NFSCHECK_COPY_DIR"
}
trap cleanup EXIT

printf '[subids]\nminimum = 65536\n' >"$top/policy.conf"
: >"$top/empty.conf"
cat >"$top/inside.sh" <<EOS
cd "$top"
t0=\$(date +%s.%N)
"$NFSCHECK" fleet --policy policy.conf --jobs 2 --timeout 900 --json --prometheus "$top/fleet.prom" >fleet.json 2>fleet.err
echo \$? >fleet.rc
echo "\$t0 \$(date +%s.%N)" >fleet.time
# --timeout bounds the whole run: 2 s cannot check 2,000 users.
t1=\$(date +%s.%N)
"$NFSCHECK" fleet --policy policy.conf --jobs 2 --timeout 2 --json >short.json 2>>fleet.err
echo \$? >short.rc
echo "\$t1 \$(date +%s.%N)" >short.time
# A worker killed mid-run: the user it was checking is not checked; the one
# queued behind it, and every other user, are.
"$NFSCHECK" fleet --policy policy.conf --jobs 2 --timeout 900 --json >killed.json 2>>fleet.err &
fp=\$!
w=
for i in \$(seq 500); do w=\$(pgrep -P \$fp | head -1); [ -n "\$w" ] && break; sleep 0.01; done
sleep 0.2
[ -n "\$w" ] && kill -KILL "\$w"
wait \$fp
echo \$? >killed.rc
# The sample: 50 users of every kind, each through diagnose --user.
for kind in ok nosubid fewids noexec badconf; do
	awk -v k=\$kind '\$2 == k { print \$1 }' env/kinds | head -50
done >sample
while read -r u; do
	"$NFSCHECK" diagnose --policy policy.conf --user "\$u" --json |
		jq -c --arg u "\$u" '{user: \$u, verdict, causes: [.checks[] | select(.status == "fail") | .id], fix}'
done <sample >diagnose.jsonl
# The fewids users without the policy: diagnose only warns, fleet agrees.
awk '\$2 == "fewids" { print \$1 }' env/kinds | head -20 >fewids
"$NFSCHECK" fleet --policy empty.conf --users fewids --json >nopolicy.json 2>>fleet.err
echo \$? >nopolicy.rc
# The terminal report over a few users of every kind.
awk 'NR % 97 == 1 { print \$1 }' env/kinds >few
"$NFSCHECK" fleet --policy policy.conf --users few >fleet.txt 2>>fleet.err
echo \$? >text.rc
EOS
t0=$(date +%s)
"$TESTS_SRCDIR/fleet-env.sh" "$top/env" "$N" bash "$top/inside.sh" >"$top/env.log" 2>&1
diag "fleet and $(wc -l <"$top/sample" 2>/dev/null) diagnose runs took $(($(date +%s) - t0)) s"
f=$top/fleet.json
diag "fleet over $N users: $(awk '{ printf "%.1f s", $2 - $1 }' "$top/fleet.time" 2>/dev/null)"

ok $([ "$(cat "$top/fleet.rc")" = 1 ]; echo $?) "fleet exits 1: some users fail (got $(cat "$top/fleet.rc"))" ||
	diag "$(tail -5 "$top/fleet.err" "$top/env.log")"
schema_ok nfscheck-fleet.schema.json "fleet --json" "$f" "$top/nopolicy.json"
ok $([ "$(jq .users_total "$f")" = "$N" ]; echo $?) "fleet checked all $N users"

# What fleet should say, from the kinds alone.
awk '$2 != "ok" { c = $2 == "noexec" ? "filesystem.graphroot" : $2 == "badconf" ? "config" : "subids"; print $1, c }' \
	"$top/env/kinds" | sort >"$top/want-failing"
jq -r '.users[] | select(.verdict == "fail") | .user' "$f" | sort >"$top/got-failing"
cut -d' ' -f1 "$top/want-failing" | diff - "$top/got-failing" >"$top/d1"
ok $? "fleet names exactly the $(wc -l <"$top/want-failing") failing users ($(wc -l <"$top/got-failing") named)" ||
	diag "$(head -20 "$top/d1")"
jq -r '.users[] | select(.verdict == "fail") | "\(.user) \(.causes | join(","))"' "$f" | sort >"$top/got-causes"
bad=$(join "$top/want-failing" "$top/got-causes" | awk '{ n = split($3, c, ","); f = 0; for (i = 1; i <= n; i++) if (c[i] == $2) f = 1; if (!f) print }')
ok $([ -z "$bad" ]; echo $?) "each failing user's causes hold its kind's cause (subids, filesystem.graphroot, config)" ||
	diag "$(echo "$bad" | head)"
healthy=$(jq '[.users[] | select(.verdict == "ok")] | length' "$f")
want_healthy=$(awk '$2 == "ok"' "$top/env/kinds" | wc -l)
ok $([ "$healthy" = "$want_healthy" ]; echo $?) "the $want_healthy healthy users are ok ($healthy)"
sums=$(jq '. as $r | [$r.users[] | select(.verdict == "fail" or .verdict == "not-responding") | .causes[]] |
	group_by(.) | map({(.[0]): length}) | add == $r.users_by_cause' "$f")
ok $([ "$sums" = true ]; echo $?) "users_by_cause adds up to the users' own causes"
vsum=$(jq '(.users_by_verdict | add) == .users_total and .users_by_verdict.fail == ([.users[] | select(.verdict == "fail")] | length)' "$f")
ok $([ "$vsum" = true ]; echo $?) "users_by_verdict adds up to users_total"

# fleet against diagnose --user, user by user.
n_sample=$(wc -l <"$top/diagnose.jsonl")
ok $([ "$n_sample" -ge 250 ]; echo $?) "diagnose ran for 50 users of each of the 5 kinds ($n_sample)"
jq -c '.users[] | {user, verdict, causes, fix}' "$f" | sort >"$top/fleet-all.jsonl"
sort "$top/diagnose.jsonl" >"$top/diag-sorted.jsonl"
mism=$(join <(jq -r '"\(.user)\t\(.)"' "$top/diag-sorted.jsonl" | sort) \
	<(jq -r '"\(.user)\t\(.)"' "$top/fleet-all.jsonl" | sort) -t "$(printf '\t')" |
	awk -F'\t' '$2 != $3')
ok $([ -z "$mism" ] && [ "$n_sample" -gt 0 ]; echo $?) "fleet's verdict, causes and fix equal diagnose --user's for every sampled user" ||
	diag "$(echo "$mism" | head -5)"
for kind in nosubid fewids noexec badconf; do
	n=$(awk -v k=$kind '$2 == k' "$top/env/kinds" | head -50 | cut -d' ' -f1 | grep -Fxf - <(jq -r 'select(.verdict == "fail") | .user' "$top/diagnose.jsonl") | wc -l)
	ok $([ "$n" -eq 50 ]; echo $?) "diagnose --user too says all 50 $kind users fail ($n)"
done

# The deadline: within --timeout plus a second, exit 2, the rest not checked.
el=$(awk '{ printf "%.2f", $2 - $1 }' "$top/short.time")
ok $(awk -v e="$el" 'BEGIN { exit !(e < 3.0) }'; echo $?) "fleet --timeout 2 over $N users ends within 3 s ($el s)"
sj=$top/short.json
ok $([ "$(cat "$top/short.rc")" = 2 ] && [ "$(jq .users_total "$sj")" = "$N" ] &&
	[ "$(jq '.users_by_verdict["not-checked"]' "$sj")" -gt 0 ]; echo $?) \
	"it exits 2 and reports $(jq '.users_by_verdict["not-checked"]' "$sj") users as not checked (exit $(cat "$top/short.rc"))"
bad=$(join <(jq -r '.users[] | select(.verdict != "not-checked") | "\(.user) \(.verdict)"' "$sj" | sort) \
	<(jq -r '.users[] | "\(.user) \(.verdict)"' "$f" | sort) | awk '$2 != $3')
ok $([ -z "$bad" ]; echo $?) "the users it did check have the full run's verdicts" || diag "$(echo "$bad" | head -5)"

# The killed worker.
kj=$top/killed.json
ok $([ "$(cat "$top/killed.rc")" = 2 ] && [ "$(jq .users_total "$kj")" = "$N" ] &&
	[ "$(jq '.users_by_verdict["not-checked"]' "$kj")" = 1 ]; echo $?) \
	"a worker killed mid-run costs the one user it was checking (not checked: $(jq '.users_by_verdict["not-checked"]' "$kj"), exit $(cat "$top/killed.rc"))"
ok $(jq -e '[.users[] | select(.verdict == "not-checked") | .summary] == ["not checked: its worker process died while checking it"]' \
	"$kj" >/dev/null; echo $?) "and that user's summary says so"
bad=$(join <(jq -r '.users[] | select(.verdict != "not-checked") | "\(.user) \(.verdict)"' "$kj" | sort) \
	<(jq -r '.users[] | "\(.user) \(.verdict)"' "$f" | sort) | awk '$2 != $3')
ok $([ -z "$bad" ]; echo $?) "the others have the full run's verdicts" || diag "$(echo "$bad" | head -5)"

# The policy's [subids] minimum is what makes the fewids users fail.
ok $([ "$(cat "$top/nopolicy.rc")" = 0 ] && [ "$(jq .users_by_verdict.ok "$top/nopolicy.json")" = 20 ]; echo $?) \
	"without the policy the 20 users with 1000 IDs are ok (exit $(cat "$top/nopolicy.rc"))"
fix=$(jq -r '[.users[] | select(.user == "fleetu00004") | .fix[]] | join(" ; ")' "$f")
ok $(echo "$fix" | grep -q -- "--add-subuids .*fleetu00004"; echo $?) "a fewids user's fix adds the policy's range: $fix"

# The Prometheus file says the same as the JSON.
p=$top/fleet.prom
ok $([ "$(grep -c '^nfscheck_user_failing{' "$p")" = "$(jq '[.users[] | select(.verdict == "fail") | .causes[]] | length' "$f")" ]; echo $?) \
	"nfscheck_user_failing has one series per failing user and cause"
ok $(grep -qx "nfscheck_users{verdict=\"fail\"} $(jq .users_by_verdict.fail "$f")" "$p"; echo $?) "nfscheck_users{verdict=\"fail\"} is the JSON's count"
ok $([ "$(grep -c '^# TYPE nfscheck_' "$p")" = 5 ] && [ "$(grep -c '^# HELP nfscheck_' "$p")" = 5 ]; echo $?) "five metrics, each with HELP and TYPE"
ok $([ -z "$(find "$top" -maxdepth 1 -name '.fleet.prom.*')" ]; echo $?) "no temporary file left beside it"

# The terminal report.
t=$top/fleet.txt
want=$(awk 'NR % 97 == 1 && $2 != "ok" { print $1 }' "$top/env/kinds" | sort)
got=$(awk '/^  fleetu/ { print $1 }' "$t" | sort)
ok $([ "$want" = "$got" ] && [ "$(cat "$top/text.rc")" = 1 ]; echo $?) "the terminal table lists exactly the failing users of the subset" ||
	diag "$(head -30 "$t")"
ok $(grep -q '^Users by verdict' "$t" && grep -q '^Failing users by cause' "$t" && grep -q 'fix: ' "$t"; echo $?) \
	"it has the summary per verdict and per cause, and fix commands"
done_testing
