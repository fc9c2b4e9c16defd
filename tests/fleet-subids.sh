#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The subordinate ranges fleet and diagnose propose when several users lack
# them: 200 synthetic users (tests/fleet-env.sh, UIDs 210000-210199) of whom
# 20 have no range and 20 have fewer IDs than the site policy's minimum,
# and one more user outside login.defs' range given by --users. Every
# proposed range (the fix commands' usermod --add-subuids/--add-subgids)
# must be distinct from every other user's proposal, from every range
# already in /etc/subuid and /etc/subgid, and from every UID and GID of a
# real account; and diagnose --user must propose what fleet proposes, so
# that running them one user at a time gives the same result. Before the
# plan every user without IDs was told to take the same first free range.
. "$TESTS_SRCDIR/lib.sh"

[ "$(id -u)" -eq 0 ] || skip_all "needs root for a private mount namespace and synthetic users"
command -v jq >/dev/null || skip_all "jq is not installed"
command -v unshare >/dev/null || skip_all "util-linux unshare is missing"

N=200 UID0=210000
top=$(mktemp -d /var/tmp/nfscheck-fleet-subids.XXXXXX)
chmod 755 "$top"
nfscheck_for_users /var/tmp || skip_all "cannot copy nfscheck for the test users"
cleanup() {
	pkill -KILL -U "$(seq -s, $UID0 $((UID0 + N)))" 2>/dev/null
	rm -rf "${top:?}" "${NFSCHECK_COPY_DIR:?}"
}
trap cleanup EXIT

printf '[subids]\nminimum = 65536\n' >"$top/policy.conf"
# A range already given low down, where the first proposal would otherwise go.
cat >"$top/inside.sh" <<EOS
cd "$top"
echo "early:100000:65536" >>/etc/subuid
echo "early:100000:65536" >>/etc/subgid
# One more account beyond UID_MAX, with no range: only --users names it.
echo "outside:x:$((UID0 + N)):$((UID0 + N))::$top/env/homes/outside:/bin/sh" >>/etc/passwd
mkdir -p env/homes/outside && chown $((UID0 + N)):$((UID0 + N)) env/homes/outside
{ awk '{ print \$1 }' env/kinds; echo outside; } >users
"$NFSCHECK" fleet --policy policy.conf --users users --jobs 2 --timeout 600 --json >fleet.json 2>fleet.err
echo \$? >fleet.rc
jq -r '.users[] | select(.fix | map(test("--add-subuids")) | any) | .user' fleet.json >proposed
while read -r u; do
	"$NFSCHECK" diagnose --policy policy.conf --user "\$u" --json | jq -c --arg u "\$u" '{user: \$u, fix}'
done <proposed >diagnose.jsonl
cp /etc/subuid /etc/subgid /etc/passwd /etc/group .
EOS
FLEET_ENV_UID0=$UID0 "$TESTS_SRCDIR/fleet-env.sh" "$top/env" "$N" bash "$top/inside.sh" >"$top/env.log" 2>&1

f=$top/fleet.json
ok $([ "$(cat "$top/fleet.rc")" = 1 ]; echo $?) "fleet ran and exits 1 (got $(cat "$top/fleet.rc"))" ||
	diag "$(tail -5 "$top/fleet.err" "$top/env.log")"
# Every fix command that adds IDs, as "user first last" for UIDs and GIDs.
jq -r '.users[] | .user as $u | .fix[] | select(test("--add-subuids")) |
	capture("--add-subuids (?<a>[0-9]+)-(?<b>[0-9]+) --add-subgids (?<c>[0-9]+)-(?<d>[0-9]+)") |
	"\($u) \(.a) \(.b) \(.c) \(.d)"' "$f" >"$top/ranges"
want=$(awk '$2 == "nosubid" || $2 == "fewids"' "$top/env/kinds" | wc -l)
want=$((want + 1))
got=$(wc -l <"$top/ranges")
ok $([ "$got" = "$want" ] && [ "$want" -ge 41 ]; echo $?) \
	"a range is proposed to each of the $want users short of IDs, the one outside login.defs too ($got)"
ok $(awk '$2 != $4 || $3 != $5 { bad = 1 } END { exit bad }' "$top/ranges"; echo $?) \
	"each proposal gives the same range of UIDs and GIDs"
# Pairwise: sorted by start, each must begin after the one before ends.
clash=$(sort -k2,2n "$top/ranges" | awk 'NR > 1 && $2 <= last { print prev " and " $1 } { if ($3 > last) last = $3; prev = $1 }')
ok $([ -z "$clash" ] && [ "$got" -gt 1 ]; echo $?) "no two users are proposed overlapping ranges" ||
	diag "overlapping: $(echo "$clash" | head -5)" "$(sort -k2,2n "$top/ranges" | head -5)"
clash=$(awk -F: 'FNR == 1 { file++ } file <= 2 { s[n] = $2; e[n] = $2 + $3 - 1; o[n++] = $1; next }
	{ split($0, r, " "); for (i = 0; i < n; i++) if (r[2] <= e[i] && s[i] <= r[3]) print r[1] " meets " o[i] "'"'"'s " s[i] }' \
	"$top/subuid" "$top/subgid" "$top/ranges")
ok $([ -z "$clash" ]; echo $?) "no proposal meets a range already in subuid or subgid" || diag "$(echo "$clash" | head -5)"
clash=$(awk -F: 'FNR == 1 { file++ } file == 1 { id[$3] = $1; id[$4] = $1; next }
	{ split($0, r, " "); for (x in id) if (x + 0 >= r[2] && x + 0 <= r[3]) print r[1] " holds the ID " x " of " id[x] }' \
	"$top/passwd" "$top/ranges")
ok $([ -z "$clash" ]; echo $?) "no proposal holds the UID or GID of an account (its own or another's)" ||
	diag "$(echo "$clash" | head -5)"
mism=$(join <(jq -r '"\(.user)\t\(.fix)"' "$top/diagnose.jsonl" | sort) \
	<(jq -r '.users[] | "\(.user)\t\(.fix)"' "$f" | sort) -t "$(printf '\t')" | awk -F'\t' '$2 != $3')
ok $([ -z "$mism" ] && [ "$(wc -l <"$top/diagnose.jsonl")" = "$got" ]; echo $?) \
	"diagnose --user proposes the same ranges as fleet, user by user ($(wc -l <"$top/diagnose.jsonl") compared)" ||
	diag "$(echo "$mism" | head -3)"
done_testing
