#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# `nfscheck fix` against a real root-squashed NFS home (user-mode Linux):
# --graphroot refuses NFS and moves the store off it, then podman works and
# diagnose passes; --image mounts read-write from the home itself, where a
# plain `mount -o loop` by root does not.
. "$TESTS_SRCDIR/lib.sh"

uml_prepare

for vers in 4.2 3; do
	uml_guest "NFSv$vers" --nfs-vers "$vers" "$uml/guest-fix.sh"
done

done_testing
