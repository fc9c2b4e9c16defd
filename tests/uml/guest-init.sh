#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# shellcheck source-path=SCRIPTDIR
# guest-init.sh - PID 1 of the user-mode Linux guest started by uml-run.sh.
#
# Not meant to be run by hand.  The kernel starts it with the host's / as a
# read-only hostfs root and UML_RUN_DIR=<run dir> in the environment (from
# the kernel command line).  It
#   1. mounts a separate, writable hostfs instance on the run dir (the only
#      place where the guest writes to the host),
#   2. makes an overlay of the read-only host root with a tmpfs upper layer
#      and pivots into it, so everything else the guest writes (including
#      /etc/passwd, /etc/exports, /var/lib/nfs, ...) stays in guest memory,
#   3. sets up an NFS server exporting a tmpfs (or an XFS/ext4 image on
#      tmpfs), a test user whose home is on the NFS mount, and podman's
#      prerequisites,
#   4. runs the guest script as root, stdout/stderr/exit status to the run
#      dir, and powers off.
# Its own log is RUN_DIR/init.log; daemon logs are in RUN_DIR/logs/.
# Configuration comes from RUN_DIR/env (written by uml-run.sh); the
# variables are described in README.md.

set -u
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
umask 022

RUN_DIR=${UML_RUN_DIR:-}
NEWROOT=
INIT_LOG=

# ---------------------------------------------------------------- helpers

now() { printf '%s' "${EPOCHREALTIME:-$(date +%s.%N)}"; }

log() {
    printf 'uml-init: %s\n' "$*"
}

mark() {
    # Append "NAME EPOCH-SECONDS" to RUN_DIR/timing.
    printf '%s %s\n' "$1" "$(now)" >>"$RUN_DIR/timing" 2>/dev/null || true
}

sync_run_dir() {
    # syncfs(2) of the run dir's hostfs only: a plain sync would block for
    # ever on a dead NFS mount.  hostfs caches writes in the guest's page
    # cache, so this is what makes the files reach the host.
    timeout -s KILL 30 sync -f "$RUN_DIR/timing" 2>/dev/null || true
}

power_off() {
    sync_run_dir
    poweroff -f >/dev/null 2>&1
    # Should not get here; make sure the guest ends anyway.
    echo o >/proc/sysrq-trigger 2>/dev/null
    while :; do sleep 1000; done
}

die() {
    log "FATAL: $*"
    if [ -n "$RUN_DIR" ] && [ -n "$INIT_LOG" ]; then
        printf '%s\n' "$*" >>"$RUN_DIR/setup-failed"
    else
        # The run dir is not usable: the console is all there is.
        printf 'uml-init: FATAL: %s\n' "$*" >/dev/console 2>&1
    fi
    power_off
}

# run DESCRIPTION CMD... : run CMD, die with DESCRIPTION if it fails.
run() {
    local what=$1 rc
    shift
    "$@"
    rc=$?
    [ "$rc" -eq 0 ] || die "$what failed (exit $rc): $*"
}

is_mounted() { mountpoint -q "$1"; }

# ------------------------------------------- phase 1: run dir, overlay root
# (mount -n: /run is still the read-only host directory, where libmount
# would try to record some mounts.)

[ "$$" -eq 1 ] || { echo "guest-init.sh must run as PID 1 inside UML" >&2; exit 2; }

# uml-run.sh watches the console (which it sees at once, unlike files
# written through hostfs) for this line to know that the guest booted.
echo "uml-init: init started"

mount -n -t proc proc /proc || die "mount /proc"

case $RUN_DIR in
    /*) ;;
    *) die "UML_RUN_DIR not set on the kernel command line" ;;
esac
[ -d "$RUN_DIR" ] || die "run dir $RUN_DIR does not exist"

# The root hostfs is read-only; this second hostfs instance, rooted at the
# run dir, is the guest's only writable window onto the host.
mount -n -t hostfs -o "$RUN_DIR" uml-run "$RUN_DIR" || die "mount hostfs on $RUN_DIR"

INIT_LOG=$RUN_DIR/init.log
exec >>"$INIT_LOG" 2>&1
mark init_start
log "guest kernel $(uname -r), up $(cut -d' ' -f1 /proc/uptime) s"

declare -a GUEST_ARGV=() GUEST_ENV=()
[ -r "$RUN_DIR/env" ] || die "$RUN_DIR/env missing"
# shellcheck source=/dev/null
. "$RUN_DIR/env" || die "cannot read $RUN_DIR/env"

if [ "${UML_DEBUG:-0}" = 1 ]; then
    PS4='+ ${EPOCHREALTIME} '
    set -x
fi

KVER=$(uname -r)
MODSRC=/usr/lib/uml/modules/$KVER
[ -d "$MODSRC" ] || die "no UML modules in $MODSRC (package user-mode-linux)"

if ! grep -qw overlay /proc/filesystems; then
    run "load overlay module" insmod "$MODSRC/kernel/fs/overlayfs/overlay.ko"
fi

SCRATCH=$RUN_DIR/root           # created (empty) by uml-run.sh
[ -d "$SCRATCH" ] || die "$SCRATCH missing"
run "mount scratch tmpfs" mount -n -t tmpfs -o mode=0755 uml-scratch "$SCRATCH"
mkdir -p "$SCRATCH/upper" "$SCRATCH/work" "$SCRATCH/new"
run "mount overlay root" mount -n -t overlay \
    -o "lowerdir=/,upperdir=$SCRATCH/upper,workdir=$SCRATCH/work" \
    uml-root "$SCRATCH/new"
NEWROOT=$SCRATCH/new

# /tmp stays the overlay (private, but the host's files stay visible: the
# guest script or the tree it tests may live in /tmp).
run "mount /run" mount -n -t tmpfs -o mode=0755,nosuid,nodev uml-runfs "$NEWROOT/run"
# The run dir is parked at /run/uml/rundir and moved to its own path once
# all of the guest's tmpfs mounts are in place (it may be below /var/tmp).
mkdir -p "$NEWROOT/run/uml/rundir" "$NEWROOT/run/uml/oldroot"
run "bind run dir" mount -n --bind "$RUN_DIR" "$NEWROOT/run/uml/rundir"
is_mounted /dev || mount -n -t devtmpfs devtmpfs /dev
run "move /dev" mount -n --move /dev "$NEWROOT/dev"
run "move /proc" mount -n --move /proc "$NEWROOT/proc"
cd "$NEWROOT" || die "cd $NEWROOT"
run "pivot_root" pivot_root . run/uml/oldroot
cd / || die "cd /"
RUN_DIR=/run/uml/rundir
umount -l /run/uml/oldroot || die "cannot detach old root"
rmdir /run/uml/oldroot 2>/dev/null

# ---------------------------------------------------- phase 2: basic system

mount -t sysfs -o nosuid,nodev,noexec sysfs /sys || die "mount /sys"
mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup 2>/dev/null ||
    log "warning: cannot mount cgroup2"
mkdir -p /dev/pts /dev/shm /dev/mqueue
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5 devpts /dev/pts ||
    die "mount devpts"
ln -sf pts/ptmx /dev/ptmx
mount -t tmpfs -o mode=1777,nosuid,nodev shm /dev/shm || die "mount /dev/shm"
mount -t mqueue mqueue /dev/mqueue 2>/dev/null || true
ln -sfn /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
mount -t tmpfs -o mode=1777,nosuid,nodev uml-vartmp /var/tmp || die "mount /var/tmp"
mount -t tmpfs -o mode=0755 uml-varlog /var/log || die "mount /var/log"
mkdir -p /run/lock /run/user /run/uml/pids /run/uml/log
chmod 1777 /run/lock
chmod 0755 /run/user
mkdir -p "$UML_RUN_DIR" || die "mkdir $UML_RUN_DIR"
run "move run dir" mount --move /run/uml/rundir "$UML_RUN_DIR"
RUN_DIR=$UML_RUN_DIR
# Shared propagation, as systemd sets it up (podman warns otherwise).
# (After the moves: a mount below a shared one cannot be moved.)
mount --make-rshared / || log "warning: cannot make / shared"

UML_LOG_DIR=$RUN_DIR/logs
UML_PID_DIR=/run/uml/pids
mkdir -p "$UML_LOG_DIR" || die "mkdir $UML_LOG_DIR"
export UML_LOG_DIR UML_PID_DIR

hostname nfscheck-uml
echo nfscheck-uml >/etc/hostname
ip link set lo up || die "ip link set lo up"

# modprobe looks in /usr/lib/modules/<version>; UML ships its modules in
# /usr/lib/uml/modules/<version>.  The directory is created in the overlay.
mkdir -p "/usr/lib/modules/$KVER" || die "mkdir /usr/lib/modules/$KVER"
run "bind modules" mount --bind "$MODSRC" "/usr/lib/modules/$KVER"
run "modprobe loop fuse overlay" modprobe -a loop fuse overlay
mark base_done

# -------------------------------------------------- configuration defaults

: "${NFS_ENABLE:=1}"
: "${NFS_VERS:=4.2}"
: "${NFS_EXPORT:=/srv/nfs}"
: "${NFS_MNT:=/mnt/nfs}"
: "${NFS_EXPORT_FS:=tmpfs}"
: "${NFS_EXPORT_SIZE:=512M}"
: "${NFS_EXPORT_OPTS:=rw,sync,root_squash,no_subtree_check}"
: "${NFS_MOUNT_OPTS:=hard}"
: "${NFS_HOME:=1}"
: "${NFSD_THREADS:=4}"
: "${NFSD_GRACE_TIME:=10}"
: "${NFSD_LEASE_TIME:=10}"
: "${NFS_FAST_GRACE:=1}"
: "${TEST_USER:=nfsuser}"
: "${TEST_UID:=2345}"
: "${TEST_GID:=2345}"
: "${TEST_HOME_MODE:=0700}"
: "${TEST_SUBID_START:=200000}"
: "${TEST_SUBID_COUNT:=65536}"
[ "$NFS_ENABLE" = 1 ] || NFS_HOME=0
if [ -z "${TEST_HOME:-}" ]; then
    if [ "$NFS_HOME" = 1 ]; then
        TEST_HOME=$NFS_MNT/$TEST_USER
    else
        TEST_HOME=/home/$TEST_USER
    fi
fi
NFS_SERVER=127.0.0.1

case $NFS_VERS in
    3|4|4.0|4.1|4.2) ;;
    *) die "NFS_VERS must be 3, 4, 4.0, 4.1 or 4.2, not '$NFS_VERS'" ;;
esac
case $NFS_EXPORT_FS in
    tmpfs|xfs|ext4) ;;
    *) die "NFS_EXPORT_FS must be tmpfs, xfs or ext4, not '$NFS_EXPORT_FS'" ;;
esac
for v in NFS_EXPORT NFS_MNT TEST_HOME; do
    case ${!v} in
        /?*) ;;
        *) die "$v must be an absolute path, not '${!v}'" ;;
    esac
done
case $TEST_USER in
    [a-z_]*) ;;
    *) die "bad TEST_USER '$TEST_USER'" ;;
esac
for v in TEST_UID TEST_GID TEST_SUBID_START TEST_SUBID_COUNT NFSD_THREADS; do
    case ${!v} in
        ''|*[!0-9]*) die "$v must be a number, not '${!v}'" ;;
    esac
done
if [ "$NFS_HOME" = 1 ]; then
    case $TEST_HOME in
        "$NFS_MNT"/?*) ;;
        *) die "TEST_HOME ($TEST_HOME) must be below NFS_MNT ($NFS_MNT) when NFS_HOME=1" ;;
    esac
fi

# The export gets fsid=0 unless NFS_EXPORT_OPTS has an fsid= of its own:
# tmpfs needs an fsid, and NFSv4 needs the export to be its pseudo-root
# (nfsd cannot make one from the guest's overlay root).  With fsid=0 the
# NFSv4 source is "SERVER:/"; NFSv3 always mounts the path.
case ,$NFS_EXPORT_OPTS, in
    *,fsid=0,*) FSID0=1 ;;
    *,fsid=*) FSID0=0 ;;
    *) FSID0=1; NFS_EXPORT_OPTS=$NFS_EXPORT_OPTS,fsid=0 ;;
esac
if [ "$FSID0" = 1 ] && [ "${NFS_VERS%%.*}" = 4 ]; then
    NFS_SOURCE=$NFS_SERVER:/
else
    NFS_SOURCE=$NFS_SERVER:$NFS_EXPORT
fi

export NFS_ENABLE NFS_VERS NFS_EXPORT NFS_MNT NFS_EXPORT_FS NFS_EXPORT_SIZE \
    NFS_EXPORT_OPTS NFS_MOUNT_OPTS NFS_HOME NFS_FAST_GRACE NFSD_THREADS NFSD_GRACE_TIME \
    NFSD_LEASE_TIME NFS_SERVER NFS_SOURCE TEST_USER TEST_UID TEST_GID \
    TEST_HOME TEST_HOME_MODE TEST_SUBID_START TEST_SUBID_COUNT

GUEST_LIB=$UML_DIR/guest-lib.sh
[ -r "$GUEST_LIB" ] || die "$GUEST_LIB missing"
# shellcheck source=guest-lib.sh
. "$GUEST_LIB" || die "cannot load $GUEST_LIB"

# ------------------------------------------------------------ phase 3: user

# /etc is in the overlay: these edits change guest-private copies only.
if getent passwd "$TEST_USER" >/dev/null || getent passwd "$TEST_UID" >/dev/null; then
    die "user $TEST_USER or UID $TEST_UID already exists on the host; choose another (--uid/--user)"
fi
if getent group "$TEST_USER" >/dev/null || getent group "$TEST_GID" >/dev/null; then
    die "group $TEST_USER or GID $TEST_GID already exists on the host; choose another (--gid/--user)"
fi
printf '%s:x:%s:%s:nfscheck test user:%s:/bin/bash\n' \
    "$TEST_USER" "$TEST_UID" "$TEST_GID" "$TEST_HOME" >>/etc/passwd || die "edit /etc/passwd"
printf '%s:x:%s:\n' "$TEST_USER" "$TEST_GID" >>/etc/group || die "edit /etc/group"
for f in /etc/subuid /etc/subgid; do
    if [ -e "$f" ]; then
        grep -v "^$TEST_USER:" "$f" >"$f.new"
    fi
    printf '%s:%s:%s\n' "$TEST_USER" "$TEST_SUBID_START" "$TEST_SUBID_COUNT" >>"$f.new"
    mv -f "$f.new" "$f" || die "edit $f"
done
install -d -m 0700 -o "$TEST_UID" -g "$TEST_GID" "/run/user/$TEST_UID" ||
    die "create /run/user/$TEST_UID"

make_home() {
    # make_home DIR : the user's home, owned by the user, with /etc/skel.
    mkdir -p "$1" || return 1
    if [ -d /etc/skel ]; then
        cp -a /etc/skel/. "$1/" || return 1
    fi
    chown -R "$TEST_UID:$TEST_GID" "$1" && chmod "$TEST_HOME_MODE" "$1"
}

if [ "$NFS_HOME" != 1 ]; then
    # A local home on its own tmpfs (not the overlay: podman's overlay
    # driver cannot use an overlay as its upper layer).
    mkdir -p "$TEST_HOME" || die "mkdir $TEST_HOME"
    run "mount local home" mount -t tmpfs -o "mode=$TEST_HOME_MODE,uid=$TEST_UID,gid=$TEST_GID" \
        uml-home "$TEST_HOME"
    run "populate home" make_home "$TEST_HOME"
fi

# ------------------------------------------------------- phase 4: NFS server

if [ "$NFS_ENABLE" = 1 ]; then
    run "modprobe NFS modules" modprobe -a sunrpc lockd nfsd nfs nfsv3 nfsv4
    run "mount nfsd" mount -t nfsd nfsd /proc/fs/nfsd
    mkdir -p /run/rpc_pipefs
    mount -t rpc_pipefs sunrpc /run/rpc_pipefs || log "warning: cannot mount rpc_pipefs"

    # Fresh NFS state, not the host's.
    run "mount /var/lib/nfs" mount -t tmpfs -o mode=0755 uml-nfsstate /var/lib/nfs
    mkdir -p /var/lib/nfs/sm /var/lib/nfs/sm.bak /var/lib/nfs/v4recovery \
        /var/lib/nfs/nfsdcld
    : >/var/lib/nfs/etab
    : >/var/lib/nfs/rmtab
    : >/var/lib/nfs/state
    if getent passwd statd >/dev/null; then
        chown statd /var/lib/nfs/sm /var/lib/nfs/sm.bak /var/lib/nfs/state
    fi

    # The exported file system.
    mkdir -p "$NFS_EXPORT" || die "mkdir $NFS_EXPORT"
    case $NFS_EXPORT_FS in
        tmpfs)
            run "mount export tmpfs" mount -t tmpfs -o "mode=0755,size=$NFS_EXPORT_SIZE" \
                uml-export "$NFS_EXPORT"
            ;;
        xfs|ext4)
            mkdir -p /run/uml/export
            run "mount image tmpfs" mount -t tmpfs -o mode=0700 uml-image /run/uml/export
            run "create image" truncate -s "$NFS_EXPORT_SIZE" /run/uml/export/export.img
            if [ "$NFS_EXPORT_FS" = xfs ]; then
                run "mkfs.xfs" mkfs.xfs -q /run/uml/export/export.img
            else
                run "mkfs.ext4" mkfs.ext4 -q -F /run/uml/export/export.img
            fi
            run "mount export image" mount -o loop /run/uml/export/export.img "$NFS_EXPORT"
            chmod 0755 "$NFS_EXPORT"
            ;;
    esac

    printf '%s %s(%s)\n' "$NFS_EXPORT" "$NFS_SERVER" "$NFS_EXPORT_OPTS" >/etc/exports ||
        die "write /etc/exports"
    rm -rf /etc/exports.d

    run "start rpcbind" _uml_start_daemon rpcbind rpcbind -f -w
    _uml_wait_for 10 rpcinfo -p 127.0.0.1 || die "rpcbind does not answer"
    run "exportfs" exportfs -ra
    run "start rpc.mountd" _uml_start_daemon mountd rpc.mountd --foreground
    run "start rpc.statd" start_statd
    _uml_wait_for 10 _uml_rpc_registered mountd || die "rpc.mountd did not register"
    run "start rpc.nfsd" start_nfs_server --no-wait

    if [ "$NFS_HOME" = 1 ]; then
        run "create home on the export" make_home "$NFS_EXPORT/${TEST_HOME#"$NFS_MNT"/}"
    fi

    mkdir -p "$NFS_MNT" || die "mkdir $NFS_MNT"
    mopts=vers=$NFS_VERS
    [ -n "$NFS_MOUNT_OPTS" ] && mopts=$mopts,$NFS_MOUNT_OPTS
    NFS_MOUNT_OPTIONS=$mopts
    export NFS_MOUNT_OPTIONS
    run "mount $NFS_SOURCE" timeout -s KILL 60 \
        mount -t nfs -o "$mopts" "$NFS_SOURCE" "$NFS_MNT"
    log "mounted: $(findmnt -n -o SOURCE,FSTYPE,OPTIONS "$NFS_MNT")"
    wait_nfs_grace
    mark nfs_done
fi
export UML_LOG_DIR UML_PID_DIR GUEST_LIB

# ------------------------------------------------- phase 5: the guest script

# Remaining time before the host kills the guest, minus a margin for
# writing the results and powering off.
remaining=$(( ${UML_DEADLINE%%.*} - $(date +%s) - 5 ))
[ "$remaining" -ge 1 ] || die "no time left for the guest script (timeout too short)"

declare -a script_env=(
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
    HOME=/root USER=root LOGNAME=root SHELL=/bin/bash LANG=C.UTF-8 TERM=dumb
    UML_GUEST=1 RUN_DIR="$RUN_DIR" UML_DIR="$UML_DIR" GUEST_LIB="$GUEST_LIB"
    UML_LOG_DIR="$UML_LOG_DIR" UML_PID_DIR="$UML_PID_DIR"
    NFS_ENABLE="$NFS_ENABLE" NFS_VERS="$NFS_VERS" NFS_SERVER="$NFS_SERVER"
    NFS_EXPORT="$NFS_EXPORT" NFS_MNT="$NFS_MNT" NFS_SOURCE="$NFS_SOURCE"
    NFS_EXPORT_FS="$NFS_EXPORT_FS" NFS_EXPORT_OPTS="$NFS_EXPORT_OPTS"
    NFS_MOUNT_OPTS="$NFS_MOUNT_OPTS" NFS_MOUNT_OPTIONS="${NFS_MOUNT_OPTIONS:-}"
    NFS_HOME="$NFS_HOME" NFS_FAST_GRACE="$NFS_FAST_GRACE" NFSD_THREADS="$NFSD_THREADS"
    NFSD_GRACE_TIME="$NFSD_GRACE_TIME" NFSD_LEASE_TIME="$NFSD_LEASE_TIME"
    TEST_USER="$TEST_USER" TEST_UID="$TEST_UID" TEST_GID="$TEST_GID"
    TEST_HOME="$TEST_HOME" TEST_SUBID_START="$TEST_SUBID_START"
    TEST_SUBID_COUNT="$TEST_SUBID_COUNT"
    TEST_XDG_RUNTIME_DIR="/run/user/$TEST_UID"
    "${GUEST_ENV[@]}"
)

cwd=/
if [ -n "${UML_HOST_PWD:-}" ] && [ -d "$UML_HOST_PWD" ]; then
    cwd=$UML_HOST_PWD
fi

[ "${#GUEST_ARGV[@]}" -gt 0 ] || die "no guest script given"
log "running$(printf ' %q' "${GUEST_ARGV[@]}") (cwd $cwd, ${remaining}s left)"
mark script_start
SECONDS=0
(
    cd "$cwd" || exit 125
    exec timeout -k 5 "$remaining" env -i "${script_env[@]}" "${GUEST_ARGV[@]}"
) </dev/null >"$RUN_DIR/stdout" 2>"$RUN_DIR/stderr"
status=$?
elapsed=$SECONDS
mark script_end
if { [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; } && [ "$elapsed" -ge "$remaining" ]; then
    # timeout(1) stopped it (and not the script's own exit 124).
    echo "$remaining" >"$RUN_DIR/timed-out"
fi
log "guest script exited with status $status after ${elapsed}s"
printf '%s\n' "$status" >"$RUN_DIR/status"
mark poweroff
power_off
