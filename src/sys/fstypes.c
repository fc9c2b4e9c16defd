/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <string.h>

#include "fstypes.h"
#include "util.h"

static const struct fs_kind network[] = {
	{"nfs", FSF_NETWORK, "NFS"},
	{"cifs", FSF_NETWORK, "CIFS/SMB"},
	{"lustre", FSF_NETWORK, "Lustre"},
	{"gpfs", FSF_NETWORK, "GPFS (Spectrum Scale)"},
	{"ceph", FSF_NETWORK, "CephFS"},
	{"beegfs", FSF_NETWORK, "BeeGFS"},
	{"afs", FSF_NETWORK, "AFS"},
	{"9p", FSF_NETWORK, "9p"},
	{"panfs", FSF_NETWORK, "Panasas"},
	{"glusterfs", FSF_NETWORK, "GlusterFS"},
	{"ocfs2", FSF_NETWORK, "OCFS2"},
	{"gfs2", FSF_NETWORK, "GFS2"},
	{"ncpfs", FSF_NETWORK, "NCP"},
	{"coda", FSF_NETWORK, "Coda"},
	{"smbfs", FSF_NETWORK, "SMB"},
	{"vboxsf", FSF_NETWORK, "VirtualBox shared folder"},
	{"acfs", FSF_NETWORK, "ACFS"},
	{"vxfs", FSF_NETWORK, "VxFS"},
	{"stornext", FSF_NETWORK, "StorNext"},
	{"prl_fs", FSF_NETWORK, "Parallels shared folder"},
	{"vmhgfs", FSF_NETWORK, "VMware shared folder"},
	{"ibrix", FSF_NETWORK, "IBRIX"},
	/* FUSE daemons that hand every file operation to a remote server */
	{"sshfs", FSF_NETWORK, "SSHFS"},
	{"rclone", FSF_NETWORK, "rclone"},
	{"s3fs", FSF_NETWORK, "s3fs"},
	{"gcsfuse", FSF_NETWORK, "gcsfuse"},
	{"curlftpfs", FSF_NETWORK, "CurlFtpFS"},
	{"davfs", FSF_NETWORK, "WebDAV"},
};

/* mountinfo spellings that map onto one entry above. */
static const struct {
	const char *type;
	const char *as;
} aliases[] = {
	{"nfs4", "nfs"}, {"smb3", "cifs"}, {"fuse.glusterfs", "glusterfs"},
	{"fuse.ceph-fuse", "ceph"}, {"fuse.ceph", "ceph"}, {"fhgfs", "beegfs"},
	{"fuse.vmhgfs-fuse", "vmhgfs"}, {"9p2000", "9p"}, {"kafs", "afs"},
	{"fuse.sshfs", "sshfs"}, {"fuse.rclone", "rclone"}, {"fuse.s3fs", "s3fs"},
	{"fuse.gcsfuse", "gcsfuse"}, {"fuse.curlftpfs", "curlftpfs"}, {"fuse.davfs2", "davfs"},
	{"davfs2", "davfs"},
};

static const char *const pseudo[] = {
	"proc", "sysfs", "devpts", "devtmpfs", "cgroup", "cgroup2", "securityfs", "debugfs",
	"tracefs", "pstore", "bpf", "mqueue", "hugetlbfs", "configfs", "fusectl", "binfmt_misc",
	"nsfs", "efivarfs", "selinuxfs", "rpc_pipefs", "nfsd",
};

static const struct {
	uint32_t magic;
	const char *as;
} magics[] = {
	{0x6969, "nfs"}, {0xFF534D42, "cifs"}, {0xFE534D42, "cifs"}, {0x517B, "smbfs"},
	{0x5346414F, "afs"}, {0x6B414653, "afs"}, {0x00C36400, "ceph"}, {0x0BD00BD0, "lustre"},
	{0x47504653, "gpfs"}, {0x19830326, "beegfs"}, {0xAAD7AAEA, "panfs"},
	{0x01021997, "9p"}, {0x7461636F, "ocfs2"}, {0x01161970, "gfs2"}, {0x73757245, "coda"},
	{0x564C, "ncpfs"}, {0x61636673, "acfs"}, {0xA501FCF5, "vxfs"}, {0xBEEFDEAD, "stornext"},
	{0x786F4256, "vboxsf"}, {0x7C7C6673, "prl_fs"}, {0xBACBACBC, "vmhgfs"}, {0x013111A8, "ibrix"},
};

static const struct fs_kind *by_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(network); i++)
		if (strcmp(network[i].name, name) == 0)
			return &network[i];
	return NULL;
}

const struct fs_kind *fs_kind_from_type(const char *fstype)
{
	static const struct fs_kind fuse = {"fuse", FSF_FUSE, "FUSE"};
	static const struct fs_kind autofs = {"autofs", FSF_AUTOFS, "autofs"};
	static const struct fs_kind pseudofs = {"pseudo", FSF_PSEUDO, "pseudo filesystem"};
	static const struct fs_kind local = {"local", FSF_LOCAL, "local"};
	const struct fs_kind *k;

	if (!fstype)
		return &local;
	for (size_t i = 0; i < ARRAY_SIZE(aliases); i++)
		if (strcmp(aliases[i].type, fstype) == 0)
			return by_name(aliases[i].as);
	k = by_name(fstype);
	if (k)
		return k;
	if (strcmp(fstype, "autofs") == 0)
		return &autofs;
	/* All FUSE filesystems share one magic, so only the subtype tells them apart. */
	if (strcmp(fstype, "fuse") == 0 || strcmp(fstype, "fuseblk") == 0 || strncmp(fstype, "fuse.", 5) == 0)
		return &fuse;
	for (size_t i = 0; i < ARRAY_SIZE(pseudo); i++)
		if (strcmp(pseudo[i], fstype) == 0)
			return &pseudofs;
	return &local;
}

const struct fs_kind *fs_kind_from_magic(uint32_t magic)
{
	for (size_t i = 0; i < ARRAY_SIZE(magics); i++)
		if (magics[i].magic == magic)
			return by_name(magics[i].as);
	return NULL;
}

const char *fs_family_name(enum fs_family f)
{
	switch (f) {
	case FSF_LOCAL: return "local";
	case FSF_NETWORK: return "network";
	case FSF_FUSE: return "fuse";
	case FSF_AUTOFS: return "autofs";
	case FSF_PSEUDO: return "pseudo";
	}
	return "?";
}

bool fs_type_never_hangs(const char *fstype)
{
	static const char *const local[] = {
		"ext2", "ext3", "ext4", "xfs", "btrfs", "tmpfs", "devtmpfs", "ramfs", "f2fs", "jfs", "reiserfs",
		"vfat", "msdos", "exfat", "ntfs3", "hfsplus", "nilfs2", "bcachefs", "zfs", "squashfs",
		"iso9660", "erofs",
	};

	for (size_t i = 0; fstype && i < ARRAY_SIZE(local); i++)
		if (strcmp(local[i], fstype) == 0)
			return true;
	return false;
}
