#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Guest side of tests/diagnose-nfs.sh: user namespaces switched off by
# sysctl in the guest's own kernel, with a local home.
. "$GUEST_LIB"
N=$NFSCHECK
t() { echo "T $(( $1 != 0 )) userns off: $2"; }
d() { printf '%s\n' "$@" | sed 's/^/D /'; }

sysctl -qw user.max_user_namespaces=0
as_user "$N" diagnose --json --timeout 30 >/tmp/u.json 2>/tmp/u.err
rc=$?
t $((rc != 1)) "diagnose exits 1 (got $rc)"
jq -e '.checks[] | select(.id == "userns") | .status == "fail" and .values.max_user_namespaces == 0' /tmp/u.json >/dev/null
t $? "the userns check fails and reports max_user_namespaces = 0"
jq -e '.fix | any(test("sysctl -w user.max_user_namespaces="))' /tmp/u.json >/dev/null
t $? "the fix block sets the sysctl"
jq -e '[.checks[] | select(.id | startswith("filesystem.")) | select(.status == "fail")] | length == 0' /tmp/u.json >/dev/null
t $? "no filesystem check fails"
jq -e '.checks[] | select(.id == "probe") | .status != "fail"' /tmp/u.json >/dev/null
t $? "the probe does not blame the filesystem"
d "$(jq -r '.checks[] | select(.status != "ok") | "\(.id) \(.status): \(.summary)"' /tmp/u.json)"
sysctl -qw user.max_user_namespaces=1000
as_user "$N" diagnose --json --timeout 30 >/tmp/u2.json 2>&1
jq -e '.checks[] | select(.id == "userns") | .status == "ok"' /tmp/u2.json >/dev/null
t $? "with the sysctl back, the userns check passes"
exit 0
