/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A keyed hash for tables whose keys come from other people's files
 * (storage.conf keys, problem messages). SipHash-1-3, as Rust's HashMap
 * uses it, with a key drawn at random once per process, so that nobody can write a file whose keys all
 * land in one bucket and turn every lookup into a scan.
 */
#ifndef NFSCHECK_STRHASH_H
#define NFSCHECK_STRHASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t strhash(const void *p, size_t n);
/* Mix a second piece into a hash already computed. */
uint64_t strhash_more(uint64_t h, const void *p, size_t n);

#endif
