/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "facts.h"

void facts_free(struct facts *d)
{
	fsx_memo_free(d->memo);
	d->memo = NULL;
	if (d->model_ok)
		model_free(&d->m);
	fsinfo_free(&d->fs_graphroot);
	fsinfo_free(&d->fs_imagestore);
	for (size_t i = 0; i < d->nfs_stores; i++)
		fsinfo_free(&d->fs_stores[i]);
	free(d->fs_stores);
	fsinfo_free(&d->fs_runroot);
	fsinfo_free(&d->fs_tmpdir);
	subids_free(&d->ids);
	free(d->uidmap.path);
	free(d->gidmap.path);
	probe_result_free(&d->probe.r);
	free(d->move_to);
	fsinfo_free(&d->fs_config);
	for (size_t i = 0; i < d->nfs.nservers; i++) {
		nfs_server_report_free(&d->nfs.servers[i].r);
		free(d->nfs.servers[i].host);
	}
	free(d->nfs.servers);
	for (size_t i = 0; i < d->nfs.nlocks; i++)
		lock_result_free(&d->nfs.locks[i].lr);
	if (d->nfs.have_local)
		nfs_server_report_free(&d->nfs.local);
	fsinfo_free(&d->runtime.fi);
	for (size_t i = 0; i < d->startup.ndirs; i++) {
		free(d->startup.dirs[i].path);
		free(d->startup.dirs[i].at);
	}
	free(d->startup.dirs);
	for (size_t i = 0; i < d->startup.nlocks; i++)
		free(d->startup.locks[i].path);
	free(d->startup.locks);
	free(d->startup.imagestore_abs);
	free(d->startup.runroot_suggestion);
	free(d->fuse_overlayfs);
	free(d->boltdb);
	free(d->location.tmpfiles_exclusion);
	for (size_t i = 0; i < d->location.nblocked; i++)
		free(d->location.blocked[i].dir);
	free(d->location.blocked);
	target_close(&d->t);
	free(d->user_buf);
	memset(d, 0, sizeof(*d));
}
