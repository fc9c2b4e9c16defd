/* Small I/O helpers shared by the process and file code. */
#ifndef NFSCHECK_IOUTIL_H
#define NFSCHECK_IOUTIL_H

#include <stdbool.h>
#include <stddef.h>

/* write(2) until all N bytes are out; false with errno set otherwise. */
bool write_full(int fd, const void *p, size_t n);

#endif
