#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Each Podman release line (4.3.1, 5.4.2, 5.8.6, 6.1.1) with the user's home
# on a real root-squashed NFS mount (user-mode Linux), NFSv4.2 and NFSv3:
# diagnose predicts podman import's failure, and after fix --graphroot both
# agree that it works; the same, separately, after fix --image (an XFS image
# in the NFS home), whose layer must land in that XFS. Both in one boot per
# NFS version (tests/uml/guest-releases.sh).
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/release-lib.sh"

command -v jq >/dev/null || skip_all "jq is not installed"
uml_prepare
# The trees are made here, on the host; the guest only reads them.
for rel in $REL_ALL; do
	"$TESTS_SRCDIR/release-tree.sh" "$rel" >/dev/null ||
		{ command -v mmdebstrap >/dev/null || skip_all "mmdebstrap is not installed"; ok 1 "the $rel tree"; }
done
# About 4 minutes a boot on an idle machine; the limit allows for a loaded one.
for vers in 4.2 3; do
	UML_GUEST_TIMEOUT=1500 uml_guest "releases NFSv$vers" --nfs-vers "$vers" --uid 4600 --gid 4600 \
		-e RELEASES="${RELEASES:-$REL_ALL}" "$uml/guest-releases.sh"
done
done_testing
