#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The site policy (/etc/nfscheck.conf, read with inih): `fix --user NAME`
# with nothing but the policy applies the site's remedy (the graphroot
# template, expanded for the user, lands in the user's storage.conf and
# diagnose then passes); diagnose prints the site's remedy instead of its
# own; and a policy that is not exactly right is refused with FILE:LINE and
# exit status 2 by diagnose, fleet and fix, which then change nothing.
. "$TESTS_SRCDIR/lib.sh"
NS_UID=4450 NS_NAME=nfspolicy
. "$TESTS_SRCDIR/nscase.sh"

command -v jq >/dev/null || skip_all "jq is not installed"
ns_require

# /etc/nfscheck.conf only inside the namespace: a copy of /etc over /etc,
# with a marker file that must be seen at /etc before anything is written
# there; otherwise the namespace script stops.
[ -e /etc/nfscheck.conf ] && skip_all "/etc/nfscheck.conf exists on this machine; the test would not see its own"
ns_etc() {
	mkdir -p "$case_dir/etc"
	echo "cp -a /etc/. '$case_dir/etc/' || exit 1"
	echo "touch '$case_dir/etc/.nfscheck-policy-test' || exit 1"
	echo "mount --bind '$case_dir/etc' /etc || exit 1"
	echo "[ -e /etc/.nfscheck-policy-test ] || exit 1"
}

new_case apply
mkdir -p "$case_dir/etc" "$case_dir/local"
chmod 1777 "$case_dir/local"
user_file '[storage]
driver = "vfs"'
printf '[remedy]\nmethod = graphroot\ngraphroot = %s/local/$USER/containers/storage\n[tmpfiles]\nexclude = no\n' \
	"$case_dir" >"$case_dir/policy"
ns_run <<EOF
$(ns_etc)
cp "$case_dir/policy" /etc/nfscheck.conf
"$NFSCHECK" fix --user $NS_NAME >"$case_dir/out" 2>"$case_dir/err"
echo \$? >"$case_dir/rc"
"$NFSCHECK" diagnose --user $NS_NAME --json >"$case_dir/after.json" 2>/dev/null
EOF
want="$case_dir/local/$NS_NAME/containers/storage"
ok $([ "$(cat "$case_dir/rc")" = 0 ]; echo $?) "fix --user with only /etc/nfscheck.conf exits 0 (got $(cat "$case_dir/rc"))" ||
	diag "$(cat "$case_dir/out" "$case_dir/err" | tail -15)"
ok $(grep -qF "graphroot = \"$want\"" "$home/.config/containers/storage.conf"; echo $?) \
	"the user's storage.conf now has the site's graphroot, expanded for the user" ||
	diag "$(cat "$home/.config/containers/storage.conf")"
ok $(grep -q 'driver = "vfs"' "$home/.config/containers/storage.conf"; echo $?) "the rest of the user's file is kept"
ok $(grep -qF "the site policy /etc/nfscheck.conf: graphroot $want" "$case_dir/out"; echo $?) "fix says it follows the site policy"
ok $([ "$(jq -r .verdict "$case_dir/after.json")" = ok ]; echo $?) \
	"diagnose --user passes afterwards ($(jq -r .verdict "$case_dir/after.json"))"

# diagnose prints the site's remedy for a graphroot it fails: a noexec one.
new_case remedy
mkdir -p "$case_dir/noexec"
user_file "[storage]
graphroot = \"$case_dir/noexec/g\""
printf '[remedy]\nmethod = image\nimage = $HOME/podman.img\nsize = 20G\n' >"$case_dir/policy"
ns_run <<EOF
mount -t tmpfs -o noexec,mode=1777 pol-noexec "$case_dir/noexec"
"$NFSCHECK" diagnose --user $NS_NAME --policy "$case_dir/policy" --json >"$case_dir/d.json" 2>"$case_dir/err"
echo \$? >"$case_dir/rc"
EOF
fix=$(jq -r '.fix | join(" ; ")' "$case_dir/d.json")
ok $([ "$(cat "$case_dir/rc")" = 1 ] && grep -qF "nfscheck fix --image $home/podman.img --size 20G --user $NS_NAME" <<<"$fix"; echo $?) \
	"diagnose's fix is the site's image remedy: $fix" ||
	diag "exit $(cat "$case_dir/rc")" "$(cat "$case_dir/err")" "$(jq -c '.checks[] | select(.status == "fail")' "$case_dir/d.json")"

# A broken policy: FILE:LINE and exit 2, from every command, and nothing changed.
new_case broken
mkdir -p "$case_dir/etc"
user_file '[storage]
driver = "vfs"'
cp "$home/.config/containers/storage.conf" "$case_dir/before"
n=0
# refused TEXT LINE WHAT: the policy TEXT is refused at LINE with WHAT.
refused() {
	n=$((n + 1))
	printf "$1" >"$case_dir/p$n"
	ns_run <<-EOF
		$(ns_etc)
		cp "$case_dir/p$n" /etc/nfscheck.conf
		"$NFSCHECK" diagnose --user $NS_NAME >/dev/null 2>"$case_dir/d$n"; echo \$? >"$case_dir/drc$n"
		echo $NS_NAME | "$NFSCHECK" fleet --users - >/dev/null 2>"$case_dir/f$n"; echo \$? >"$case_dir/frc$n"
		"$NFSCHECK" fix --user $NS_NAME >/dev/null 2>"$case_dir/x$n"; echo \$? >"$case_dir/xrc$n"
	EOF
	local want="nfscheck: /etc/nfscheck.conf:$2: $3" all=0
	for c in d f x; do
		[ "$(cat "$case_dir/${c}rc$n")" = 2 ] && grep -qF -- "$want" "$case_dir/$c$n" || all=1
	done
	ok $all "diagnose, fleet and fix refuse with '$want' and exit 2" ||
		diag "$(cat "$case_dir/d$n" "$case_dir/f$n" "$case_dir/x$n")" "$(cat "$case_dir/drc$n" "$case_dir/frc$n" "$case_dir/xrc$n")"
}
refused '[remedy]\nmethod = graphroot\ngraphroot = relative/$USER\n' 3 "graphroot = relative/\$USER: not an absolute path"
refused '# site\n[remedy]\nmethod = move\n' 3 "method = move: not graphroot, image or none"
refused '[remedy\nmethod = graphroot\n' 1 "not [section] or name = value"
refused '[remedy]\nmethod = graphroot\ngraphroot = /var/tmp/$LOGNAME\n' 3 'graphroot = /var/tmp/$LOGNAME: a $ that is not $USER, $UID or $HOME'
refused '[remedy]\nmethod = image\nimage = /i/$USER.img\n' 2 "method = image needs image = TEMPLATE and size = SIZE"
refused '[subids]\nminimum = lots\n' 2 "minimum = lots: not a number of IDs"
refused '[subids]\nminimum = 65536\n  [tmpfiles]\n' 3 "minimum is given twice"
refused '[tmpfiles]\nexclude = maybe\n' 2 "exclude = maybe: not yes or no"
refused '[tmpfiles]\nexclude = yes\n[colour]\nred = 1\n' 4 "unknown key 'red' in [colour]"
refused "[remedy]\nmethod = graphroot\ngraphroot = /$(printf 'x%.0s' $(seq 300))\n" 3 "line longer than 190 bytes"
cmp -s "$case_dir/before" "$home/.config/containers/storage.conf"
ok $? "the user's storage.conf is untouched after all of them"
ok $([ ! -e /etc/nfscheck.conf ]; echo $?) "the machine's own /etc has no nfscheck.conf: only the namespaces had one"
done_testing
