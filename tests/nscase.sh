# SPDX-License-Identifier: Apache-2.0
# Throwaway users in private mount namespaces, for tests that need a real
# /etc/containers, /etc/passwd or /etc/subuid without touching the host's.
# Sourced after lib.sh. Needs root, unshare and setpriv.
#
#   new_case NAME      a fresh case: $case_dir, $home, $ENV (the user's env)
#   user_file TEXT     write ~/.config/containers/storage.conf
#   ns_run <<'EOF'     run a bash script in the case's namespace; inside it,
#                      as_user CMD... runs CMD as the user with $ENV only

NS_UID=${NS_UID:-4321}
NS_NAME=${NS_NAME:-nfsoracle}

ns_require() {
	[ "$(id -u)" -eq 0 ] || skip_all "needs root for private mount namespaces and a throwaway user"
	command -v unshare >/dev/null && command -v setpriv >/dev/null || skip_all "util-linux unshare/setpriv missing"
	ns_top=$(mktemp -d /var/tmp/nfscheck-ns.XXXXXX)
	chmod 755 "$ns_top"
	nfscheck_for_users /var/tmp || skip_all "cannot copy nfscheck for the test user"
	trap 'pkill -KILL -U "$NS_UID" 2>/dev/null; rm -rf "$ns_top" "$NFSCHECK_COPY_DIR"; eval "${NS_EXTRA_CLEANUP:-}"' EXIT
}

new_case() {
	case_dir=$ns_top/$1
	mkdir -p "$case_dir"/{home,etc-containers,usr-containers,cwd}
	cp -a /etc/containers/. "$case_dir/etc-containers/" 2>/dev/null
	cp -a /usr/share/containers/. "$case_dir/usr-containers/" 2>/dev/null
	rm -rf "$case_dir"/etc-containers/storage* "$case_dir"/usr-containers/storage*
	home=$case_dir/home/$NS_NAME
	mkdir -p "$home"
	chown "$NS_UID:$NS_UID" "$home" "$case_dir/cwd"
	grep -v "^$NS_NAME:" /etc/passwd >"$case_dir/passwd"
	echo "$NS_NAME:x:$NS_UID:$NS_UID::$home:/bin/sh" >>"$case_dir/passwd"
	grep -v "^$NS_NAME:" /etc/group >"$case_dir/group"
	echo "$NS_NAME:x:$NS_UID:" >>"$case_dir/group"
	echo "$NS_NAME:200000:65536" >"$case_dir/subuid"
	echo "$NS_NAME:200000:65536" >"$case_dir/subgid"
	ENV=(HOME="$home" USER="$NS_NAME" LOGNAME="$NS_NAME" PATH=/usr/local/bin:/usr/bin:/bin)
}

user_file() {
	install -d -o "$NS_UID" -g "$NS_UID" "$home/.config" "$home/.config/containers"
	printf '%s\n' "$1" >"$home/.config/containers/storage.conf"
	chown "$NS_UID:$NS_UID" "$home/.config/containers/storage.conf"
}

ns_run() {
	local q
	q=$(printf '%q ' "${ENV[@]}")
	{
		cat <<-EOF
			mount -t tmpfs -o mode=1777 nscase-tmp /tmp
			# libmount's utab (fix --image records its mounts there): the
			# namespace's own, so no record outlives the mounts it names.
			mkdir -p /run/mount && mount -t tmpfs -o mode=0755 nscase-utab /run/mount
			mount --bind "$case_dir/etc-containers" /etc/containers
			mount --bind "$case_dir/usr-containers" /usr/share/containers
			for f in passwd group subuid subgid; do mount --bind "$case_dir/\$f" /etc/\$f; done
			cd "$case_dir/cwd"
			as_user() { setpriv --reuid=$NS_UID --regid=$NS_UID --clear-groups env -i $q "\$@"; }
		EOF
		cat
		echo "pkill -KILL -U $NS_UID; exit 0"
	} >"$case_dir/ns-script.sh"
	unshare --mount --propagation private -- bash "$case_dir/ns-script.sh" >"$case_dir/ns.log" 2>&1
}
