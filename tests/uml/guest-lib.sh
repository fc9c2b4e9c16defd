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
    local name=$1 pid i
    [ -r "$UML_PID_DIR/$name.pid" ] || return 0
    pid=$(cat "$UML_PID_DIR/$name.pid")
    rm -f "$UML_PID_DIR/$name.pid"
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    for i in $(seq 50); do
        _uml_alive "$pid" || return 0
        # Reap it if it is our child (it is when this shell started it).
        wait "$pid" 2>/dev/null || true
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
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

# start_nfs_server : start the kernel NFS server (rpc.nfsd) again, with the
# grace and lease times used at boot.  (Exports, rpc.mountd and rpcbind are
# left running by stop_nfs_server, so this is enough.)
start_nfs_server() {
    rpc.nfsd --grace-time "${NFSD_GRACE_TIME:-10}" \
        --lease-time "${NFSD_LEASE_TIME:-10}" "${NFSD_THREADS:-4}" || return 1
    _uml_wait_for 10 _uml_rpc_registered nfs || {
        uml_msg "nfsd did not register with rpcbind"
        return 1
    }
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
        env -i -C "$TEST_HOME" \
        HOME="$TEST_HOME" USER="$TEST_USER" LOGNAME="$TEST_USER" \
        SHELL=/bin/bash PATH=/usr/local/bin:/usr/bin:/bin \
        LANG=C.UTF-8 XDG_RUNTIME_DIR="$rt" \
        "$@"
}

# with_deadline SECONDS CMD [ARGS...] : run CMD, SIGKILL it after SECONDS.
# Returns CMD's status, or 137 if it had to be killed.  Use it for anything
# that may touch a dead hard NFS mount: such processes sleep killably.
with_deadline() {
    local secs=$1
    shift
    timeout -s KILL "$secs" "$@"
}

# use_local_podman_storage [DIR] : give the test user a
# ~/.config/containers/storage.conf whose graphroot is on local tmpfs
# (default /var/tmp/podman-storage-UID; printed on stdout), and whose
# runroot is in XDG_RUNTIME_DIR.  The directories are created as the user.
use_local_podman_storage() {
    local dir=${1:-/var/tmp/podman-storage-$TEST_UID}
    # shellcheck disable=SC2016  # $HOME is expanded by the user's shell
    as_user sh -c '
        set -e
        mkdir -p "$1" "$HOME/.config/containers"
        printf "[storage]\ngraphroot = \"%s\"\nrunroot = \"%s\"\n" \
            "$1" "$XDG_RUNTIME_DIR/containers" \
            >"$HOME/.config/containers/storage.conf"
    ' sh "$dir" || return 1
    printf '%s\n' "$dir"
}
