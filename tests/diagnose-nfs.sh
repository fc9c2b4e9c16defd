#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# `nfscheck diagnose` against a real kernel NFS server and client (user-mode
# Linux), NFSv4.2 and NFSv3, root_squash, the user's home on NFS: the
# verdict, the probe's EPERM, the fix after moving the graphroot, real
# podman agreeing, and a stopped server reported within the deadline.
. "$TESTS_SRCDIR/lib.sh"

command -v jq >/dev/null || skip_all "jq is not installed"
uml_prepare

for vers in 4.2 3; do
	uml_guest "NFSv$vers" --nfs-vers "$vers" "$uml/guest-diagnose.sh"
done
# User namespaces switched off in the guest's own kernel (the host's stays as it is).
uml_guest userns --no-nfs "$uml/guest-userns.sh"

done_testing
