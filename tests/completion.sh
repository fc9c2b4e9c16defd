#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# bash completion (completion/nfscheck), driven as bash does it: an
# interactive bash with bash-completion and the script sourced, the
# function called with COMP_WORDS and COMP_CWORD set. What it offers must be
# what `nfscheck --help` and `nfscheck help CMD` list, so the two cannot drift.
. "$TESTS_SRCDIR/lib.sh"

script=$TESTS_SRCDIR/../completion/nfscheck
bc=/usr/share/bash-completion/bash_completion
[ -r "$bc" ] || bc=

# complete WORD... : the suggestions for the last WORD (one a line, sorted).
complete_words() {
	# shellcheck disable=SC2016  # expanded by the interactive bash
	bash --norc --noprofile -i -c '
		[ -z "$1" ] || . "$1"
		. "$2"
		shift 2
		COMP_WORDS=(nfscheck "$@")
		COMP_CWORD=$#
		COMP_LINE="nfscheck $*"
		COMP_POINT=${#COMP_LINE}
		_nfscheck nfscheck "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}"' complete "$bc" "$script" "$@" 2>/dev/null | sed '/^$/d' | sort -u
}
# The long options of an "Options:" section of a help text on stdin.
help_options() {
	sed -n '/^Options:/,/^$/p' | grep -oE '^ +(-[a-zA-Z], )?--[a-z][a-z-]*' | grep -oE -- '--[a-z-]+' | sort -u
}

[ -n "$bc" ] || diag "bash-completion is not installed: the script runs without it"

want=$("$NFSCHECK" --help | sed -n '/^Commands:/,/^$/p' | sed -nE 's/^  ([a-z]+) .*/\1/p' | sort -u)
got=$(complete_words "")
[ -n "$want" ] && [ "$got" = "$want" ]; ok $? "nfscheck <TAB>: the commands of --help" || diag "want: $want" "got: $got"
got=$(complete_words help "")
[ "$got" = "$want" ]; ok $? "nfscheck help <TAB>: the commands" || diag "got: $got"
got=$(complete_words "-")
w=$("$NFSCHECK" --help | help_options)
[ -n "$w" ] && [ "$got" = "$w" ]; ok $? "nfscheck -<TAB>: the options of --help" || diag "want: $w" "got: $got"

for c in $want; do
	w=$("$NFSCHECK" help "$c" | help_options)
	[ -n "$w" ] || w=$("$NFSCHECK" help "$c" | grep -oE -- '--[a-z][a-z-]*' | sort -u)
	[ "$c" != help ] || w=--help
	got=$(complete_words "$c" "--")
	[ -n "$got" ] && [ "$got" = "$w" ]; ok $? "nfscheck $c --<TAB>: the options of 'nfscheck help $c'" ||
		diag "want: $(echo $w)" "got: $(echo $got)"
done
got=$(complete_words diagnose --ver)
[ "$got" = --verbose ]; ok $? "a prefix narrows the options" || diag "got: $got"

# Values: user names after --user, files after --image.
got=$(complete_words diagnose --user ro)
grep -qx root <<<"$got"; ok $? "--user <TAB>: user names" || diag "got: $got"
got=$(complete_words config -u nob)
grep -qx nobody <<<"$got"; ok $? "-u <TAB>: user names" || diag "got: $got"
tmp=$(mktemp -d)
touch "$tmp/store.img" "$tmp/other"
got=$(cd "$tmp" && complete_words fix --image st)
[ "$got" = store.img ]; ok $? "--image <TAB>: files" || diag "got: $got"
got=$(cd "$tmp" && complete_words fix --size "")
[ -z "$got" ]; ok $? "--size <TAB>: nothing to offer" || diag "got: $got"
rm -rf "$tmp"

done_testing
