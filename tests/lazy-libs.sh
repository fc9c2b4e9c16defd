#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# libtirpc, libsqlite3 and libsubid are loaded when a run first needs them
# (src/sys/dynlib.c), not with the program: `config` on a plain home loads
# none of them; diagnose reads plain subuid/subgid files itself (the files
# backend) and loads libsubid only for files libsubid reads otherwise (an
# octal number), a libpod SQLite database
# libsqlite3, `server` libtirpc, each still answering; and when one cannot
# be loaded (hidden in a private mount namespace), the run goes on and says
# why instead of the program failing to start. Old code: the three were
# linked (NEEDED), so the first checks fail and a hidden one stopped every
# command at start-up.
. "$TESTS_SRCDIR/lib.sh"
NS_UID=4662 NS_NAME=nfslazy
. "$TESTS_SRCDIR/nscase.sh"

command -v objdump >/dev/null || skip_all "objdump is not installed"
command -v jq >/dev/null || skip_all "jq is not installed"
ns_require

needed=$(objdump -p "$NFSCHECK" | awk '$1 == "NEEDED" { print $2 }' | tr '\n' ' ')
for lib in libtirpc libsqlite3 libsubid; do
	! grep -q " $lib\.so\." <<<" $needed"
	ok $? "$lib is not linked into the program (NEEDED: $needed)"
done
# where the dynamic loader finds each, to hide it
libpath() { ldconfig -p | awk -v s="$1" '$1 ~ "^" s "\\.so\\." && $NF ~ /^\// { print $NF; exit }'; }
for lib in libtirpc libsqlite3 libsubid; do
	p=$(libpath "$lib")
	ok "$([ -e "$p" ]; echo $?)" "ldconfig knows where $lib is ($p)"
	printf -v "path_$lib" '%s' "$p"
done

# loaded FILE: the libraries the dynamic loader opened (LD_DEBUG=files)
loaded() { sed -n 's/.*file=\([^ ]*\) .*/\1/p' "$1" | sort -u | tr '\n' ' '; }

new_case plain
db=$home/.local/share/containers/storage/libpod
install -d -o "$NS_UID" -g "$NS_UID" "$home/.local" "$home/.local/share" "$home/.local/share/containers" \
	"$home/.local/share/containers/storage"
# The namespace's /etc/subuid and /etc/subgid with one more line that
# libsubid reads as octal (strtoul base 0): then libsubid, not nfscheck's
# reading, answers.
ODD="for f in subuid subgid; do { cat /etc/\$f; echo zzoctal:07000000:10; } >'$case_dir'/\$f.octal &&
	mount --bind '$case_dir'/\$f.octal /etc/\$f; done"
ns_run <<-END_OF_NS
	LD_DEBUG=files "$NFSCHECK" config >"$case_dir/c1.out" 2>"$case_dir/c1.err"; echo \$? >"$case_dir/c1.rc"
	as_user env LD_DEBUG=files "$NFSCHECK" config >"$case_dir/c2.out" 2>"$case_dir/c2.err"; echo \$? >"$case_dir/c2.rc"
	as_user env LD_DEBUG=files "$NFSCHECK" diagnose --json >"$case_dir/d.json" 2>"$case_dir/d.err"
	$ODD
	as_user env LD_DEBUG=files "$NFSCHECK" diagnose --json >"$case_dir/o.json" 2>"$case_dir/o.err"
END_OF_NS
for n in c1 c2; do
	l=$(loaded "$case_dir/$n.err")
	[ "$(cat "$case_dir/$n.rc")" = 0 ] && ! grep -qE 'libtirpc|libsqlite3|libsubid' <<<"$l"
	ok $? "config $([ $n = c1 ] && echo as root || echo as the user): exit 0, none of the three loaded ($l)" ||
		diag "$(tail -5 "$case_dir/$n.err")"
done
subids_65536() {
	jq -e '.checks[] | select(.id == "subids") | .status == "ok" and .values.uid_ranges[0].count == 65536' \
		"$1" >/dev/null
}
! grep -q 'libsubid' <<<"$(loaded "$case_dir/d.err")" && subids_65536 "$case_dir/d.json"
ok $? "diagnose as the user, plain files: libsubid not loaded, the user's 65536 subordinate IDs found" ||
	diag "$(loaded "$case_dir/d.err")"
grep -q 'libsubid' <<<"$(loaded "$case_dir/o.err")" && subids_65536 "$case_dir/o.json"
ok $? "diagnose as the user, a line libsubid reads as octal: libsubid loaded, and it finds the 65536 IDs" ||
	diag "$(loaded "$case_dir/o.err"; jq -c '.checks[] | select(.id == "subids")' "$case_dir/o.json")"

# A SQLite libpod database (Podman 4.8 and later), read as the user
install -d -o "$NS_UID" -g "$NS_UID" "$db"
python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("CREATE TABLE DBConfig(RunRoot TEXT, GraphRoot TEXT, GraphDriver TEXT)")
c.execute("INSERT INTO DBConfig VALUES(?, ?, ?)", (sys.argv[2], "/var/tmp/pinned-by-db", "vfs"))
c.commit()' "${db:?}/db.sql" "/run/user/$NS_UID/containers"
chown "$NS_UID:$NS_UID" "$db/db.sql"
ns_run <<-END_OF_NS
	as_user env LD_DEBUG=files "$NFSCHECK" config --podman-version 5.4.2 >"$case_dir/s.out" 2>"$case_dir/s.err"
	mount --bind /dev/null "$path_libsqlite3"
	as_user "$NFSCHECK" config --podman-version 5.4.2 >"$case_dir/s2.out" 2>"$case_dir/s2.err"; echo \$? >"$case_dir/s2.rc"
END_OF_NS
grep -q libsqlite3 <<<"$(loaded "$case_dir/s.err")" && grep -q '/var/tmp/pinned-by-db' "$case_dir/s.out"
ok $? "config with a db.sql loads libsqlite3 and shows the graphroot the database pins" ||
	diag "$(head -30 "$case_dir/s.out")"
[ "$(cat "$case_dir/s2.rc")" = 0 ] && grep -q 'cannot read the libpod database (.*libsqlite3' "$case_dir/s2.out" &&
	! grep -q '/var/tmp/pinned-by-db' "$case_dir/s2.out"
ok $? "libsqlite3 hidden: config still runs (exit $(cat "$case_dir/s2.rc")) and warns that it cannot read the database" ||
	diag "$(cat "$case_dir/s2.err"; grep -i database "$case_dir/s2.out")"
rm -f "${db:?}/db.sql"

# libsubid and libtirpc hidden (and files that libsubid must read)
ns_run <<-END_OF_NS
	$ODD
	mount --bind /dev/null "$path_libsubid"
	mount --bind /dev/null "$path_libtirpc"
	as_user "$NFSCHECK" diagnose --json >"$case_dir/h.json" 2>"$case_dir/h.err"; echo \$? >"$case_dir/h.rc"
	"$NFSCHECK" server --json --timeout 3 --rpcbind-port 0 127.0.0.1:1 >"$case_dir/r.json" 2>"$case_dir/r.err"
	echo \$? >"$case_dir/r.rc"
END_OF_NS
[ "$(cat "$case_dir/h.rc")" = 1 ] &&
	jq -e '.checks[] | select(.id == "subids") | .status == "fail" and (.detail | test("libsubid could not be loaded")) and (.commands | length) == 0' \
		"$case_dir/h.json" >/dev/null
ok $? "libsubid hidden: diagnose runs to the end (exit $(cat "$case_dir/h.rc")), the subids check says libsubid could not be loaded, no usermod" ||
	diag "$(cat "$case_dir/h.err"; jq -c '.checks[] | select(.id == "subids")' "$case_dir/h.json" 2>&1)"
grep -q ELIBACC "$case_dir/r.json" && grep -q 'libtirpc could not be loaded' "$case_dir/r.json"
ok $? "libtirpc hidden: server answers (exit $(cat "$case_dir/r.rc")) with ELIBACC and why" ||
	diag "$(cat "$case_dir/r.err"; head -c 1500 "$case_dir/r.json")"

done_testing
