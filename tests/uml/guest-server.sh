#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Guest side of tests/server-nfs.sh: nfscheck server and diagnose's NFS
# checks against a real kernel NFS server (127.0.0.1) with rpcbind, statd
# and nfsd. Prints "T 0|1 text" per assertion and "D text" (guest-lib.sh).
. "$GUEST_LIB"
N=$NFSCHECK
v=$NFS_VERS
schemas=$UML_DIR/../../data
validate=$UML_DIR/../validate-json.py
t() { guest_ok "$1" "v$v: $2"; }
d() { guest_diag "$@"; }
check() { # CHECK-ID JQ-FILTER-ON-CHECK FILE
	jq -e --arg id "$1" "[.checks[] | select(.id == \$id)] | length > 0 and all($2)" "$3" >/dev/null
}
nfs_checks() { # FILE: the NFS checks, one line each, as diagnostics
	d "$(jq -r '.checks[] | select(.id | startswith("nfs.")) | "\(.id) \(.status): \(.summary)"' "$1")"
}
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
valid() { # SCHEMA FILE...
	if /usr/bin/python3 -c 'import jsonschema' 2>/dev/null; then
		/usr/bin/python3 "$validate" "$schemas/$1" "${@:2}"
	fi
}
use_local_podman_storage >/dev/null

# 1. NFSv3 with rpc.statd stopped, before anything has locked a file on the
#    mount (the kernel remembers a host it has monitored once).
if [ "$v" = 3 ]; then
	stop_statd
	as_user "$N" diagnose --json --timeout 30 >/tmp/s1.json 2>/tmp/s1.err
	rc=$?
	t $((rc != 1)) "statd stopped: diagnose exits 1 (got $rc)"
	nfs_checks /tmp/s1.json
	check nfs.locks '.status == "fail" and (.values.outcome == "blocked" or .values.errno == "ENOLCK")' /tmp/s1.json
	t $? "statd stopped: nfs.locks fails ($(jq -r '.checks[]|select(.id=="nfs.locks")|.values.outcome' /tmp/s1.json))"
	check nfs.locks '.values.cause == "statd-here" and (.detail | test("rpc.statd is not running"))' /tmp/s1.json
	t $? "statd stopped: nfs.locks names the cause, rpc.statd"
	jq -e '.fix | any(test("systemctl enable --now rpc-statd"))' /tmp/s1.json >/dev/null
	t $? "statd stopped: the fix starts rpc-statd"
	check nfs.server '.status == "fail" and (.summary | test("NFSv3 locks will fail: .*status monitor"))' /tmp/s1.json
	t $? "statd stopped: nfs.server says NFSv3 locks will fail, no status monitor"
	"$N" server --json 127.0.0.1 >/tmp/s1s.json
	jq -e '.services.status.registered == false and .services.nlockmgr.registered and .responding' /tmp/s1s.json >/dev/null
	t $? "statd stopped: nfscheck server lists no status registration"
	valid nfscheck-diagnose.schema.json /tmp/s1.json && valid nfscheck-server.schema.json /tmp/s1s.json
	t $? "statd stopped: the JSON documents match their schemas"
	start_statd
else
	# NFSv4 has locking in the protocol: no statd needed.
	stop_statd
	as_user "$N" diagnose --json --timeout 30 >/tmp/s1.json 2>/tmp/s1.err
	check nfs.locks '.status == "ok" and .values.outcome == "works" and .values.locks == "nfsv4"' /tmp/s1.json
	t $? "statd stopped: an NFSv4 lock still works"
	check nfs.server '.status == "ok"' /tmp/s1.json
	t $? "statd stopped: nfs.server is fine for an NFSv4 mount"
	nfs_checks /tmp/s1.json
	start_statd
fi

# 2. nfscheck server, text and JSON.
start=$(date +%s%N)
"$N" server 127.0.0.1 >/tmp/s2.txt 2>&1
rc=$?
t $rc "server: exit 0 (got $rc, $(ms_since "$start") ms)"
d "$(cat /tmp/s2.txt)"
grep -q 'answers NFSv3, NFSv4' /tmp/s2.txt
t $? "server: the text names NFSv3 and NFSv4"
for s in mountd nlockmgr status; do
	grep -qE "^  \[ ok \] $s +version" /tmp/s2.txt
	t $? "server: the text lists $s"
done
"$N" server --json 127.0.0.1:2049 >/tmp/s2.json
jq -e '.responding and .nfs_answers == [3, 4] and .nfs_versions.low <= 3 and .nfs_versions.high == 4' /tmp/s2.json >/dev/null
t $? "server --json: NFS 3 and 4 answer ($(jq -c '.nfs_answers' /tmp/s2.json))"
jq -e '.rpcbind.protocol == 4 and .services.mountd.registered and .services.nlockmgr.registered and
	.services.status.registered and .services.nlockmgr.answers and .services.status.answers' /tmp/s2.json >/dev/null
t $? "server --json: rpcbind lists mountd, nlockmgr and status, and the lock services answer"
jq -e '.verdict == "ok" and .exit_status == 0' /tmp/s2.json >/dev/null
t $? "server --json: verdict ok"

# 3. Graphroot local, ~/.config on NFS: the NFS checks still run, and
#    nfs.locks takes its own lock.
as_user "$N" diagnose --json --timeout 30 >/tmp/s3.json 2>/tmp/s3.err
rc=$?
t $rc "~/.config on NFS, graphroot local: diagnose exits 0 (got $rc)"
nfs_checks /tmp/s3.json
check nfs.options ".values.nfs.vers == \"$v\" and .values.used_by == [\"~/.config\"]" /tmp/s3.json
t $? "nfs.options: vers=$v, used by ~/.config"
check nfs.server '.status == "ok" and .values.server.nfs_answers == [3, 4] and
	.values.server.services.status.registered and .values.mounts == ["'"$NFS_MNT"'"]' /tmp/s3.json
t $? "nfs.server: ok, NFS 3 and 4, status registered"
check nfs.locks '.status == "ok" and .values.outcome == "works" and (.values.from_probe | not)' /tmp/s3.json
t $? "nfs.locks: its own lock in ~/.config works"
[ -z "$(find "$TEST_HOME" -name '.nfscheck-probe.*')" ]
t $? "nfs.locks leaves nothing behind"

# 3b. NFSv3, rpc.statd stopped after a lock has worked: the kernel still
#     knows the server, locks work for now, and nfs.locks warns.
if [ "$v" = 3 ]; then
	stop_statd
	as_user "$N" diagnose --json --timeout 30 >/tmp/s3b.json 2>/tmp/s3b.err
	nfs_checks /tmp/s3b.json
	check nfs.locks '.status == "warn" and .values.outcome == "works" and .values.cause == "statd-here" and
		(.detail | test("after a reboot or a remount"))' /tmp/s3b.json
	t $? "statd stopped after a lock: nfs.locks warns that locks work only for now"
	start_statd
fi

# 4. The default graphroot, on NFS: the probe's lock step answers for the mount.
as_user rm -f "$TEST_HOME/.config/containers/storage.conf"
as_user "$N" diagnose --json --timeout 30 >/tmp/s4.json 2>/tmp/s4.err
check nfs.locks '.status == "ok" and .values.from_probe and .values.used_by == ["graphroot", "~/.config"]' /tmp/s4.json
t $? "graphroot on NFS: nfs.locks uses the probe's lock, for graphroot and ~/.config"
[ "$(jq '[.checks[] | select(.id == "nfs.options")] | length' /tmp/s4.json)" = 1 ]
t $? "one nfs.options check for the one mount"
valid nfscheck-diagnose.schema.json /tmp/s3.json /tmp/s4.json && valid nfscheck-server.schema.json /tmp/s2.json
t $? "the JSON documents match their schemas"

# 5. rpc.nfsd 0: not serving NFS (the port refuses), within the deadlines.
stop_nfs_server
start=$(date +%s%N)
with_deadline 30 "$N" server --json 127.0.0.1 >/tmp/s5s.json
rc=$?
ms=$(ms_since "$start")
t $((rc != 1 || ms > 12000)) "nfsd stopped: server exits 1 in $ms ms (--timeout 10, plus 2 s for a loaded machine)"
jq -e '(.responding | not) and (.summary | test("not serving NFS")) and (.summary | test("not responding") | not) and (.problem | test("refuses"))' /tmp/s5s.json >/dev/null
t $? "nfsd stopped: server says not serving NFS (a refusal), not 'not responding': $(jq -r .summary /tmp/s5s.json)"
start=$(date +%s%N)
AS_USER_CWD=/ with_deadline 30 as_user "$N" diagnose --json --timeout 10 >/tmp/s5.json 2>/tmp/s5.err
rc=$?
ms=$(ms_since "$start")
t $((rc != 1 || ms > 12000)) "nfsd stopped: diagnose exits 1 in $ms ms (--timeout 10, plus 2 s for a loaded machine)"
nfs_checks /tmp/s5.json
check nfs.server '.status == "fail" and (.summary | test("not serving NFS")) and (.values.server.responding | not)' /tmp/s5.json
t $? "nfsd stopped: nfs.server reports the mount's server as not serving NFS"
check nfs.locks '.status == "skip"' /tmp/s5.json
t $? "nfsd stopped: nfs.locks is not tried on the dead mount"
valid nfscheck-diagnose.schema.json /tmp/s5.json && valid nfscheck-server.schema.json /tmp/s5s.json
t $? "nfsd stopped: the JSON documents match their schemas"
exit 0
