#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# `nfscheck config`: both algorithms on files a test controls, the JSON
# document, origins, problems with FILE:LINE, exit codes, and Debian's own
# storage.conf. Cases that need /etc run in private mount namespaces.
. "$TESTS_SRCDIR/lib.sh"
NS_UID=4322 NS_NAME=nfsconfig
. "$TESTS_SRCDIR/nscase.sh"

command -v jq >/dev/null || skip_all "jq is not installed"

# cfg RELEASE [ARGS...]: nfscheck config --json as the case's user.
cfg() {
	local rel=$1
	shift
	ns_run <<-EOF
		as_user "$NFSCHECK" config --json --podman-version $rel $* >"$case_dir/out.json" 2>"$case_dir/out.err"
		echo \$? >"$case_dir/out.rc"
	EOF
	rc=$(cat "$case_dir/out.rc")
}

# is JQ-EXPR EXPECTED MESSAGE
is() {
	local got
	got=$(jq -r "$1" "$case_dir/out.json" 2>/dev/null)
	[ "$got" = "$2" ]
	ok $? "$3" || diag "got '$got', want '$2'" "$(head -c 600 "$case_dir/out.err")"
}

has_problem() { # SEVERITY FILE LINE WORD MESSAGE
	jq -e --arg s "$1" --arg f "$2" --argjson l "$3" --arg w "$4" \
		'.problems | any(.severity == $s and .file == $f and .line == $l and (.message | contains($w)))' \
		"$case_dir/out.json" >/dev/null
	ok $? "$5" || diag "$(jq -c '.problems' "$case_dir/out.json" 2>/dev/null)"
}

# ---- without namespaces: CONTAINERS_STORAGE_CONF and Debian's file ----

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
NS_EXTRA_CLEANUP='rm -rf "$tmp"'

printf '[storage]\ndriver = "vfs"\ngraphroot = "/srv/x"\nbogus_key = "1"\n' >"$tmp/s.conf"
run env -i HOME="$tmp" USER=nobody PATH=/usr/bin:/bin CONTAINERS_STORAGE_CONF="$tmp/s.conf" \
	"$NFSCHECK" config --json --podman-version 6.0
echo "$out" >"$tmp/out.json"
case_dir=$tmp
ok $(( rc != 0 && rc != 1 )) "config exits 0 or 1 as a normal user (got $rc)"
if [ "$(id -u)" -ne 0 ]; then
	is '.storage.graphroot.value' /srv/x "6.0: CONTAINERS_STORAGE_CONF's graphroot is used"
	is '.storage.graphroot.origin' "$tmp/s.conf:3" "origin is FILE:LINE"
	is '.storage.driver.source' file "driver comes from the file"
	has_problem warning "$tmp/s.conf" 4 "unknown key" "an unknown key is a warning on its line"
fi

# Debian's shipped storage.conf, fetched from the archive at test time.
if (cd "$tmp" && apt-get download -qq containers-storage >/dev/null 2>&1) &&
	dpkg-deb -x "$tmp"/containers-storage_*.deb "$tmp/deb" 2>/dev/null &&
	[ -f "$tmp/deb/usr/share/containers/storage.conf" ]; then
	deb=$tmp/deb/usr/share/containers/storage.conf
	for rel in 4.3 5.8 6.0; do
		run env -i HOME="$tmp" USER=nobody PATH=/usr/bin:/bin CONTAINERS_STORAGE_CONF="$deb" \
			"$NFSCHECK" config --json --podman-version $rel
		echo "$out" >"$tmp/out.json"
		is "[.files[] | select(.path == \"$deb\") | .state] | first" read "Debian's storage.conf decodes ($rel)"
		is '[.problems[] | select(.severity == "error")] | length' 0 "Debian's storage.conf: no errors ($rel)"
		is '.storage.driver.value' overlay "Debian's storage.conf: driver overlay ($rel)"
	done
	run env -i HOME="$tmp" USER=nobody PATH=/usr/bin:/bin CONTAINERS_STORAGE_CONF="$deb" "$NFSCHECK" config
	[[ $out == *"Effective configuration:"* ]]; ok $? "Debian's storage.conf: text report"
else
	skip "apt-get download containers-storage failed (no package archive?)"
fi

# ---- the rest needs a user of our own and a private /etc ----
[ "$(id -u)" -eq 0 ] || { diag "not root: namespace cases skipped"; done_testing; exit; }
ns_require

new_case v6-etc-graphroot
printf '[storage]\ngraphroot = "/srv/site/$USER"\n' >"$case_dir/etc-containers/storage.conf"
cfg 6.0
is '.storage.graphroot.value' "/srv/site/$NS_NAME" "6.0: a graphroot in /etc applies to rootless users"
is '.storage.graphroot.origin' "/etc/containers/storage.conf:2" "6.0: and says where it came from"
is '.storage.graphroot.written' '/srv/site/$USER' "6.0: the written form is kept"
cfg 4.3
is '.storage.graphroot.value' "$home/.local/share/containers/storage" "4.3: the same /etc graphroot is ignored for rootless"
has_problem note /etc/containers/storage.conf 2 "root only" "4.3: the ignored key is reported with its line"

new_case v6-dropins
printf '[storage]\ndriver = "vfs"\ngraphroot = "/main"\n[storage.options]\nadditionalimagestores = ["/a"]\n' \
	>"$case_dir/etc-containers/storage.conf"
mkdir -p "$case_dir/etc-containers/storage.rootless.conf.d" "$case_dir/usr-containers/storage.conf.d"
printf '[storage]\ngraphroot = "/etc-10"\n' >"$case_dir/etc-containers/storage.rootless.conf.d/10-site.conf"
printf '[storage]\ngraphroot = "/usr-20"\n[storage.options]\nadditionalimagestores = ["/b", {append = true}]\n' \
	>"$case_dir/usr-containers/storage.conf.d/20-late.conf"
printf '[storage]\ngraphroot = "/ignored"\n' >"$case_dir/etc-containers/storage.rootless.conf.d/notconf.txt"
install -d -o "$NS_UID" -g "$NS_UID" "$home/.config" "$home/.config/containers" "$home/.config/containers/storage.conf.d"
printf '[storage]\nrunroot = "/user-10-run"\n' >"$home/.config/containers/storage.conf.d/10-site.conf"
chown -R "$NS_UID:$NS_UID" "$home/.config"
cfg 6.0
is '.storage.graphroot.value' /usr-20 "6.0: drop-ins apply in name order, whatever their directory"
is '.storage.runroot.value' /user-10-run "6.0: the user's 10-site.conf is applied"
is "[.files[] | select(.path == \"/etc/containers/storage.rootless.conf.d/10-site.conf\") | .state] | first" skipped \
	"6.0: the user's drop-in hides /etc's of the same name"
is '[.storage.additionalimagestores[].value] | join(",")' "/a,/b" "6.0: {append = true} appends"
is '.storage.driver.value' vfs "6.0: the main file's driver survives drop-ins that do not set it"
is '[.files[] | select(.path | endswith("notconf.txt"))] | length' 0 "6.0: only *.conf files are drop-ins"

new_case v6-replace-and-clear
printf '[storage]\ndriver = "vfs"\n[storage.options]\nadditionalimagestores = ["/a"]\n' \
	>"$case_dir/etc-containers/storage.conf"
mkdir -p "$case_dir/etc-containers/storage.conf.d"
printf '[storage]\ndriver = ""\n[storage.options]\nadditionalimagestores = ["/c"]\n' \
	>"$case_dir/etc-containers/storage.conf.d/50-clear.conf"
cfg 6.0
is '[.storage.additionalimagestores[].value] | join(",")' "/c" "6.0: an array without append replaces"
is '.storage.driver.source' automatic "6.0: driver = \"\" in a later file clears the driver"

new_case v6-csc-override
printf '[storage]\ndriver = "vfs"\ngraphroot = "/csc"\n' >"$case_dir/csc.conf"
printf '[storage]\ngraphroot = "/override"\n' >"$case_dir/override.conf"
mkdir -p "$case_dir/etc-containers/storage.conf.d"
printf '[storage]\nrunroot = "/dropin-run"\n' >"$case_dir/etc-containers/storage.conf.d/10.conf"
ENV+=(CONTAINERS_STORAGE_CONF="$case_dir/csc.conf" CONTAINERS_STORAGE_CONF_OVERRIDE="$case_dir/override.conf")
cfg 6.0
is '.storage.graphroot.value' /override "6.0: CONTAINERS_STORAGE_CONF_OVERRIDE applies last"
is '.storage.runroot.value | startswith("/dropin-run")' false "6.0: CONTAINERS_STORAGE_CONF turns drop-ins off"
is '.storage.driver.origin' "$case_dir/csc.conf:2" "6.0: the driver comes from CONTAINERS_STORAGE_CONF"

new_case v6-bad-dropin
mkdir -p "$case_dir/etc-containers/storage.conf.d"
printf '[storage]\ndriver = overlay\n' >"$case_dir/etc-containers/storage.conf.d/10-bad.conf"
cfg 6.0
ok $(( rc != 1 )) "6.0: a drop-in that fails to decode exits 1"
is '.fatal | contains("10-bad.conf")' true "6.0: and the failure names the file"
has_problem error /etc/containers/storage.conf.d/10-bad.conf 2 "quoted" "6.0: with the line and the fix"

new_case empty-csc
ENV+=(CONTAINERS_STORAGE_CONF=)
cfg 6.0
is '.fatal' null "6.0: an empty CONTAINERS_STORAGE_CONF is ignored"
cfg 4.3
is '.fatal != null' true "4.3: an empty CONTAINERS_STORAGE_CONF is fatal"

new_case both-roots
printf '[storage]\ngraphroot = "/g"\nrootless_storage_path = "/r"\n' >"$case_dir/etc-containers/storage.conf"
cfg 6.0
is '.storage.graphroot.value' /g "6.0: graphroot wins over rootless_storage_path"
has_problem warning /etc/containers/storage.conf 2 "rootless_storage_path" "6.0: both set is a warning"
cfg 5.8
is '.storage.graphroot.value' /r "5.8: rootless_storage_path wins for rootless users"

new_case user-masks-etc
printf '[storage]\ngraphroot = "/etcroot"\n' >"$case_dir/etc-containers/storage.conf"
user_file '# nothing'
cfg 6.0
is '.storage.graphroot.source' default "6.0: an empty user file masks /etc"

new_case transient-quoted
user_file '[storage]
driver = "vfs"
transient_store = "true"'
cfg 4.4
ok $(( rc != 1 )) "4.4: quoted transient_store exits 1"
has_problem error "$home/.config/containers/storage.conf" 3 "boolean" "4.4: type error on line 3"
cfg 4.3
is '.fatal' null "4.3: transient_store is an unknown key, not an error"

new_case bad-bool
user_file '[storage]
driver = "overlay"
[storage.options.overlay]
ignore_chown_errors = "yes"'
cfg 4.3
has_problem error "$home/.config/containers/storage.conf" 4 "boolean" "a string boolean Go cannot parse is an error"
ok $(( rc != 1 )) "and config exits 1"

new_case origins
install -d -m 700 -o "$NS_UID" -g "$NS_UID" "$case_dir/run"
user_file '[storage]
driver = "overlay"
runroot = "$XDG_RUNTIME_DIR/c"
[storage.options]
mount_program = "/usr/bin/true"'
ENV+=(XDG_RUNTIME_DIR="$case_dir/run" STORAGE_DRIVER=overlay)
cfg 5.8
is '.storage.driver.origin' '$STORAGE_DRIVER' "STORAGE_DRIVER is named as the origin"
is '.storage.runroot.value' "$case_dir/run/c" "runroot expands \$XDG_RUNTIME_DIR"
is '.storage.runroot.written' '$XDG_RUNTIME_DIR/c' "and keeps the written form"
is '.storage.mount_program.value' /usr/bin/true "generic mount_program reaches overlay"
is '.storage.mount_program.origin' "$home/.config/containers/storage.conf:5" "with its line"
is '.user.environment.XDG_RUNTIME_DIR' "$case_dir/run" "the environment used is reported"

# --user: root computes it for the user, with a clean environment.
new_case for-user
user_file '[storage]
driver = "vfs"
graphroot = "$HOME/by-user"'
chmod 600 "$home/.config/containers/storage.conf"
ns_run <<EOF
"$NFSCHECK" config --json --user $NS_NAME --podman-version 4.3 >"$case_dir/out.json" 2>"$case_dir/out.err"
echo \$? >"$case_dir/out.rc"
EOF
is '.storage.graphroot.value' "$home/by-user" "--user: the user's file and \$HOME are used"
is '.user.environment_assumed' true "--user: says the environment was assumed"
is '.user.environment.XDG_RUNTIME_DIR' null "--user: no XDG_RUNTIME_DIR without a session"

# An unprivileged user cannot ask for someone else.
ns_run <<EOF
as_user "$NFSCHECK" config --user root >"$case_dir/out.json" 2>"$case_dir/out.err"
echo \$? >"$case_dir/out.rc"
EOF
[ "$(cat "$case_dir/out.rc")" -eq 77 ]; ok $? "--user as a normal user exits 77"
grep -q "only root" "$case_dir/out.err"; ok $? "and says why"

# Every document above matches the shipped schema.
# shellcheck disable=SC2046  # one path per word
schema_ok nfscheck-config.schema.json "config --json" $(find "$ns_top" "$tmp" -name 'out.json' -size +0)

run "$NFSCHECK" config --user no-such-user-here
ok $(( rc != 64 )) "--user with an unknown name exits 64"
run "$NFSCHECK" config --podman-version banana
ok $(( rc != 64 )) "--podman-version that is not a release exits 64"

done_testing
