#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Guest side of tests/diagnose-nfs.sh: runs inside user-mode Linux with the
# test user's home on a root-squashed NFS mount. Prints "T <0|1> message"
# per assertion and "D text" for diagnostics; the host turns them into TAP.
. "$GUEST_LIB"
N=$NFSCHECK
v=$NFS_VERS
t() { guest_ok "$1" "v$v: $2"; }
d() { guest_diag "$@"; }
check() { # CHECK-ID JQ-FILTER-ON-CHECK FILE
	jq -e --arg id "$1" ".checks[] | select(.id == \$id) | $2" "$3" >/dev/null
}

# 1. The home is on NFS: diagnose fails, names NFS and the probe's EPERM.
as_user "$N" diagnose --json --timeout 30 >/tmp/d1.json 2>/tmp/d1.err
rc=$?
t $((rc != 1)) "diagnose exits 1 with the graphroot on NFS (got $rc)"
check filesystem.graphroot '.status == "fail" and (.values.fstype | test("^nfs")) and .values.family == "network"' /tmp/d1.json
t $? "filesystem.graphroot fails and names $(jq -r '.checks[]|select(.id=="filesystem.graphroot")|.values.fstype' /tmp/d1.json)"
want_vers=$v; [ "$v" = 3 ] && want_vers=3
check filesystem.graphroot ".values.nfs.vers == \"$want_vers\" and .values.nfs.server == \"127.0.0.1\" and .values.nfs.hard" /tmp/d1.json
t $? "the NFS details (vers=$want_vers, server, hard) are reported"
check filesystem.graphroot '.values.statfs_magic == "0x6969"' /tmp/d1.json
t $? "statfs confirms NFS (0x6969)"
check probe '.status == "fail" and (.values.steps[] | select(.id == "chown-file") | .errno == "EPERM")' /tmp/d1.json
t $? "the probe fails with EPERM on chown to a subordinate ID"
check probe '.values.steps[] | select(.id == "dac-override") | .errno == "EACCES"' /tmp/d1.json
t $? "the probe's .pivot_root step fails with EACCES"
jq -e '.verdict == "fail" and (.fix | any(test("nfscheck fix --graphroot")))' /tmp/d1.json >/dev/null
t $? "the JSON verdict is fail and the fix moves the graphroot"
as_user "$N" diagnose --timeout 30 >/tmp/d1.txt 2>&1
grep -q 'NFS' /tmp/d1.txt && grep -q 'EPERM' /tmp/d1.txt
t $? "the text report names NFS and EPERM"
[ -z "$(find "$TEST_HOME" -name '.nfscheck-probe.*')" ]
t $? "nothing is left behind in the NFS home"
d "$(grep -E 'FAIL|Verdict' /tmp/d1.txt)"

# 2. Root for the user, on a root-squashed home.
touch "$TEST_HOME/root-was-here" 2>/dev/null
t $((! $?)) "root cannot create files in the user's home (root_squash is on)"
"$N" diagnose --user "$TEST_USER" --json --timeout 30 >/tmp/d2.json 2>/tmp/d2.err
rc=$?
t $((rc != 1)) "root with --user: exit 1 (got $rc)"
check probe '.values.steps[] | select(.id == "chown-file") | .errno == "EPERM"' /tmp/d2.json
t $? "root with --user: the probe ran as the user and got EPERM"

# 3. Podman agrees: importing a tarball whose files belong to UID 60 fails on NFS.
mkdir -p /tmp/img/etc && echo hello >/tmp/img/etc/owned-by-60 && mkdir -p /tmp/img/srv
tar --owner=60 --group=60 -C /tmp/img -cf /tmp/img.tar . && chmod 644 /tmp/img.tar
with_deadline 120 as_user podman import /tmp/img.tar nfscheck-test:nfs >/tmp/p1.out 2>&1
rc=$?
t $((rc == 0)) "podman import of a UID-60 tarball fails on the NFS graphroot (exit $rc)"
d "$(tail -2 /tmp/p1.out)"

# 4. The graphroot moved to a local directory: diagnose passes, podman works.
as_user mkdir -p "$TEST_HOME/.config/containers"
printf '[storage]\ndriver = "vfs"\ngraphroot = "/var/tmp/%s-store"\n' "$TEST_USER" |
	as_user tee "$TEST_HOME/.config/containers/storage.conf" >/dev/null
as_user "$N" diagnose --json --timeout 30 >/tmp/d4.json 2>/tmp/d4.err
rc=$?
t $((rc != 0)) "with the graphroot on local storage diagnose exits 0 (got $rc)"
[ "$rc" -ne 0 ] && d "$(jq -c '[.checks[] | select(.status == "fail") | {id, summary}]' /tmp/d4.json)"
check probe '.status == "ok"' /tmp/d4.json
t $? "the probe passes on the local graphroot"
with_deadline 120 as_user podman import /tmp/img.tar nfscheck-test:local >/tmp/p2.out 2>&1
rc=$?
t $rc "podman import of the same tarball succeeds on the local graphroot (exit $rc)"
[ "$rc" -ne 0 ] && d "$(tail -3 /tmp/p2.out)"
with_deadline 60 as_user podman unshare rm -rf "/var/tmp/$TEST_USER-store" >/dev/null 2>&1
as_user rm -f "$TEST_HOME/.config/containers/storage.conf"
with_deadline 20 as_user podman system migrate >/dev/null 2>&1
pkill -KILL -u "$TEST_USER" 2>/dev/null

# 5. The server stops: diagnose returns within --timeout (+ 2 s for a loaded machine), exit 1, "not responding".
stop_nfs_server
start=$(date +%s%N)
AS_USER_CWD=/ with_deadline 30 as_user "$N" diagnose --json --timeout 6 >/tmp/d5.json 2>/tmp/d5.err
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
t $((rc != 1)) "server stopped: exit 1 (got $rc)"
t $((ms > 8000)) "server stopped: returned in ${ms} ms, within --timeout 6 plus 2 s (a loaded machine starts the process late)"
jq -e '[.checks[] | select(.status == "fail") | .summary] | any(test("not responding"))' /tmp/d5.json >/dev/null
t $? "server stopped: a check says \"not responding\""
# Calls the deadline cut short are not known, never false causes.
jq -e '[.checks[] | select(.status == "fail") | .summary | select(test("not found in PATH|cannot create a user namespace"))] | length == 0' /tmp/d5.json >/dev/null
t $? "server stopped: no false cause from calls the deadline cut short (newuidmap not found, no user namespace)"
d "$(jq -r '.checks[] | select(.status == "fail") | "\(.id): \(.summary)"' /tmp/d5.json 2>/dev/null)"
start=$(date +%s%N)
AS_USER_CWD=/ with_deadline 30 as_user "$N" diagnose --timeout 4 >/tmp/d5.txt 2>&1
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
t $((rc != 1 || ms > 6000)) "server stopped, text report: exit $rc in ${ms} ms (--timeout 4, plus 2 s)"
grep -q 'not responding' /tmp/d5.txt
t $? "server stopped, text report: says \"not responding\""
exit 0
