#!/bin/bash
# `nfscheck fix` against a real root-squashed NFS home (user-mode Linux):
# --graphroot refuses NFS and moves the store off it, then podman works and
# diagnose passes; --image mounts read-write from the home itself, where a
# plain `mount -o loop` by root does not.
. "$TESTS_SRCDIR/lib.sh"

[ "$(id -u)" -eq 0 ] || skip_all "needs root to boot user-mode Linux with an NFS server"
uml=$TESTS_SRCDIR/uml
nfscheck_for_users /tmp || skip_all "cannot copy nfscheck for the test user"
trap 'rm -rf "$NFSCHECK_COPY_DIR"' EXIT

for vers in 4.2 3; do
	uml_guest "NFSv$vers" "$uml" --nfs-vers "$vers" "$uml/guest-fix.sh"
done

done_testing
