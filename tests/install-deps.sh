#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Install what nfscheck needs on Debian 12, from Debian's package archive.
#
#   install-deps.sh          what building and running nfscheck need
#   install-deps.sh --test   that and what the test suite needs (podman,
#                            user-mode Linux with a kernel NFS server,
#                            valgrind, clang, the .deb tools...)
#   install-deps.sh --list [--test]   print the packages, install nothing
#
# Needs root; without it, sudo when there is one, else it says what to run
# as root. apt's output goes to a log file, whose path is printed when
# something fails.
set -eu

build="build-essential autoconf automake libtool pkg-config
libmount-dev libblkid-dev libtirpc-dev libinih-dev libjson-c-dev
libsubid-dev libcap-dev xfslibs-dev libsqlite3-dev"
# newuidmap/newgidmap (the probe), mkfs.xfs (fix --image), mount and losetup.
run="uidmap xfsprogs util-linux mount"
# The tests use real parts: podman, a kernel NFS server under user-mode
# Linux, loop devices, the sanitizers and valgrind, fresh Debian trees
# (mmdebstrap), the .deb build (debhelper, lintian) and bash completion.
test="podman fuse-overlayfs user-mode-linux kmod nfs-kernel-server rpcbind
strace patch systemd valgrind e2fsprogs attr acl iproute2 procps jq
python3 python3-jsonschema groff-base clang libclang-rt-14-dev
samba cifs-utils prometheus prometheus-node-exporter autofs
mmdebstrap debhelper lintian fakeroot dpkg-dev bash-completion"

want_test=no list=no
for a in "$@"; do
	case $a in
	--test) want_test=yes ;;
	--list) list=yes ;;
	*) echo "usage: install-deps.sh [--test] [--list]" >&2; exit 64 ;;
	esac
done
pkgs="$build $run"
[ "$want_test" = no ] || pkgs="$pkgs $test"
if [ "$list" = yes ]; then
	# shellcheck disable=SC2086  # one package a line
	printf '%s\n' $pkgs
	exit 0
fi

sudo=
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		sudo=sudo
	else
		echo "install-deps.sh: installing packages needs root, and there is no sudo; as root, run:" >&2
		# shellcheck disable=SC2086
		echo "    apt-get update && apt-get install --no-install-recommends" $pkgs >&2
		exit 77
	fi
fi

log=$(mktemp "${TMPDIR:-/tmp}/nfscheck-install-deps.XXXXXX")
n=$(echo $pkgs | wc -w)
echo "install-deps.sh: installing $n packages and what they need (apt's output: $log)"
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
if ! { $sudo apt-get update && $sudo apt-get install -y --no-install-recommends $pkgs; } >"$log" 2>&1; then
	echo "install-deps.sh: apt-get failed; the end of $log:" >&2
	tail -5 "$log" >&2
	echo "install-deps.sh: the whole log: $log" >&2
	exit 1
fi
grep -E '^[0-9]+ upgraded, [0-9]+ newly installed' "$log" | sed 's/^/install-deps.sh: /' || true
