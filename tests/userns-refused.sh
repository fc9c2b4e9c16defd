#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A kernel that refuses user namespaces (a seccomp filter, tests/no-userns.c,
# fails unshare and clone with CLONE_NEWUSER with EPERM, as a security
# module or a runtime's profile does): diagnose says so in the userns check
# and skips the probe, both as the user (the namespace is asked for in
# process) and as root with --user (in a child that became the user); the
# same runs without the filter pass the check, so the filter is what the
# check sees.
. "$TESTS_SRCDIR/lib.sh"
NS_UID=4480 NS_NAME=nfsnouserns
. "$TESTS_SRCDIR/nscase.sh"

command -v jq >/dev/null || skip_all "jq is not installed"
command -v cc >/dev/null || skip_all "no C compiler for tests/no-userns.c"
ns_require
cc -O2 -o "$ns_top/no-userns" "$TESTS_SRCDIR/no-userns.c" || skip_all "cannot compile no-userns.c"
chmod 755 "$ns_top/no-userns"

new_case refused
q=$(printf '%q ' "${ENV[@]}")
AS="setpriv --reuid=$NS_UID --regid=$NS_UID --clear-groups env -i $q"
ns_run <<-END_OF_NS
	$AS "$NFSCHECK" diagnose --json >"$case_dir/free-user.json" 2>"$case_dir/free-user.err"
	"$NFSCHECK" diagnose --user $NS_NAME --json >"$case_dir/free-root.json" 2>"$case_dir/free-root.err"
	"$ns_top/no-userns" $AS "$NFSCHECK" diagnose --json >"$case_dir/user.json" 2>"$case_dir/user.err"
	echo \$? >"$case_dir/user.rc"
	"$ns_top/no-userns" "$NFSCHECK" diagnose --user $NS_NAME --json >"$case_dir/root.json" 2>"$case_dir/root.err"
	echo \$? >"$case_dir/root.rc"
END_OF_NS

status() { jq -r --arg id "$2" '.checks[] | select(.id == $id) | .status' "$case_dir/$1.json" 2>/dev/null; }
for who in user root; do
	[ "$(status "free-$who" userns)" = ok ]
	ok $? "no filter, as $who: the userns check passes ($(status "free-$who" userns))" ||
		diag "$(cat "$case_dir/free-$who.err"; tail -5 "$case_dir/ns.log")"
	[ "$(cat "$case_dir/$who.rc")" = 1 ] && [ "$(status "$who" userns)" = fail ] &&
		jq -e '.checks[] | select(.id == "userns") | .summary | test("EPERM")' "$case_dir/$who.json" >/dev/null
	ok $? "user namespaces refused, as $who: exit 1, userns fails with EPERM" ||
		diag "$(cat "$case_dir/$who.err"; jq -c '.checks[] | select(.id == "userns")' "$case_dir/$who.json" 2>&1)"
	[ "$(status "$who" probe)" = skip ]
	ok $? "user namespaces refused, as $who: the probe is not run ($(status "$who" probe))"
done

done_testing
