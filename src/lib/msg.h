/* SPDX-License-Identifier: Apache-2.0 */
/* Diagnostics on stderr in the form "nfscheck: what failed: why". */
#ifndef NFSCHECK_MSG_H
#define NFSCHECK_MSG_H

#include <stdarg.h>

#define NF_PRINTF(f, a) __attribute__((format(printf, f, a)))

void nf_error(const char *fmt, ...) NF_PRINTF(1, 2);
void nf_warning(const char *fmt, ...) NF_PRINTF(1, 2);
_Noreturn void nf_die(int status, const char *fmt, ...) NF_PRINTF(2, 3);

/* Print a usage error and the hint line; returns NF_EXIT_USAGE. */
int nf_usage_error(const char *command, const char *fmt, ...) NF_PRINTF(2, 3);

struct option;
/*
 * Report what getopt_long() (run with opterr = 0 and a leading ':' in its
 * option string) returned for a bad option, with the long option of OPTS
 * (the table getopt_long had) it most likely meant; returns NF_EXIT_USAGE.
 */
int nf_option_error(const char *command, int c, char **argv, const struct option *opts);

/* Make a failed write to stdout an error at exit, as util-linux does. */
void nf_close_stdout_atexit(void);

#endif
