#!/bin/bash
# nfscheck server and diagnose's NFS checks against a real kernel NFS server
# with rpcbind, rpc.statd and nfsd under user-mode Linux, NFSv4.2 and NFSv3:
# versions and registrations, rpc.statd stopped (NFSv3 locks block, and
# the cause is named), nfsd stopped (not responding, within deadlines), and
# a soft,nolock mount.
. "$TESTS_SRCDIR/lib.sh"

[ "$(id -u)" -eq 0 ] || skip_all "needs root to boot user-mode Linux with an NFS server"
command -v jq >/dev/null || skip_all "jq is not installed"
# The guest's /tmp is the host's (its /var/tmp is private).
nfscheck_for_users /tmp || skip_all "cannot copy nfscheck for the test user"
trap 'rm -rf "$NFSCHECK_COPY_DIR"' EXIT

for vers in 4.2 3; do
	uml_guest "NFSv$vers" --nfs-vers "$vers" "$TESTS_SRCDIR/uml/guest-server.sh"
done
# The mount options that warn.
uml_guest "NFSv3 soft,nolock" --nfs-vers 3 --mount-opts soft,nolock "$TESTS_SRCDIR/uml/guest-nfs-options.sh"

done_testing
