/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exitcode.h"
#include "msg.h"
#include "util.h"

static void vmsg(const char *prefix, const char *fmt, va_list ap)
{
	fflush(stdout);
	fputs("nfscheck: ", stderr);
	if (prefix)
		fputs(prefix, stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void nf_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(NULL, fmt, ap);
	va_end(ap);
}

void nf_warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("warning: ", fmt, ap);
	va_end(ap);
}

void nf_die(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(NULL, fmt, ap);
	va_end(ap);
	exit(status);
}

int nf_usage_error(const char *command, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(NULL, fmt, ap);
	va_end(ap);
	if (command)
		fprintf(stderr, "Try 'nfscheck %s --help' for more information.\n", command);
	else
		fputs("Try 'nfscheck --help' for more information.\n", stderr);
	return NF_EXIT_USAGE;
}

/* The long option of OPTS that TYPED (without its dashes) most likely meant. */
static const char *closest_option(const char *typed, const struct option *opts)
{
	const char *names[64];
	size_t n = 0;

	for (; opts && opts->name && n < ARRAY_SIZE(names); opts++)
		names[n++] = opts->name;
	return closest_name(typed, names, n);
}

int nf_option_error(const char *command, int c, char **argv, const struct option *opts)
{
	extern int optind, optopt;
	const char *arg = argv[optind - 1];
	const char *close;
	char name[64];

	/* getopt sets optopt to a long option's short twin; name what was typed. */
	if (arg && strncmp(arg, "--", 2) == 0)
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(arg, "="), arg);
	else
		snprintf(name, sizeof(name), "-%c", optopt);
	if (c == ':')
		return nf_usage_error(command, "option '%s' requires an argument", name);
	close = name[1] == '-' ? closest_option(name + 2, opts) : NULL;
	if (close)
		return nf_usage_error(command, "unknown option '%s'; did you mean '--%s'?", name, close);
	return nf_usage_error(command, "unknown option '%s'", name);
}

static void close_stdout(void)
{
	/* A full disk or closed pipe must not look like success to a script. */
	if (ferror(stdout) || fflush(stdout) != 0 || fclose(stdout) != 0) {
		if (errno == EPIPE)
			_exit(NF_EXIT_INCOMPLETE);
		fprintf(stderr, "nfscheck: write error: %s\n", strerror(errno ? errno : EIO));
		_exit(NF_EXIT_INCOMPLETE);
	}
}

void nf_close_stdout_atexit(void)
{
	atexit(close_stdout);
}
