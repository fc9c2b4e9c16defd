/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Option parsing more than one command shares. Apart from main() so that a
 * command does not call back into the file that dispatches to it.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "cmd.h"
#include "exitcode.h"
#include "msg.h"

int nf_timeout_option(const char *command, const char *arg, int *ms)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || v <= 0 || v > 3600)
		return nf_usage_error(command, "--timeout: '%s' is not a number of seconds above 0 and at most 3600",
				      arg);
	/* Never 0 ms: that would mean no deadline at all. */
	*ms = v < 0.001 ? 1 : (int)(v * 1000);
	return NF_EXIT_OK;
}

int nf_option_rules(const char *command, const struct nf_option_rule *rules, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (rules[i].broken)
			return nf_usage_error(command, "%s: %s", command, rules[i].why);
	return NF_EXIT_OK;
}
