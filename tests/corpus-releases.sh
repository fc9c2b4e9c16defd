#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The real-world corpus against the real Podman releases: every storage.conf
# in tests/fixtures/real-world (files people published: dotfiles, HPC site
# guides, CI and container images, distribution packaging, Ansible roles),
# installed verbatim as a user's ~/.config/containers/storage.conf (a
# drop-in as ~/.config/containers/storage.conf.d/NAME), with the system files
# as each release ships them, on bookworm (4.3.1), trixie (5.4.2), sid
# (5.8.6) and experimental (6.1.1). For each: `nfscheck diagnose` runs first,
# as the user, inside the release's tree; then the user's `podman import` of
# a one-layer image whose one file belongs to UID 1000 (so the layer is
# chowned into the subordinate range). The judge is Podman:
#   - diagnose exits 0 exactly when the import works;
#   - when the import fails, a failing check names a path or option that
#     Podman's error names (the same path, or one above or below it).
# Paths in these files that point at absent places (/scratch, /mnt/...,
# someone else's /home) are part of the truth: nfscheck must agree with
# what Podman does with them.
#
# Each release runs in its own user (UID 4420 + its index), two releases
# at a time.
#
# Known disagreements are listed in KNOWN below, each with its reason; while
# one still disagrees it is reported as `not ok ... # TODO reason` (an
# expected failure), and as a plain `ok` once it agrees. Any other
# disagreement fails the test.
. "$TESTS_SRCDIR/lib.sh"

command -v jq >/dev/null || skip_all "jq is not installed"
# Each release runs as its own user, UIDs 4420 to 4423 (see run_one).
NS_UID=4420 NS_NAME=nfscorpus
NS_EXTRA_CLEANUP='for u in 4421 4422 4423; do pkill -KILL -U $u; done; rm -rf /dev/shm/nfscorpus[0-3] /dev/shm/libpod_rootless_lock_442[0-3]'
. "$TESTS_SRCDIR/release-lib.sh"
rel_require

corpus=$FIXTURES/real-world
[ -r "$corpus/SOURCES" ] || skip_all "no corpus at $corpus"

# KNOWN: "release file|reason" for disagreements not yet fixed.
# Each entry: "RELEASE FILE|reason". Empty: every file agrees on every
# release (the last ten, a runroot the user cannot make, an unexpanded
# relative imagestore and composefs in a user namespace, ended with the
# start-up checks).
KNOWN=()

known_reason() { # RELEASE FILE
	local k
	for k in "${KNOWN[@]}"; do
		[ "${k%%|*}" = "$1 $2" ] && { printf '%s' "${k#*|}"; return 0; }
	done
	return 1
}

# The corpus and the image, where the tree's processes can read them.
mkdir -m 755 "$ns_top/corpus"
list=$ns_top/corpus/list
: >"$list"
while read -r file repo path commit; do
	case $file in '#'* | '') continue ;; esac
	# CORPUS_ONLY=REGEX: only the matching files (while working on nfscheck)
	[[ $file =~ ${CORPUS_ONLY:-.} ]] || continue
	install -m 644 "$corpus/$file" "$ns_top/corpus/$file"
	case $path in
	*storage.conf.d/*) echo "$file .config/containers/storage.conf.d/${path##*/}" ;;
	*) echo "$file .config/containers/storage.conf" ;;
	esac >>"$list"
done <"$corpus/SOURCES"
nfiles=$(wc -l <"$list")

mkdir -p "$ns_top/layer/etc"
echo corpus >"$ns_top/layer/etc/corpus"
tar --numeric-owner --owner=1000 --group=1000 -C "$ns_top/layer" -cf "$ns_top/layer.tar" . &&
	chmod 644 "$ns_top/layer.tar" || skip_all "cannot make the image tarball"

# The user's session: a runtime directory as logind makes it.
run_release() { # RELEASE
	ENV+=(XDG_RUNTIME_DIR=/run/user/$NS_UID)
	mkdir -p "$case_dir/res"
	rel_run <<EOF
clean() {
	kill_user
	find /tmp /var/tmp /run/user -mindepth 1 -maxdepth 1 ! -path "$ns_top" -exec rm -rf --one-file-system {} +
	# the host's /dev/shm: a graphroot there, and Podman's lock file
	rm -rf --one-file-system /dev/shm/$NS_NAME /dev/shm/libpod_rootless_lock_$NS_UID
	find "$home" -mindepth 1 -maxdepth 1 -exec rm -rf --one-file-system {} +
	mkdir -m 700 /run/user/$NS_UID && chown $NS_UID:$NS_UID /run/user/$NS_UID
}
while read -r file dest; do
	r=$case_dir/res/\$file
	mkdir -p "\$r"
	t=\$(date +%s%N)
	clean
	echo \$(( (\$(date +%s%N) - t) / 1000000 )) >"\$r/clean.ms"
	as_user sh -c 'mkdir -p "\$(dirname "\$1")" && cat >"\$1"' sh "$home/\$dest" <"$ns_top/corpus/\$file"
	t=\$(date +%s%N)
	as_user timeout 120 "\$NFSCHECK" diagnose --json >"\$r/diag.json" 2>"\$r/diag.err"
	echo \$? >"\$r/diag.rc"
	echo \$(( (\$(date +%s%N) - t) / 1000000 )) >"\$r/diag.ms"
	t=\$(date +%s%N)
	as_user timeout 180 podman import "$ns_top/layer.tar" localhost/corpus:1 >"\$r/import.out" 2>"\$r/import.err"
	echo \$? >"\$r/import.rc"
	echo \$(( (\$(date +%s%N) - t) / 1000000 )) >"\$r/import.ms"
done <"$list"
clean
EOF
}

# Paths and storage.conf options in podman's error lines.
podman_names() { # FILE
	grep -E '^Error|level=(fatal|error)' "$1" |
		grep -oE '(\$[A-Za-z_]+)?/[^ :"'"'"',()]+|\b(mount_program|force_mask|ignore_chown_errors|imagestore|additionalimagestores|graphroot|runroot|rootless_storage_path|driver|mountopt|use_composefs|composefs|skip_mount_home|size|btrfs|zfs|overlay|vfs)\b' |
		sed 's:/*$::' | sort -u
}

# The text of every failing check, one line each.
failing_text() { # FILE
	jq -r '.checks[]? | select(.status == "fail") |
		[.id, .summary, (.detail // ""), (.remedy // ""), (.values | tostring)] | join(" ")' "$1" 2>/dev/null
}

# names_match NAME TEXT: TEXT names NAME, or a path above or below it.
names_match() {
	local n=$1 text=$2 p
	case $n in
	/* | \$*)
		for p in $(grep -oE '(\$[A-Za-z_]+)?/[^ :"'"'"',()\\]+' <<<"$text" | sed 's:/*$::' | sort -u); do
			[ "$p" = "$n" ] && return 0
			# nfscheck names something under it (podman names the first
			# directory it could not make), or above it but below a
			# top directory (not just "/" or "/home")
			case $p/ in "$n"/*) [ "$n" != "" ] && return 0 ;; esac
			case $n/ in "$p"/*) [ "${p#/*/}" != "$p" ] || [ "${p#\$*/}" != "$p" ] && return 0 ;; esac
		done
		return 1
		;;
	*) grep -qw -- "$n" <<<"$text" ;;
	esac
}

judge() { # RELEASE FILE
	local rel=$1 file=$2 r=$case_dir/res/$2 drc irc why= reason n named text verdict
	drc=$(cat "$r/diag.rc" 2>/dev/null || echo none)
	irc=$(cat "$r/import.rc" 2>/dev/null || echo none)
	verdict=$(jq -r '.verdict' "$r/diag.json" 2>/dev/null)
	if [ "$irc" = 0 ]; then
		[ "$drc" = 0 ] || why="podman import works, nfscheck diagnose exits $drc ($verdict): $(failing_text "$r/diag.json" | cut -c1-300 | head -3)"
	elif [ "$drc" = 0 ]; then
		why="podman import fails (exit $irc), nfscheck diagnose exits 0"
	else
		text=$(failing_text "$r/diag.json")
		named=
		for n in $(podman_names "$r/import.err"); do
			names_match "$n" "$text" && { named=$n; break; }
		done
		[ -n "$named" ] ||
			why="podman import fails and nfscheck exits $drc, but no failing check names what podman names ($(podman_names "$r/import.err" | tr '\n' ' '))"
	fi
	if [ -z "$why" ]; then
		ok 0 "$rel $file: diagnose exit $drc, import exit $irc${named:+, both name $named}"
		if reason=$(known_reason "$rel" "$file"); then
			diag "listed as a known disagreement ($reason) but agrees now: take it off KNOWN"
		fi
		return
	fi
	if reason=$(known_reason "$rel" "$file"); then
		TAP_N=$((TAP_N + 1))
		echo "not ok $TAP_N - $rel $file: $why # TODO $reason"
	else
		ok 1 "$rel $file: $why"
	fi
	diag "podman: $(grep -E '^Error|level=(fatal|error)' "$r/import.err" | head -3)"
	[ -s "$r/diag.err" ] && diag "nfscheck stderr: $(head -3 "$r/diag.err")"
	return 1
}

# One release in a subshell, as its own user: UID 4420 + INDEX, so that
# one release's clean-up never kills another's processes, and its own name
# (a file here puts its graphroot in /dev/shm/$USER, the host's /dev/shm).
run_one() { # RELEASE INDEX
	NS_UID=$((4420 + $2)) NS_NAME=nfscorpus$2
	if ! rel_case "$1" corpus; then
		echo "$rel_why" >"$ns_top/$1.why"
		return 1
	fi
	echo "$case_dir" >"$ns_top/$1.case"
	run_release "$1"
	echo $? >"$ns_top/$1.rc"
}

# Two releases at a time: most of a case is spent waiting for podman.
t0=$(date +%s)
rels=(${CORPUS_RELEASES:-$REL_ALL})
pids=()
for i in "${!rels[@]}"; do
	run_one "${rels[i]}" "$i" &
	pids+=($!)
	[ ${#pids[@]} -lt 2 ] && continue
	wait "${pids[@]}"
	pids=()
done
wait

for rel in "${rels[@]}"; do
	if [ ! -s "$ns_top/$rel.case" ]; then
		ok 1 "$rel: the release tree is there ($(cat "$ns_top/$rel.why" 2>/dev/null))"
		continue
	fi
	case_dir=$(cat "$ns_top/$rel.case")
	rc=$(cat "$ns_top/$rel.rc" 2>/dev/null)
	[ "$rc" = 0 ] || diag "$rel: the run in the tree ended with ${rc:-nothing}: $(tail -3 "$case_dir/rel.log")"
	agree=0
	while read -r file dest; do
		judge "$rel" "$file" && agree=$((agree + 1))
	done <"$list"
	diag "$rel: $agree/$nfiles agree"
	# CORPUS_KEEP=DIR: keep what nfscheck and podman printed
	[ -n "${CORPUS_KEEP:-}" ] && mkdir -p "$CORPUS_KEEP/$rel" && cp -a "$case_dir/res/." "$CORPUS_KEEP/$rel/"
done
diag "$((${#rels[@]} * nfiles)) cases in $(($(date +%s) - t0)) s"
done_testing
