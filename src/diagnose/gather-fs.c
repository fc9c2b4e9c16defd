/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Facts: the filesystem under each place Podman writes or reads, looked
 * at once, as the user, in the order filesystem.* reports them. The probe
 * and the checks of location, driver and NFS read the graphroot's.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "facts.h"
#include "fsx.h"
#include "xalloc.h"

const char *facts_tmpdir(const struct facts *d)
{
	const char *tmp = userenv_get(&d->t.env, "TMPDIR");

	/* Pulls copy each layer through here first. The model's image copy
	 * directory: image_copy_tmp_dir, TMPDIR, /var/tmp. */
	return d->m.image_copy_tmp_dir.value ? d->m.image_copy_tmp_dir.value : tmp && *tmp ? tmp : "/var/tmp";
}

bool diag_ignore_chown(const struct facts *d)
{
	const char *v = d->m.ignore_chown_errors.value;

	return v && (strcmp(v, "1") == 0 || strcasecmp(v, "true") == 0 || strcmp(v, "t") == 0 ||
		     strcmp(v, "T") == 0);
}

struct fsx facts_fsx(const struct facts *d)
{
	return (struct fsx){.as = d->t.as, .memo = d->memo};
}

static void place(struct facts *d, struct fsinfo *fi, const char *path)
{
	struct fsx x = facts_fsx(d);

	if (path)
		fsinfo_get(fi, path, &x);
}

void gather_filesystems(struct facts *d)
{
	if (!d->model_ok || !d->m.graphroot.value)
		goto done;
	place(d, &d->fs_graphroot, d->m.graphroot.value);
	place(d, &d->fs_imagestore, d->m.imagestore.value);
	d->nfs_stores = d->m.additional_image_stores.n;
	d->fs_stores = xcalloc(d->nfs_stores ? d->nfs_stores : 1, sizeof(*d->fs_stores));
	for (size_t i = 0; i < d->nfs_stores; i++)
		place(d, &d->fs_stores[i], d->m.additional_image_stores.v[i].text);
	place(d, &d->fs_runroot, d->m.runroot.value);
	place(d, &d->fs_tmpdir, facts_tmpdir(d));
done:
	d->gathered |= FACTS_FILESYSTEMS;
}
