#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# nfscheck server and diagnose's NFS checks against a real kernel NFS server
# with rpcbind, rpc.statd and nfsd under user-mode Linux, NFSv4.2 and NFSv3:
# versions and registrations, rpc.statd stopped (NFSv3 locks block, and
# the cause is named), nfsd stopped (not serving NFS, within deadlines), and
# a soft,nolock mount.
. "$TESTS_SRCDIR/lib.sh"

command -v jq >/dev/null || skip_all "jq is not installed"
uml_prepare

for vers in 4.2 3; do
	uml_guest "NFSv$vers" --nfs-vers "$vers" "$uml/guest-server.sh"
done
# The mount options that warn.
uml_guest "NFSv3 soft,nolock" --nfs-vers 3 --mount-opts soft,nolock "$uml/guest-nfs-options.sh"

done_testing
