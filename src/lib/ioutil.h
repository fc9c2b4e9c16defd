/* SPDX-License-Identifier: Apache-2.0 */
/* Small I/O helpers shared by the process and file code. */
#ifndef NFSCHECK_IOUTIL_H
#define NFSCHECK_IOUTIL_H

#include <stdbool.h>
#include <stddef.h>

/* write(2) until all N bytes are out; false with errno set otherwise. */
bool write_full(int fd, const void *p, size_t n);
/* The same on a socket with send(2) and MSG_NOSIGNAL: a peer that went
 * away is an EPIPE, not a SIGPIPE that kills the sender. */
bool send_full(int fd, const void *p, size_t n);
/* read(2) until all N bytes are in; false at end of file or on an error. */
bool read_full(int fd, void *p, size_t n);

/*
 * The same from offset 0 with pwrite(2), which only the file writer uses,
 * so that fault injection (strace -e inject=pwrite64) hits only that.
 */
bool pwrite_full(int fd, const void *p, size_t n);

#endif
