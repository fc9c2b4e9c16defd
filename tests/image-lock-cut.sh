#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# One host at a time, the limit (user-mode Linux, NFSv4.2, lease 10 s): the
# host that holds the image is cut off from the server but stays up, its
# user writing to the XFS. The server lets its lease expire and the other
# host takes the lock; the cut-off host's holder notices nothing, and when
# its link comes back its kernel reports the lost lock and the writes it
# made meanwhile reach the server. That the holder should then stop the
# XFS is shown as a diagnostic, not a check. The takeover time is printed as a diagnostic.
. "$TESTS_SRCDIR/lib.sh"

uml_prepare

uml_guest "NFSv4.2 cut off" --nfs-vers 4.2 --uid 4621 --gid 4621 "$uml/guest-imagelock.sh" cut

done_testing
