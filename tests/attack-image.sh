#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# `nfscheck fix --image` attacked by the user it acts for, the way that user
# would: links from the mountpoint to /root and to another user's store,
# a rename racing root (renameat2 RENAME_EXCHANGE in a loop), an XFS image
# the user formatted with a root-owned tree, programs run in the user's name
# reaching for root's terminal, and paths made to break the --persist unit.
# As root, in private mount namespaces, with real loop devices and XFS.
. "$TESTS_SRCDIR/lib.sh"
NS_UID=4327 NS_NAME=nfsatk
. "$TESTS_SRCDIR/nscase.sh"
B_UID=4328 B_NAME=nfsvictim

command -v mkfs.xfs >/dev/null || skip_all "xfsprogs is not installed"
[ -e /dev/loop-control ] || skip_all "no loop devices here"
command -v gcc >/dev/null || skip_all "gcc is not installed"
ns_require

NS_PRE='mkdir -p "$case_dir/units"; mount --bind "$case_dir/units" /etc/systemd/system'
image=store.img
mp_rel=.local/share/containers

# The attacker's tools, compiled here: world-readable, run as the user.
tools=$ns_top/tools
mkdir -p "$tools" && chmod 755 "$tools"
cat >"$tools/swap.c" <<'EOF'
/* swap A B: exchange two names for ever, as fast as the kernel allows. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	for (;;)
		renameat2(AT_FDCWD, argv[1], AT_FDCWD, argv[2], RENAME_EXCHANGE);
}
EOF
cat >"$tools/fake-mkfs.c" <<'EOF'
/* Stands in for mkfs.xfs, run in the user's name: what could the user do
 * with it to root's terminal? Reports to $ATTACK_REPORT, then fails. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	FILE *r = fopen(getenv("ATTACK_REPORT") ? getenv("ATTACK_REPORT") : "/dev/null", "w");
	int tty = open("/dev/tty", O_RDWR | O_NOCTTY);
	char c = ' ', self[64], link[256];
	DIR *d;
	struct dirent *e;

	if (!r)
		return 1;
	fprintf(r, "ctty %s\n", tty >= 0 ? "yes" : "no");
	for (int fd = 0; fd < 3; fd++)
		fprintf(r, "tiocsti fd%d %s\n", fd, ioctl(fd, TIOCSTI, &c) == 0 ? "ok" : "refused");
	if (tty >= 0)
		fprintf(r, "tiocsti tty %s\n", ioctl(tty, TIOCSTI, &c) == 0 ? "ok" : "refused");
	if (tty >= 0)
		close(tty);
	d = opendir("/proc/self/fd");
	while (d && (e = readdir(d))) {
		int fd = atoi(e->d_name);
		ssize_t n;
		bool named = false;

		if (e->d_name[0] == '.' || fd == dirfd(d) || fd == fileno(r))
			continue;
		snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
		for (int i = 1; i < argc; i++)
			named |= strcmp(argv[i], self) == 0;
		n = readlink(self, link, sizeof(link) - 1);
		link[n > 0 ? n : 0] = '\0';
		fprintf(r, "fd %d %s %s\n", fd, named ? "argv" : "other", link);
	}
	fclose(r);
	/* A title-setting escape for root's terminal, in what it prints. */
	fputs("\033]0;owned\007fake mkfs.xfs says hi\n", stderr);
	return 1;
}
EOF
gcc -O -o "$tools/swap" "$tools/swap.c" && gcc -O -o "$tools/mkfs.xfs" "$tools/fake-mkfs.c" ||
	skip_all "cannot compile the attacker's helpers"
chmod 755 "$tools/swap" "$tools/mkfs.xfs"

# A second user, the victim of item 9, in the case's passwd.
add_victim() {
	bhome=$case_dir/home/$B_NAME
	mkdir -p "$bhome" && chown "$B_UID:$B_UID" "$bhome"
	echo "$B_NAME:x:$B_UID:$B_UID::$bhome:/bin/sh" >>"$case_dir/passwd"
	echo "$B_NAME:x:$B_UID:" >>"$case_dir/group"
	echo "$B_NAME:300000:65536" >>"$case_dir/subuid"
	echo "$B_NAME:300000:65536" >>"$case_dir/subgid"
}

# Is /root (or anything outside the homes) a mount point in this namespace?
root_check() { echo "awk '\$5 == \"/root\"' /proc/self/mountinfo >>\"$case_dir/root-mounts\""; }

# --- item 1: a link from the mountpoint to /root ---
new_case link-root
ns_run <<EOF
as_user mkdir -p "$home/.local/share"
as_user ln -s /root "$home/$mp_rel"
"$NFSCHECK" fix --user $NS_NAME --image "$home/$image" --size 1G >"$case_dir/out" 2>"$case_dir/err"
echo \$? >"$case_dir/rc"
$(root_check)
EOF
[ ! -s "$case_dir/root-mounts" ]; ok $? "a link to /root as mountpoint: /root is not mounted over" ||
	diag "$(cat "$case_dir/root-mounts")"
[ "$(cat "$case_dir/rc")" -ne 0 ] && grep -q 'symbolic link' "$case_dir/err"
ok $? "and it is refused, naming the link" || diag "$(cat "$case_dir/err")"

new_case outside-home
ns_run <<EOF
"$NFSCHECK" fix --user $NS_NAME --image "$home/$image" --size 1G --mountpoint /root >"$case_dir/out" 2>"$case_dir/err"
echo \$? >"$case_dir/rc"
$(root_check)
EOF
[ ! -s "$case_dir/root-mounts" ] && [ "$(cat "$case_dir/rc")" -ne 0 ] && grep -q 'not inside' "$case_dir/err"
ok $? "--mountpoint /root: refused, it is not inside the user's home" || diag "$(cat "$case_dir/err")"

# --- item 1: an image the user formatted, with a root-owned, setuid tree ---
new_case own-image
cat >"$case_dir/proto" <<'EOF'
/dev/null
0 0
d--755 0 0
.ssh d--700 0 0
authorized_keys ---600 0 0 /dev/null
$
rootsh -u-755 0 0 /bin/true
$
EOF
chmod 644 "$case_dir/proto"
ns_run <<EOF
as_user truncate -s 400M "$home/$image"
as_user /usr/sbin/mkfs.xfs -q -L nfscheck -p "$case_dir/proto" "$home/$image" >"$case_dir/mkfs" 2>&1
"$NFSCHECK" fix --user $NS_NAME --image "$home/$image" --size 1G >"$case_dir/out" 2>"$case_dir/err"
echo \$? >"$case_dir/rc"
grep " $home/" /proc/self/mountinfo >"$case_dir/mounts"
losetup -j "$home/$image" >"$case_dir/loops" 2>&1
cat /run/mount/utab >"$case_dir/utab" 2>/dev/null
EOF
[ "$(blkid -p -o value -s LABEL "$home/$image")" = nfscheck ]; ok $? "the user formatted an image labelled nfscheck" ||
	diag "$(cat "$case_dir/mkfs")"
[ "$(cat "$case_dir/rc")" -ne 0 ] && [ ! -s "$case_dir/mounts" ] && [ ! -s "$case_dir/utab" ]
ok $? "a root-owned filesystem root: refused, and nothing stays mounted or in utab" ||
	diag "$(cat "$case_dir/mounts" "$case_dir/utab" "$case_dir/err")"
[ ! -s "$case_dir/loops" ]; ok $? "and no loop device stays attached" || diag "$(cat "$case_dir/loops")"
grep -q 'belongs to UID 0' "$case_dir/err"; ok $? "and the message says whose root it is" || diag "$(cat "$case_dir/err")"

# A mount that fails its verification is not left behind: here the probe
# fails, as the user has no subordinate IDs.
new_case verify-fails
: >"$case_dir/subuid"
: >"$case_dir/subgid"
ns_run <<EOF
"$NFSCHECK" fix --user $NS_NAME --image "$home/$image" --size 1G >"$case_dir/out" 2>"$case_dir/err"
echo \$? >"$case_dir/rc"
grep " $home/" /proc/self/mountinfo >"$case_dir/mounts"
losetup -j "$home/$image" >"$case_dir/loops" 2>&1
cat /run/mount/utab >"$case_dir/utab" 2>/dev/null
EOF
grep -q 'FAIL probe' "$case_dir/out" && [ "$(cat "$case_dir/rc")" -ne 0 ]
ok $? "no subordinate IDs: the verification fails" || diag "$(tail -5 "$case_dir/out")"
[ ! -s "$case_dir/mounts" ] && [ ! -s "$case_dir/loops" ] && [ ! -s "$case_dir/utab" ]
ok $? "and the failed mount is unmounted, its loop device detached and its utab record gone" ||
	diag "$(cat "$case_dir/mounts" "$case_dir/loops" "$case_dir/utab")"

# The user's own root but a setuid-root program inside: mounted nosuid,nodev.
new_case setuid-image
sed -e 's/^d--755 0 0$/d--700 '$NS_UID' '$NS_UID'/' "$ns_top/own-image/proto" >"$case_dir/proto"
chmod 644 "$case_dir/proto"
ns_run <<EOF
as_user truncate -s 400M "$home/$image"
as_user /usr/sbin/mkfs.xfs -q -L nfscheck -p "$case_dir/proto" "$home/$image" >"$case_dir/mkfs" 2>&1
"$NFSCHECK" fix --user $NS_NAME --image "$home/$image" --size 1G >"$case_dir/out" 2>"$case_dir/err"
grep " $home/$mp_rel " /proc/self/mountinfo >"$case_dir/mounts"
EOF
[ -s "$case_dir/mounts" ] && awk '{ exit !($6 ~ /nosuid/ && $6 ~ /nodev/) }' "$case_dir/mounts"
ok $? "a setuid-root file inside the image: the mount is nosuid,nodev" || diag "$(cat "$case_dir/mounts" "$case_dir/err")"

# --- item 1: the mountpoint swapped with a link to /root while root works ---
new_case race
runs=6
ns_run <<EOF
as_user mkdir -p "$home/$mp_rel"
as_user ln -s /root "$home/.local/share/decoy"
as_user "$tools/swap" "$home/$mp_rel" "$home/.local/share/decoy" &
for i in \$(seq $runs); do
	"$NFSCHECK" fix --user $NS_NAME --image "$home/$image" --size 1G >>"$case_dir/out" 2>&1
	echo "run \$i: \$?" >>"$case_dir/rcs"
	$(root_check)
	# Whatever did get mounted, below the home: away, for the next run.
	awk -v h="$home/" 'index(\$5, h) == 1 { print \$5 }' /proc/self/mountinfo | while read -r m; do
		umount -l "\$m" 2>/dev/null; done
	umount -l /root 2>/dev/null
done
EOF
[ ! -s "$case_dir/root-mounts" ]; ok $? "a rename racing $runs runs: /root is never mounted over" ||
	diag "$(cat "$case_dir/root-mounts")"
[ "$(wc -l <"$case_dir/rcs")" -eq $runs ]; ok $? "and every run ended" || diag "$(cat "$case_dir/rcs")"

# --- item 2: nothing run in the user's name holds root's terminal ---
new_case tty
install -d -m 777 "$case_dir/report"
ns_run <<EOF
ATTACK_REPORT=$case_dir/report/mkfs PATH="$tools:\$PATH" script -qec \
	"'$NFSCHECK' fix --user $NS_NAME --image '$home/$image' --size 1G" /dev/null >"$case_dir/out" 2>&1
EOF
r=$case_dir/report/mkfs
[ -s "$r" ]; ok $? "the fake mkfs.xfs ran in the user's name under root's terminal" || diag "$(cat "$case_dir/out")"
grep -qx 'ctty no' "$r"; ok $? "it has no controlling terminal" || diag "$(cat "$r")"
! grep -q '^tiocsti .* ok$' "$r"; ok $? "TIOCSTI into root's terminal fails on every descriptor" || diag "$(cat "$r")"
! grep -qE '^fd [0-9]+ .* /dev/(pts/|tty)' "$r"; ok $? "no descriptor of root's terminal" || diag "$(cat "$r")"
! grep -qE '^fd [0-9]+ other ' "$r" || [ "$(grep -E '^fd [0-9]+ other ' "$r" | awk '$2 > 2' | wc -l)" -eq 0 ]
ok $? "no descriptor beyond 0-2 but the ones named in its arguments" || diag "$(cat "$r")"
grep -qE '^fd 0 other /dev/null$' "$r"; ok $? "stdin is /dev/null" || diag "$(cat "$r")"
grep -q 'fake mkfs.xfs says hi' "$case_dir/out" && ! grep -q "$(printf '\033')" "$case_dir/out"
ok $? "its output reaches root's terminal with the escape sequence defused" || diag "$(cat -v "$case_dir/out")"

# --- item 6: paths that would break the --persist unit ---
new_case unit-newline
nl_mp="$home/a
ExecStartPre=/bin/touch /tmp/pwned"
ns_run <<EOF
$(eval echo "\"$NS_PRE\"")
"$NFSCHECK" fix --user $NS_NAME --image "$home/$image" --size 1G --persist --mountpoint "$nl_mp" >"$case_dir/out" 2>"$case_dir/err"
echo \$? >"$case_dir/rc"
ls "$case_dir/units" >"$case_dir/unit-list"
EOF
[ "$(cat "$case_dir/rc")" -eq 64 ] && grep -q 'control character' "$case_dir/err"
ok $? "a newline in the mountpoint with --persist: refused as a usage error" || diag "$(cat "$case_dir/rc" "$case_dir/err")"
! grep -q . "$case_dir/unit-list" && [ ! -e "$home/$image" ]; ok $? "and no unit, no image"

new_case unit-quoting
odd='we ird $HOME %h "q" '\''s'\'' back\slash ${X}'
odd_mp="$home/$odd"
q_mp=$(printf %q "$odd_mp")
ns_run <<EOF
$(eval echo "\"$NS_PRE\"")
as_user mkdir $q_mp
# Made where Podman's default graphroot lies (a new image elsewhere is
# refused), then attached on the odd mountpoint, as an existing image may be.
"$NFSCHECK" fix --user $NS_NAME --image "$home/$image" --size 1G >/dev/null 2>&1
"$NFSCHECK" fix --user $NS_NAME --undo >/dev/null 2>&1
"$NFSCHECK" fix --user $NS_NAME --image "$home/$image" --size 1G --persist --mountpoint $q_mp >"$case_dir/out" 2>"$case_dir/err"
echo \$? >"$case_dir/rc"
cat "$case_dir/units"/nfscheck-image-*.service >"$case_dir/unit" 2>/dev/null
"$NFSCHECK" fix --user $NS_NAME --undo --mountpoint $q_mp >>"$case_dir/out" 2>>"$case_dir/err"
echo \$? >"$case_dir/rc-undo"
EOF
# (exit 1: the graphroot is not inside a mountpoint other than the default)
[ "$(cat "$case_dir/rc")" -le 1 ] && grep -q '^attached ' "$case_dir/out" && [ -s "$case_dir/unit" ]
ok $? "--persist with \$, %, spaces, quotes and a backslash in the mountpoint: mounted, unit written" ||
	diag "$(cat "$case_dir/err")" "$(tail -5 "$case_dir/out")"
# systemd's rules: inside "...", \\ and \" are escapes; then %% is %, and $$ is $.
sd_quote() { local s=${1//\\/\\\\}; s=${s//\"/\\\"}; s=${s//%/%%}; s=${s//\$/\$\$}; printf '"%s"' "$s"; }
want="ExecStart=$(sd_quote "$(readlink -f "$NFSCHECK")") fix --image $(sd_quote "$home/$image") --size \"1G\" --mountpoint $(sd_quote "$odd_mp") --user \"$NS_NAME\" --no-diagnose"
[ "$(grep -c '^Exec' "$case_dir/unit")" -eq 2 ] && [ "$(grep '^ExecStart=' "$case_dir/unit")" = "$want" ]
ok $? "the unit has one ExecStart, quoted by systemd's rules" || diag "want: $want" "$(grep -n . "$case_dir/unit")"
[ "$(cat "$case_dir/rc-undo")" -eq 0 ]; ok $? "and --undo finds it by the same path" || diag "$(cat "$case_dir/err")"
unit_verifies "$case_dir/unit" "systemd-analyze verify accepts it"

# --- paths that would forge a line of libmount's utab ---
# fix --image records its mount there (_netdev, for systemd's ordering);
# libmount writes the line, escaping what would end a field or the line.
new_case utab-forge
forge_mp="$home/u tab
SRC=/dev/forged TARGET=/ ROOT=/ OPTS=x-forged"
q_mp=$(printf %q "$forge_mp")
ns_run <<EOF
as_user mkdir $q_mp
"$NFSCHECK" fix --user $NS_NAME --image "$home/$image" --size 1G >/dev/null 2>&1
"$NFSCHECK" fix --user $NS_NAME --undo >/dev/null 2>&1
"$NFSCHECK" fix --user $NS_NAME --image "$home/$image" --size 1G --mountpoint $q_mp >"$case_dir/out" 2>"$case_dir/err"
echo \$? >"$case_dir/rc"
cp /run/mount/utab "$case_dir/utab"
findmnt --mtab -n -o OPTIONS / >"$case_dir/root-opts"
findmnt --mtab -n -o OPTIONS --target $q_mp >"$case_dir/mp-opts"
"$NFSCHECK" fix --user $NS_NAME --undo --mountpoint $q_mp >>"$case_dir/out" 2>>"$case_dir/err"
echo \$? >"$case_dir/rc-undo"
cat /run/mount/utab >"$case_dir/utab-after" 2>/dev/null
EOF
[ "$(cat "$case_dir/rc")" -le 1 ] && grep -q '^attached ' "$case_dir/out"
ok $? "a newline and utab's own keys in the mountpoint: mounted" || diag "$(cat "$case_dir/err")"
[ "$(wc -l <"$case_dir/utab")" -eq 1 ] && grep -q 'OPTS=_netdev$' "$case_dir/utab" &&
	! grep -q '^SRC=/dev/forged' "$case_dir/utab"
ok $? "utab has one line for it, no forged one" || diag "$(cat -A "$case_dir/utab")"
! grep -q 'x-forged' "$case_dir/root-opts" && grep -q '_netdev' "$case_dir/mp-opts"
ok $? "libmount gives / no forged option, and the mount its _netdev" || diag "$(cat "$case_dir/root-opts" "$case_dir/mp-opts")"
[ "$(cat "$case_dir/rc-undo")" -eq 0 ] && [ ! -s "$case_dir/utab-after" ]
ok $? "--undo removes the record" || diag "$(cat "$case_dir/err" "$case_dir/utab-after")"

# libmount's lock waits for ever, and utab.lock is 0644 (libmount 2.38):
# the user holds it (flock needs only a read-only descriptor) while root
# attaches and detaches. Both go on without the record, and say so.
new_case utab-lock
ns_run <<EOF
touch /run/mount/utab.lock && chmod 0644 /run/mount/utab.lock
as_user flock -s /run/mount/utab.lock sleep 600 &
sleep 0.5
timeout -s KILL 100 "$NFSCHECK" fix --user $NS_NAME --image "$home/$image" --size 1G >"$case_dir/out" 2>"$case_dir/err"
echo \$? >"$case_dir/rc"
grep -c " $home/.local/share/containers " /proc/self/mountinfo >"$case_dir/n1"
timeout -s KILL 30 "$NFSCHECK" fix --user $NS_NAME --undo >>"$case_dir/out" 2>>"$case_dir/err"
echo \$? >"$case_dir/rc-undo"
grep -c " $home/.local/share/containers " /proc/self/mountinfo >"$case_dir/n2"
EOF
[ "$(cat "$case_dir/rc")" -eq 0 ] && [ "$(cat "$case_dir/n1")" -eq 1 ]
ok $? "utab.lock held by the user: the image is attached all the same" || diag "$(cat "$case_dir/err")"
grep -q 'cannot record .* in /run/mount/utab: no answer before the deadline' "$case_dir/err"
ok $? "and nfscheck says the record is missing" || diag "$(cat "$case_dir/err")"
[ "$(cat "$case_dir/rc-undo")" -eq 0 ] && [ "$(cat "$case_dir/n2")" -eq 0 ] &&
	grep -q "cannot remove the record of .* from /run/mount/utab: no answer before the deadline" "$case_dir/err"
ok $? "--undo, the lock still held: unmounted, no hang, and says the record stays (exit $(cat "$case_dir/rc-undo"))" || diag "$(cat "$case_dir/err")"

# --- item 9: --undo for A must not unmount B's store ---
new_case undo-other
add_victim
ns_run <<EOF
as_b() { setpriv --reuid=$B_UID --regid=$B_UID --clear-groups env -i HOME="$bhome" PATH=/usr/bin:/bin "\$@"; }
# B's ~/.local/share is searchable by others, as a default umask leaves it.
as_b mkdir -p "$bhome/.local/share"
"$NFSCHECK" fix --user $B_NAME --image "$bhome/$image" --size 1G >"$case_dir/out-b" 2>&1
echo \$? >"$case_dir/rc-b"
as_user mkdir -p "$home/.local/share"
as_user ln -s "$bhome/$mp_rel" "$home/$mp_rel"
"$NFSCHECK" fix --user $NS_NAME --undo >"$case_dir/out" 2>"$case_dir/err"
echo \$? >"$case_dir/rc"
"$NFSCHECK" fix --user $NS_NAME --undo --mountpoint "$bhome/$mp_rel" >"$case_dir/out2" 2>"$case_dir/err2"
echo \$? >"$case_dir/rc2"
grep -c " $bhome/$mp_rel " /proc/self/mountinfo >"$case_dir/n"
"$NFSCHECK" fix --user $B_NAME --undo >"$case_dir/out-b2" 2>&1
EOF
[ "$(cat "$case_dir/rc-b")" -eq 0 ]; ok $? "B's image is mounted" || diag "$(tail -5 "$case_dir/out-b")"
[ "$(cat "$case_dir/rc")" -ne 0 ] && grep -q 'symbolic link' "$case_dir/err"
ok $? "--undo --user A through A's link to B's mountpoint: refused" || diag "$(cat "$case_dir/out" "$case_dir/err")"
[ "$(cat "$case_dir/rc2")" -ne 0 ]; ok $? "--undo --user A --mountpoint B's: refused" || diag "$(cat "$case_dir/out2" "$case_dir/err2")"
[ "$(cat "$case_dir/n")" -eq 1 ]; ok $? "B's store stays mounted"

done_testing
