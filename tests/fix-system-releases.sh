#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# `nfscheck fix --system` on a machine of each Podman release line
# (tests/release-lib.sh) with no /etc/containers/storage.conf and no
# /usr/share one: afterwards a user's real `podman info` uses the template's
# graphroot and logs no error (Podman 4.3 logs one for an /etc file without
# a driver). nfscheck finds the release itself, as root, in the tree.
. "$TESTS_SRCDIR/lib.sh"

command -v jq >/dev/null || skip_all "jq is not installed"
NS_UID=4415 NS_NAME=nfsfixrel
. "$TESTS_SRCDIR/release-lib.sh"
rel_require

template='/var/tmp/nfscheck-sys-$USER/containers/storage'
want=/var/tmp/nfscheck-sys-$NS_NAME/containers/storage

for rel in ${ORACLE_RELEASES:-$REL_ALL}; do
	t0=$(date +%s)
	if ! rel_case "$rel" fix-system bare; then
		if [ -n "$rel_absent" ]; then skip "$rel_why"; else ok 1 "$rel: release tree: $rel_why"; fi
		continue
	fi
	o=$case_dir/out
	mkdir -p "$o"
	rel_run <<-EOF
		"\$NFSCHECK" fix --system --graphroot-template '$template' >"$o/fix.out" 2>"$o/fix.err"
		echo \$? >"$o/fix.rc"
		cp -r /etc/containers "$o/etc-after"
		as_user timeout -k 5 120 podman info --format json >"$o/podman.out" 2>"$o/podman.err"
		echo \$? >"$o/podman.rc"
	EOF
	rc=$(cat "$o/fix.rc" 2>/dev/null)
	[ "$rc" = 0 ]; ok $? "$rel: fix --system exits 0 (exit $rc)" || diag "$(cat "$o/fix.err" "$case_dir/rel.log")"
	diag "$rel: $(head -1 "$o/fix.out")"
	rc=$(cat "$o/podman.rc" 2>/dev/null)
	[ "$rc" = 0 ]; ok $? "$rel: podman info works afterwards (exit $rc)" || diag "$(tail -3 "$o/podman.err")"
	g=$(sed -n '/^{/,$p' "$o/podman.out" | jq -r .store.graphRoot 2>/dev/null)
	[ "$g" = "$want" ]; ok $? "$rel: podman uses the template's graphroot" || diag "podman: $g" "wanted: $want"
	errs=$(grep -v 'level=warning' "$o/podman.err" | grep -i -e 'level=error' -e 'must be set' -e '^Error')
	[ -z "$errs" ]; ok $? "$rel: podman logs no error" || diag "$errs" "written: $(find "$o/etc-after" -path "*storage*" -name "*.conf" -exec cat {} + 2>/dev/null | head -20)"
	diag "$rel: $(($(date +%s) - t0)) s"
done
done_testing
