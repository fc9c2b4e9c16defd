#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Oracle on every Podman release line Debian serves: for each storage
# configuration, `nfscheck config --json` run inside the release's machine
# (tests/release-lib.sh) must name the graphroot, runroot and driver that
# real rootless `podman info` then uses, or predict its refusal when that
# release refuses the configuration. nfscheck runs first and must create
# nothing; it is not told the release (no --podman-version): it has to find
# the Podman on the user's PATH and its storage algorithm itself.
#
# Each case is a function that sets up $case_dir, $home and $ENV; it runs
# once per release in a fresh case directory. A case may say on which
# releases real Podman refuses it (refuses RELEASE...): that is checked too,
# so a case meant to test a refusal cannot silently test something else.
#
# For a look at one thing: ORACLE_RELEASES="sid experimental",
# ORACLE_CASES="name_order csc", ORACLE_JOBS=1, REL_KEEP=1 (release-lib.sh).
. "$TESTS_SRCDIR/lib.sh"

command -v jq >/dev/null || skip_all "jq is not installed"
NS_UID=4410 NS_NAME=nfsrel
. "$TESTS_SRCDIR/release-lib.sh"
rel_require

# Prediction, then the real thing.
run_case() {
	rel_run <<EOF
$case_pre
snap() { find /tmp /run /var/tmp "$case_dir" \( -path "$ns_top" -o -path "$case_dir/out" \) -prune -o -print 2>/dev/null | sort; }
mkdir -p "$case_dir/out"
snap >"$case_dir/out/files-pre"
as_user "\$NFSCHECK" config --json >"$case_dir/out/nfscheck.json" 2>"$case_dir/out/nfscheck.err"
echo \$? >"$case_dir/out/nfscheck.rc"
snap >"$case_dir/out/files-post"
as_user timeout -k 5 120 podman info --format json >"$case_dir/out/podman.out" 2>"$case_dir/out/podman.err"
echo \$? >"$case_dir/out/podman.rc"
EOF
}

# A lane's results, as lines the main process turns into TAP.
t_ok() { echo "T $1 $2"; [ "$1" -eq 0 ]; }
t_diag() { printf '%s\n' "$@" | sed 's/^/D /'; }

# check RELEASE NAME: compare; counts agreement per release in $agree_RELEASE.
check() {
	local rel=$1 name=$2 o=$case_dir/out prc nrc p g f bad=0 want=works
	local t="$rel: $name"
	if [ ! -s "$o/podman.rc" ] || [ ! -s "$o/nfscheck.rc" ]; then
		t_ok 1 "$t: the case ran in the release's machine"
		t_diag "$(tail -5 "$case_dir/rel.log")"
		return
	fi
	prc=$(cat "$o/podman.rc") nrc=$(cat "$o/nfscheck.rc")
	cmp -s "$o/files-pre" "$o/files-post"
	t_ok $? "$t: nfscheck config created nothing" || { t_diag "$(diff "$o/files-pre" "$o/files-post")"; bad=1; }
	case " $refuse_on " in *" $rel "*) want=refuses ;; esac
	if [ "$prc" -ne 0 ]; then
		[ $want = refuses ]
		t_ok $? "$t: podman refuses it (exit $prc), as this case expects of $rel" ||
			t_diag "$(grep -v -e 'level=warning' "$o/podman.err" | tail -3)"
		jq -e '.fatal != null' "$o/nfscheck.json" >/dev/null && [ "$nrc" -eq 1 ]
		t_ok $? "$t: nfscheck predicts the refusal (exit $nrc)" || {
			bad=1
			t_diag "podman: $(grep -v -e 'level=warning' "$o/podman.err" | tail -2)"
			t_diag "nfscheck: $(jq -c '[.podman.algorithm, .storage.graphroot.value, .storage.runroot.value, .storage.driver.value]' "$o/nfscheck.json" 2>/dev/null) $(head -c 300 "$o/nfscheck.err")"
		}
	else
		[ $want = works ]
		t_ok $? "$t: podman works, as this case expects of $rel"
		sed -n '/^{/,$p' "$o/podman.out" >"$o/podman.json"
		if jq -e '.fatal != null' "$o/nfscheck.json" >/dev/null; then
			t_ok 1 "$t: nfscheck predicts no refusal"
			t_diag "nfscheck: $(jq -r .fatal "$o/nfscheck.json")"
			bad=1
		fi
		for f in graphroot:graphRoot runroot:runRoot driver:graphDriverName; do
			p=$(jq -r ".store.${f#*:}" "$o/podman.json")
			g=$(jq -r ".storage.${f%%:*}.value" "$o/nfscheck.json" 2>/dev/null)
			[ "$p" = "$g" ]
			t_ok $? "$t: ${f%%:*} agrees" || {
				bad=1
				t_diag "podman:   $p" "nfscheck: $g ($(jq -r "[.podman.algorithm, .storage.${f%%:*}.origin] | join(\"; \")" "$o/nfscheck.json" 2>/dev/null)) $(head -c 300 "$o/nfscheck.err")"
			}
		done
	fi
	eval "n_$rel=\$((n_$rel + 1))"
	[ $bad -eq 0 ] && eval "agree_$rel=\$((agree_$rel + 1))"
}

refuses() { refuse_on="$*"; }
NEW="sid experimental" # the releases whose storage reads drop-ins
LEGACY="bookworm trixie"

etc() { mkdir -p "$(dirname "$case_dir/etc-containers/$1")"; printf '%s\n' "$2" >"$case_dir/etc-containers/$1"; }
usr() { mkdir -p "$(dirname "$case_dir/usr-containers/$1")"; printf '%s\n' "$2" >"$case_dir/usr-containers/$1"; }
# A directory the user may create a store in, outside the home.
userdir() { install -d -o "$NS_UID" -g "$NS_UID" "$case_dir/$1"; echo "$case_dir/$1"; }

# ---- the cases: c_NAME [bare]; "bare" removes the tree's storage files ----
CASES=()
def() { CASES+=("$1 ${2:-}"); }

def shipped
c_shipped() { :; } # the release's own files as installed

def bare bare
c_bare() { :; }

def user_graphroot bare
c_user_graphroot() { user_file "[storage]
graphroot = \"$home/ug\""; }

def user_driver_expand
c_user_driver_expand() { user_file '[storage]
driver = "vfs"
graphroot = "$HOME/g-$UID-$USER"
runroot = "'"$home"'/x/../rr-$UID"'; }

# The new parser applies an /etc graphroot to rootless users; the legacy one
# ignores it for them.
def etc_graphroot bare
c_etc_graphroot() { etc storage.conf "[storage]
driver = \"vfs\"
graphroot = \"$(userdir etcg)\""; }

def etc_rsp bare
c_etc_rsp() { etc storage.conf '[storage]
driver = "overlay"
rootless_storage_path = "'"$(userdir rsp)"'/$USER-$UID"'; }

def etc_graphroot_and_rsp bare
c_etc_graphroot_and_rsp() { etc storage.conf "[storage]
graphroot = \"$(userdir both-g)\"
rootless_storage_path = \"$(userdir both-rsp)\""; }

def usr_dropin
c_usr_dropin() { usr storage.conf.d/10-usr.conf "[storage]
graphroot = \"$(userdir usr-d)\""; }

def etc_dropin
c_etc_dropin() { etc storage.conf.d/10-etc.conf "[storage]
driver = \"vfs\"
graphroot = \"$(userdir etc-d)\""; }

def etc_rootless_dropin
c_etc_rootless_dropin() { etc storage.rootless.conf.d/10.conf "[storage]
graphroot = \"$(userdir etc-rl)\""; }

def etc_rootless_uid_dropin
c_etc_rootless_uid_dropin() {
	etc storage.rootless.conf.d/$NS_UID/10.conf "[storage]
graphroot = \"$(userdir etc-rl-uid)\""
	etc storage.rootless.conf.d/4999/20.conf "[storage]
graphroot = \"/nonexistent/other-user\""
}

def usr_rootless_dropin
c_usr_rootless_dropin() { usr storage.rootless.conf.d/10.conf "[storage]
runroot = \"$(userdir usr-rl-run)\""; }

def usr_rootless_uid_dropin
c_usr_rootless_uid_dropin() {
	usr storage.rootless.conf.d/$NS_UID/10.conf "[storage]
graphroot = \"$(userdir usr-rl-uid)\""
	usr storage.conf.d/10.conf '[storage]
graphroot = "/nonexistent/hidden-by-uid-dir"'
}

# A symbolic link to a file: sid's and experimental's storage read it as a
# drop-in (container-libs' later readDropIns keeps only regular files).
def dropin_symlink
c_dropin_symlink() {
	printf '[storage]\ngraphroot = "%s"\n' "$(userdir link-target)" >"$case_dir/target.conf"
	mkdir -p "$case_dir/etc-containers/storage.conf.d"
	ln -s "$case_dir/target.conf" "$case_dir/etc-containers/storage.conf.d/20-link.conf"
}

def rootful_dropin
c_rootful_dropin() { etc storage.rootful.conf.d/10.conf '[storage]
graphroot = "/var/lib/rootful-only"'; }

def user_dropin
c_user_dropin() { user_dropin 10-user.conf "[storage]
runroot = \"$home/run-d\"
driver = \"vfs\""; }

# The same name in several directories: only the highest-priority copy.
def name_hiding
c_name_hiding() {
	usr storage.conf.d/50-x.conf "[storage]
graphroot = \"/nonexistent/usr\""
	etc storage.conf.d/50-x.conf "[storage]
graphroot = \"/nonexistent/etc\""
	etc storage.rootless.conf.d/50-x.conf "[storage]
graphroot = \"/nonexistent/rootless\""
	user_dropin 50-x.conf "[storage]
graphroot = \"$home/hidden-user\""
}

# Names sort across directories: a later name wins wherever it lies.
def name_order
c_name_order() {
	user_dropin 10-a.conf "[storage]
graphroot = \"/nonexistent/user-10\"
runroot = \"$home/run-10\""
	etc storage.conf.d/20-b.conf "[storage]
graphroot = \"$(userdir order-20)\""
	usr storage.conf.d/30-c.conf "[storage]
driver = \"vfs\""
}

# Only regular *.conf files are drop-ins.
def dropin_kinds
c_dropin_kinds() {
	etc storage.conf.d/90-notes.txt '[storage]
graphroot = "/nonexistent/txt"'
	mkdir -p "$case_dir/etc-containers/storage.conf.d/95-dir.conf"
	etc storage.conf.d/10-ok.conf "[storage]
graphroot = \"$(userdir kinds-ok)\""
}

def csc
c_csc() {
	printf '[storage]\ndriver = "vfs"\ngraphroot = "%s/csc-store"\nrunroot = "%s/csc-run"\n' "$home" "$home" >"$case_dir/csc.conf"
	etc storage.conf.d/99-late.conf '[storage]
graphroot = "/nonexistent/dropin"'
	ENV+=(CONTAINERS_STORAGE_CONF="$case_dir/csc.conf")
}

def csc_missing
c_csc_missing() { ENV+=(CONTAINERS_STORAGE_CONF="$case_dir/no-such.conf"); refuses $REL_ALL; }

def override
c_override() {
	printf '[storage]\ngraphroot = "%s/ovr-store"\n' "$home" >"$case_dir/override.conf"
	user_dropin 99-last.conf '[storage]
graphroot = "/nonexistent/user-dropin"'
	ENV+=(CONTAINERS_STORAGE_CONF_OVERRIDE="$case_dir/override.conf")
}

def csc_and_override
c_csc_and_override() {
	printf '[storage]\ndriver = "vfs"\ngraphroot = "%s/csc2"\n' "$home" >"$case_dir/csc.conf"
	printf '[storage]\nrunroot = "%s/ovr-run"\n' "$home" >"$case_dir/override.conf"
	ENV+=(CONTAINERS_STORAGE_CONF="$case_dir/csc.conf" CONTAINERS_STORAGE_CONF_OVERRIDE="$case_dir/override.conf")
}

def override_missing
c_override_missing() { ENV+=(CONTAINERS_STORAGE_CONF_OVERRIDE="$case_dir/no-such.conf"); refuses $NEW; }

# driver_priority decides the driver of a new store when none is set.
def append_priority bare
c_append_priority() {
	etc storage.conf.d/10-prio.conf '[storage]
driver_priority = ["vfs"]'
	user_dropin 20-prio.conf '[storage]
driver_priority = ["overlay", {append = true}]'
}

def replace_priority bare
c_replace_priority() {
	etc storage.conf.d/10-prio.conf '[storage]
driver_priority = ["overlay"]'
	user_dropin 20-prio.conf '[storage]
driver_priority = ["vfs"]'
}

def xdg_runtime
c_xdg_runtime() { ENV+=(XDG_RUNTIME_DIR="$(userdir run)"); chmod 700 "$case_dir/run"; }

def xdg_runtime_unwritable
c_xdg_runtime_unwritable() { mkdir -m 755 "$case_dir/rootrun"; ENV+=(XDG_RUNTIME_DIR="$case_dir/rootrun"); refuses $REL_ALL; }

def xdg_runtime_missing
c_xdg_runtime_missing() { ENV+=(XDG_RUNTIME_DIR="$case_dir/no-such-dir"); refuses trixie sid experimental; }

# /run/user/UID as a login would leave it, and with a mode Podman rejects.
def run_user
c_run_user() { case_pre="install -d -m 700 -o $NS_UID -g $NS_UID /run/user/$NS_UID"; }

def run_user_mode
c_run_user_mode() { case_pre="install -d -m 755 -o $NS_UID -g $NS_UID /run/user/$NS_UID"; }

def tmpdir
c_tmpdir() { install -d -m 1777 "$case_dir/tmpdir"; ENV+=(TMPDIR="$case_dir/tmpdir"); }

def xdg_config
c_xdg_config() {
	local c
	c=$(userdir cfg)
	setpriv --reuid="$NS_UID" --regid="$NS_UID" --clear-groups mkdir -p "$c/containers/storage.conf.d"
	printf '[storage]\ndriver = "vfs"\ngraphroot = "%s/xdg-store"\n' "$home" >"$c/containers/storage.conf"
	printf '[storage]\nrunroot = "%s/xdg-run"\n' "$home" >"$c/containers/storage.conf.d/10.conf"
	user_file '[storage]
graphroot = "/nonexistent/home-config"'
	ENV+=(XDG_CONFIG_HOME="$c")
}

# Set but empty: the new parser's LookupEnv makes a relative path.
def xdg_config_empty
c_xdg_config_empty() {
	setpriv --reuid="$NS_UID" --regid="$NS_UID" --clear-groups mkdir -p "$case_dir/cwd/containers"
	printf '[storage]\ndriver = "vfs"\ngraphroot = "%s/cwd-store"\n' "$home" >"$case_dir/cwd/containers/storage.conf"
	ENV+=(XDG_CONFIG_HOME=)
}

def xdg_data
c_xdg_data() { ENV+=(XDG_DATA_HOME="$(userdir data)"); }

def user_syntax
c_user_syntax() { user_file '[storage]
driver = "overlay
graphroot = "/x"'; refuses $REL_ALL; }

def etc_syntax bare
c_etc_syntax() { etc storage.conf '[storage]
driver = "vfs"
graphroot = ["x"]'; refuses $REL_ALL; }

def dropin_syntax
c_dropin_syntax() { etc storage.conf.d/10-bad.conf '[storage]
graphroot = '; refuses $NEW; }

def dropin_type
c_dropin_type() { user_dropin 10-type.conf '[storage]
transient_store = "true"'; refuses $NEW; }

# An empty main file masks /etc's and /usr's.
def empty_user_file
c_empty_user_file() {
	etc storage.conf "[storage]
driver = \"vfs\"
graphroot = \"$(userdir masked)\""
	user_file ''
}

def storage_driver_env
c_storage_driver_env() {
	etc storage.conf.d/10.conf '[storage]
driver = "overlay"'
	ENV+=(STORAGE_DRIVER=vfs)
}

# ---- run every case on every release ----
run_release() {
	local rel=$1 t0 c
	eval "n_$rel=0 agree_$rel=0"
	t0=$(date +%s)
	if ! rel_tree "$rel"; then
		if [ -n "$rel_absent" ]; then echo "S $rel_why"; else t_ok 1 "$rel: release tree: $rel_why"; fi
		return
	fi
	for c in "${CASES[@]}"; do
		set -- $c
		[ -n "${ORACLE_CASES:-}" ] && case " $ORACLE_CASES " in *" $1 "*) ;; *) continue ;; esac
		refuse_on= case_pre=
		rel_case "$rel" "$1" "${2:-}" || { t_ok 1 "$rel: $1: case set-up"; continue; }
		"c_$1"
		run_case
		check "$rel" "$1"
		rm -rf "$home" # Podman's new store: nothing later looks at it
	done
	eval "t_diag \"$rel: oracle \$agree_$rel/\$n_$rel in \$((\$(date +%s) - t0)) s\""
}

# The releases run in ORACLE_JOBS lanes (default 2), each as its own user
# (NS_UID 4410 + lane), so that one lane's kill_user spares the other's
# Podman. A lane writes "T status text" and "D text" lines; they are turned
# into TAP here, lane by lane.
lane() {
	local n=$1 rel
	shift
	NS_UID=$((4410 + n))
	for rel; do run_release "$rel"; done
	rel_kill_host
}

start=$(date +%s)
jobs=${ORACLE_JOBS:-2}
set -- ${ORACLE_RELEASES:-$REL_ALL}
NS_EXTRA_CLEANUP='for u in $(seq 4411 $((4410 + jobs))); do pkill -KILL -U $u; done 2>/dev/null'
pids=()
for n in $(seq 0 $((jobs - 1))); do
	mine=()
	for i in $(seq $((n + 1)) "$jobs" $#); do mine+=("${!i}"); done
	[ ${#mine[@]} -gt 0 ] || continue
	lane "$n" "${mine[@]}" >"$ns_top/lane-$n.tap" 2>"$ns_top/lane-$n.err" &
	pids+=($!)
done
wait "${pids[@]}"
for f in "$ns_top"/lane-*.tap; do
	while IFS= read -r line; do
		case $line in
		"T "*) ok "${line:2:1}" "${line:4}" ;;
		"D "*) diag "${line:2}" ;;
		"S "*) skip "${line:2}" ;;
		esac
	done <"$f"
	[ -s "${f%.tap}.err" ] && diag "stderr of ${f##*/}:" "$(tail -5 "${f%.tap}.err")"
done
diag "all releases: $(($(date +%s) - start)) s"
done_testing
