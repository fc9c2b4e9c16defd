#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# nfscheck fleet on a real root-squashed NFS export (user-mode Linux,
# tests/uml/guest-fleet.sh): 200 users with NFS homes, some already fixed,
# and one unmounted autofs home served by a real automount. Fleet names the
# failing ones, leaves the autofs home unmounted, and when the NFS server
# stops in the middle of a run it ends within --timeout plus 1 s and reports
# the users' server as not responding.
. "$TESTS_SRCDIR/lib.sh"

command -v automount >/dev/null || skip_all "autofs is not installed"
command -v jq >/dev/null || skip_all "jq is not installed"
uml_prepare
uml_guest FLEET "$uml/guest-fleet.sh"
done_testing
