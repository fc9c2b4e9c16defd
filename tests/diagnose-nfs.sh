#!/bin/bash
# `nfscheck diagnose` against a real kernel NFS server and client (user-mode
# Linux), NFSv4.2 and NFSv3, root_squash, the user's home on NFS: the
# verdict, the probe's EPERM, the fix after moving the graphroot, real
# podman agreeing, and a stopped server reported within the deadline.
. "$TESTS_SRCDIR/lib.sh"

[ "$(id -u)" -eq 0 ] || skip_all "needs root to boot user-mode Linux with an NFS server"
command -v jq >/dev/null || skip_all "jq is not installed"
uml=$TESTS_SRCDIR/uml
# The guest's /tmp is the host's (its /var/tmp is private).
nfscheck_for_users /tmp || skip_all "cannot copy nfscheck for the test user"
trap 'rm -rf "$NFSCHECK_COPY_DIR"' EXIT

for vers in 4.2 3; do
	uml_guest "NFSv$vers" --nfs-vers "$vers" "$uml/guest-diagnose.sh"
done
# User namespaces switched off in the guest's own kernel (the host's stays as it is).
uml_guest userns --no-nfs "$uml/guest-userns.sh"

done_testing
