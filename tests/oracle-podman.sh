#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Oracle: for each storage configuration, `nfscheck config --json` must name
# the graphroot, runroot and driver that real rootless `podman info` uses.
#
# Every case runs in its own private mount namespace, so the host's /etc is
# never touched: /etc/containers, /usr/share/containers, /etc/passwd,
# /etc/group, /etc/subuid and /etc/subgid are bind-mounted copies, /tmp is
# a fresh tmpfs, and the user exists only there. nfscheck runs first, before
# podman has created anything, so it predicts rather than reads back; a
# second run after podman checks the database path.
. "$TESTS_SRCDIR/lib.sh"

command -v podman >/dev/null || skip_all "podman is not installed"
command -v jq >/dev/null || skip_all "jq is not installed"

NS_UID=4321 NS_NAME=nfsoracle
. "$TESTS_SRCDIR/nscase.sh"
ns_require

# nfscheck before and after podman, so both prediction and read-back are tested.
run_in_ns() {
	ns_run <<EOF
find /tmp "$home" | sort >"$case_dir/files-pre"
as_user "$NFSCHECK" config --json >"$case_dir/before.json" 2>"$case_dir/before.err"
echo \$? >"$case_dir/before.rc"
find /tmp "$home" | sort >"$case_dir/files-post"
as_user podman info --format json >"$case_dir/podman.out" 2>"$case_dir/podman.err"
echo \$? >"$case_dir/podman.rc"
pkill -KILL -U $NS_UID; sleep 0.2
as_user "$NFSCHECK" config --json >"$case_dir/after.json" 2>"$case_dir/after.err"
echo \$? >"$case_dir/after.rc"
EOF
}

# check NAME [fails]: compare; "fails" means podman must refuse to start.
check() {
	local name=$1 expect=${2:-works} prc p g r d
	prc=$(cat "$case_dir/podman.rc")
	cmp -s "$case_dir/files-pre" "$case_dir/files-post"
	ok $? "$name: nfscheck config created nothing in /tmp or \$HOME" ||
		diag "$(diff "$case_dir/files-pre" "$case_dir/files-post")"
	if [ "$expect" = fails ]; then
		[ "$prc" -ne 0 ]; ok $? "$name: podman refuses this configuration (exit $prc)"
		jq -e '.fatal != null' "$case_dir/before.json" >/dev/null; ok $? "$name: nfscheck predicts the refusal"
		[ "$(cat "$case_dir/before.rc")" -eq 1 ]; ok $? "$name: nfscheck exits 1"
		return
	fi
	if [ "$prc" -ne 0 ]; then
		ok 1 "$name: podman info failed (exit $prc)"
		diag "$(tail -5 "$case_dir/podman.err")"
		return
	fi
	# Up to 4.3 podman may print "Failed to read ..." on stdout before the JSON.
	sed -n '/^{/,$p' "$case_dir/podman.out" >"$case_dir/podman.json"
	for when in before after; do
		[ -s "$case_dir/$when.json" ] ||
			diag "nfscheck ($when) printed nothing, exit $(cat "$case_dir/$when.rc"): $(head -c 400 "$case_dir/$when.err")"
		for f in graphroot:graphRoot runroot:runRoot driver:graphDriverName; do
			p=$(jq -r ".store.${f#*:}" "$case_dir/podman.json")
			g=$(jq -r ".storage.${f%%:*}.value" "$case_dir/$when.json" 2>/dev/null)
			[ "$p" = "$g" ]
			if ! ok $? "$name: ${f%%:*} agrees ($when podman ran)"; then
				diag "podman:   $p" "nfscheck: $g ($(jq -r ".storage.${f%%:*}.origin" "$case_dir/$when.json" 2>/dev/null))"
			fi
		done
	done
}

oracle() { # NAME [fails]
	run_in_ns
	check "$@"
}

# 1. Nothing at all.
new_case none
oracle "no storage.conf anywhere"

# 2. A runtime directory from a login session.
new_case xdg-runtime
install -d -m 700 -o "$NS_UID" -g "$NS_UID" "$case_dir/run"
ENV+=(XDG_RUNTIME_DIR="$case_dir/run")
oracle "XDG_RUNTIME_DIR set"

# 3. User file with a graphroot and no driver.
new_case user-graphroot
user_file '[storage]
graphroot = "'"$home"'/store"'
oracle "user file with graphroot only"

# 4. User file with driver and graphroot.
new_case user-driver-graphroot
user_file '[storage]
driver = "vfs"
graphroot = "$HOME/vfs-store"'
oracle "user file with driver and graphroot"

# 5. User file with a driver only.
new_case user-driver
user_file '[storage]
driver = "overlay"'
oracle "user file with driver only"

# 6. System file with rootless_storage_path using $USER, $UID and $HOME.
new_case system-rsp
cat >"$case_dir/etc-containers/storage.conf" <<'EOF'
[storage]
driver = "overlay"
graphroot = "/var/lib/containers/storage"
runroot = "/run/containers/storage"
rootless_storage_path = "$HOME/rsp/$USER/$UID"
[storage.options.overlay]
mountopt = "nodev"
EOF
oracle "system file rootless_storage_path with \$HOME, \$USER, \$UID"

# 7. The same system file, and a user file: the user file replaces it.
new_case system-rsp-user
cp "$ns_top/system-rsp/etc-containers/storage.conf" "$case_dir/etc-containers/"
user_file '[storage]
driver = "vfs"'
oracle "system rootless_storage_path and a user file"

# 8. Only /usr/share has a file.
new_case usr-share
printf '[storage]\ndriver = "overlay"\n' >"$case_dir/usr-containers/storage.conf"
oracle "only /usr/share/containers/storage.conf"

# 9. XDG_CONFIG_HOME elsewhere, with a file there.
new_case xdg-config
install -d -o "$NS_UID" -g "$NS_UID" "$home/cfg" "$home/cfg/containers"
printf '[storage]\ndriver = "vfs"\ngraphroot = "%s/xdg-store"\n' "$home" >"$home/cfg/containers/storage.conf"
ENV+=(XDG_CONFIG_HOME="$home/cfg")
oracle "XDG_CONFIG_HOME with a storage.conf"

# 10. XDG_DATA_HOME moves the default graphroot.
new_case xdg-data
install -d -o "$NS_UID" -g "$NS_UID" "$home/data"
ENV+=(XDG_DATA_HOME="$home/data")
oracle "XDG_DATA_HOME set"

# 11. CONTAINERS_STORAGE_CONF naming a full file.
new_case csc
printf '[storage]\ndriver = "vfs"\ngraphroot = "%s/csc-store"\nrunroot = "%s/csc-run"\n' "$home" "$home" \
	>"$case_dir/csc.conf"
ENV+=(CONTAINERS_STORAGE_CONF="$case_dir/csc.conf")
oracle "CONTAINERS_STORAGE_CONF"

# 12. STORAGE_DRIVER in the environment.
new_case storage-driver
ENV+=(STORAGE_DRIVER=overlay)
oracle "STORAGE_DRIVER=overlay"

# 13. A user file that does not parse.
new_case user-syntax
user_file '[storage]
driver = "overlay
graphroot = "/x"'
oracle "user file with a syntax error" fails

# 14. An unquoted boolean where Podman wants a string.
new_case user-type
user_file '[storage]
driver = "overlay"
[storage.options.overlay]
ignore_chown_errors = true'
oracle "unquoted ignore_chown_errors" fails

# 15. TMPDIR moves the fallback runtime directory.
new_case tmpdir
install -d -m 1777 "$case_dir/tmpdir"
ENV+=(TMPDIR="$case_dir/tmpdir")
oracle "TMPDIR set"

# 16. Expansion: $HOME, $UID, ${UID} and a path with "..".
new_case expansion
user_file '[storage]
driver = "vfs"
graphroot = "$HOME/g-$UID-${UID}-$USER"
runroot = "'"$home"'/x/../rr-$UID"'
oracle "graphroot and runroot expansion"

# 17. A system driver rootless Podman does not take, and an ignored /usr/share.
new_case system-filtered
printf '[storage]\ndriver = "zfs"\n' >"$case_dir/etc-containers/storage.conf"
printf '[storage]\ndriver = "btrfs"\n' >"$case_dir/usr-containers/storage.conf"
oracle "system driver filtered out for rootless"

# 18. A user file with no [storage] values but another table.
new_case user-empty
user_file '# only a comment
[storage.options]
additionalimagestores = [
]'
oracle "user file without a [storage] value"

# 19. A runtime directory and a system rootless_storage_path with a user file.
new_case xdg-runtime-rsp-user
install -d -m 700 -o "$NS_UID" -g "$NS_UID" "$case_dir/run"
printf '[storage]\nrootless_storage_path = "%s/rspS"\n' "$home" >"$case_dir/etc-containers/storage.conf"
user_file '[storage]
driver = "vfs"'
ENV+=(XDG_RUNTIME_DIR="$case_dir/run")
oracle "XDG_RUNTIME_DIR, system rootless_storage_path and a user file"

# 20. STORAGE_OPTS and a user file with options.
new_case storage-opts
user_file '[storage]
driver = "overlay"
[storage.options.overlay]
mountopt = "nodev"'
ENV+=(STORAGE_OPTS=overlay.mountopt=nodev,overlay.ignore_chown_errors=true)
oracle "STORAGE_OPTS with a user file"
p=$(jq -r '.store.graphOptions["overlay.ignore_chown_errors"]' "$case_dir/podman.json" 2>/dev/null)
g=$(jq -r '.storage.ignore_chown_errors.value' "$case_dir/before.json")
[ "$p" = true ] && [ "$g" = true ]; ok $? "STORAGE_OPTS: ignore_chown_errors agrees (podman $p, nfscheck $g)"
jq -e '.storage.ignore_chown_errors.source == "environment"' "$case_dir/before.json" >/dev/null
ok $? "STORAGE_OPTS: nfscheck names the environment as the origin"

done_testing
