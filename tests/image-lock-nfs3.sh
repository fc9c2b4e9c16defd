#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# One host at a time over real NFSv3 (user-mode Linux): tests/image-lock-nfs.sh's
# two hosts, each with its own rpcbind and rpc.statd, locking through NLM.
# The second host is refused while the first holds the image, and still
# after the first host dies (an NLM lock has no lease); when the first host
# boots again, its statd's reboot notice frees its lock at the server and
# the second host attaches. The XFS is never mounted read-write on both.
# The takeover time after the reboot is printed as a diagnostic.
. "$TESTS_SRCDIR/lib.sh"

uml_prepare

uml_guest "NFSv3" --nfs-vers 3 --uid 4620 --gid 4620 "$uml/guest-imagelock.sh"

done_testing
