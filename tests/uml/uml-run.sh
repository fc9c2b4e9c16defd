#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# uml-run.sh - run a script inside a user-mode Linux guest that has a real
# kernel NFS server and client (see README.md in this directory).
#
#   uml-run.sh [options] GUEST_SCRIPT [ARGS...]
#
# Boots linux.uml with the host's / as a read-only hostfs root and
# guest-init.sh as PID 1, which sets up NFS, the test user and podman's
# prerequisites and then runs GUEST_SCRIPT as root.  The guest script's
# stdout and stderr are printed on this script's stdout and stderr once the
# guest has powered off, and its exit status becomes this script's.
#
# Exit status: the guest script's, or
#   77   skipped: linux.uml is missing or cannot boot on this machine
#   99   harness error (bad usage, guest setup failed, guest crashed)
#   124  timeout (the guest script, or the whole guest, took too long)
# Messages of this script start with "uml:" and go to stderr.

set -euo pipefail

PROG=uml-run.sh
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)

usage() {
    cat <<EOF
usage: $PROG [options] GUEST_SCRIPT [ARGS...]

Harness:
  -t, --timeout SECS      overall time limit (default \$UML_TIMEOUT or 300)
      --boot-timeout SECS limit for the kernel to start guest-init (default 60)
  -m, --mem SIZE          guest memory (default \$UML_MEM or 1500M)
      --run-dir DIR       use DIR as the run dir (created; must be empty) and
                          keep it
  -k, --keep              keep the temporary run dir (also: UML_KEEP=1)
      --debug             trace guest-init (set -x) and print the console log
  -q, --quiet             do not print the timing line
  -e, --env NAME=VALUE    extra environment variable for the guest script
      --set NAME=VALUE    set a guest configuration variable (NFS_*, NFSD_*,
                          TEST_*; see README.md)
Guest configuration (shortcuts for --set):
      --nfs-vers V        NFS version: 3, 4, 4.0, 4.1, 4.2 (default 4.2)
      --export-opts OPTS  export options (default rw,sync,root_squash,no_subtree_check)
      --mount-opts OPTS   mount options besides vers= (default hard)
      --export-fs FS      tmpfs, xfs or ext4 (image on tmpfs) (default tmpfs)
      --export-size SIZE  size of the exported file system (default 512M)
      --export-dir DIR    exported directory (default /srv/nfs)
      --mount-dir DIR     NFS mount point (default /mnt/nfs)
      --no-nfs-home       the test user's home is a local tmpfs
      --no-nfs            no NFS server or mount at all
      --user NAME         test user name (default nfsuser)
      --uid N / --gid N   test user's UID / GID (default 2345 / 2345)
      --home DIR          test user's home (default MOUNT_DIR/USER)
  -h, --help              this help
EOF
}

msg() { printf 'uml: %s\n' "$*" >&2; }
err() { msg "ERROR: $*"; exit 99; }
skip() { msg "SKIP: $*"; exit 77; }

now() { printf '%s' "$EPOCHREALTIME"; }
# secs_between A B : B - A with one decimal.
secs_between() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

timeout_secs=${UML_TIMEOUT:-300}
boot_timeout=${UML_BOOT_TIMEOUT:-60}
mem=${UML_MEM:-1500M}
keep=${UML_KEEP:-0}
debug=0
quiet=0
run_dir=
user_run_dir=0
declare -a guest_env=() guest_set=()

need_arg() { [ "$#" -ge 2 ] || err "option $1 needs an argument (see --help)"; }
is_uint() { case $1 in ''|*[!0-9]*) return 1 ;; esac; }

while [ "$#" -gt 0 ]; do
    case $1 in
        -t|--timeout) need_arg "$@"; timeout_secs=$2; shift 2 ;;
        --boot-timeout) need_arg "$@"; boot_timeout=$2; shift 2 ;;
        -m|--mem) need_arg "$@"; mem=$2; shift 2 ;;
        --run-dir) need_arg "$@"; run_dir=$2; user_run_dir=1; shift 2 ;;
        -k|--keep) keep=1; shift ;;
        --debug) debug=1; shift ;;
        -q|--quiet) quiet=1; shift ;;
        -e|--env) need_arg "$@"; guest_env+=("$2"); shift 2 ;;
        --set) need_arg "$@"; guest_set+=("$2"); shift 2 ;;
        --nfs-vers) need_arg "$@"; guest_set+=("NFS_VERS=$2"); shift 2 ;;
        --export-opts) need_arg "$@"; guest_set+=("NFS_EXPORT_OPTS=$2"); shift 2 ;;
        --mount-opts) need_arg "$@"; guest_set+=("NFS_MOUNT_OPTS=$2"); shift 2 ;;
        --export-fs) need_arg "$@"; guest_set+=("NFS_EXPORT_FS=$2"); shift 2 ;;
        --export-size) need_arg "$@"; guest_set+=("NFS_EXPORT_SIZE=$2"); shift 2 ;;
        --export-dir) need_arg "$@"; guest_set+=("NFS_EXPORT=$2"); shift 2 ;;
        --mount-dir) need_arg "$@"; guest_set+=("NFS_MNT=$2"); shift 2 ;;
        --no-nfs-home) guest_set+=("NFS_HOME=0"); shift ;;
        --no-nfs) guest_set+=("NFS_ENABLE=0"); shift ;;
        --user) need_arg "$@"; guest_set+=("TEST_USER=$2"); shift 2 ;;
        --uid) need_arg "$@"; guest_set+=("TEST_UID=$2"); shift 2 ;;
        --gid) need_arg "$@"; guest_set+=("TEST_GID=$2"); shift 2 ;;
        --home) need_arg "$@"; guest_set+=("TEST_HOME=$2"); shift 2 ;;
        -h|--help) usage; exit 0 ;;
        --) shift; break ;;
        -*) usage >&2; err "unknown option $1" ;;
        *) break ;;
    esac
done
[ "$#" -ge 1 ] || { usage >&2; err "no guest script given"; }

if ! is_uint "$timeout_secs" || [ "$timeout_secs" -lt 10 ]; then
    err "--timeout must be a number of seconds >= 10, not '$timeout_secs'"
fi
if ! is_uint "$boot_timeout" || [ "$boot_timeout" -lt 1 ]; then
    err "--boot-timeout must be a number of seconds, not '$boot_timeout'"
fi
[[ $mem =~ ^[0-9]+[KkMmGg]?$ ]] || err "--mem must look like 1500M, not '$mem'"

for a in "${guest_env[@]}"; do
    [[ $a =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || err "--env needs NAME=VALUE, not '$a'"
done
for a in "${guest_set[@]}"; do
    [[ $a =~ ^(NFS_[A-Z0-9_]+|NFSD_[A-Z0-9_]+|TEST_[A-Z0-9_]+)= ]] ||
        err "--set needs NFS_*/NFSD_*/TEST_* NAME=VALUE, not '$a'"
done

script=$1
shift
[ -f "$script" ] || err "guest script '$script' not found"
[ -x "$script" ] || err "guest script '$script' is not executable"
script=$(realpath -- "$script")
# The guest mounts its own file systems over these host directories.
for p in "$script" "$HERE"; do
    case $p in
        /run/*|/var/tmp/*|/var/log/*|/var/lib/nfs/*|/dev/*|/proc/*|/sys/*)
            err "$p is hidden inside the guest (it mounts tmpfs on /run, /var/tmp, /var/log, /var/lib/nfs, /dev/shm); put it elsewhere"
            ;;
    esac
done

# ------------------------------------------------------------ can we boot?

kernel=${UML_KERNEL:-$(command -v linux.uml || true)}
if [ -z "$kernel" ] || [ ! -x "$kernel" ]; then
    skip "linux.uml not found (apt-get install user-mode-linux)"
fi
kver=$("$kernel" --version 2>/dev/null) || true
kver=${kver%%$'\n'*}
[[ $kver =~ ^[0-9]+\.[0-9]+[^/[:space:]]*$ ]] || skip "$kernel --version does not work"
[ -d "/usr/lib/uml/modules/$kver" ] ||
    skip "no modules for UML $kver in /usr/lib/uml/modules (package user-mode-linux)"

# ------------------------------------------------------------- run dir

uml_pid=
launcher_pid=
cleanup_done=0
# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
    local rc=$?
    [ "$cleanup_done" = 0 ] || return 0
    cleanup_done=1
    set +e
    if [ -n "$uml_pid" ]; then
        kill_uml
    fi
    if [ -n "$run_dir" ] && [ -d "$run_dir" ]; then
        if [ "$keep" = 1 ] || [ "$user_run_dir" = 1 ]; then
            msg "run dir kept: $run_dir"
        else
            rm -rf -- "$run_dir"
        fi
    fi
    return "$rc"
}
trap cleanup EXIT
trap 'msg "interrupted"; exit 130' INT
trap 'msg "terminated"; exit 143' TERM HUP

if [ -n "$run_dir" ]; then
    mkdir -p -- "$run_dir" || err "cannot create run dir $run_dir"
    [ -z "$(ls -A -- "$run_dir")" ] || { user_run_dir=0; run_dir=; err "run dir is not empty"; }
    run_dir=$(realpath -- "$run_dir")
else
    run_dir=$(mktemp -d "${TMPDIR:-/tmp}/uml-run.XXXXXXXX") || err "mktemp failed"
fi
# The run dir goes on the kernel command line and into a hostfs mount
# option: keep it to harmless characters.
[[ $run_dir =~ ^/[A-Za-z0-9._/+-]+$ ]] ||
    err "run dir path '$run_dir' has characters that cannot go on the kernel command line"
case $run_dir in
    /dev/*|/proc/*|/sys/*) err "the run dir cannot be below /dev, /proc or /sys (TMPDIR=$TMPDIR?)" ;;
esac

mkdir "$run_dir/root" "$run_dir/uml" "$run_dir/logs"
install -m 0755 "$HERE/guest-init.sh" "$run_dir/init"

deadline_epoch=$(( EPOCHSECONDS + timeout_secs ))
{
    printf '# written by %s; sourced by guest-init.sh\n' "$PROG"
    printf 'UML_DIR=%q\n' "$HERE"
    printf 'UML_DEADLINE=%q\n' "$deadline_epoch"
    printf 'UML_HOST_PWD=%q\n' "$PWD"
    printf 'UML_DEBUG=%q\n' "$debug"
    for a in "${guest_set[@]}"; do
        printf '%s=%q\n' "${a%%=*}" "${a#*=}"
    done
    GUEST_ARGV=("$script" "$@")
    GUEST_ENV=("${guest_env[@]}")
    declare -p GUEST_ARGV GUEST_ENV
} >"$run_dir/env"

# --------------------------------------------------- XSAVE shim (see .c)

preload=
shim_mode=${UML_XSTATE_SHIM:-auto}
if [ "$shim_mode" != no ]; then
    cc=${UML_CC:-cc}
    if command -v "$cc" >/dev/null 2>&1; then
        mkdir "$run_dir/shim"
        if "$cc" -shared -fPIC -O2 -o "$run_dir/shim/uml-xstate-shim.so" \
            "$HERE/uml-xstate-shim.c" -ldl >"$run_dir/shim/build.log" 2>&1; then
            preload=$run_dir/shim/uml-xstate-shim.so
        else
            msg "warning: could not build uml-xstate-shim.so (see $run_dir/shim/build.log)"
        fi
    elif [ "$shim_mode" = yes ]; then
        err "UML_XSTATE_SHIM=yes but no C compiler ($cc)"
    fi
fi

# ------------------------------------------------------------------ boot

umid=uml-run-$$
# shellcheck disable=SC2054  # the commas belong to the arguments
declare -a kargs=(
    "mem=$mem"
    root=/dev/root rootfstype=hostfs rootflags=/ ro
    "init=$run_dir/init"
    "umid=$umid" "uml_dir=$run_dir/uml"
    con=null con0=null,fd:1 ssl=null
    "UML_RUN_DIR=$run_dir"
)

# All processes of UML share one new session (and process group) whose id
# is the kernel process's PID: setsid does not fork here, because a
# background child of a non-interactive shell is not a group leader.
proc_stat() {
    # proc_stat PID : "STATE PPID PGRP SESSION" of PID, or fail.
    local line st ppid pgrp sess rest
    { read -r line <"/proc/$1/stat"; } 2>/dev/null || return 1
    line=${line##*) }
    read -r st ppid pgrp sess rest <<<"$line"
    printf '%s %s %s %s\n' "$st" "$ppid" "$pgrp" "$sess"
}

alive() {
    # alive PID : PID exists and is not a zombie.
    local st
    st=$(proc_stat "$1") || return 1
    case $st in Z*|X*) return 1 ;; esac
}

session_pids() {
    # PIDs of live processes in session $1.
    local f pid st ppid pgrp sess
    for f in /proc/[0-9]*; do
        pid=${f#/proc/}
        read -r st ppid pgrp sess < <(proc_stat "$pid") || continue
        if [ "$sess" = "$1" ] && [ "$st" != Z ]; then
            printf '%s\n' "$pid"
        fi
    done
}

kill_uml() {
    # Kill UML's process group and anything else left in its session, and
    # reap the kernel process.  (Never fails: runs under set -e.)
    local pids
    if [ -n "$(session_pids "$uml_pid")" ]; then
        kill -KILL -- "-$uml_pid" 2>/dev/null || true
    fi
    for _ in $(seq 50); do
        pids=$(session_pids "$uml_pid")
        [ -n "$pids" ] || break
        # shellcheck disable=SC2086
        kill -KILL $pids 2>/dev/null || true
        sleep 0.1
    done
    if [ -n "${launcher_pid:-}" ]; then
        wait "$launcher_pid" 2>/dev/null || true
    fi
    pids=$(session_pids "$uml_pid")
    if [ -n "$pids" ]; then
        msg "warning: UML processes left over: $(echo "$pids" | tr '\n' ' ')"
    fi
    uml_pid=
}

# The launcher subshell runs UML as its own background job, so that the
# shell's "Aborted"-style notice of a crashed UML goes to console.log and
# not to our stderr.  It writes UML's PID to uml.pid.
t_start=$(now)
(
    cd "$run_dir" || exit 99
    ulimit -c 0
    env -i PATH="$PATH" ${preload:+LD_PRELOAD="$preload"} \
        setsid "$kernel" "${kargs[@]}" &
    echo "$!" >uml.pid
    wait "$!"
) </dev/null >"$run_dir/console.log" 2>&1 &
launcher_pid=$!
for _ in $(seq 100); do
    [ -s "$run_dir/uml.pid" ] && break
    sleep 0.05
done
uml_pid=$(cat "$run_dir/uml.pid" 2>/dev/null) || true
if ! is_uint "$uml_pid"; then
    kill -KILL "$launcher_pid" 2>/dev/null || true
    err "could not start $kernel"
fi
# UML's session id must be its PID (setsid did not fork), or we could not
# find all its processes later.
read -r _ _ _ uml_sid < <(proc_stat "$uml_pid") || true
if alive "$uml_pid" && [ "${uml_sid:-}" != "$uml_pid" ]; then
    msg "warning: UML (pid $uml_pid) is in session ${uml_sid:-?}, not its own"
fi

booted=0
state=running
while :; do
    alive "$uml_pid" || break
    if [ "$booted" = 0 ]; then
        if grep -q '^uml-init: init started' "$run_dir/console.log" 2>/dev/null; then
            booted=1
            t_booted=$(now)
        elif [ "$(( EPOCHSECONDS - ${t_start%.*} ))" -ge "$boot_timeout" ]; then
            state=boot-timeout
            break
        fi
    fi
    if [ "$EPOCHSECONDS" -ge "$deadline_epoch" ]; then
        state=timeout
        break
    fi
    sleep 0.1
done

if [ "$state" = running ]; then
    set +e
    wait "$launcher_pid"
    uml_rc=$?
    set -e
else
    uml_rc=
fi
t_end=$(now)
kill_uml
if [ "$booted" = 0 ] && grep -q '^uml-init: init started' "$run_dir/console.log"; then
    booted=1
    t_booted=$t_end
fi

show_tail() {
    # show_tail FILE N : last N lines of FILE on stderr, indented.
    [ -s "$1" ] || return 0
    msg "--- last lines of ${1##*/}:"
    tail -n "$2" "$1" | sed 's/^/uml:   /' >&2
}

if [ "$debug" = 1 ]; then
    msg "--- console log:"
    sed 's/^/uml:   /' "$run_dir/console.log" >&2
fi

if [ "$booted" = 0 ]; then
    show_tail "$run_dir/console.log" 15
    if [ "$state" = boot-timeout ]; then
        skip "linux.uml did not start guest-init within ${boot_timeout}s"
    fi
    if grep -q 'ptrace set fp regs failed' "$run_dir/console.log"; then
        skip "linux.uml cannot run on this CPU (ptrace XSAVE size mismatch) and the shim is unavailable (needs cc)"
    fi
    skip "linux.uml could not boot (exit status ${uml_rc:-?})"
fi

# Print whatever the guest script wrote, even after a failure.
print_outputs() {
    [ ! -f "$run_dir/stdout" ] || cat -- "$run_dir/stdout"
    [ ! -f "$run_dir/stderr" ] || cat -- "$run_dir/stderr" >&2
}

timing_of() { awk -v k="$1" '$1 == k { v = $2 } END { print v }' "$run_dir/timing" 2>/dev/null; }

report_timing() {
    local init_start setup_done script_start script_end s
    init_start=$(timing_of init_start)
    script_start=$(timing_of script_start)
    script_end=$(timing_of script_end)
    s="boot $(secs_between "$t_start" "${init_start:-$t_booted}")s"
    if [ -n "$script_start" ]; then
        setup_done=$script_start
        s="$s, guest setup $(secs_between "${init_start:-$t_booted}" "$setup_done")s"
        s="$s (boot to ready $(secs_between "$t_start" "$setup_done")s)"
    fi
    if [ -n "$script_start" ] && [ -n "$script_end" ]; then
        s="$s, guest script $(secs_between "$script_start" "$script_end")s"
    fi
    s="$s, total (boot to poweroff) $(secs_between "$t_start" "$t_end")s"
    printf '%s\n' "$s" >"$run_dir/timing.txt"
    [ "$quiet" = 1 ] || msg "timing: $s"
}

case $state in
    timeout|boot-timeout)
        print_outputs
        show_tail "$run_dir/init.log" 10
        show_tail "$run_dir/console.log" 10
        msg "TIMEOUT: the guest did not finish within ${timeout_secs}s; UML killed"
        exit 124
        ;;
esac

if [ -s "$run_dir/setup-failed" ]; then
    show_tail "$run_dir/init.log" 25
    err "guest setup failed: $(tail -n 1 "$run_dir/setup-failed")"
fi
if [ ! -s "$run_dir/status" ]; then
    print_outputs
    show_tail "$run_dir/init.log" 15
    show_tail "$run_dir/console.log" 20
    err "the guest ended without a status for the guest script (UML exit ${uml_rc:-?})"
fi

status=$(cat "$run_dir/status")
is_uint "$status" || err "bad guest status '$status'"
print_outputs
report_timing
if [ -f "$run_dir/timed-out" ]; then
    msg "TIMEOUT: the guest script did not finish within $(cat "$run_dir/timed-out")s (overall limit ${timeout_secs}s); killed"
    exit 124
fi
exit "$status"
