/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Just enough of BoltDB's on-disk format to read libpod's runtime-config
 * bucket. The file lies in the user's graphroot, so it is read as the user,
 * in a child, and decoded with every offset checked (fuzz/fuzz-boltdb.c).
 */
#ifndef NFSCHECK_BOLTDB_H
#define NFSCHECK_BOLTDB_H

/* The fields libpod pins, in this order. */
enum { DB_RUNROOT, DB_GRAPHROOT, DB_DRIVER, DB_NFIELDS };

/* Read run-root, graph-root and graph-driver-name from libpod's BoltDB at
 * PATH into OUT (each malloc'd, or NULL when absent). 0, EINVAL when it is
 * not such a database, or the errno of opening it. */
int boltdb_read_config(const char *path, char *out[DB_NFIELDS]);

#endif
