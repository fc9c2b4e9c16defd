# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# guest-lib.sh - helper functions for scripts that run inside the UML guest.
#
# Guest scripts started by uml-run.sh load it with:
#
#     . "$GUEST_LIB"
#
# guest-init.sh uses the same functions to bring the NFS server up, so the
# guest script can stop and restart every part in the same way.
#
# Needs the variables that guest-init.sh exports (TEST_USER, TEST_UID,
# TEST_GID, TEST_HOME, NFSD_THREADS, UML_LOG_DIR, ...); see README.md.
# The functions do not change shell options (no set -e here).

# Print a message to stderr with the uml: prefix.
uml_msg() {
    printf 'uml: %s\n' "$*" >&2
}

# guest_ok STATUS TEXT : one assertion for the host's TAP output (uml_guest
# in tests/lib.sh): prints "T 0 TEXT" when STATUS is 0, else "T 1 TEXT".
guest_ok() {
    echo "T $(( $1 != 0 )) $2"
}

# guest_diag TEXT... : lines shown as TAP diagnostics on the host ("D TEXT").
guest_diag() {
    printf '%s\n' "$@" | sed 's/^/D /'
}

# Directory with PID files of the daemons that these functions start.
UML_PID_DIR=${UML_PID_DIR:-/run/uml/pids}

# _uml_start_daemon NAME CMD... : start CMD (which must stay in the
# foreground) in the background, its output appended to
# $UML_LOG_DIR/NAME.log, and remember its PID in $UML_PID_DIR/NAME.pid.
_uml_start_daemon() {
    local name=$1 pid
    shift
    mkdir -p "$UML_PID_DIR" "${UML_LOG_DIR:=/run/uml/log}" || return 1
    # setsid: the daemon must not get the signals that timeout(1) sends to
    # the guest script's process group, and must not hold its terminal.
    setsid "$@" </dev/null >>"$UML_LOG_DIR/$name.log" 2>&1 &
    pid=$!
    printf '%s\n' "$pid" >"$UML_PID_DIR/$name.pid"
}

# _uml_stop_daemon NAME : SIGTERM the daemon started by _uml_start_daemon,
# wait up to 5 s for it to end, then SIGKILL it.
_uml_stop_daemon() {
    local name=$1 pid
    [ -r "$UML_PID_DIR/$name.pid" ] || return 0
    pid=$(cat "$UML_PID_DIR/$name.pid")
    rm -f "$UML_PID_DIR/$name.pid"
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    for _ in $(seq 50); do
        if ! _uml_alive "$pid"; then
            # Reap the zombie if this shell started the daemon.
            wait "$pid" 2>/dev/null || true
            return 0
        fi
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    uml_msg "$name (pid $pid) did not stop on SIGTERM; killed"
    return 0
}

# _uml_alive PID : PID exists and is not a zombie.
_uml_alive() {
    local state
    state=$(awk '{ sub(/^.*\) /, ""); print $1 }' "/proc/$1/stat" 2>/dev/null) || return 1
    [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

# _uml_daemon_running NAME : true if the daemon is alive.
_uml_daemon_running() {
    local pid
    [ -r "$UML_PID_DIR/$1.pid" ] || return 1
    pid=$(cat "$UML_PID_DIR/$1.pid")
    [ -n "$pid" ] && _uml_alive "$pid"
}

# _uml_wait_for SECONDS CMD... : run CMD every 0.1 s until it succeeds;
# fail after SECONDS.
_uml_wait_for() {
    local deadline=$(( $(date +%s) + $1 ))
    shift
    until "$@" >/dev/null 2>&1; do
        if [ "$(date +%s)" -ge "$deadline" ]; then
            return 1
        fi
        sleep 0.1
    done
}

_uml_rpc_registered() {
    # _uml_rpc_registered PROGRAM : PROGRAM (a name such as "status")
    # is registered with the local rpcbind.
    rpcinfo -p 127.0.0.1 2>/dev/null | awk -v p="$1" '$5 == p { f = 1 } END { exit !f }'
}

# start_statd / stop_statd : rpc.statd (NSM), which NFSv3 locking (NLM)
# needs on both the client and the server side.  stop_statd unregisters
# it from rpcbind, so that a later NFSv3 lock request fails as it does on
# a client without statd.
start_statd() {
    if _uml_daemon_running statd; then
        return 0
    fi
    _uml_start_daemon statd rpc.statd --foreground --no-syslog || return 1
    if ! _uml_wait_for 10 _uml_rpc_registered status; then
        uml_msg "rpc.statd did not register with rpcbind"
        return 1
    fi
}

stop_statd() {
    _uml_stop_daemon statd
    # rpc.statd unregisters itself on SIGTERM; make sure of it.
    rpcinfo -d 100024 1 >/dev/null 2>&1 || true
    return 0
}

# start_nfs_server [--no-wait] : start the kernel NFS server (rpc.nfsd NFSD_THREADS)
# again after stop_nfs_server (exports, rpc.mountd and rpcbind stay up).
# With NFS_FAST_GRACE=1 (the default) it also ends the grace periods, so
# that locks work as soon as it returns: NFSv4's is ended through
# /proc/fs/nfsd/v4_end_grace; lockd's, which blocks NFSv4 locks too, is cut
# to 3 s (sysctls fs.nfs.nlm_grace_period=3 and fs.nfs.nlm_timeout=3;
# the latter is also the NLM client's RPC timeout) and waited out here.
# With NFS_FAST_GRACE=0 the server has normal grace periods
# (NFSD_GRACE_TIME, default 10 s, for both) and lock requests made during
# them wait (the client retries with back-off: up to ~13 s).
start_nfs_server() {
    local -a opts=(--lease-time "${NFSD_LEASE_TIME:-10}")
    if [ "${NFS_FAST_GRACE:-1}" = 1 ]; then
        # Not rpc.nfsd --grace-time: it sets lockd's grace period too.
        echo "${NFSD_GRACE_TIME:-10}" >/proc/fs/nfsd/nfsv4gracetime 2>/dev/null || true
        if ! echo 3 >/proc/sys/fs/nfs/nlm_timeout ||
            ! echo 3 >/proc/sys/fs/nfs/nlm_grace_period; then
            uml_msg "cannot shorten lockd's grace period"
            return 1
        fi
    else
        opts+=(--grace-time "${NFSD_GRACE_TIME:-10}")
    fi
    rpc.nfsd "${opts[@]}" "${NFSD_THREADS:-4}" || return 1
    # lockd (re)started inside rpc.nfsd at the latest: its grace period,
    # roundup(nlm_grace_period, nlm_timeout) = 3 s, ends by now + 3 s.
    local grace_end_us=$(( ${EPOCHREALTIME/./} + 3200000 ))
    _uml_wait_for 10 _uml_rpc_registered nfs || {
        uml_msg "nfsd did not register with rpcbind"
        return 1
    }
    if [ "${NFS_FAST_GRACE:-1}" = 1 ]; then
        if [ "$(cat /proc/fs/nfsd/v4_end_grace 2>/dev/null)" != Y ]; then
            echo Y >/proc/fs/nfsd/v4_end_grace 2>/dev/null || true
        fi
        mkdir -p "$UML_PID_DIR"
        echo "$grace_end_us" >"$UML_PID_DIR/grace-end"
        [ "${1:-}" = --no-wait ] || wait_nfs_grace
    fi
}

# wait_nfs_grace : wait until the shortened lockd grace period started by
# start_nfs_server --no-wait is over.
wait_nfs_grace() {
    local end now
    end=$(cat "$UML_PID_DIR/grace-end" 2>/dev/null) || return 0
    now=${EPOCHREALTIME/./}
    if [ "$now" -lt "$end" ]; then
        sleep "$(( (end - now) / 1000000 )).$(printf '%06d' $(( (end - now) % 1000000 )))"
    fi
}

# stop_nfs_server : stop every nfsd thread and close nfsd's sockets
# (rpc.nfsd 0).  The client's mount stays but is dead from then on: on a
# hard mount, anything that touches it blocks (killably) until the server
# comes back (start_nfs_server); on a soft mount it fails after timeo/retrans.
stop_nfs_server() {
    rpc.nfsd 0 || return 1
    # nfsd unregisters from rpcbind when its last thread exits.
    rpcinfo -d 100003 3 >/dev/null 2>&1 || true
    rpcinfo -d 100003 4 >/dev/null 2>&1 || true
    return 0
}

# as_user CMD [ARGS...] : run CMD as the test user (TEST_UID/TEST_GID, with
# the user's supplementary groups from /etc/group), in TEST_HOME, with a
# clean environment: HOME, USER, LOGNAME, SHELL, PATH, LANG, XDG_RUNTIME_DIR
# (/run/user/UID, created mode 0700 and owned by the user if missing).
# Extra variables: as_user env NAME=VALUE CMD ...
# AS_USER_CWD overrides the working directory (a dead NFS home would hang
# the chdir itself).
# Returns CMD's exit status (125/126/127 come from env for a missing
# directory or command).
as_user() {
    local rt=/run/user/$TEST_UID
    if [ "$#" -eq 0 ]; then
        uml_msg "as_user: no command given"
        return 2
    fi
    if [ ! -d "$rt" ]; then
        mkdir -p /run/user && chmod 0755 /run/user &&
            install -d -m 0700 -o "$TEST_UID" -g "$TEST_GID" "$rt" || return 1
    fi
    setpriv --reuid="$TEST_UID" --regid="$TEST_GID" --init-groups -- \
        env -i -C "${AS_USER_CWD:-$TEST_HOME}" \
        HOME="$TEST_HOME" USER="$TEST_USER" LOGNAME="$TEST_USER" \
        SHELL=/bin/bash PATH=/usr/local/bin:/usr/bin:/bin \
        LANG=C.UTF-8 XDG_RUNTIME_DIR="$rt" \
        "$@"
}

# with_deadline SECONDS CMD [ARGS...] : run CMD, SIGKILL it (and everything
# it started in its process group) after SECONDS.  Returns CMD's status, or
# 137 if it had to be killed.  CMD may be a shell function (as_user ...):
# it then runs in a new bash that gets this shell's function definitions.
# Use it for anything that may touch a dead hard NFS mount: such processes
# sleep killably.
with_deadline() {
    local secs=$1
    shift
    if [ "$(type -t "$1")" = function ]; then
        timeout -s KILL "$secs" bash -c "$(declare -f)"$'\n''"$@"' with_deadline "$@"
    else
        timeout -s KILL "$secs" "$@"
    fi
}

# use_local_podman_storage [DIR [DRIVER]] : give the test user a
# ~/.config/containers/storage.conf with the storage driver DRIVER (default
# overlay), graphroot DIR on local tmpfs (default
# /var/tmp/podman-storage-UID; printed on stdout) and runroot in
# XDG_RUNTIME_DIR.  The directories are created as the user.
use_local_podman_storage() {
    local dir=${1:-/var/tmp/podman-storage-$TEST_UID} driver=${2:-overlay}
    # shellcheck disable=SC2016  # $HOME etc. are expanded by the user's shell
    as_user sh -c '
        set -e
        mkdir -p "$1" "$HOME/.config/containers"
        printf "[storage]\ndriver = \"%s\"\ngraphroot = \"%s\"\nrunroot = \"%s\"\n" \
            "$2" "$1" "$XDG_RUNTIME_DIR/containers" \
            >"$HOME/.config/containers/storage.conf"
    ' sh "$dir" "$driver" || return 1
    printf '%s\n' "$dir"
}
