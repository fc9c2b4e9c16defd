#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Profile of nfscheck against `podman info` for the same user on a local home
# (issue 11): for `diagnose` and `config`, N pairs run alternately (nfscheck,
# then podman info), the ratio taken pair by pair and its median reported,
# with the median times; peak memory with children; and where diagnose's
# time goes (processes and programs it starts, guarded calls and how long
# they took, calls answered in-process).
#
#   bench/profile.sh [--pairs N] [--user NAME | --throwaway [--uid N]] [--root-for]
#                    [--podman-version REL] [--before OLD_NFSCHECK] [NFSCHECK]
#
# --user NAME   run both as NAME (as root; podman gets a login-like env)
# --throwaway   as root: a throwaway user (nfsbench, uid 4462 or --uid N, subordinate IDs,
#               home under /var/tmp) that exists only in a private mount
#               namespace for the run; nothing on the host changes
# --root-for    nfscheck runs as root with --user NAME instead of as NAME
#               (its calls for the user then switch identity)
# --podman-version REL   passed on to nfscheck: no `podman --version` child
# --before OLD  a second nfscheck (say, main's) run in the same pairs, just
#               before NFSCHECK: each gets its own ratio against the same
#               podman info run, so before and after see the same load
# Without --user or --throwaway both run as the caller.
#
# Times: bench/timed-run.c (built with cc) runs each command and measures it
# from fork to exit, after its switch to the user, so neither a shell's
# $(date) nor the setpriv and env chain adds its milliseconds to either side.
#
# Peak memory: /usr/bin/time's %M, the largest resident set of nfscheck and
# any one child it waited for; and getrusage(RUSAGE_CHILDREN)'s ru_maxrss
# seen by a small C wrapper (built with cc) that waits for nfscheck (the
# same measure, taken independently). Neither adds up processes that live at the same time.
set -u
bench_uid=${NFSCHECK_BENCH_UID:-4462}
pairs=21 user= throwaway=0 root_for=0 nfscheck= before= pv=
while [ $# -gt 0 ]; do
	case $1 in
	--pairs) pairs=$2; shift 2 ;;
	--user) user=$2; shift 2 ;;
	--throwaway) throwaway=1; shift ;;
	--uid) export NFSCHECK_BENCH_UID=$2; shift 2 ;;
	--root-for) root_for=1; shift ;;
	--podman-version) pv=$2; shift 2 ;;
	--before) before=$2; shift 2 ;;
	-h|--help) sed -n '3,33p' "$0"; exit 0 ;;
	*) nfscheck=$1; shift ;;
	esac
done
bench_uid=${NFSCHECK_BENCH_UID:-$bench_uid}
here=$(cd "$(dirname "$0")" && pwd)
nfscheck=${nfscheck:-$here/../_build/src/nfscheck}
nfscheck=$(realpath "$nfscheck" 2>/dev/null || echo "$nfscheck")
[ -x "$nfscheck" ] || { echo "bench: no nfscheck at $nfscheck (build first, or pass its path)" >&2; exit 2; }
if [ -n "$before" ]; then
	before=$(realpath "$before" 2>/dev/null || echo "$before")
	[ -x "$before" ] || { echo "bench: no nfscheck at $before" >&2; exit 2; }
fi
for tool in podman strace cc; do
	command -v $tool >/dev/null || { echo "bench: $tool is not installed" >&2; exit 2; }
done
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time is missing (apt-get install time)" >&2; exit 2; }
[ "$pairs" -ge 21 ] 2>/dev/null || { echo "bench: --pairs must be at least 21" >&2; exit 2; }

# --throwaway: set the user up, then run this script again inside a private
# mount namespace where /etc/passwd, group, subuid and subgid know it.
if [ "$throwaway" = 1 ] && [ -z "${NFSCHECK_BENCH_NS:-}" ]; then
	[ "$(id -u)" -eq 0 ] || { echo "bench: --throwaway needs root" >&2; exit 2; }
	top=$(mktemp -d /var/tmp/nfscheck-bench.XXXXXX) && chmod 755 "$top"
	trap 'pkill -KILL -U "$bench_uid" 2>/dev/null; rm -rf "${top:?}"' EXIT
	install -m 755 "$nfscheck" "$top/nfscheck"
	[ -n "$before" ] && install -m 755 "$before" "$top/nfscheck-before"
	mkdir -p "$top/home/nfsbench" && chown "$bench_uid:$bench_uid" "$top/home/nfsbench" && chmod 700 "$top/home/nfsbench"
	{ grep -v '^nfsbench:' /etc/passwd; echo "nfsbench:x:$bench_uid:$bench_uid::$top/home/nfsbench:/bin/bash"; } >"$top/passwd"
	{ grep -v '^nfsbench:' /etc/group; echo "nfsbench:x:$bench_uid:"; } >"$top/group"
	echo "nfsbench:300000:65536" >"$top/subuid"
	echo "nfsbench:300000:65536" >"$top/subgid"
	args=(--pairs "$pairs" --user nfsbench)
	[ "$root_for" = 1 ] && args+=(--root-for)
	[ -n "$pv" ] && args+=(--podman-version "$pv")
	[ -n "$before" ] && args+=(--before "$top/nfscheck-before")
	NFSCHECK_BENCH_NS=$top unshare --mount --propagation private -- bash -c '
		for f in passwd group subuid subgid; do mount --bind "$NFSCHECK_BENCH_NS/$f" /etc/$f || exit 2; done
		exec bash "$0" "$@"' "$0" "${args[@]}" "$top/nfscheck"
	exit $?
fi

if [ -n "$user" ]; then
	home=$(getent passwd "$user" | cut -d: -f6)
	uid=$(id -u "$user")
	[ -n "$home" ] || { echo "bench: no user $user" >&2; exit 2; }
	rundir=/run/user/$uid
	[ -d "$rundir" ] || { mkdir -p "$rundir" && chown "$uid:$(id -g "$user")" "$rundir" && chmod 700 "$rundir"; }
fi

# AS: the prefix that runs a command as the chosen user with a login-like
# environment; nf BIN SUB runs nfscheck BIN the way this run uses it
AS=() NF_ARGS=() NF_AS=()
[ -n "$pv" ] && NF_ARGS=(--podman-version "$pv")
if [ -n "$user" ]; then
	AS=(setpriv --reuid="$user" --regid="$(id -g "$user")" --init-groups env -i HOME="$home" USER="$user"
		LOGNAME="$user" XDG_RUNTIME_DIR="$rundir" PATH=/usr/local/bin:/usr/bin:/bin)
	if [ "$root_for" = 1 ]; then
		NF_ARGS+=(--user "$user")
	else
		NF_AS=("${AS[@]}")
	fi
fi
as() { (cd / && "${AS[@]}" "$@"); }
nf() { (cd / && "${NF_AS[@]}" "$1" "$2" "${NF_ARGS[@]}"); }
bins=("$nfscheck")
[ -n "$before" ] && bins=("$before" "$nfscheck")

# TIMED_NF BIN SUB / TIMED_PODMAN: "wall_us maxrss_kib status" of one run,
# timed by timed-run.c from fork to exit, after the switch to the user (a
# shell's $(date) and the setpriv and env chain would add milliseconds)
TR_ENV=()
if [ -n "$user" ]; then
	TR_ENV=(-e "HOME=$home" -e "USER=$user" -e "LOGNAME=$user" -e "XDG_RUNTIME_DIR=$rundir"
		-e PATH=/usr/local/bin:/usr/bin:/bin)
else
	for v in HOME USER LOGNAME XDG_RUNTIME_DIR PATH; do [ -n "${!v:-}" ] && TR_ENV+=(-e "$v=${!v}"); done
fi
podman_bin=$(command -v podman)
timed_nf() {
	if [ -n "$user" ] && [ "$root_for" = 0 ]; then
		"$tmp/timed-run" -u "$user" "${TR_ENV[@]}" -- "$1" "$2" "${NF_ARGS[@]}"
	else
		"$tmp/timed-run" "${TR_ENV[@]}" -- "$1" "$2" "${NF_ARGS[@]}"
	fi
}
timed_podman() {
	if [ -n "$user" ]; then
		"$tmp/timed-run" -u "$user" "${TR_ENV[@]}" -- "$podman_bin" info
	else
		"$tmp/timed-run" "${TR_ENV[@]}" -- "$podman_bin" info
	fi
}

# pairs_of SUBCOMMAND: per binary (before first), "nf_median_ms
# podman_median_ms median_ratio nf_cpu_median_ms podman_cpu_median_ms
# median_cpu_ratio" (CPU: user and system time, children included)
pairs_of() {
	local i b line us cpu
	: >"$tmp/pairs"
	# warm-up, and proof that all run at all (diagnose exits 1 on a problem)
	for b in "${bins[@]}"; do
		nf "$b" "$1" >/dev/null 2>&1; [ $? -le 1 ] || { echo "bench: $b $1 failed" >&2; exit 2; }
	done
	as podman info >/dev/null 2>&1 || { echo "bench: podman info failed" >&2; exit 2; }
	for ((i = 0; i < pairs; i++)); do
		line=
		for b in "${bins[@]}"; do
			read -r us _ _ cpu <<<"$(timed_nf "$b" "$1")"
			line="$line $us $cpu"
		done
		read -r us _ _ cpu <<<"$(timed_podman)"
		echo "$line $us $cpu" >>"$tmp/pairs"
	done
	awk -v nb="${#bins[@]}" '
	function med(x, n,   i, j, t) {
		for (i = 2; i <= n; i++) for (j = i; j > 1 && x[j - 1] > x[j]; j--) { t = x[j]; x[j] = x[j - 1]; x[j - 1] = t }
		return n % 2 ? x[(n + 1) / 2] : (x[n / 2] + x[n / 2 + 1]) / 2
	}
	{
		pw = $(2 * nb + 1); pc = $(2 * nb + 2)
		for (k = 1; k <= nb; k++) {
			w = $(2 * k - 1); c = $(2 * k); if (c < 1) c = 1
			a[k, NR] = w; r[k, NR] = pw / w; ca[k, NR] = c; cr[k, NR] = pc / c
		}
		p[NR] = pw; pcs[NR] = pc
	}
	END {
		for (k = 1; k <= nb; k++) {
			for (i = 1; i <= NR; i++) { x[i] = a[k, i]; y[i] = r[k, i]; z[i] = p[i]; u[i] = ca[k, i]; v[i] = cr[k, i]; q[i] = pcs[i] }
			printf "%.1f %.1f %.1f %.1f %.1f %.1f\n", med(x, NR) / 1000, med(z, NR) / 1000, med(y, NR),
				med(u, NR) / 1000, med(q, NR) / 1000, med(v, NR)
		}
	}' "$tmp/pairs"
}

# peak BIN SUBCOMMAND: "time_%M_KiB rusage_children_maxrss_KiB", largest of 5 runs each
peak() {
	local i m r max_m=0 max_r=0
	for ((i = 0; i < 5; i++)); do
		m=$(cd / && "${NF_AS[@]}" /usr/bin/time -f '%M' "$1" "$2" "${NF_ARGS[@]}" 2>&1 >/dev/null | tail -1)
		r=$(cd / && "${NF_AS[@]}" "$tmp/rusage" "$1" "$2" "${NF_ARGS[@]}")
		[ "$m" -gt "$max_m" ] && max_m=$m
		[ "$r" -gt "$max_r" ] && max_r=$r
	done
	echo "$max_m $max_r"
}

tmp=$(mktemp -d /tmp/nfscheck-profile.XXXXXX) && chmod 755 "$tmp"
trap 'rm -rf "$tmp"; [ -n "${NFSCHECK_BENCH_NS:-}" ] && pkill -KILL -U "$bench_uid" 2>/dev/null' EXIT
# The wrapper: run the command, wait for it, print RUSAGE_CHILDREN's
# ru_maxrss (KiB). In C and small: the largest resident set counted
# includes the wrapper's own memory between fork and exec, so a Python
# wrapper would report its own 10 MB.
cat >"$tmp/rusage.c" <<'EOF'
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	struct rusage ru;
	pid_t pid;

	if (argc < 2 || (pid = fork()) < 0)
		return 2;
	if (pid == 0) {
		if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
			_exit(127);
		execvp(argv[1], argv + 1);
		_exit(127);
	}
	waitpid(pid, NULL, 0);
	getrusage(RUSAGE_CHILDREN, &ru);
	printf("%ld\n", ru.ru_maxrss);
	return 0;
}
EOF
cc -O2 -o "$tmp/rusage" "$tmp/rusage.c" || { echo "bench: cannot compile the rusage wrapper (cc)" >&2; exit 2; }
cc -O2 -o "$tmp/timed-run" "$here/timed-run.c" || { echo "bench: cannot compile timed-run.c (cc)" >&2; exit 2; }
chmod 755 "$tmp/rusage" "$tmp/timed-run"

who=${user:-$(id -un)}
[ "$root_for" = 1 ] && mode="nfscheck as root --user $who" || mode="both as $who"
[ -n "$pv" ] && mode="$mode, nfscheck with --podman-version $pv"
label() { if [ "$1" = "$before" ]; then echo before; else echo after; fi; }
[ -n "$before" ] && echo "before: $before" && echo "after:  $nfscheck" || echo "nfscheck: $nfscheck"
echo "machine: $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); $(podman --version); $mode; home ${home:-$HOME}; $pairs pairs"
printf '%-17s %9s %9s %8s | %9s %9s %8s | %9s %9s\n' "" "wall ms" "podman" "ratio" "CPU ms" "podman" "ratio" "peak KiB" "(rusage)"
for sub in diagnose config; do
	mapfile -t rows < <(pairs_of "$sub")
	for k in "${!bins[@]}"; do
		read -r a b r ca cb cr <<<"${rows[$k]}"
		read -r m u <<<"$(peak "${bins[$k]}" "$sub")"
		printf '%-17s %9s %9s %7sx | %9s %9s %7sx | %9s %9s\n' "$sub ($(label "${bins[$k]}"))" "$a" "$b" "$r" \
			"$ca" "$cb" "$cr" "$m" "$u"
	done
done
echo "(medians of $pairs alternating pairs; ratio = podman info / nfscheck, pair by pair; CPU = user+system, children included)"

# Where diagnose's time goes. strace runs as root around the user's
# nfscheck: a traced setuid newuidmap would lose its privilege.
for b in "${bins[@]}"; do
	echo
	echo "where diagnose's time goes ($(label "$b")):"
	(cd / && strace -f -qq -o "$tmp/trace" -e trace=clone,clone3,fork,vfork,execve "${NF_AS[@]}" "$b" diagnose "${NF_ARGS[@]}" >/dev/null 2>&1)
	(cd / && "${NF_AS[@]}" env NFSCHECK_DEBUG=1 "$b" diagnose "${NF_ARGS[@]}" 2>"$tmp/debug" >/dev/null)
	procs=$(grep -E '^[0-9]+ +(fork|vfork|clone|clone3)\(' "$tmp/trace" | grep -vc CLONE_THREAD)
	threads=$(grep -E '^[0-9]+ +(clone|clone3)\(' "$tmp/trace" | grep -c CLONE_THREAD)
	echo "  processes created: $procs (threads of programs it ran: $threads)"
	echo "  programs run (execve that did not fail):"
	grep -E '^[0-9]+ +execve\(' "$tmp/trace" | grep -v ' = -1 ' | grep -vE 'execve\("(/usr/bin/setpriv|/usr/bin/env|'"$b"')"' |
		sed -E 's/^[0-9]+ +execve\("([^"]*)", \["[^"]*"(, "([^"]*)")?.*/    \1 \3/' | sort | uniq -c
	awk '/: debug: .*: [0-9]+ ms: / { n++; split($0, f, ": "); for (i in f) if (f[i] ~ / ms$/) { sub(/ ms$/, "", f[i]); ms += f[i] } }
	     /: debug: .*: in-process: / { ip++ }
	     END { printf "  filesystem calls: %d in-process, %d in a guarded child (%d ms in all)\n", ip, n, ms }' "$tmp/debug"
	grep -E ': debug: .*: [0-9]+ ms: ' "$tmp/debug" | sed 's/^nfscheck: debug: /    child: /' | head -20
done
