#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The test scripts keep the shared helpers' meaning: a script that sources
# lib.sh or nscase.sh defines none of their functions again. A script that
# redefined `diag` once made its failure paths rerun nfscheck with the
# message as arguments instead of printing it.
. "$TESTS_SRCDIR/lib.sh"

defined() { # FILE: the names of the functions FILE defines
	sed -nE 's/^[[:space:]]*([A-Za-z_][A-Za-z0-9_]*)\(\)[[:space:]]*\{.*/\1/p' "$1" | sort -u
}

helpers=$(cat <(defined "$TESTS_SRCDIR/lib.sh") <(defined "$TESTS_SRCDIR/nscase.sh") | sort -u)
[ -n "$helpers" ]; ok $? "lib.sh and nscase.sh define helpers"

while IFS= read -r f; do
	case $f in */lib.sh | */nscase.sh) continue ;; esac
	grep -qE '(lib|nscase)\.sh"' "$f" || continue
	again=$(comm -12 <(echo "$helpers") <(defined "$f") | tr '\n' ' ')
	[ -z "$again" ]; ok $? "${f#"$TESTS_SRCDIR"/} redefines no shared helper" || diag "it redefines: $again"
done < <(find "$TESTS_SRCDIR" -name '*.sh' | sort)

done_testing
