/* SPDX-License-Identifier: Apache-2.0 */
/* The subcommand table: one entry per `nfscheck COMMAND`, like git's and tmux's. */
#ifndef NFSCHECK_CMD_H
#define NFSCHECK_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct nf_command {
	const char *name;
	int (*run)(int argc, char **argv);  /* argv[0] is the command name */
	const char *summary;                /* one line for `nfscheck --help` */
	const char *help;                   /* the full text for `nfscheck help NAME` */
};

const struct nf_command *nf_command_find(const char *name);
/* COMMAND's --timeout ARG: seconds, more than 0 and at most 3600, in *MS.
 * NF_EXIT_OK, or the usage error's exit status with the message printed. */
int nf_timeout_option(const char *command, const char *arg, int *ms);

/* A rule on options that must or must not go together: when BROKEN, WHY. */
struct nf_option_rule {
	bool broken;
	const char *why;
};
/* The first of the N RULES broken, as COMMAND's usage error "COMMAND: WHY";
 * NF_EXIT_OK when none is. */
int nf_option_rules(const char *command, const struct nf_option_rule *rules, size_t n);
void nf_command_help(const struct nf_command *cmd, FILE *out);

int cmd_diagnose(int argc, char **argv);
int cmd_fix(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_server(int argc, char **argv);
int cmd_fleet(int argc, char **argv);
int cmd_help(int argc, char **argv);

extern const char cmd_diagnose_help[];
extern const char cmd_fix_help[];
extern const char cmd_config_help[];
extern const char cmd_server_help[];
extern const char cmd_fleet_help[];
extern const char cmd_help_help[];

#endif
