#!/bin/bash
# Root acting for a user, attacked by that user (issue 8, items 3, 6, 7, 8
# and 10): the podman --version scratch space, text root writes into
# tmpfiles.d and storage.conf or prints for pasting, a user's
# containers.conf linked to a root-only file, a subuid line that wraps the
# ID arithmetic, and terminal escapes in a user's graphroot.
. "$TESTS_SRCDIR/lib.sh"
NS_UID=4331 NS_NAME=nfssec
. "$TESTS_SRCDIR/nscase.sh"

ns_require
command -v cc >/dev/null || skip_all "no C compiler for the attacker's helper"
id nobody >/dev/null 2>&1 || skip_all "no user nobody"
cc -O2 -o "$ns_top/attack-swap" "$TESTS_SRCDIR/attack-swap.c" || skip_all "cannot compile attack-swap.c"
chmod 755 "$ns_top/attack-swap"

# ---- item 3: nobody races root over the podman --version scratch space ----
# Root used to make a directory in /tmp, hand it to nobody (podman runs as
# nobody) and remove it by path afterwards; nobody swapped a directory in
# it for a link to a victim directory, and root unlinked the victim.
new_case scratch
mkdir -p "$case_dir/victim" "$case_dir/attacker"
chmod 755 "$case_dir" "$case_dir/victim"
chown nobody "$case_dir/attacker"
ns_run <<-EOF
	lost=0
	setpriv --reuid=nobody --regid=\$(id -g nobody) --clear-groups "$ns_top/attack-swap" /tmp nfscheck-version- \
		"$case_dir/victim" "$case_dir/attacker/stop" "$case_dir/attacker/log" &
	for i in \$(seq 20); do
		echo secret >"$case_dir/victim/victim"
		"$NFSCHECK" config >/dev/null 2>&1
		[ -e "$case_dir/victim/victim" ] || lost=\$((lost + 1))
	done
	touch "$case_dir/attacker/stop"
	wait
	echo \$lost >"$case_dir/lost"
	ls -A /tmp >"$case_dir/left"
EOF
[ "$(cat "$case_dir/lost")" = 0 ]
ok $? "nobody racing with links never makes root unlink a victim file" || diag "lost $(cat "$case_dir/lost") of 20"
[ ! -s "$case_dir/attacker/log" ]
ok $? "nobody finds no scratch directory of root's to plant links in" || diag "$(head -3 "$case_dir/attacker/log")"
[ ! -s "$case_dir/left" ]
ok $? "no scratch directory is left in /tmp" || diag "$(cat "$case_dir/left")"

# A run killed while podman answers leaves nothing behind either.
new_case killed
mkdir -p "$case_dir/bin"
chmod 755 "$case_dir" "$case_dir/bin"
chmod 777 "$case_dir/cwd"
cat >"$case_dir/bin/podman" <<-EOF
	#!/bin/sh
	echo \$\$ >"$case_dir/cwd/started.tmp" && mv "$case_dir/cwd/started.tmp" "$case_dir/cwd/started"
	exec sleep 60
EOF
chmod 755 "$case_dir/bin/podman"
ns_run <<-EOF
	PATH="$case_dir/bin:\$PATH" "$NFSCHECK" config >/dev/null 2>&1 &
	nf=\$!
	for i in \$(seq 200); do [ -e "$case_dir/cwd/started" ] && break; sleep 0.1; done
	kill -KILL \$nf
	wait \$nf
	# The helpers die with nfscheck; give them the moment the kernel takes.
	p=\$(cat "$case_dir/cwd/started" 2>/dev/null)
	for i in \$(seq 100); do [ -n "\$p" ] && kill -0 "\$p" 2>/dev/null || break; sleep 0.1; done
	[ -n "\$p" ] && kill -KILL "\$p" 2>/dev/null
	ls -A /tmp >"$case_dir/left"
EOF
[ -e "$case_dir/cwd/started" ]
ok $? "the fake podman was started" || diag "$(cat "$case_dir/ns.log")"
[ ! -s "$case_dir/left" ]
ok $? "a SIGKILLed run leaves nothing in /tmp" || diag "$(cat "$case_dir/left")"

# ---- item 7: the user links containers.conf to a root-only file ----
# fix --graphroot looks for [engine] static_dir in the user's
# containers.conf; read as root, a link there showed a root-only file.
new_case static
user_file '[storage]
driver = "vfs"
graphroot = "'"$case_dir"'/old"'
printf '# root only\n[engine]\nstatic_dir = "/SECRET-static-4f1c"\n' >"$case_dir/secret.conf"
chmod 600 "$case_dir/secret.conf"
chmod 755 "$case_dir"
ln -s "$case_dir/secret.conf" "$home/.config/containers/containers.conf"
chown -h "$NS_UID:$NS_UID" "$home/.config/containers/containers.conf"
install -d -o "$NS_UID" -g "$NS_UID" "$case_dir/new"
ns_run <<-EOF
	"$NFSCHECK" fix --user $NS_NAME --podman-version 4.9 --graphroot "$case_dir/new/storage" \
		>"$case_dir/out" 2>"$case_dir/err"
	echo \$? >"$case_dir/rc"
EOF
grep -q "Podman keeps its database" "$case_dir/out"
ok $? "fix --graphroot --user moved the graphroot (and looked for static_dir)" || diag "$(cat "$case_dir/err")"
! grep -q "containers.conf:[0-9]* sets static_dir\|SECRET-static" "$case_dir/out" "$case_dir/err"
ok $? "a link to a root-only file shows nothing of it" || diag "$(grep static_dir "$case_dir/out")"

# ---- item 8: a subuid line whose count wraps the ID arithmetic ----
new_case wrap
printf 'x:0:18446744073709551615\n' >"$case_dir/subuid"
printf 'x:0:18446744073709551615\n' >"$case_dir/subgid"
ns_run <<-EOF
	timeout -s KILL 60 "$NFSCHECK" diagnose --user $NS_NAME --podman-version 4.9 --timeout 20 \
		>"$case_dir/out" 2>"$case_dir/err"
	echo \$? >"$case_dir/rc"
EOF
rc=$(cat "$case_dir/rc")
[ "$rc" != 137 ]
ok $? "diagnose ends on a subuid range that wraps (exit $rc)"
grep -q "no subordinate UID or GID range for $NS_NAME" "$case_dir/out"
ok $? "it says the user has no range" || diag "$(head -c 600 "$case_dir/out")"
grep -q "no free range of that size is left" "$case_dir/out" && ! grep -q "usermod --add-subuids" "$case_dir/out"
ok $? "and offers no usermod line for a range that does not exist" || diag "$(grep -i subu "$case_dir/out")"

done_testing
