#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# shellcheck source-path=SCRIPTDIR
# selftest.sh - TAP test of the UML NFS harness (uml-run.sh, guest-init.sh,
# guest-lib.sh).
#
#   selftest.sh [--serial]
#
# Boots three guests, at the same time unless --serial is given (which also
# shows that concurrent runs do not interfere):
#   - NFSv4.2: NFS checks (below) and podman as the test user;
#   - NFSv3:   the same NFS checks;
#   - a guest script that hangs (it stops the guest's own timeout(1)):
#     uml-run.sh must kill UML at its --timeout (20 s) and exit 124.
# and then checks on the host that nothing was left behind.
# Exit status: 0 if all tests pass, 1 if any fails, 77 (with "1..0 # SKIP")
# if linux.uml cannot run here.
#
# (Run inside the guest as "selftest.sh --guest MODE" by uml-run.sh.)

set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
SELF=$HERE/$(basename "${BASH_SOURCE[0]}")

# ================================================================= guest side

# Each check prints one line: "CHECK <id> ok|fail <details>".
report() {
    local id=$1 verdict=$2
    shift 2
    printf 'CHECK %s %s %s\n' "$id" "$verdict" "$(printf '%s' "$*" | tr '\n' ' ' | cut -c1-300)"
}

guest_nfs_checks() {
    local line fstype opts out rc want subid

    # mountinfo: "... MOUNTPOINT ... - FSTYPE SOURCE SUPEROPTS"
    line=$(awk -v m="$NFS_MNT" '$5 == m' /proc/self/mountinfo | tail -n 1)
    fstype=$(printf '%s\n' "$line" | sed -n 's/^.* - \([^ ]*\) .*$/\1/p')
    opts=$(printf '%s\n' "$line" | sed -n 's/^.* - [^ ]* [^ ]* \(.*\)$/\1/p')
    case $NFS_VERS in 4*) want=nfs4 ;; *) want=nfs ;; esac
    if [ "$fstype" = "$want" ] && [[ ,$opts, == *,vers=$NFS_VERS,* ]]; then
        report mountinfo ok "$fstype $opts"
    else
        report mountinfo fail "want $want with vers=$NFS_VERS, got: $line"
    fi

    out=$(stat -f -c %t "$TEST_HOME" 2>&1)
    if [ "$out" = 6969 ]; then
        report statfs ok "magic 0x$out"
    else
        report statfs fail "stat -f -c %t $TEST_HOME: $out"
    fi

    # chown to an unmapped-on-the-server UID inside a user namespace: the
    # NFS server sees the user's subordinate UID and refuses.
    as_user touch "$TEST_HOME/chown-me" >/dev/null 2>&1
    out=$(as_user unshare --user --map-auto --map-root-user \
        chown 60:60 "$TEST_HOME/chown-me" 2>&1)
    rc=$?
    if [ "$rc" -ne 0 ] && [[ $out == *"Operation not permitted"* ]]; then
        report chown-nfs ok "EPERM: $out"
    else
        report chown-nfs fail "exit $rc: $out"
    fi

    subid=$(( TEST_SUBID_START + 59 ))
    # shellcheck disable=SC2016  # expanded by the user's shell
    out=$(as_user sh -c 'f=/var/tmp/chown-me-$$ && touch "$f" &&
        unshare --user --map-auto --map-root-user chown 60:60 "$f" &&
        stat -c %u:%g "$f"' 2>&1)
    rc=$?
    if [ "$rc" -eq 0 ] && [ "$out" = "$subid:$subid" ]; then
        report chown-tmpfs ok "owner now $out"
    else
        report chown-tmpfs fail "exit $rc, want $subid:$subid: $out"
    fi

    out=$(touch "$TEST_HOME/root-was-here" 2>&1)
    rc=$?
    if [ "$rc" -ne 0 ] && ! as_user test -e "$TEST_HOME/root-was-here"; then
        report root-squash ok "$out"
    else
        report root-squash fail "root could create a file in the NFS home (exit $rc)"
    fi

    out=$(rpcinfo -p 127.0.0.1 2>&1)
    local p missing=
    for p in nfs mountd nlockmgr status; do
        printf '%s\n' "$out" | awk -v p="$p" '$5 == p { f = 1 } END { exit !f }' ||
            missing="$missing $p"
    done
    if [ -z "$missing" ]; then
        report rpcinfo ok "nfs mountd nlockmgr status registered"
    else
        report rpcinfo fail "missing:$missing"
    fi

    # Writes that must stay inside the guest (checked on the host).
    local f failed=
    for f in "/etc/uml-selftest-$SELFTEST_TOKEN" "/root/uml-selftest-$SELFTEST_TOKEN" \
        "/tmp/uml-selftest-$SELFTEST_TOKEN" "/var/lib/uml-selftest-$SELFTEST_TOKEN" \
        "$RUN_DIR/../uml-selftest-$SELFTEST_TOKEN" "$UML_DIR/uml-selftest-$SELFTEST_TOKEN"; do
        echo x >"$f" || failed="$failed $f"
    done
    echo "guest: $NFS_VERS" >"$RUN_DIR/selftest-wrote-this" || failed="$failed RUN_DIR"
    if [ -z "$failed" ]; then
        report guest-writes ok "wrote to /etc, /root, /tmp, /var/lib, the run dir's parent, the source dir"
    else
        report guest-writes fail "could not write:$failed"
    fi
}

guest_podman_check() {
    local dir out rc
    dir=$(use_local_podman_storage "/var/tmp/podman-selftest-$TEST_UID" overlay) || {
        report podman fail "use_local_podman_storage failed"
        return
    }
    # shellcheck disable=SC2016
    out=$(as_user podman info --format '{{.Store.GraphRoot}}' 2>&1)
    rc=$?
    if [ "$rc" -eq 0 ] && [ "$(printf '%s\n' "$out" | tail -n 1)" = "$dir" ]; then
        report podman ok "podman info: graphroot $out"
    else
        report podman fail "podman info exit $rc: $out"
        return
    fi
}

guest_dead_mount_check() {
    local rc
    if ! stop_nfs_server; then
        report dead-mount fail "stop_nfs_server failed"
        return
    fi
    timeout -s KILL 3 stat -f "$TEST_HOME" >/dev/null 2>&1
    rc=$?
    if [ "$rc" -eq 137 ]; then
        report dead-mount ok "stat -f blocked and was killed after 3 s"
    else
        report dead-mount fail "stat -f returned with status $rc"
    fi
}

if [ "${1:-}" = --guest ]; then
    # shellcheck source=guest-lib.sh
    . "$GUEST_LIB"
    case ${2:-} in
        nfs)
            guest_nfs_checks
            [ "${SELFTEST_PODMAN:-0}" = 1 ] && guest_podman_check
            guest_dead_mount_check     # last: the mount is dead afterwards
            echo "CHECKS-DONE"
            ;;
        hang)
            # Stop timeout(1), the guest script's parent, so that only the
            # host's hard limit can end this run.
            kill -STOP "$PPID"
            sleep 100000
            ;;
        *) echo "selftest.sh: unknown guest mode '${2:-}'" >&2; exit 2 ;;
    esac
    exit 0
fi

# ================================================================== host side

serial=0
case ${1:-} in
    --serial) serial=1 ;;
    '') ;;
    *) echo "usage: $0 [--serial]" >&2; exit 2 ;;
esac

n=0
failed=0
tap() {
    # tap ok|fail DESCRIPTION [DIAGNOSTIC]
    n=$(( n + 1 ))
    if [ "$1" = ok ]; then
        echo "ok $n - $2"
    else
        echo "not ok $n - $2"
        failed=1
        [ -z "${3:-}" ] || printf '%s\n' "$3" | sed 's/^/#   /'
    fi
}

NFS_IDS=(mountinfo statfs chown-nfs chown-tmpfs root-squash rpcinfo guest-writes)
declare -A DESC=(
    [mountinfo]="mountinfo shows the NFS mount with its type and vers="
    [statfs]="statfs of the home gives NFS magic 0x6969"
    [chown-nfs]="chown 60:60 in a user namespace fails with EPERM in the NFS home"
    [chown-tmpfs]="the same chown succeeds on /var/tmp (tmpfs)"
    [root-squash]="root cannot create a file in the user's NFS home (root_squash)"
    [rpcinfo]="rpcinfo -p lists nfs, mountd, nlockmgr and status"
    [guest-writes]="the guest can write to /etc, /root, /tmp, /var/lib, ..."
    [podman]="podman info works as the test user (graphroot on local /var/tmp)"
    [dead-mount]="after stop_nfs_server, stat -f on the hard mount blocks until SIGKILL"
)
# Per NFS run: its exit status, NFS_IDS, dead-mount (+ podman for v4.2);
# then 2 for the hanging guest and 6 host-side checks.
PLAN=$(( 2 * (1 + ${#NFS_IDS[@]} + 1) + 1 + 2 + 6 ))

work=$(mktemp -d "${TMPDIR:-/tmp}/uml-selftest.XXXXXXXX") || { echo "Bail out! mktemp"; exit 99; }
trap 'rm -rf -- "$work"' EXIT
mkdir "$work/tmp"
token=$$-$RANDOM$RANDOM

etc_sum() {
    cat /etc/passwd /etc/group /etc/subuid /etc/subgid /etc/exports 2>/dev/null | md5sum
}
etc_before=$(etc_sum)
uml_home_list() { find ~/.uml 2>/dev/null | sort | md5sum; }
uml_home_before=$(uml_home_list)

# run NAME TIMEOUT UML-RUN-OPTIONS... : uml-run.sh with the selftest as the
# guest script, TMPDIR pointing at our own directory (so its run dir is
# there and we can see that it goes away); output in $work/NAME.*
run() {
    local name=$1 t=$2
    shift 2
    local start=$EPOCHREALTIME rc
    TMPDIR=$work/tmp "$HERE/uml-run.sh" -t "$t" \
        -e SELFTEST_TOKEN="$token" "$@" \
        >"$work/$name.out" 2>"$work/$name.err"
    rc=$?
    echo "$rc" >"$work/$name.rc"
    awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f\n", b - a }' >"$work/$name.secs"
}

t0=$EPOCHREALTIME
if [ "$serial" = 1 ]; then
    run v42 300 --nfs-vers 4.2 -e SELFTEST_PODMAN=1 "$SELF" --guest nfs
    run v3 300 --nfs-vers 3 "$SELF" --guest nfs
    run hang 20 --no-nfs "$SELF" --guest hang
else
    run v42 300 --nfs-vers 4.2 -e SELFTEST_PODMAN=1 "$SELF" --guest nfs &
    run v3 300 --nfs-vers 3 "$SELF" --guest nfs &
    run hang 20 --no-nfs "$SELF" --guest hang &
    wait
fi
t_all=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')

for name in v42 v3; do
    rc=$(cat "$work/$name.rc")
    if [ "$rc" = 77 ]; then
        echo "1..0 # SKIP $(grep -m1 'uml: SKIP' "$work/$name.err" || echo 'linux.uml cannot run here')"
        exit 77
    fi
done

echo "1..$PLAN"
for name in v42 v3; do
    case $name in v42) label=nfs4.2 ;; v3) label=nfs3 ;; esac
    rc=$(cat "$work/$name.rc")
    tap "$([ "$rc" = 0 ] && echo ok || echo fail)" "$label: uml-run.sh exit status 0" \
        "exit $rc; stderr: $(tail -n 20 "$work/$name.err")"
    ids=("${NFS_IDS[@]}")
    [ "$name" = v42 ] && ids+=(podman)
    ids+=(dead-mount)
    for id in "${ids[@]}"; do
        line=$(grep -m1 "^CHECK $id " "$work/$name.out")
        verdict=$(printf '%s\n' "$line" | awk '{ print $3 }')
        detail=$(printf '%s\n' "$line" | cut -d' ' -f4-)
        if [ -z "$line" ]; then
            tap fail "$label: ${DESC[$id]}" "no result from the guest"
        else
            tap "$verdict" "$label: ${DESC[$id]}" "$detail"
            [ "$verdict" != ok ] || echo "#   $detail"
        fi
    done
    grep -q '^CHECKS-DONE' "$work/$name.out" ||
        echo "# $label: the guest did not finish all checks"
    timing=$(grep -m1 '^uml: timing:' "$work/$name.err" | sed 's/^uml: timing: //')
    echo "# $label: ${timing:-no timing line} (uml-run.sh wall time $(cat "$work/$name.secs")s)"
done

# The hanging guest.
rc=$(cat "$work/hang.rc")
secs=$(cat "$work/hang.secs")
tap "$([ "$rc" = 124 ] && echo ok || echo fail)" \
    "hanging guest script: uml-run.sh -t 20 exits 124 (took ${secs}s)" \
    "exit $rc; stderr: $(tail -n 5 "$work/hang.err")"
within=$(awk -v s="$secs" 'BEGIN { print (s < 35) ? "ok" : "fail" }')
tap "$within" "hanging guest script: stopped within 35 s" \
    "took ${secs}s"
grep -m1 'TIMEOUT' "$work/hang.err" | sed 's/^/# /'

# Host-side checks.
leaked=()
for f in "/etc/uml-selftest-$token" "/root/uml-selftest-$token" \
    "/tmp/uml-selftest-$token" "/var/lib/uml-selftest-$token" \
    "$work/tmp/uml-selftest-$token" "$HERE/uml-selftest-$token"; do
    [ ! -e "$f" ] || leaked+=("$f")
done
tap "$([ "${#leaked[@]}" = 0 ] && echo ok || echo fail)" \
    "guest writes outside the run dir did not reach the host" "found: ${leaked[*]}"
rm -f -- "${leaked[@]}"

tap "$([ "$(etc_sum)" = "$etc_before" ] && echo ok || echo fail)" \
    "host /etc/passwd, group, subuid, subgid, exports unchanged"

left=$(ls -A "$work/tmp")
tap "$([ -z "$left" ] && echo ok || echo fail)" \
    "run dirs removed after the runs (TMPDIR empty)" "left: $left"

# Any process whose command line mentions our TMPDIR is a left-over UML.
stray=
for p in /proc/[0-9]*; do
    if { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null | grep -q -F "UML_RUN_DIR=$work/tmp/"; then
        stray="$stray ${p#/proc/}"
    fi
done
tap "$([ -z "$stray" ] && echo ok || echo fail)" \
    "no UML processes left running" "pids:$stray"

tap "$([ "$(uml_home_list)" = "$uml_home_before" ] && echo ok || echo fail)" \
    "nothing new in ~/.uml"

# Concurrency: the two NFS runs had their own run dirs and results.
d42=$(grep -h '^CHECK mountinfo' "$work/v42.out" | grep -c 'vers=4.2')
d3=$(grep -h '^CHECK mountinfo' "$work/v3.out" | grep -c 'vers=3')
tap "$([ "$d42" = 1 ] && [ "$d3" = 1 ] && echo ok || echo fail)" \
    "concurrent runs got their own configuration and results"

mode=$([ "$serial" = 1 ] && echo "one after the other" || echo "concurrently")
echo "# the three guests ran $mode; total wall time ${t_all}s"

exit "$failed"
