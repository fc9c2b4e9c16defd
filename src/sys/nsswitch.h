/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What /etc/nsswitch.conf names as the sources of one database, and the
 * login.defs range of ordinary users: small host facts that the subid
 * lookups and fleet's snapshots depend on.
 */
#ifndef NFSCHECK_NSSWITCH_H
#define NFSCHECK_NSSWITCH_H

#include <stdbool.h>

/* The sources on DB's line ("files sss"), DFLT when there is none. Caller frees. */
char *nsswitch_sources(const char *db, const char *dflt);
/* Whether every source of DB is one that lists all its entries when
 * enumerated (files, systemd), so that getpwent/getgrent see what
 * getpwnam/getgrouplist would. */
bool nsswitch_enumerates(const char *db);

/* UID_MIN and UID_MAX of FILE (NULL: /etc/login.defs); 1000 and 60000 when unset. */
void login_defs_uid_range(const char *file, unsigned long long *lo, unsigned long long *hi);

#endif
