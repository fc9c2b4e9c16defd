#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Install what nfscheck needs to build, run and be tested on Debian 12.
# Needs root (or sudo); uses only Debian's package archive.
set -eu

build="build-essential autoconf automake libtool pkg-config
libmount-dev libblkid-dev libtirpc-dev libinih-dev libjson-c-dev
libsubid-dev libcap-dev xfslibs-dev libsqlite3-dev"
run="uidmap xfsprogs util-linux mount"
# The tests use real parts: podman, a kernel NFS server under user-mode
# Linux, loop devices, and the sanitizers and valgrind.
test="podman fuse-overlayfs user-mode-linux kmod nfs-kernel-server rpcbind
strace patch systemd valgrind e2fsprogs attr acl iproute2 procps jq
python3 python3-jsonschema groff-base clang libclang-rt-14-dev
samba cifs-utils mmdebstrap
prometheus prometheus-node-exporter"

sudo=
if [ "$(id -u)" -ne 0 ]; then
	sudo=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $build $run $test
