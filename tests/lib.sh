# SPDX-License-Identifier: Apache-2.0
# Shared helpers for the shell tests; they print TAP.
# Sourced by tests/*.sh with NFSCHECK pointing at the binary under test.

: "${NFSCHECK:?NFSCHECK must point at the nfscheck binary}"
TAP_N=0
TAP_FAILED=0

ok() {
	TAP_N=$((TAP_N + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $TAP_N - $2"
	else
		echo "not ok $TAP_N - $2"
		TAP_FAILED=$((TAP_FAILED + 1))
		return 1
	fi
}

skip() {
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N # SKIP $1"
}

skip_all() {
	echo "1..0 # SKIP $1"
	exit 0
}

diag() {
	printf '%s\n' "$@" | sed 's/^/# /'
}

done_testing() {
	echo "1..$TAP_N"
	[ "$TAP_FAILED" -eq 0 ]
}

# run CMD...: sets $out, $err and $rc.
run() {
	local o e
	o=$(mktemp) e=$(mktemp)
	"$@" >"$o" 2>"$e"
	rc=$?
	out=$(cat "$o")
	err=$(cat "$e")
	rm -f "$o" "$e"
}

# The tests run nfscheck as throwaway users, who may not be able to reach
# the build tree (a clone under /root is 0700). Give them a copy in a
# world-readable directory under BASE (/var/tmp for namespace tests, whose
# /tmp is private; /tmp for user-mode Linux, whose /var/tmp is private),
# removed by the caller's cleanup through $NFSCHECK_COPY_DIR.
nfscheck_for_users() {
	NFSCHECK_COPY_DIR=$(mktemp -d "${1:-/var/tmp}/nfscheck-bin.XXXXXX") || return 1
	chmod 755 "$NFSCHECK_COPY_DIR"
	install -m 755 "$NFSCHECK" "$NFSCHECK_COPY_DIR/nfscheck" || return 1
	NFSCHECK=$NFSCHECK_COPY_DIR/nfscheck
}

# uml_guest NAME UML-RUN-OPTIONS... GUEST-SCRIPT [ARGS...]: boot user-mode
# Linux with tests/uml/uml-run.sh, run GUEST-SCRIPT in it with NFSCHECK set,
# and turn the guest's "T 0|1 text" lines (guest_ok in guest-lib.sh) into
# TAP results and its "D text" lines into diagnostics. One skip when UML
# cannot run here.
uml_guest() {
	local name=$1 out rc line
	shift
	out=$(mktemp)
	"$TESTS_SRCDIR/uml/uml-run.sh" -q -t "${UML_GUEST_TIMEOUT:-400}" -e NFSCHECK="$NFSCHECK" "$@" \
		>"$out" 2>"$out.err"
	rc=$?
	if [ "$rc" -eq 77 ]; then
		skip "user-mode Linux cannot run here: $(tail -1 "$out.err")"
	else
		ok $rc "$name guest ran to the end (uml-run exit $rc)" || diag "$(tail -20 "$out.err")"
		while IFS= read -r line; do
			case $line in
			"T "*) ok "${line:2:1}" "${line:4}" ;;
			"D "*) diag "${line:2}" ;;
			esac
		done <"$out"
	fi
	rm -f "$out" "$out.err"
}

# uml_prepare: what every user-mode Linux test needs first: root, and a
# copy of nfscheck the guest's test user can run (the guest's /tmp is the
# host's; its /var/tmp is private). Sets $uml to the guest scripts' folder.
uml_prepare() {
	[ "$(id -u)" -eq 0 ] || skip_all "needs root to boot user-mode Linux with an NFS server"
	uml=$TESTS_SRCDIR/uml
	nfscheck_for_users /tmp || skip_all "cannot copy nfscheck for the test user"
	trap 'rm -rf "$NFSCHECK_COPY_DIR"' EXIT
}

# Helper servers on loopback (tests/tcp-sink.py, tests/rpc-fake.py): each
# prints its port when ready and runs until the test exits.
#   servers_setup         needs python3; makes $tmp and cleans up at exit
#   start NAME SCRIPT ARGS...   start one; its port in $port (false if none)
servers_setup() {
	py=/usr/bin/python3
	[ -x "$py" ] || skip_all "python3 is not installed"
	tmp=$(mktemp -d)
	server_pids=()
	trap 'kill "${server_pids[@]}" 2>/dev/null; rm -rf "$tmp"' EXIT
}

start() {
	local name=$1
	shift
	port=
	"$py" "$@" >"$tmp/$name.port" 2>"$tmp/$name.err" &
	server_pids+=($!)
	for _ in $(seq 50); do
		[ -s "$tmp/$name.port" ] && break
		kill -0 "$!" 2>/dev/null || break
		sleep 0.1
	done
	port=$(head -1 "$tmp/$name.port")
	[ -n "$port" ]
}

# schema_ok SCHEMA-NAME KIND FILE...: one test, that there are FILEs and
# every one (a KIND document, such as "config --json") matches
# data/SCHEMA-NAME; a skip without python3-jsonschema.
schema_ok() {
	local schema=$TESTS_SRCDIR/../data/$1 what=$2 res
	shift 2
	if [ $# -eq 0 ]; then
		ok 1 "there are $what documents to check against data/${schema##*/}"
	elif /usr/bin/python3 -c 'import jsonschema' 2>/dev/null; then
		res=$(/usr/bin/python3 "$TESTS_SRCDIR/validate-json.py" "$schema" "$@" 2>&1)
		ok $? "all $# $what documents match data/${schema##*/}" || diag "$res"
	else
		skip "python3-jsonschema is not installed"
	fi
}

# unit_verifies UNIT-FILE WHAT: one test, that systemd-analyze verify
# accepts UNIT-FILE (under a .service name it can load); a skip without it.
unit_verifies() {
	local copy out
	if ! command -v systemd-analyze >/dev/null || [ ! -s "$1" ]; then
		skip "systemd-analyze is not installed, or there is no unit"
		return
	fi
	copy=$(dirname "$1")/nfscheck-image-test.service
	cp "$1" "$copy"
	out=$(systemd-analyze verify --man=no "$copy" 2>&1 | grep -v -e 'not found' -e 'No such file')
	[ -z "$out" ]; ok $? "$2" || diag "$out"
}
