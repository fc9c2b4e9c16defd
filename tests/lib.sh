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
