/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The userspace options of a mount that nfscheck made itself, kept where
 * mount(8) keeps them: libmount's /run/mount/utab. systemd reads them with
 * the mount table and orders the mount unit it makes for every mount by
 * them: "_netdev" says that the filesystem needs the network.
 */
#ifndef NFSCHECK_UTAB_H
#define NFSCHECK_UTAB_H

/* Record that the mount of SOURCE on TARGET (as mountinfo spells both) needs
 * the network. An older record for TARGET goes first. 0 or errno. */
int utab_mark_netdev(const char *source, const char *target);

/* Forget TARGET's record, once it is unmounted. 0 or errno. */
int utab_forget(const char *target);

#endif
