# SPDX-License-Identifier: Apache-2.0
# Run a case as a throwaway user on each Podman release line: bookworm (the
# host, 4.3.1), trixie (5.4.2), sid (5.8.6, the new parser) and experimental
# (6.1.1). Sourced after lib.sh. Needs root, unshare, setpriv, pivot_root.
#
#   rel_require                 once: root and tools; makes $ns_top and a copy
#                               of nfscheck that runs inside any tree
#   rel_tree RELEASE            sets $tree (the cached tree, "/" for bookworm);
#                               false when it cannot be had (see $rel_why;
#                               $rel_absent is set when only because this
#                               machine lacks mmdebstrap: a skip, never in CI,
#                               whose install-deps.sh installs it)
#   rel_case RELEASE NAME [bare]
#                               a fresh case: $case_dir, $home, $ENV (the
#                               user's environment, an array to append to),
#                               copies of the tree's /etc/containers and
#                               /usr/share/containers in $case_dir/etc-containers
#                               and $case_dir/usr-containers (with "bare",
#                               every storage* entry removed from both)
#   user_file TEXT              ~/.config/containers/storage.conf
#   user_dropin NAME TEXT       ~/.config/containers/storage.conf.d/NAME
#   rel_run <<'EOF'             run a bash script as root in the case's
#                               machine: inside it
#                                 as_user CMD...   runs CMD as the user, with
#                                                  $ENV only
#                                 $NFSCHECK        runs nfscheck there
#                                 kill_user        kills the user's processes
#
# The machine: a private mount namespace, pivot_root into the tree (a chroot
# would not do: the kernel refuses CLONE_NEWUSER to a chrooted process), with
# /proc, /sys and /dev bound in, cgroup2 at /sys/fs/cgroup for experimental
# (Podman 6 refuses cgroup v1), fresh tmpfs on /tmp, /var/tmp and /run (with
# an empty /run/user), the case's /etc/containers, /usr/share/containers,
# passwd, group, subuid and subgid bound over the tree's, and $ns_top bound
# at its own path (with what is mounted below it, such as an NFS home bound
# over $home) so $case_dir and $home are the same paths inside and out.
# The user's processes are killed when the script ends, so no pause process
# survives into the next case or release; its runtime directories are fresh.
#
# nfscheck runs inside the tree, so it sees that machine's files, podman on
# PATH and dpkg database. It was built on bookworm and may not load the
# tree's libraries (libsubid's soname differs), so rel_require copies it with
# the host's loader and every library it links into $ns_top/nfscheck-host;
# $NFSCHECK is a wrapper that starts it through that loader with
# --library-path. The loader's path is not inherited: programs nfscheck
# starts (newuidmap, podman) load the tree's own libraries.
#
# NS_UID (the test user's UID, one per test file) and NS_NAME as in nscase.sh.
# REL_KEEP=1 keeps $ns_top (every case's files and outputs) for a look.

NS_UID=${NS_UID:-4410}
NS_NAME=${NS_NAME:-nfsrel}
REL_ALL="bookworm trixie sid experimental"

rel_require() {
	[ "$(id -u)" -eq 0 ] || skip_all "needs root for private mount namespaces and a throwaway user"
	local t
	for t in unshare setpriv pivot_root ldd; do
		command -v $t >/dev/null || skip_all "$t is missing"
	done
	ns_top=$(mktemp -d /var/tmp/nfscheck-rel.XXXXXX)
	chmod 755 "$ns_top"
	mkdir -m 755 "$ns_top/stage"
	trap 'rel_kill_host; [ -n "${REL_KEEP:-}" ] || rm -rf "$ns_top"; eval "${NS_EXTRA_CLEANUP:-}"' EXIT
	rel_copy_nfscheck || skip_all "cannot copy nfscheck and its libraries"
}

# rel_dlopened BINARY: the host's path of each library BINARY names by
# soname in its own text, for dlopen (nfscheck loads libtirpc, libsqlite3
# and libsubid when a run first needs them; ldd does not list them).
rel_dlopened() {
	local so
	for so in $(grep -aoE 'lib[[:alnum:]_+-]+\.so\.[0-9]+' "$1" | sort -u); do
		/sbin/ldconfig -p | awk -v so="$so" '$1 == so && $NF ~ /^\// { print $NF; exit }'
	done
}

# rel_copy_host BINARY DIR WRAPPER: BINARY (under its own name: messages
# carry it), the host's loader and the libraries ldd names, for BINARY and
# for each library it dlopens, in DIR; DIR/WRAPPER is a script that starts
# BINARY through that loader, so it runs inside any tree (see above).
rel_copy_host() {
	local bin=$1 d=$2 name=$3 loader lib obj
	mkdir -m 755 "$d" || return 1
	install -m 755 "$bin" "$d/${bin##*/}" || return 1
	loader=$(ldd "$bin" | awk '$1 ~ /^\/.*ld-linux/ { print $1 }')
	[ -n "$loader" ] || return 1
	install -m 755 "$(readlink -f "$loader")" "$d/ld.so" || return 1
	for obj in "$bin" $(rel_dlopened "$bin"); do
		[ "$obj" = "$bin" ] || install -m 644 "$(readlink -f "$obj")" "$d/${obj##*/}" || return 1
		for lib in $(ldd "$obj" | awk '$2 == "=>" && $3 ~ /^\// { print $1 "=" $3 }'); do
			install -m 644 "$(readlink -f "${lib#*=}")" "$d/${lib%%=*}" || return 1
		done
	done
	mkdir -p -m 755 "$(dirname "$d/$name")" || return 1
	printf '#!/bin/sh\nexec %s/ld.so --library-path %s %s/%s "$@"\n' "$d" "$d" "$d" "${bin##*/}" >"$d/$name"
	chmod 755 "$d/$name"
}

rel_copy_nfscheck() {
	rel_copy_host "$NFSCHECK" "$ns_top/nfscheck-host" run || return 1
	NFSCHECK=$ns_top/nfscheck-host/run
}

# rel_copy_mkfs_xfs: $REL_XFS_PATH, a folder holding mkfs.xfs that runs
# inside any tree, for `fix --image` (the trees have no xfsprogs). The
# host's, bookworm's xfsprogs 6.1, of an age with user-mode Linux's 6.1
# kernel that mounts what it makes; nothing of it depends on the Podman
# release in the tree.
rel_copy_mkfs_xfs() {
	local m
	m=$(PATH=/usr/sbin:/sbin:$PATH command -v mkfs.xfs) || return 1
	rel_copy_host "$m" "$ns_top/xfsprogs-host" bin/mkfs.xfs || return 1
	REL_XFS_PATH=$ns_top/xfsprogs-host/bin
}

rel_tree() {
	rel_why= rel_absent=
	tree=$("$TESTS_SRCDIR/release-tree.sh" "$1" 2>"$ns_top/tree-$1.err")
	local rc=$?
	if [ $rc -ne 0 ] || [ ! -x "$tree/usr/bin/podman" ]; then
		rel_why="no $1 tree (release-tree.sh exit $rc): $(tail -1 "$ns_top/tree-$1.err")"
		command -v mmdebstrap >/dev/null || rel_absent=1
		return 1
	fi
}

rel_case() {
	local rel=$1 name=$2 mode=${3:-}
	rel_tree "$rel" || return 1
	case_rel=$rel
	case_tree=$tree
	case_dir=$ns_top/$rel/$name
	mkdir -p "$case_dir"/{home,etc-containers,usr-containers,cwd}
	cp -a "${tree%/}/etc/containers/." "$case_dir/etc-containers/" 2>/dev/null
	cp -a "${tree%/}/usr/share/containers/." "$case_dir/usr-containers/" 2>/dev/null
	[ "$mode" = bare ] && rm -rf "$case_dir"/etc-containers/storage* "$case_dir"/usr-containers/storage*
	home=$case_dir/home/$NS_NAME
	mkdir -p "$home"
	chmod 755 "$ns_top/$rel" "$case_dir" "$case_dir/home"
	chown "$NS_UID:$NS_UID" "$home" "$case_dir/cwd"
	grep -v "^$NS_NAME:" "${tree%/}/etc/passwd" >"$case_dir/passwd"
	echo "$NS_NAME:x:$NS_UID:$NS_UID::$home:/bin/sh" >>"$case_dir/passwd"
	grep -v "^$NS_NAME:" "${tree%/}/etc/group" >"$case_dir/group"
	echo "$NS_NAME:x:$NS_UID:" >>"$case_dir/group"
	echo "$NS_NAME:200000:65536" >"$case_dir/subuid"
	echo "$NS_NAME:200000:65536" >"$case_dir/subgid"
	ENV=(HOME="$home" USER="$NS_NAME" LOGNAME="$NS_NAME" PATH=/usr/local/bin:/usr/bin:/bin)
}

# rel_user_write FILE TEXT: a file of the user's under $home, and its folders.
rel_user_write() {
	local f=$home/$1 d
	d=$(dirname "$f")
	setpriv --reuid="$NS_UID" --regid="$NS_UID" --clear-groups mkdir -p "$d" &&
		printf '%s\n' "$2" | setpriv --reuid="$NS_UID" --regid="$NS_UID" --clear-groups tee "$f" >/dev/null
}

user_file() { rel_user_write .config/containers/storage.conf "$1"; }
user_dropin() { rel_user_write ".config/containers/storage.conf.d/$1" "$2"; }

# The user's live processes (zombies left to their reaper), from
# /proc/PID/status: the trees have no procps.
rel_user_pids() {
	awk -v u="$NS_UID" 'FNR == 1 { st = "" } $1 == "State:" { st = $2 }
		$1 == "Uid:" && $2 == u && st != "Z" { split(FILENAME, p, "/"); print p[3] }' /proc/[0-9]*/status 2>/dev/null
}

rel_kill_host() {
	local i pids
	for i in 1 2 3 4 5 6 7 8 9 10; do
		pids=$(rel_user_pids)
		[ -z "$pids" ] && return 0
		kill -KILL $pids 2>/dev/null
		sleep 0.05
	done
}

rel_run() {
	local q S=$ns_top/stage cg=
	q=$(printf '%q ' "${ENV[@]}")
	[ "$case_rel" = experimental ] && cg="mount -t cgroup2 none $S/sys/fs/cgroup"
	{
		cat <<-EOF
			if [ "$case_tree" = / ]; then mount --rbind / $S; else mount --bind "$case_tree" $S; fi
			mount --rbind /proc $S/proc; mount --rbind /sys $S/sys; mount --rbind /dev $S/dev
			$cg
			mount -t tmpfs -o mode=1777 rel-tmp $S/tmp
			mount -t tmpfs -o mode=1777 rel-vartmp $S/var/tmp
			mount -t tmpfs -o mode=755 rel-run $S/run
			mkdir -m 755 $S/run/user $S/run/lock
			mkdir -p $S$ns_top; mount --rbind $ns_top $S$ns_top
			mount --bind "$case_dir/etc-containers" $S/etc/containers
			mount --bind "$case_dir/usr-containers" $S/usr/share/containers
			for f in passwd group subuid subgid; do mount --bind "$case_dir/\$f" $S/etc/\$f; done
			cd $S && pivot_root . . && umount -l . || { echo "rel_run: cannot pivot into $case_tree" >&2; exit 99; }
			# As on a systemd machine: Podman warns when / is not shared.
			mount --make-rshared /
			cd "$case_dir/cwd"
			NFSCHECK=$NFSCHECK NS_UID=$NS_UID
			$(declare -f rel_user_pids)
			as_user() { setpriv --reuid=$NS_UID --regid=$NS_UID --clear-groups env -i $q "\$@"; }
			kill_user() {
				local i
				for i in 1 2 3 4 5 6 7 8 9 10; do
					set -- \$(rel_user_pids)
					[ \$# -eq 0 ] && return 0
					kill -KILL "\$@" 2>/dev/null
					sleep 0.05
				done
			}
		EOF
		cat
		echo "kill_user; exit 0"
	} >"$case_dir/rel-script.sh"
	unshare --mount --propagation private -- bash "$case_dir/rel-script.sh" >"$case_dir/rel.log" 2>&1
	local rc=$?
	rel_kill_host
	return $rc
}
