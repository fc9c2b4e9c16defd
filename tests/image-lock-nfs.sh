#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# One host at a time over real NFS (user-mode Linux): two NFS clients, each
# in its own network, UTS and mount namespace, share a root-squashed home.
# The second host's `fix --image` is refused while the first holds the
# image; when the first host dies, the second gets it once the server has
# let the first one's NFSv4 lease expire, and the XFS is never mounted
# read-write on both. The takeover time is printed as a diagnostic.
. "$TESTS_SRCDIR/lib.sh"

uml_prepare

uml_guest "NFSv4.2" --nfs-vers 4.2 "$uml/guest-imagelock.sh"

done_testing
