#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
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

# A run killed while podman answers leaves nothing behind either: as root,
# and as a user (who gets a user namespace of their own for the tmpfs).
for who in root user; do
	new_case "killed-$who"
	mkdir -p "$case_dir/bin"
	chmod 755 "$case_dir" "$case_dir/bin"
	chmod 777 "$case_dir/cwd"
	cat >"$case_dir/bin/podman" <<-EOF
		#!/bin/sh
		echo \$\$ >"$case_dir/cwd/started.tmp" && mv "$case_dir/cwd/started.tmp" "$case_dir/cwd/started"
		exec sleep 60
	EOF
	chmod 755 "$case_dir/bin/podman"
	# Not the as_user function: a function in the background is a subshell,
	# and the SIGKILL must reach nfscheck itself.
	run_as=
	[ $who = user ] && run_as="setpriv --reuid=$NS_UID --regid=$NS_UID --clear-groups env -i HOME=$home USER=$NS_NAME"
	ns_run <<-EOF
		if [ $who = user ] && ! as_user unshare -U true 2>/dev/null; then
			echo nouserns >"$case_dir/left"
			exit 0
		fi
		$run_as env PATH="$case_dir/bin:/usr/local/bin:/usr/bin:/bin" "$NFSCHECK" config >/dev/null 2>&1 &
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
	if [ "$(cat "$case_dir/left" 2>/dev/null)" = nouserns ]; then
		skip "no unprivileged user namespaces here"
		skip "no unprivileged user namespaces here"
		continue
	fi
	[ -e "$case_dir/cwd/started" ]
	ok $? "as $who: the fake podman was started" || diag "$(cat "$case_dir/ns.log")"
	[ ! -s "$case_dir/left" ]
	ok $? "as $who: a SIGKILLed run leaves nothing in /tmp" || diag "$(cat "$case_dir/left")"
done

# podman runs as nobody, whom any process of nobody's may ptrace: it must
# not hold root's terminal (TIOCSTI) nor any descriptor of root's.
if command -v script >/dev/null; then
	new_case ctty
	mkdir -p "$case_dir/bin"
	chmod 755 "$case_dir" "$case_dir/bin"
	chmod 777 "$case_dir/cwd"
	cat >"$case_dir/bin/podman" <<-EOF
		#!/usr/bin/python3
		import os
		try:
		    os.close(os.open("/dev/tty", os.O_RDWR)); tty = "tty"
		except OSError:
		    tty = "none"
		fds = []
		for fd in range(3, 1024):
		    try:
		        os.fstat(fd); fds.append(str(fd))
		    except OSError:
		        pass
		open("$case_dir/cwd/seen", "w").write(tty + "\\n" + " ".join(fds) + "\\n")
		print("podman version 4.9.0")
	EOF
	chmod 755 "$case_dir/bin/podman"
	ns_run <<-EOF
		PATH="$case_dir/bin:\$PATH" script -qec "$NFSCHECK config" /dev/null >"$case_dir/out" 2>&1
	EOF
	grep -q "podman 4.9.0" "$case_dir/out" && [ "$(sed -n 1p "$case_dir/cwd/seen")" = none ]
	ok $? "podman --version runs without root's controlling terminal" || diag "$(cat "$case_dir/cwd/seen")"
	[ -n "$(sed -n 1p "$case_dir/cwd/seen")" ] && [ -z "$(sed -n 2p "$case_dir/cwd/seen")" ]
	ok $? "and with no descriptor but stdin, stdout and stderr" || diag "$(cat "$case_dir/cwd/seen")"
else
	skip "script(1) is not installed"
	skip "script(1) is not installed"
fi

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

# ---- item 6: user text written into tmpfiles.d, storage.conf, commands ----
# A graphroot whose name holds a space, quotes, a backslash, '%' and '$':
# the tmpfiles.d line must exclude exactly that directory, as
# systemd-tmpfiles itself reads the line.
if command -v systemd-tmpfiles >/dev/null && [ -d /etc/tmpfiles.d ]; then
	new_case tmpq
	mkdir -p "$case_dir/tmpfiles.d"
	install -d -o "$NS_UID" -g "$NS_UID" "$case_dir/st"
	weird="$case_dir/st/we ird %h \"q\" 'a' \\b x\$"
	ns_run <<-EOF
		mount --bind "$case_dir/tmpfiles.d" /etc/tmpfiles.d
		"$NFSCHECK" fix --user $NS_NAME --podman-version 4.9 --tmpfiles --graphroot $(printf %q "$weird") \
			>"$case_dir/out" 2>"$case_dir/err"
		echo \$? >"$case_dir/rc"
	EOF
	excl=$case_dir/tmpfiles.d/nfscheck-$NS_NAME.conf
	[ -d "$weird" ] && [ -s "$excl" ]
	ok $? "--tmpfiles with an odd graphroot name: written" || diag "$(cat "$case_dir/err")" "$(ls "$case_dir/st")"
	old=$weird/old-layer-file
	touch -d '40 days ago' "$old"
	printf 'e %s - - - m:1s\n' "$case_dir/st" >"$case_dir/age.conf"
	systemd-tmpfiles --clean "$case_dir/age.conf" "$excl" >/dev/null 2>&1
	[ -e "$old" ]
	ok $? "systemd-tmpfiles reads the quoted line as exactly that directory" || diag "$(cat "$excl")"
	grep -q '^x "' "$excl" && [ "$(grep -vc '^#' "$excl")" = 1 ]
	ok $? "one quoted x line" || diag "$(cat "$excl")"
else
	skip "systemd-tmpfiles is not installed"
	skip "systemd-tmpfiles is not installed"
	skip "systemd-tmpfiles is not installed"
fi

# A newline in the graphroot would start a line of the user's choosing in
# /etc/tmpfiles.d (and in storage.conf): refused before anything is written.
new_case newline
mkdir -p "$case_dir/tmpfiles.d"
install -d -o "$NS_UID" -g "$NS_UID" "$case_dir/st"
nl="$case_dir/st/a
R /etc/important"
ns_run <<-EOF
	mount --bind "$case_dir/tmpfiles.d" /etc/tmpfiles.d
	"$NFSCHECK" fix --user $NS_NAME --podman-version 4.9 --tmpfiles --graphroot $(printf %q "$nl") \
		>"$case_dir/out" 2>"$case_dir/err"
	echo \$? >"$case_dir/rc"
EOF
rc=$(cat "$case_dir/rc")
[ "$rc" = 64 ] && grep -q "control character" "$case_dir/err"
ok $? "fix --graphroot with a newline is refused (exit $rc)" || diag "$(cat "$case_dir/err")"
[ -z "$(ls -A "$case_dir/tmpfiles.d")" ] && [ ! -e "$home/.config/containers/storage.conf" ] &&
	[ -z "$(ls -A "$case_dir/st")" ]
ok $? "nothing is written or created" || diag "$(ls -AR "$case_dir/tmpfiles.d" "$case_dir/st")"

new_case systpl
ns_run <<-EOF
	"$NFSCHECK" fix --system --podman-version 4.9 --graphroot-template $(printf %q "/var/tmp/\$USER/x
[storage]") >"$case_dir/out" 2>"$case_dir/err"
	echo \$? >"$case_dir/rc"
EOF
rc=$(cat "$case_dir/rc")
[ "$rc" = 64 ] && [ ! -e "$case_dir/etc-containers/storage.conf" ]
ok $? "fix --system refuses a template with a newline, /etc untouched (exit $rc)" || diag "$(cat "$case_dir/err")"

# The command printed for removing the old store is pasted into a shell:
# it must name exactly the old graphroot, $(...) and all.
new_case paste
oldgr="$case_dir/old store \$(touch $case_dir/pwned) 'q' \\"
install -d -o "$NS_UID" -g "$NS_UID" "$oldgr" "$case_dir/new"
user_file "[storage]"
# A TOML basic string holding it: JSON's string escapes are TOML's too.
printf '[storage]\ndriver = "vfs"\ngraphroot = %s\n' "$(jq -Rn --arg s "$oldgr" '$s')" \
	>"$home/.config/containers/storage.conf"
ns_run <<-EOF
	"$NFSCHECK" fix --user $NS_NAME --podman-version 4.9 --graphroot "$case_dir/new/storage" \
		>"$case_dir/out" 2>"$case_dir/err"
EOF
cmd=$(grep -A1 "are not moved" "$case_dir/out" | tail -1)
eval "set -- ${cmd#*rm -rf }"
[ $# = 1 ] && [ "$1" = "$oldgr" ] && [ ! -e "$case_dir/pwned" ]
ok $? "the printed rm -rf command names exactly the old graphroot" || diag "$cmd"

# diagnose's remedy for a graphroot in /var/tmp is a command to paste as
# root; a quote and $(...) in the user's path must stay inside it.
new_case remedy
gr="/var/tmp/nfscheck-sec-$$/it's \$(touch $case_dir/pwned) a\\b"
user_file "[storage]"
printf '[storage]\ndriver = "vfs"\ngraphroot = %s\n' "$(jq -Rn --arg s "$gr" '$s')" \
	>"$home/.config/containers/storage.conf"
ns_run <<-EOF
	"$NFSCHECK" diagnose --user $NS_NAME --podman-version 4.9 --timeout 20 >"$case_dir/out" 2>"$case_dir/err"
EOF
cmd=$(sed -n 's/^ *remedy: exclude it: //p' "$case_dir/out")
line=$(eval "${cmd%%|*}" 2>&1)
[ -n "$cmd" ] && [ ! -e "$case_dir/pwned" ] && [ "${line:0:3}" = 'x "' ] && [ "$(echo "$line" | wc -l)" = 1 ]
ok $? "the tmpfiles.d remedy keeps the user's quote and \$(...) inside its own line" || diag "$cmd" "$line"

# ---- item 10: terminal escapes in a user's graphroot ----
new_case escapes
user_file '[storage]
driver = "vfs"
graphroot = "/var/tmp/x\u001b]0;PWNED\u0007\u001b[2J\r/y\u009b31mz\n  [ ok ] injected"'
# bytes FILE...: fails when any holds ESC, BEL, a C1 CSI, or a CR not ending a line
bytes_clean() {
	python3 -c 'import sys,re
for f in sys.argv[1:]:
    b = open(f, "rb").read()
    if b"\x1b" in b or b"\x07" in b or b"\xc2\x9b" in b or re.search(rb"\r(?!\n)", b): sys.exit(1)' "$@"
}
ns_run <<-EOF
	"$NFSCHECK" config --user $NS_NAME --podman-version 4.9 >"$case_dir/config.out" 2>"$case_dir/config.err"
	"$NFSCHECK" diagnose --user $NS_NAME --podman-version 4.9 --timeout 20 >"$case_dir/diag.out" 2>"$case_dir/diag.err"
	"$NFSCHECK" fix --system --podman-version 4.9 --graphroot-template '/var/tmp/\$USER/s' \
		>"$case_dir/sys.out" 2>"$case_dir/sys.err"
EOF
for cmd in config diag sys; do
	grep -q 'x\\x1b]0;PWNED' "$case_dir/$cmd.out"
	ok $? "$cmd: the graphroot is shown, escaped" || diag "$(grep -a PWNED "$case_dir/$cmd.out" | cat -v)"
	bytes_clean "$case_dir/$cmd.out" "$case_dir/$cmd.err"
	ok $? "$cmd: no terminal control byte from the user reaches root's terminal"
	[ "$cmd" = sys ] || ! grep -q '^ *\[ ok \] injected' "$case_dir/$cmd.out"
	ok $? "$cmd: a newline in the value makes no line of its own" || diag "$(grep -B1 injected "$case_dir/$cmd.out" | cat -v)"
done
ns_run <<-EOF
	"$NFSCHECK" config --json --user $NS_NAME --podman-version 4.9 >"$case_dir/config.json" 2>/dev/null
EOF
jq -e . "$case_dir/config.json" >/dev/null && grep -q 'x\\u001b]0;PWNED' "$case_dir/config.json" &&
	bytes_clean "$case_dir/config.json"
ok $? "config --json: valid JSON, escapes as \\u00NN" || diag "$(grep -a PWNED "$case_dir/config.json" | cat -v)"

done_testing
