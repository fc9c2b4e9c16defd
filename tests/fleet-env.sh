#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# fleet-env.sh DIR N COMMAND...: run COMMAND in a private mount namespace
# with N synthetic users (UIDs 200000 + i; FLEET_ENV_UID0 moves the base)
# in bind-mounted passwd, group, subuid, subgid and login.defs, their homes
# on a tmpfs, in a known mix:
#   ok        65536 subordinate IDs, default storage: healthy
#   nosubid   no subuid/subgid entry                     -> subids fails
#   fewids    1000 subordinate IDs (diagnose only warns; a policy with
#             [subids] minimum = 65536 makes it fail)
#   noexec    graphroot on a tmpfs mounted noexec         -> filesystem.graphroot
#   badconf   a storage.conf that is not TOML             -> config
# DIR/kinds lists "NAME KIND" for every user (FLEET_ENV_ODD adds one more,
# below). Must run as root; called
# through unshare by the caller (FLEET_ENV_INSIDE set), so nothing leaks.
set -eu
dir=$1 n=$2 base=${FLEET_ENV_UID0:-200000}
shift 2
if [ -z "${FLEET_ENV_INSIDE:-}" ]; then
	FLEET_ENV_INSIDE=1 exec unshare --mount --propagation private -- "$0" "$dir" "$n" "$@"
fi
mkdir -p "$dir/homes" "$dir/noexec"
mount -t tmpfs -o mode=755,size=2g fleet-homes "$dir/homes"
mount -t tmpfs -o mode=755,noexec,size=64m fleet-noexec "$dir/noexec"
cp /etc/passwd "$dir/passwd"
cp /etc/group "$dir/group"
: >"$dir/subuid"
: >"$dir/subgid"
: >"$dir/kinds"
printf 'UID_MIN %d\nUID_MAX %d\n' "$base" $((base + n - 1)) >"$dir/login.defs"
kinds=(ok ok nosubid ok fewids ok noexec ok badconf ok)
awk -v n="$n" -v base="$base" -v d="$dir" -v nk="${#kinds[@]}" -v ks="${kinds[*]}" '
BEGIN {
	split(ks, k, " ")
	for (i = 0; i < n; i++) {
		name = sprintf("fleetu%05d", i); uid = base + i; kind = k[i % nk + 1]
		printf "%s:x:%d:%d::%s/homes/%s:/bin/sh\n", name, uid, uid, d, name >> (d "/passwd")
		printf "%s:x:%d:\n", name, uid >> (d "/group")
		if (kind != "nosubid") {
			cnt = kind == "fewids" ? 1000 : 65536
			printf "%s:%d:%d\n", name, 300000000 + i * 65536, cnt >> (d "/subuid")
			printf "%s:%d:%d\n", name, 300000000 + i * 65536, cnt >> (d "/subgid")
		}
		print name, kind >> (d "/kinds")
	}
}'
# FLEET_ENV_ODD=1: one more user, without subordinate IDs, whose name holds
# a double quote and a backslash (passwd allows all but ':' and newline).
if [ -n "${FLEET_ENV_ODD:-}" ]; then
	odd='odd"na\me' uid=$((base + n))
	printf '%s:x:%d:%d::%s/homes/odd:/bin/sh\n' "$odd" "$uid" "$uid" "$dir" >>"$dir/passwd"
	printf 'oddgrp:x:%d:\n' "$uid" >>"$dir/group"
	mkdir -p "$dir/homes/odd"
	chown "$uid:$uid" "$dir/homes/odd"
	sed -i "s/^UID_MAX .*/UID_MAX $uid/" "$dir/login.defs"
fi
while read -r name kind; do
	uid=$(( base + 10#${name#fleetu} ))
	h=$dir/homes/$name
	mkdir -p "$h/.config/containers"
	case $kind in
	noexec)
		mkdir -p "$dir/noexec/$name"
		chown "$uid:$uid" "$dir/noexec/$name"
		printf '[storage]\ngraphroot = "%s/noexec/%s/storage"\n' "$dir" "$name" >"$h/.config/containers/storage.conf" ;;
	badconf)
		printf '[storage\ngraphroot = \n' >"$h/.config/containers/storage.conf" ;;
	esac
	chown -R "$uid:$uid" "$h"
done <"$dir/kinds"
for f in passwd group subuid subgid login.defs; do
	mount --bind "$dir/$f" "/etc/$f"
done
"$@"
