#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Guest side of bench/uml-nfs-home.sh, inside user-mode Linux with the test
# user's home on a live root-squashed NFS mount: for each subcommand in SUBS,
# PAIRS rounds, each running every nfscheck in BINS (space-separated) with
# it, then `podman info`, all as the test user through TIMED
# (bench/timed-run.c). Prints one line "P SUB us_1 cpu_us_1 ... us_podman
# cpu_us_podman" per round (wall and CPU time), "M SUB kib_1 ... kib_podman"
# (largest RUSAGE_CHILDREN maxrss seen), and "E text" on a failure.
. "$GUEST_LIB"
env_args=(-e "HOME=$TEST_HOME" -e "USER=$TEST_USER" -e "LOGNAME=$TEST_USER"
	-e "XDG_RUNTIME_DIR=$TEST_XDG_RUNTIME_DIR" -e PATH=/usr/local/bin:/usr/bin:/bin)
mkdir -p "$TEST_XDG_RUNTIME_DIR" && chown "$TEST_UID:$TEST_GID" "$TEST_XDG_RUNTIME_DIR" && chmod 700 "$TEST_XDG_RUNTIME_DIR"
read -ra bins <<<"$BINS"
run() { "$TIMED" -u "$TEST_USER" "${env_args[@]}" -- "$@"; }
grep -E " $NFS_MNT " /proc/self/mountinfo | sed 's/^/I mount: /'
podman=$(command -v podman)
for sub in $SUBS; do
	peak=()
	# warm-up (podman info creates the user's storage on the first run), and
	# proof that each runs: diagnose exits 1 on the NFS graphroot it finds
	for b in "${bins[@]}"; do
		read -r _ _ st _ <<<"$(run "$b" $sub)"
		[ "$st" -le 1 ] || echo "E $b $sub exited $st"
	done
	read -r _ _ st _ <<<"$(run "$podman" info)"
	[ "$st" -eq 0 ] || echo "E podman info exited $st"
	for ((i = 0; i < PAIRS; i++)); do
		line="P $sub" k=0
		for b in "${bins[@]}" "$podman"; do
			if [ "$b" = "$podman" ]; then set -- "$b" info; else set -- "$b" $sub; fi
			read -r us kib _ cpu <<<"$(run "$@")"
			line="$line $us $cpu"
			[ "$kib" -gt "${peak[$k]:-0}" ] && peak[$k]=$kib
			k=$((k + 1))
		done
		echo "$line"
	done
	echo "M $sub ${peak[*]}"
done
