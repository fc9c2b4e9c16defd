#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The man page, --help and README agree: every option a command's help
# lists is in the man page, every exit status is documented in both, and
# the man page renders without warnings.
. "$TESTS_SRCDIR/lib.sh"

man=$TESTS_SRCDIR/../man/nfscheck.1
readme=$TESTS_SRCDIR/../README.md

# man source with roff escapes for '-' undone, for plain matching.
plain=$(sed 's/\\-/-/g; s/\\(em/-/g' "$man")

for c in config diagnose fix server fleet; do
	help=$("$NFSCHECK" "$c" --help)
	for o in $(grep -oE -- '--[a-z][a-z-]+' <<<"$help" | sort -u); do
		grep -qF -- "$o" <<<"$plain"; ok $? "man page documents '$c $o'"
	done
done

main=$("$NFSCHECK" --help)
for st in 0 1 2 64 77; do
	grep -qE "^  $st " <<<"$main"; ok $? "--help documents exit status $st"
	grep -qE "^\.B $st\$" "$man"; ok $? "man page documents exit status $st"
done
for c in diagnose fix config server fleet help; do
	grep -q "^\.SS $c\$" "$man"; ok $? "man page has a section for $c"
done

if command -v groff >/dev/null; then
	w=$(groff -man -Tutf8 -ww -z "$man" 2>&1)
	[ -z "$w" ]; ok $? "man page renders without warnings" || diag "$w"
else
	skip "groff is not installed"
fi

# README: the first two commands are the install/build/diagnose one and the test one.
cmds=$(grep -E '^    ' "$readme" | head -2)
grep -q 'nfscheck diagnose' <<<"$(head -1 <<<"$cmds")"; ok $? "README's first command runs nfscheck diagnose"
grep -q 'tests/run-all.sh' <<<"$(tail -1 <<<"$cmds")"; ok $? "README's second command runs the test suite"
grep -q 'tests/run-all.sh' "$TESTS_SRCDIR/../.ci/run"; ok $? ".ci/run runs the README's test command"

done_testing
