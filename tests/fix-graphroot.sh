#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# `nfscheck fix --graphroot` on local filesystems, each case as a throwaway
# user in a private mount namespace: exactly one line changes, dry-run shows
# the same change as a diff, a second run changes nothing, mode and owner
# stay, a new file carries over what the user had, refusals name file and
# line, a planted symlink is refused, and injected faults never leave a
# partial file.
. "$TESTS_SRCDIR/lib.sh"
NS_UID=4324 NS_NAME=nfsfix
. "$TESTS_SRCDIR/nscase.sh"

command -v jq >/dev/null || skip_all "jq is not installed"
ns_require

conf() { echo "$home/.config/containers/storage.conf"; }

# fix ARGS...: nfscheck fix as the case's user (out, err, rc in the case dir)
fix() {
	ns_run <<-EOF
		${NS_PRE:-}
		as_user "$NFSCHECK" fix $* >"$case_dir/out" 2>"$case_dir/err"
		echo \$? >"$case_dir/rc"
	EOF
	rc=$(cat "$case_dir/rc")
}

as_root_fix() {
	ns_run <<-EOF
		${NS_PRE:-}
		"$NFSCHECK" fix --user $NS_NAME $* >"$case_dir/out" 2>"$case_dir/err"
		echo \$? >"$case_dir/rc"
	EOF
	rc=$(cat "$case_dir/rc")
}

cfg_json() {
	ns_run <<-EOF
		as_user "$NFSCHECK" config --json $* >"$case_dir/cfg.json" 2>/dev/null
	EOF
}

store=/var/tmp/nfscheck-fix-$$
trap_extra() { rm -rf "$store"-*; }
NS_EXTRA_CLEANUP=trap_extra

# --- Debian's shipped storage.conf as the user's file: one line changes ---
tmp=$(mktemp -d)
if (cd "$tmp" && apt-get download -qq containers-storage >/dev/null 2>&1) &&
	dpkg-deb -x "$tmp"/containers-storage_*.deb "$tmp/deb" 2>/dev/null; then
	new_case debian
	user_file "$(cat "$tmp/deb/usr/share/containers/storage.conf")"
	cp "$(conf)" "$case_dir/before"
	fix --graphroot "$store-debian/storage"
	# The file also keeps root's runroot, which stops Podman ("mkdir
	# /run/containers: permission denied"): the closing diagnose says so,
	# and fix exits with its status.
	ok $(( rc != 1 )) "Debian's file: fix writes, then exits 1: the rootful runroot still stops Podman (exit $rc)" ||
		diag "$(cat "$case_dir/err")"
	grep -q 'startup.runroot.*/run/containers/storage' "$case_dir/out" && grep -q 'Podman still cannot work' "$case_dir/err"
	ok $? "Debian's file: fix says what still blocks Podman"
	changed=$(diff "$case_dir/before" "$(conf)" | grep -c '^[<>]')
	[ "$changed" -eq 2 ]; ok $? "Debian's file: exactly one line differs ($changed diff lines)"
	diff "$case_dir/before" "$(conf)" | grep -q "^> graphroot = \"$store-debian/storage\"\$"
	ok $? "Debian's file: it is the graphroot line, with the new value"
	bak=$(ls "$home/.config/containers/"storage.conf.nfscheck-*.bak 2>/dev/null | head -1)
	[ -n "$bak" ] && cmp -s "$bak" "$case_dir/before"; ok $? "Debian's file: the backup holds the old bytes"
	[ -d "$store-debian/storage" ] && [ "$(stat -c '%u %a' "$store-debian/storage")" = "$NS_UID 700" ]
	ok $? "Debian's file: the graphroot was created, owned by the user, mode 0700"
	install -d -m 700 -o "$NS_UID" -g "$NS_UID" "$case_dir/run"
	fix --graphroot "$store-debian/storage" --runroot "$case_dir/run/containers"
	ok $(( rc != 0 )) "Debian's file with --runroot too: fix succeeds (exit $rc)" || diag "$(cat "$case_dir/err")"
	grep -q 'Verdict: nothing found that breaks rootless Podman' "$case_dir/out"
	ok $? "Debian's file: the diagnose checks run afterwards and pass"
else
	skip "apt-get download containers-storage failed (no package archive?)"
fi
rm -rf "$tmp"

# --- dry-run: nothing changes, and its diff is exactly the real change ---
new_case dry
user_file ''
printf '%s' $'# my settings\r\n[storage]\r\ndriver = "vfs"\r\ngraphroot = "/old"   # keep\r\n[storage.options]\r\nsize = ""' >"$(conf)"
chmod 0640 "$(conf)"
sum=$(sha256sum <"$(conf)")
fix --graphroot "$store-dry/storage" --dry-run
ok $(( rc != 0 )) "dry-run: exit 0"
[ "$(sha256sum <"$(conf)")" = "$sum" ] && [ ! -e "$store-dry" ]; ok $? "dry-run: nothing was written or created"
sed -n '/^--- /,$p' "$case_dir/out" | sed '/^would create/,$d' >"$case_dir/patch"
cp "$(conf)" "$case_dir/patched"
patch -s "$case_dir/patched" <"$case_dir/patch" >/dev/null 2>&1; ok $? "dry-run: its output is a diff patch(1) applies"
fix --graphroot "$store-dry/storage"
cmp -s "$case_dir/patched" "$(conf)"; ok $? "dry-run: the diff gives exactly the bytes the real run writes"
[ "$(stat -c '%a %u' "$(conf)")" = "640 $NS_UID" ]; ok $? "mode 0640 and the owner are kept"
grep -q $'graphroot = "'"$store-dry"$'/storage"   # keep\r$' "$(conf)"; ok $? "CRLF and the comment are kept"
[ "$(tail -c 9 "$(conf)")" = 'size = ""' ]; ok $? "the missing final newline stays missing"
ino=$(stat -c %i "$(conf)")
fix --graphroot "$store-dry/storage"
ok $(( rc != 0 )) "second identical run: exit 0"
grep -q '^nothing to change' "$case_dir/out"; ok $? "second identical run: says nothing changes"
[ "$(stat -c %i "$(conf)")" = "$ino" ]; ok $? "second identical run: the file is the same file"

# --- no user file: a new one carries over what the system file gave ---
new_case carry
cat >"$case_dir/etc-containers/storage.conf" <<'EOF'
[storage]
driver = "overlay"
rootless_storage_path = "/somewhere/else/$USER"
[storage.options.overlay]
ignore_chown_errors = "true"
mount_program = "/usr/bin/fuse-overlayfs"
EOF
fix --graphroot "$store-carry/storage" --podman-version 4.3
ok $(( rc > 1 )) "carry-over: fix creates the user file (exit $rc)" || diag "$(cat "$case_dir/err")"
grep -q 'carrying over' "$case_dir/out"; ok $? "carry-over: says what it carried over"
cfg_json --podman-version 4.3
[ "$(jq -r .storage.driver.value "$case_dir/cfg.json")" = overlay ]; ok $? "carry-over: the driver is still overlay"
jq -e --arg f "$(conf)" '.storage.driver.file == $f and .storage.ignore_chown_errors.value == "true"
	and .storage.ignore_chown_errors.file == $f' "$case_dir/cfg.json" >/dev/null
ok $? "carry-over: driver and ignore_chown_errors now come from the user file"
[ "$(jq -r .storage.graphroot.value "$case_dir/cfg.json")" = "$store-carry/storage" ]
ok $? "carry-over: the graphroot is the new one"

# --- refusals name the file and line, and change nothing ---
new_case twice
user_file '[storage]
graphroot = "/a"
driver = "vfs"
graphroot = "/b"'
sum=$(sha256sum <"$(conf)")
fix --graphroot "$store-twice/storage"
ok $(( rc != 1 )) "graphroot set twice: exit 1"
grep -q "storage.conf:4: graphroot is set a second time (first on line 2)" "$case_dir/err"
ok $? "graphroot set twice: the message names file and lines" || diag "$(cat "$case_dir/err")"
[ "$(sha256sum <"$(conf)")" = "$sum" ]; ok $? "graphroot set twice: the file is untouched"

new_case not-string
user_file '[storage]
graphroot = ["/a"]'
fix --graphroot "$store-ns/storage"
ok $(( rc != 1 )) "a graphroot that is not a string: exit 1"
grep -q "storage.conf:2: graphroot = \[\"/a\"\] is not a one-line string" "$case_dir/err"; ok $? "and it says so with the line"

new_case relative
fix --graphroot 'relative/path'
ok $(( rc != 64 )) "a relative graphroot is a usage error (64)"

# --- Podman 6: a drop-in that sorts last ---
new_case v6
printf '[storage]\ngraphroot = "/etc/says/this"\n' >"$case_dir/etc-containers/storage.conf"
fix --graphroot "$store-v6/storage" --podman-version 6.0
ok $(( rc > 1 )) "6.0: fix writes (exit $rc)" || diag "$(cat "$case_dir/err")"
[ -f "$home/.config/containers/storage.conf.d/99-nfscheck.conf" ]; ok $? "6.0: as a user drop-in"
cfg_json --podman-version 6.0
[ "$(jq -r .storage.graphroot.value "$case_dir/cfg.json")" = "$store-v6/storage" ]
ok $? "6.0: the drop-in wins over /etc's graphroot"

# --- a graphroot in /var/tmp: warned about, and --tmpfiles keeps systemd-tmpfiles away ---
new_case tmpfiles
mkdir -p "$case_dir/tmpfiles.d"
fix --graphroot "$store-tmpfiles/storage"
grep -q '^nfscheck: warning: systemd-tmpfiles deletes files in' "$case_dir/err"; ok $? "/var/tmp graphroot: the ageing is warned about, on stderr"
! grep -q 'systemd-tmpfiles deletes files in' "$case_dir/out"; ok $? "/var/tmp graphroot: and not on stdout, among the results"
fix --graphroot "$store-tmpfiles/storage" --tmpfiles
ok $(( rc != 77 )) "--tmpfiles as the user: needs root (exit $rc)"
if command -v systemd-tmpfiles >/dev/null && [ -d /etc/tmpfiles.d ]; then
	NS_PRE="mount --bind '$case_dir/tmpfiles.d' /etc/tmpfiles.d" as_root_fix --graphroot "$store-tmpfiles/storage" --tmpfiles
	excl=$case_dir/tmpfiles.d/nfscheck-$NS_NAME.conf
	ok $(( rc > 1 )) "--tmpfiles as root: exit $rc" || diag "$(cat "$case_dir/err")"
	[ "$(stat -c '%a %u' "$excl" 2>/dev/null)" = "644 0" ]; ok $? "--tmpfiles: $excl written, root's, mode 0644"
	# What the exclusion is for: an ageing rule over the store's parent
	# keeps an old layer file only with nfscheck's line.
	old=$store-tmpfiles/storage/old-layer-file
	printf 'e %s - - - m:1s\n' "$store-tmpfiles" >"$case_dir/age.conf"
	touch -d '40 days ago' "$old"
	systemd-tmpfiles --clean "$case_dir/age.conf" "$excl" >/dev/null 2>&1
	[ -e "$old" ]; ok $? "--tmpfiles: systemd-tmpfiles --clean keeps the graphroot's old files"
	systemd-tmpfiles --clean "$case_dir/age.conf" >/dev/null 2>&1
	[ ! -e "$old" ]; ok $? "and without the exclusion the same run deletes them (the test can fail)"
else
	skip "systemd-tmpfiles is not installed"
fi

# --- CONTAINERS_STORAGE_CONF with Podman 4.3: rootless_storage_path decides ---
new_case csc
printf '[storage]\ndriver = "vfs"\ngraphroot = "/ignored/for/rootless"\n' >"$home/csc.conf"
chown "$NS_UID" "$home/csc.conf"
ENV+=(CONTAINERS_STORAGE_CONF="$home/csc.conf")
fix --graphroot "$store-csc/storage" --podman-version 4.3
grep -q "^rootless_storage_path = \"$store-csc/storage\"" "$home/csc.conf"
ok $? "4.3 with CONTAINERS_STORAGE_CONF: rootless_storage_path is what is set" || diag "$(cat "$case_dir/err")"
cfg_json --podman-version 4.3
[ "$(jq -r .storage.graphroot.value "$case_dir/cfg.json")" = "$store-csc/storage" ]; ok $? "and Podman's rules give it"

# --- root for a user: a planted symlink is refused, its target untouched ---
new_case symlink
install -d -o "$NS_UID" -g "$NS_UID" "$home/.config" "$home/.config/containers"
printf '[storage]\ndriver = "vfs"\n' >"$case_dir/root-owned.conf"
chmod 644 "$case_dir/root-owned.conf"
sum=$(sha256sum <"$case_dir/root-owned.conf")
ln -s "$case_dir/root-owned.conf" "$(conf)"
as_root_fix --graphroot "$store-sym/storage"
ok $(( rc != 1 )) "storage.conf symlinked to a root-owned file: refused (exit $rc)"
grep -q 'symbolic link' "$case_dir/err"; ok $? "and the message says why"
[ "$(sha256sum <"$case_dir/root-owned.conf")" = "$sum" ]; ok $? "the root-owned file is untouched"

new_case symlink-dir
install -d -o "$NS_UID" -g "$NS_UID" "$home/.config" "$case_dir/elsewhere"
chown "$NS_UID" "$case_dir/elsewhere"
ln -s "$case_dir/elsewhere" "$home/.config/containers"
as_root_fix --graphroot "$store-symdir/storage"
ok $(( rc != 1 )) "a symlinked config directory is refused (exit $rc)"
[ -z "$(ls -A "$case_dir/elsewhere")" ]; ok $? "and nothing was written through it"

# --- injected faults: the old file, or the complete new one, never a partial file ---
if command -v strace >/dev/null; then
	for fault in pwrite64:error=ENOSPC fsync:error=EIO:when=1 renameat,renameat2:error=EXDEV \
		fsync:error=EIO:when=2 pwrite64:retval=5:when=1; do
		new_case "fault-${fault//[:,=]/-}"
		user_file '# keep me
[storage]
driver = "vfs"
graphroot = "/old"'
		cp "$(conf)" "$case_dir/before"
		ns_run <<-EOF
			export ASAN_OPTIONS=\${ASAN_OPTIONS:+\$ASAN_OPTIONS:}detect_leaks=0
			strace -f -qq -o /dev/null -e trace=${fault%%:*} -e inject=$fault \
				"$NFSCHECK" fix --user $NS_NAME --graphroot "$store-fault/storage" >"$case_dir/out" 2>"$case_dir/err"
			echo \$? >"$case_dir/rc"
		EOF
		rc=$(cat "$case_dir/rc")
		sed "s|\"/old\"|\"$store-fault/storage\"|" "$case_dir/before" >"$case_dir/after-expected"
		if cmp -s "$(conf)" "$case_dir/before"; then state=old
		elif cmp -s "$(conf)" "$case_dir/after-expected"; then state=new
		else state=partial; fi
		[ "$state" != partial ]; ok $? "$fault: the file is the old one or the complete new one ($state, exit $rc)"
		[ -z "$(ls -A "$home/.config/containers" | grep -v '^storage.conf' | grep '\.nfscheck-' | grep -v '\.bak$')" ]
		ok $? "$fault: no temporary file is left"
		bak=$(ls "$home/.config/containers/"storage.conf.nfscheck-*.bak 2>/dev/null | head -1)
		[ -n "$bak" ] && cmp -s "$bak" "$case_dir/before"; ok $? "$fault: the backup exists and holds the old bytes"
		case $fault in
		# strace skips the write and reports 5 bytes: a misreported write, caught on read-back.
		pwrite64:retval*) [ "$state" = old ] && [ "$rc" -ne 0 ]; ok $? "$fault: a misreported write is caught before the rename" ;;
		fsync:error=EIO:when=2) [ "$state" = new ] && [ "$rc" -ne 0 ]; ok $? "$fault: written, and the error is reported" ;;
		*) [ "$state" = old ] && [ "$rc" -ne 0 ]; ok $? "$fault: refused with the old file in place" ;;
		esac
	done
else
	skip "strace is not installed"
fi

done_testing
