#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Guest side of tests/server-nfs.sh for a mount with the options that warn:
# soft and nolock (NFS_MOUNT_OPTS). Prints "T 0|1 text" and "D text".
. "$GUEST_LIB"
N=$NFSCHECK
t() { guest_ok "$1" "$NFS_MOUNT_OPTS: $2"; }
check() { # CHECK-ID JQ-FILTER-ON-CHECK FILE
	jq -e --arg id "$1" "[.checks[] | select(.id == \$id)] | length > 0 and all($2)" "$3" >/dev/null
}
use_local_podman_storage >/dev/null
as_user "$N" diagnose --json --timeout 30 >/tmp/o.json 2>/tmp/o.err
rc=$?
t $rc "diagnose exits 0: the options only warn (got $rc)"
guest_diag "$(jq -r '.checks[] | select(.id | startswith("nfs.")) | "\(.id) \(.status): \(.summary)", (.detail // "" | split("\n")[] | "    \(.)")' /tmp/o.json)"
check nfs.options '.status == "warn" and (.values.nfs.hard | not) and .values.nfs.nolock and .values.locks == "local"' /tmp/o.json
t $? "nfs.options warns, soft and nolock, locks local"
check nfs.options '(.detail | test("soft: [^\n]*EIO")) and (.detail | test("nolock: fcntl locks are local to this machine"))' /tmp/o.json
t $? "nfs.options says what soft and nolock mean"
check nfs.locks '.status == "ok" and .values.outcome == "works" and .values.locks == "local" and (.summary | test("locally only \\(nolock\\)"))' /tmp/o.json
t $? "nfs.locks: the lock works, locally only"
check nfs.server '.status == "ok"' /tmp/o.json
t $? "nfs.server: a nolock mount needs no lock services"
exit 0
