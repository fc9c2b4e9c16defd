#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The Debian package: `dpkg-buildpackage -us -uc -b` on a copy of the
# repository builds nfscheck_*.deb, lintian finds no error in it, it holds
# the binary, the man page, the bash completion, the JSON schemas and the
# unit template, and apt installs it into a fresh Debian 12 tree
# (tests/fresh-tree.sh), where `nfscheck --version` runs. The package's own
# tests are the unit and command-line ones the suite runs anyway: nocheck.
. "$TESTS_SRCDIR/lib.sh"

top=$(cd "$TESTS_SRCDIR/.." && pwd)
fresh=$TESTS_SRCDIR/fresh-tree.sh
for t in dpkg-buildpackage dh lintian; do
	command -v "$t" >/dev/null || skip_all "$t is not installed (tests/install-deps.sh --test)"
done

work=$(mktemp -d /var/tmp/nfscheck-deb.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir "$work/src"
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	(cd "$top" && git ls-files -z | xargs -0 tar -cf - --no-recursion) | tar -xf - -C "$work/src"
else
	tar -C "$top" --exclude='./_build*' --exclude='./autom4te.cache' -cf - . | tar -xf - -C "$work/src"
fi
ok $? "the repository copied"

t0=$(date +%s)
# Not the suite's make: its jobserver and variables are not the package's.
(cd "$work/src" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u NFSCHECK -u FIXTURES -u TESTS_SRCDIR \
	dpkg-buildpackage -us -uc -b) >"$work/build.out" 2>&1
ok $? "dpkg-buildpackage -us -uc -b ($(( $(date +%s) - t0 )) s)" || diag "$(tail -30 "$work/build.out")"
deb=$(ls "$work"/nfscheck_*.deb 2>/dev/null | head -1)
[ -n "$deb" ]; ok $? "it made nfscheck_*.deb" || { done_testing; exit; }

lintian --fail-on error "$work"/nfscheck_*.changes >"$work/lintian.out" 2>&1
ok $? "lintian: no error" || diag "$(cat "$work/lintian.out")"

files=$(dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|')
for f in /usr/bin/nfscheck /usr/share/man/man1/nfscheck.1.gz \
	"$(pkg-config --variable=completionsdir bash-completion 2>/dev/null || echo /usr/share/bash-completion/completions)/nfscheck" \
	/usr/share/nfscheck/nfscheck-image.service.in; do
	grep -qx "$f" <<<"$files"; ok $? "the package holds $f"
done
for f in "$top"/data/*.json; do
	grep -qx "/usr/share/nfscheck/$(basename "$f")" <<<"$files"; ok $? "the package holds the schema $(basename "$f")"
done

# Installed by apt into a fresh machine, with what it depends on.
[ "$(id -u)" -eq 0 ] || { skip "installing into a fresh tree needs root"; done_testing; exit; }
tree=$work/tree
"$fresh" new "$tree"
rc=$?
[ "$rc" -eq 77 ] && { skip "no fresh Debian tree: mmdebstrap or the archive is not available"; done_testing; exit; }
ok "$rc" "a fresh Debian 12 tree" || { done_testing; exit; }
cp "$deb" "$tree/root/"
"$fresh" run "$tree" "export DEBIAN_FRONTEND=noninteractive; apt-get update -q && apt-get install -y -q --no-install-recommends /root/$(basename "$deb")" \
	>"$work/install.out" 2>&1
ok $? "apt-get installs the package into the fresh tree" || diag "$(tail -20 "$work/install.out")"
"$fresh" run "$tree" "nfscheck --version && test -f /usr/share/bash-completion/completions/nfscheck" \
	>"$work/run.out" 2>&1
rc=$?
[ "$rc" -eq 0 ] && grep -qx "nfscheck $(sed -n '1s/^nfscheck (\([^)]*\)).*/\1/p' "$top/debian/changelog")" "$work/run.out"
ok $? "nfscheck --version runs there and prints the package's version" || diag "$(cat "$work/run.out")"

done_testing
