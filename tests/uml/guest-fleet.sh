#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Guest side of tests/fleet-nfs.sh: nfscheck fleet over 200 users whose homes
# are on the guest's real root-squashed NFS export, a fifth of them already
# fixed (graphroot on local /var/tmp), plus one user whose home is an
# unmounted autofs indirect-map key served by a real automount(8).
#  1. fleet --json: the server is asked once for the whole run (nfsd's count
#     of NULL calls: no more than one diagnose --user makes, at most twice);
#     exactly the NFS users fail, the fixed ones are ok, the
#     autofs home is "not mounted, not checked" and stays unmounted (the
#     mount table before and after, automount's own log); then a plain ls
#     mounts it, which shows the automounter really works.
#  2. fleet --timeout T in the background, the NFS server stopped after a
#     moment: fleet ends within T + 1 s, the users it had not checked are
#     "not-responding" on the NFS mount, counted only under that cause (the
#     users under way at the stop too), and the exit status is the
#     documented one (1; 2 only if users were left not checked).
#  3. With the server still dead, fleet --timeout 5: ends within 6 s, every
#     user not-responding or not-checked, exit 2 (1 if none is not-checked).
# Podman is not needed: fleet only reads and probes.
. "$GUEST_LIB"
N=$NFSCHECK
t() { echo "T $(( $1 != 0 )) fleet-nfs: $2"; return $(( $1 != 0 )); }
d() { printf '%s\n' "$@" | sed 's/^/D /'; }
F=/run/fleet-nfs
NU=200 UID0=220000 T=${FLEET_STOP_TIMEOUT:-24} STOP_AFTER=${FLEET_STOP_AFTER:-4}
auser=fleetauto auid=$((UID0 + NU))
mkdir -p $F

# --- 200 users, homes made on the server side (root_squash), copies of
# passwd/group/subuid/subgid bind-mounted over the guest's ---
for f in passwd group subuid subgid; do cp /etc/$f $F/$f; done
setup0=${EPOCHREALTIME/./}
: >$F/kinds
for i in $(seq 0 $((NU - 1))); do
	printf -v u 'fleetn%03d' "$i"
	uid=$((UID0 + i)) kind=nfs
	[ $((i % 5)) -ne 0 ] || kind=fixed
	echo "$u:x:$uid:$uid::$NFS_MNT/$u:/bin/sh" >>$F/passwd
	echo "$u:x:$uid:" >>$F/group
	echo "$u:$((400000000 + i * 65536)):65536" >>$F/subuid
	echo "$u:$((400000000 + i * 65536)):65536" >>$F/subgid
	echo "$u $uid $kind" >>$F/kinds
done
# The homes in one process (a process costs ~0.1 s under UML): owned by
# their users, mode 0700; a fixed user's storage.conf puts the graphroot on
# local /var/tmp, as fix --graphroot leaves it.
python3 - "$NFS_EXPORT" $F/kinds <<'PY' || t 1 "create the 200 homes on the export"
import os, sys
export, kinds = sys.argv[1], sys.argv[2]
for line in open(kinds):
    u, uid, kind = line.split()
    uid = int(uid)
    home = os.path.join(export, u)
    made = [home, home + "/.config", home + "/.config/containers"]
    os.makedirs(made[-1])
    if kind == "fixed":
        made += ["/var/tmp/" + u, "/var/tmp/" + u + "/storage"]
        os.makedirs(made[-1])
        made.append(home + "/.config/containers/storage.conf")
        with open(made[-1], "w") as f:
            f.write('[storage]\ndriver = "overlay"\ngraphroot = "/var/tmp/%s/storage"\n' % u)
    for p in made:
        os.chown(p, uid, uid)
    for p in [home] + made[3:5]:
        os.chmod(p, 0o700)
PY
d "200 users made in $(( (${EPOCHREALTIME/./} - setup0) / 1000 )) ms"
echo "$auser:x:$auid:$auid::/autohome/$auser:/bin/sh" >>$F/passwd
echo "$auser:x:$auid:" >>$F/group
echo "$auser:500000000:65536" >>$F/subuid
echo "$auser:500000000:65536" >>$F/subgid
for f in passwd group subuid subgid; do mount --bind $F/$f /etc/$f; done

# --- autofs: an indirect map for the one user, a bind mount of a local
# directory, automount in the foreground with its config under /run ---
mkdir -p $F/autosrc/$auser /autohome
chown $auid:$auid $F/autosrc/$auser
echo "/autohome $F/auto.home --timeout=300" >$F/auto.master
echo "$auser -fstype=bind :$F/autosrc/$auser" >$F/auto.home
auto_ok=0
if modprobe autofs4 2>$F/modprobe.err; then
	_uml_start_daemon automount automount -f -v -d -C -p $F/automount.pid $F/auto.master
	for _ in $(seq 100); do
		grep -q ' /autohome autofs ' /proc/mounts && { auto_ok=1; break; }
		sleep 0.1
	done
fi
t $((!auto_ok)) "automount serves /autohome (autofs module and daemon)" ||
	d "$(cat $F/modprobe.err "$UML_LOG_DIR/automount.log" 2>/dev/null | tail -20)"
mounted_at() { awk -v p="$1" '$5 == p { f = 1 } END { exit !f }' /proc/self/mountinfo; }
mounted_at /autohome/$auser
before=$?

# --- 1: every user checked, server up ---
# NULL calls nfsd has answered (every version): nfscheck's questions to the
# server; the client's own traffic is no NULL calls once mounted.
nulls() { awk '/^proc[234] / { s += $3 } END { print s + 0 }' /proc/net/rpc/nfsd; }
n0=$(nulls)
"$N" diagnose --user fleetn001 --json >$F/one.json 2>$F/one.err
n1=$(nulls)
t0=${EPOCHREALTIME/./}
"$N" fleet --uid-range $UID0-$auid --timeout 300 --jobs 2 --json >$F/full.json 2>$F/full.err
rc=$?
full_ms=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
n2=$(nulls)
d "fleet over $((NU + 1)) users on NFS: ${full_ms} ms, exit $rc"
# One server report per run, shared by the workers: the whole run asks the
# server what one user's diagnose asks (twice at most, should both workers
# meet a report that did not settle), not once per user.
t $(( n1 - n0 < 1 || n2 - n1 > 2 * (n1 - n0) )) \
	"fleet asks the NFS server once per run: $((n2 - n1)) NULL calls for $((NU - NU / 5)) NFS users, one diagnose --user $((n1 - n0))"
t $(( rc != 1 )) "fleet exits 1: some users fail (exit $rc)" || d "$(tail -5 $F/full.err)"
jq -r '.users[] | "\(.user) \(.verdict)"' $F/full.json | sort >$F/got
{ awk '{ print $1, ($3 == "fixed" ? "ok" : "fail") }' $F/kinds; echo "$auser not-mounted"; } | sort >$F/want
diff $F/want $F/got >$F/diff
t $? "verdicts: the $(grep -c ' nfs$' $F/kinds) users with storage on NFS fail, the $(grep -c ' fixed$' $F/kinds) fixed ones are ok, the autofs one is not-mounted" ||
	d "$(head -10 $F/diff)" "$(tail -3 $F/full.err)"
causes=$(jq -r '[.users[] | select(.verdict == "fail") | .causes | join(",")] | group_by(.) | map("\(.[0]) x\(length)") | join("; ")' $F/full.json)
d "causes of the failing users: $causes"
nfsroot=$(jq -r '[.users[] | select(.verdict == "fail") | select(.causes | index("filesystem.graphroot"))] | length' $F/full.json)
t $(( nfsroot != NU - NU / 5 )) "every failing user has filesystem.graphroot among its causes ($nfsroot)"
t "$(jq -e --arg u $auser '.users[] | select(.user == $u) | .summary | startswith("not mounted, not checked")' $F/full.json >/dev/null; echo $?)" \
	"the autofs home is reported \"not mounted, not checked\""
mounted_at /autohome/$auser
after=$?
t $(( before == 0 || after == 0 )) "fleet did not mount the autofs home (mountinfo before and after)"
# automount -d logs every lookup it is asked for ("lookup_mount: lookup(file): looking up KEY").
t "$(grep -q "looking up $auser" "$UML_LOG_DIR/automount.log"; echo $(( ! $? )))" "automount's log shows no lookup of $auser" ||
	d "$(grep "$auser" "$UML_LOG_DIR/automount.log" | head -5)"
# The control: a plain access mounts it, so the two checks above can fail.
ls /autohome/$auser/ >/dev/null 2>&1
mounted_at /autohome/$auser
t $? "a plain ls does mount it (the automounter works)" || d "$(tail -10 "$UML_LOG_DIR/automount.log")"
grep -q "looking up $auser" "$UML_LOG_DIR/automount.log"
t $? "and automount's log shows that lookup"

# --- 2: the NFS server stops in the middle of a run ---
t0=${EPOCHREALTIME/./}
"$N" fleet --uid-range $UID0-$((auid - 1)) --timeout "$T" --jobs 2 --json >$F/stop.json 2>$F/stop.err &
fpid=$!
sleep "$STOP_AFTER"
stop_nfs_server
t $? "NFS server stopped ${STOP_AFTER} s into fleet --timeout $T"
wait $fpid
rc=$?
el_ms=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
d "fleet --timeout $T with the server stopped after ${STOP_AFTER} s: ${el_ms} ms, exit $rc;" \
	"verdicts: $(jq -c .users_by_verdict $F/stop.json 2>/dev/null)"
t $(( el_ms > (T + 1) * 1000 )) "fleet ends within --timeout plus 1 s ($el_ms ms, --timeout $T)"
nr=$(jq --arg m "$NFS_MNT" '[.users[] | select(.verdict == "not-responding" and .not_responding == $m)] | length' $F/stop.json)
settled=$(jq '[.users[] | select(.verdict == "not-responding" and (.causes | index("server-not-responding")))] | length' $F/stop.json)
d "not-responding without being asked again (cause server-not-responding): $settled; the others:" \
	"$(jq -c '.users[] | select(.verdict == "not-responding" and (.causes | index("server-not-responding") | not)) | {user, causes, summary, not_responding}' $F/stop.json)"
# Whatever the checks under way met when the server stopped (a cut-off
# statfs, a storage.conf not read), those users count only as not responding.
other=$(jq -c '[.users[] | select(.verdict == "not-responding" and (.causes != ["server-not-responding"] or .fix != []))]' $F/stop.json)
bycause=$(jq -c '.users_by_cause' $F/stop.json)
t $(( $(jq length <<<"$other") != 0 || $(jq '.users_by_cause["server-not-responding"] // 0' $F/stop.json) != nr )) \
	"every not-responding user counts only under server-not-responding, with no fix ($bycause)" ||
	d "$(jq -c '.[] | {user, causes, fix}' <<<"$other" | head -3)"
nc=$(jq '.users_by_verdict["not-checked"]' $F/stop.json)
done_before=$(jq '[.users[] | select(.verdict == "ok" or .verdict == "fail")] | length' $F/stop.json)
t $(( nr < 1 || settled < 1 )) "users are reported not-responding on $NFS_MNT ($nr; $done_before checked before, $nc not checked)" ||
	d "$(tail -5 $F/stop.err)"
# One dead server costs one deadline, not one per user: nobody is left for
# the run's --timeout.
t $(( nr + done_before != NU || nc != 0 )) "every user is either checked before the stop or not-responding, none left not-checked"
want=1
[ "$nc" = 0 ] || want=2
t $(( rc != want )) "exit $rc: $want as documented (1 someone fails or is not responding, 2 users not checked)"
# The users whose checks were under way when the server stopped met it
# half-way: one whose storage is local (fixed) then fails (nfs.server: port
# 2049 refuses connections, or a storage.conf that could not be read). Each
# of the 2 workers can meet at most 2 such users before its first answer
# from the dead server (the fixed users are every 5th, the 4 between them
# block on the server); every other user checked has the first run's verdict.
bad=$(join <(jq -r '.users[] | select(.verdict == "ok" or .verdict == "fail") | "\(.user) \(.verdict)"' $F/stop.json | sort) $F/got |
	awk '$2 != $3 { print $1 }')
nbad=$(wc -w <<<"$bad")
nbadfail=$(for u in $bad; do grep -x "$u fail" <(jq -r '.users[] | "\(.user) \(.verdict)"' $F/stop.json); done | wc -l)
t $(( nbad > 4 || nbadfail != nbad )) "the users checked have the first run's verdicts but for at most 4 (2 a worker) that fail at the stop ($nbad)"
for u in $bad; do
	d "under way at the stop: $(jq -c --arg u "$u" '.users[] | select(.user == $u) | {user, verdict, causes, summary}' $F/stop.json)"
done
# --- 3: the server still dead, a --timeout shorter than the checks of
# the first users take: the deadline itself ends the run ---
T2=${FLEET_DEAD_TIMEOUT:-5}
t0=${EPOCHREALTIME/./}
"$N" fleet --uid-range $UID0-$((auid - 1)) --timeout "$T2" --jobs 2 --json >$F/dead.json 2>$F/dead.err
rc=$?
el_ms=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
d "fleet --timeout $T2 with the server dead: ${el_ms} ms, exit $rc; verdicts: $(jq -c .users_by_verdict $F/dead.json 2>/dev/null)"
t $(( el_ms > (T2 + 1) * 1000 )) "with the server dead, fleet --timeout $T2 ends within $((T2 + 1)) s ($el_ms ms)"
nc=$(jq '.users_by_verdict["not-checked"]' $F/dead.json)
other=$(jq '[.users[] | select(.verdict != "not-checked" and .verdict != "not-responding")] | length' $F/dead.json)
want=1
[ "$nc" = 0 ] || want=2
t $(( other != 0 || rc != want )) "every user is not-responding or not-checked ($nc), exit $rc ($want as documented)" ||
	d "$(tail -3 $F/dead.err)"
cp $F/full.json $F/stop.json $F/dead.json "$RUN_DIR/" 2>/dev/null
exit 0
