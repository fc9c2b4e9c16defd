/* SPDX-License-Identifier: Apache-2.0 */
/* Generated from data/nfscheck-image.service.in. */
const char nfscheck_unit_template[] =
	"# Written by nfscheck fix --image --persist: attaches @USER@'s XFS container\n"
	"# store at boot the way nfscheck does it by hand -- the image opened in the\n"
	"# user's name, so that it is writable even on a root-squashed NFS home.\n"
	"# A plain fstab \"loop\" line would be opened by root and, on such a home,\n"
	"# come up read-only or not at all.\n"
	"[Unit]\n"
	"Description=nfscheck: XFS container store of @USER@ on @MOUNTPOINT@\n"
	"Documentation=man:nfscheck(1)\n"
	"Wants=network-online.target remote-fs.target\n"
	"After=network-online.target remote-fs.target\n"
	"RequiresMountsFor=@IMAGE_DIR@\n"
	"\n"
	"[Service]\n"
	"Type=oneshot\n"
	"RemainAfterExit=yes\n"
	"ExecStart=@NFSCHECK@ fix --image @IMAGE@ --size @SIZE@ --mountpoint @MOUNTPOINT@ --user @USER@ --no-diagnose\n"
	"ExecStop=@NFSCHECK@ fix --undo --keep-unit --image @IMAGE@ --mountpoint @MOUNTPOINT@ --user @USER@\n"
	"\n"
	"[Install]\n"
	"WantedBy=multi-user.target\n"
	;
