#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# README's two commands on a fresh Debian 12 machine, as a new user follows
# them: a minimal tree from mmdebstrap (tests/fresh-tree.sh), the repository
# copied into root's home, then command 1 exactly as README.md has it (read
# from README.md here, never copied into this file), run as root after
# `sudo -i` by an ordinary user (sudo's variables set as sudo sets them).
# It must succeed or report a problem (exit 0 or 1), install only what
# building and running need, keep apt's output off the screen and end in a
# verdict about the user who ran sudo. Then command 2's build step (without
# the test packages and the suite itself), then both again in the same tree,
# command 1 this time by root with no sudo: it must point at --user.
. "$TESTS_SRCDIR/lib.sh"

top=$(cd "$TESTS_SRCDIR/.." && pwd)
fresh=$TESTS_SRCDIR/fresh-tree.sh
[ "$(id -u)" -eq 0 ] || skip_all "needs root (mount namespace, pivot_root)"
command -v mmdebstrap >/dev/null || skip_all "mmdebstrap is not installed"

cmds=$(grep -E '^    ' "$top/README.md" | head -2 | sed 's/^    //')
cmd1=$(sed -n 1p <<<"$cmds")
cmd2=$(sed -n 2p <<<"$cmds")
[[ $cmd1 == *"nfscheck diagnose"* ]] && [[ $cmd2 == *"tests/run-all.sh"* ]]
ok $? "README's first two commands found" || diag "$cmds"
# Command 2 up to its build: no test packages, no suite.
cmd2_build="${cmd2/ --install/} --build-only"

work=$(mktemp -d /var/tmp/nfscheck-readme.XXXXXX)
trap 'rm -rf "$work"' EXIT
tree=$work/tree
t0=$(date +%s)
"$fresh" new "$tree"
rc=$?
[ "$rc" -eq 77 ] && skip_all "no fresh Debian tree: mmdebstrap or the archive is not available"
ok "$rc" "a fresh Debian 12 tree ($(( $(date +%s) - t0 )) s)" || { done_testing; exit; }

# The repository as a clone has it: the tracked files (the files of a
# tarball when this is one).
mkdir -p "$tree/root/nfscheck"
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	(cd "$top" && git ls-files -z | xargs -0 tar -cf - --no-recursion) | tar -xf - -C "$tree/root/nfscheck"
else
	tar -C "$top" --exclude='./_build*' --exclude='./autom4te.cache' -cf - . | tar -xf - -C "$tree/root/nfscheck"
fi
ok $? "the repository copied in"

# An ordinary user, as the Debian installer makes one (with subordinate IDs).
"$fresh" run "$tree" 'useradd -m -s /bin/bash alice' >"$work/useradd.out" 2>&1
ok $? "user alice created" || diag "$(cat "$work/useradd.out")"
uid=$(awk -F: '$1 == "alice" { print $3 }' "$tree/etc/passwd")
gid=$(awk -F: '$1 == "alice" { print $4 }' "$tree/etc/passwd")

pkgs() { "$fresh" run "$tree" "dpkg-query -W -f '\${Package}\n' | sort"; }
pkgs >"$work/pkgs.before"
mb0=$(du -sm --exclude="$tree/root" "$tree" | cut -f1)

# 1. Command 1, as root after `sudo -i` by alice.
t0=$(date +%s)
"$fresh" run "$tree" "cd /root/nfscheck && exec env SUDO_USER=alice SUDO_UID=$uid SUDO_GID=$gid \
	SUDO_COMMAND=/bin/bash bash -c $(printf %q "$cmd1")" >"$work/cmd1.out" 2>&1
rc=$?
t1=$(( $(date +%s) - t0 ))
[ "$rc" -eq 0 ] || [ "$rc" -eq 1 ]
ok $? "command 1 (after sudo -i): exit $rc, a verdict's status ($t1 s)" || diag "$(tail -30 "$work/cmd1.out")"

pkgs >"$work/pkgs.after"
new=$(comm -13 "$work/pkgs.before" "$work/pkgs.after")
mb1=$(du -sm --exclude="$tree/root" "$tree" | cut -f1)
diag "command 1 installed $(wc -l <<<"$new") packages, the tree grew by $((mb1 - mb0)) MB"
for p in build-essential libmount-dev libsubid-dev uidmap xfsprogs; do
	grep -qx "$p" <<<"$new"; ok $? "command 1 installed $p"
done
# What only the tests need stays out (the test set of install-deps.sh and
# the packages the issue found there), but for the few the build set pulls
# in as dependencies (dpkg-dev and patch by build-essential, python3).
test_only=$(comm -23 <(sh "$top/tests/install-deps.sh" --list --test | sort -u) \
	<(sh "$top/tests/install-deps.sh" --list | sort -u) | grep -vxE 'dpkg-dev|patch|python3')
for p in $test_only user-mode-linux valgrind nfs-kernel-server clang podman; do
	grep -qx "$p" <<<"$new" && echo "$p"
done >"$work/test-only"
[ ! -s "$work/test-only" ]; ok $? "command 1 installed no test-only package" || diag "$(cat "$work/test-only")"

! grep -qE '^(Unpacking|Setting up|Selecting previously) ' "$work/cmd1.out"
ok $? "apt's output is in a log, not on the screen"
# The report is the last thing printed, about alice, and ends in a verdict
# (then, when something failed, only the fix commands).
report=$(sed -n '/^nfscheck diagnose: /,$p' "$work/cmd1.out")
[[ $report == "nfscheck diagnose: alice (uid $uid)"* ]]; ok $? "diagnose checked alice, who ran sudo" || diag "$(tail -30 "$work/cmd1.out")"
tail_=$(sed -n '/^Verdict: /,$p' <<<"$report")
[ -n "$tail_" ] && ! sed 1d <<<"$tail_" | grep -qvE '^$|^To fix it, run these commands in this order:$|^    '
ok $? "command 1's output ends in a verdict" || diag "$(tail -15 "$work/cmd1.out")"
grep -qE '^nfscheck diagnose: root |^Verdict: .*(root.s own|rootful)' <<<"$report"
ok $(( ! $? )) "no report about root"
"$fresh" run "$tree" "setpriv --reuid=$uid --regid=$gid --clear-groups nfscheck --version" >"$work/user.out" 2>&1
grep -q '^nfscheck ' "$work/user.out"; ok $? "the ordinary user can run the installed nfscheck" || diag "$(cat "$work/user.out")"

# 2. Command 2's build step, in the same tree.
t0=$(date +%s)
"$fresh" run "$tree" "cd /root/nfscheck && $cmd2_build" >"$work/cmd2.out" 2>&1
ok $? "command 2's build step after command 1 ($(( $(date +%s) - t0 )) s)" || diag "$(tail -20 "$work/cmd2.out")"

# 3. Both again, command 1 by root with no sudo: a pointer to --user.
t0=$(date +%s)
"$fresh" run "$tree" "cd /root/nfscheck && $cmd1" >"$work/cmd1b.out" 2>&1
rc=$?
[ "$rc" -eq 64 ] && grep -q 'nfscheck diagnose --user NAME' "$work/cmd1b.out" && ! grep -q '^Verdict' "$work/cmd1b.out"
ok $? "command 1 again, as root without sudo: exit $rc, points at --user, no verdict ($(( $(date +%s) - t0 )) s)" ||
	diag "$(tail -20 "$work/cmd1b.out")"
"$fresh" run "$tree" "cd /root/nfscheck && $cmd2_build" >"$work/cmd2b.out" 2>&1
ok $? "command 2's build step again" || diag "$(tail -20 "$work/cmd2b.out")"

done_testing
