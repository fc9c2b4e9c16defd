/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fleet's snapshot of the user and group databases: enumerated once
 * (getpwent, getgrent: NSS's own enumeration) before the workers fork,
 * instead of a getpwnam and a getgrouplist per user, each of which reads
 * the whole passwd or group file again with the files backend (N users,
 * N times N lines). Taken only when every source of passwd and group in
 * nsswitch.conf lists all its entries when enumerated (files, systemd):
 * SSSD or LDAP often do not, and then each user is looked up as before.
 */
#ifndef NFSCHECK_IDSNAP_H
#define NFSCHECK_IDSNAP_H

#include <stdbool.h>
#include <sys/types.h>

#include "guard.h"

/* Take the snapshot, if the sources allow; lookups after it in this process
 * and its children use it. */
void idsnap_preload(void);
/* The first entry named NAME (as getpwnam) or with UID (as getpwuid), with
 * its groups as getgrouplist gives them; false when there is no snapshot or
 * it has no such entry (the caller then asks NSS). */
bool idsnap_by_name(const char *name, struct identity *id);
bool idsnap_by_uid(uid_t uid, struct identity *id);

#endif
