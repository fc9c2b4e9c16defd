#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Podman identified from its file, without running it, on the four release
# lines Debian serves (tests/release-tree.sh): the release from dpkg and the
# storage.conf algorithm from the containers/storage code compiled in.
# Debian's 5.8.6 runs the new parser (containers/storage 1.64), so the
# version alone gives the wrong algorithm there. Each line's podman is
# bind-mounted over /usr/bin/podman with its tree's dpkg database over
# /var/lib/dpkg, in a private mount namespace, and nfscheck runs as the
# user and as root for the user. Also: no podman on the PATH, a podman that
# is not an ELF file, and one the user may run but not read.
. "$TESTS_SRCDIR/lib.sh"

command -v jq >/dev/null || skip_all "jq is not installed"
command -v dpkg-query >/dev/null || skip_all "dpkg-query is not installed"
[ -x /usr/bin/podman ] || skip_all "podman is not installed"

NS_UID=4400 NS_NAME=nfsident
. "$TESTS_SRCDIR/nscase.sh"
ns_require

# The algorithm each line runs, as measured with the real programs
# (../shared/reference/real-podman-releases.md; the oracle tests hold
# nfscheck's predictions against podman info on each).
declare -A algorithm=([bookworm]=podman-5.8 [trixie]=podman-5.8 [sid]=podman-6.0 [experimental]=podman-6.0)

# jqok FILE FILTER TEXT: one result, true when FILTER holds on FILE.
jqok() {
	jq -e "$2" "$1" >/dev/null 2>&1
	ok $? "$3" || diag "$(jq -c .podman "$1" 2>&1 | head -c 1500)"
}

for line in bookworm trixie sid experimental; do
	tree=$("$TESTS_SRCDIR/release-tree.sh" $line 2>"$ns_top/tree-$line.err")
	rc=$?
	if [ $rc -eq 77 ]; then
		for i in 1 2 3 4 5 6 7; do skip "$line: no release tree: $(tail -1 "$ns_top/tree-$line.err")"; done
		continue
	fi
	ok $rc "$line: release tree at $tree" || { diag "$(tail -5 "$ns_top/tree-$line.err")"; continue; }
	admin=${tree%/}/var/lib/dpkg
	version=$(dpkg-query --admindir="$admin" -W -f='${Version}' podman)
	release=$(printf '%s\n' "$version" | sed -E 's/^[0-9]+://; s/^([0-9]+\.[0-9]+).*/\1/')
	new_case $line
	ns_run <<-EOF
		if [ "$tree" != / ]; then
			mount --bind "$tree/usr/bin/podman" /usr/bin/podman
			mount --bind "$admin" /var/lib/dpkg
		fi
		as_user env NFSCHECK_DEBUG=1 "$NFSCHECK" config --json >"$case_dir/user.json" 2>"$case_dir/user.err"
		"$NFSCHECK" config --json --user $NS_NAME >"$case_dir/root.json" 2>"$case_dir/root.err"
		ls -A /tmp >"$case_dir/tmp-after"
	EOF
	f=$case_dir/user.json
	jqok "$f" ".podman.algorithm == \"${algorithm[$line]}\"" \
		"$line: podman $version runs ${algorithm[$line]}'s storage.conf algorithm"
	jqok "$f" ".podman.release == \"$release\" and .podman.binary.package.version == \"$version\"" \
		"$line: release $release, from dpkg's $version"
	jqok "$f" '(.podman.source | startswith("the file /usr/bin/podman, not run")) and .podman.binary.read and .podman.installed' \
		"$line: identified from the file, without --version"
	jqok "$f" 'if .podman.algorithm == "podman-6.0" then (.podman.modelled_as | split(".") | .[0] | tonumber) >= 6
		else .podman.modelled_as == .podman.release end' "$line: the storage model follows the algorithm"
	[ ! -s "$case_dir/tmp-after" ]
	ok $? "$line: podman did not run (nothing in /tmp)" || diag "$(cat "$case_dir/tmp-after" "$case_dir/ns.log")"
	cmp -s <(jq -S .podman "$f") <(jq -S .podman "$case_dir/root.json")
	ok $? "$line: root for the user (--user) finds the same" || diag "$(cat "$case_dir/root.err")"
	# Go's own reader, where Go is installed (it is not part of the test
	# set): the same Go version and main package.
	if command -v go >/dev/null; then
		gm=$(go version -m "${tree%/}/usr/bin/podman" 2>/dev/null)
		jqok "$f" ".podman.binary.go_version == \"$(awk 'NR == 1 {print $2}' <<<"$gm")\" and
			.podman.binary.main_package == \"$(awk '$1 == "path" {print $2}' <<<"$gm")\"" \
			"$line: the Go version and main package go version -m reports"
	fi
	diag "$line: $(grep -m1 'debug: identify' "$case_dir/user.err")"
done

# No podman on the PATH: a check of its own fails, naming dpkg's release.
new_case nopodman
host_version=$(dpkg-query -W -f='${Version}' podman)
ENV=(HOME="$home" USER="$NS_NAME" LOGNAME="$NS_NAME" PATH=/nonexistent)
ns_run <<-EOF
	as_user "$NFSCHECK" diagnose --json >"$case_dir/diag.json" 2>"$case_dir/diag.err"
	echo \$? >"$case_dir/diag.rc"
	EOF
f=$case_dir/diag.json
jqok "$f" '.config.podman.installed == false and .config.podman.binary == null' \
	"no podman on the PATH: config says it is not installed"
jqok "$f" "(.config.podman.source | contains(\"dpkg\") and contains(\"$host_version\"))" \
	"and names dpkg's release as the one modelled"
jqok "$f" '.checks[0].id == "podman" and .checks[0].status == "fail" and (.checks[0].remedy | contains("install"))' \
	"diagnose: the podman check fails and says to install it"
[ "$(cat "$case_dir/diag.rc")" = 1 ]
ok $? "diagnose exits 1" || diag "$(cat "$case_dir/diag.rc" "$case_dir/diag.err")"

# Nothing on the PATH, and dpkg only remembers a removed podman: that
# release is modelled. Without dpkg's word: Debian's release for the suite
# (bookworm: 4.3), else the assumed 5.8, each said.
new_case candidates
mkdir -p "${case_dir:?}/dpkg/info" "$case_dir/nodpkg/info"
printf 'Package: podman\nStatus: deinstall ok config-files\nVersion: 5.4.2+ds1-2\n' >"$case_dir/dpkg/status"
: >"$case_dir/nodpkg/status"
printf 'ID=debian\nVERSION_CODENAME=bookworm\n' >"$case_dir/os-bookworm"
printf 'ID=other\nVERSION_CODENAME=x\n' >"$case_dir/os-other"
ENV=(HOME="$home" USER="$NS_NAME" LOGNAME="$NS_NAME" PATH=/nonexistent)
ns_run <<-EOF
	mount --bind "$case_dir/dpkg" /var/lib/dpkg
	as_user "$NFSCHECK" config --json >"$case_dir/removed.json" 2>"$case_dir/removed.err"
	mount --bind "$case_dir/nodpkg" /var/lib/dpkg
	mount --bind "$case_dir/os-bookworm" /etc/os-release
	as_user "$NFSCHECK" config --json >"$case_dir/suite.json" 2>"$case_dir/suite.err"
	mount --bind "$case_dir/os-other" /etc/os-release
	as_user "$NFSCHECK" config --json >"$case_dir/assumed.json" 2>"$case_dir/assumed.err"
	EOF
jqok "$case_dir/removed.json" '.podman.release == "5.4" and .podman.installed == false and
	(.podman.source | contains("deinstall ok config-files"))' "a podman dpkg remembers as removed: its release (5.4)"
jqok "$case_dir/suite.json" '.podman.release == "4.3" and (.podman.source | contains("bookworm"))' \
	"no dpkg word: Debian bookworm's release (4.3)"
jqok "$case_dir/assumed.json" '.podman.release == "5.8" and (.podman.source | startswith("assumed"))' \
	"neither: 5.8, said to be assumed"

# A podman that is not an ELF file: it is asked for --version instead.
new_case script
mkdir -p "${case_dir:?}/bin"
chmod 755 "$case_dir" "$case_dir/bin"
printf '#!/bin/sh\necho "podman version 4.9.0"\n' >"${case_dir:?}/bin/podman"
chmod 755 "$case_dir/bin/podman"
ENV=(HOME="$home" USER="$NS_NAME" LOGNAME="$NS_NAME" PATH="$case_dir/bin:/usr/bin:/bin")
ns_run <<-EOF
	as_user "$NFSCHECK" config --json >"$case_dir/out.json" 2>"$case_dir/out.err"
	EOF
jqok "$case_dir/out.json" '.podman.release == "4.9" and .podman.source == "podman --version" and
	.podman.binary.read == false and (.podman.binary.error | contains("not an ELF"))' \
	"a podman script: not an ELF file, so --version decides (4.9)"

# A podman the user may run but not read: --version too, as the user.
new_case noread
mkdir -p "${case_dir:?}/bin"
chmod 755 "$case_dir" "$case_dir/bin"
install -m 711 /usr/bin/podman "${case_dir:?}/bin/podman"
ENV=(HOME="$home" USER="$NS_NAME" LOGNAME="$NS_NAME" PATH="$case_dir/bin:/usr/bin:/bin")
ns_run <<-EOF
	as_user "$NFSCHECK" config --json >"$case_dir/out.json" 2>"$case_dir/out.err"
	EOF
host_release=$(printf '%s\n' "$host_version" | sed -E 's/^[0-9]+://; s/^([0-9]+\.[0-9]+).*/\1/')
jqok "$case_dir/out.json" ".podman.release == \"$host_release\" and .podman.source == \"podman --version\" and
	.podman.binary.read == false and (.podman.binary.error | contains(\"denied\"))" \
	"a podman the user cannot read (mode 0711): --version decides"

done_testing
