#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A real CIFS home (Samba's smbd and the kernel's cifs client, both inside
# user-mode Linux): nfscheck diagnose predicts podman import's failure there,
# and after fix --graphroot both agree that it works.
. "$TESTS_SRCDIR/lib.sh"

command -v smbd >/dev/null || skip_all "samba is not installed"
command -v mount.cifs >/dev/null || skip_all "cifs-utils is not installed"
uml_prepare
uml_guest CIFS --no-nfs "$uml/guest-cifs.sh"
done_testing
