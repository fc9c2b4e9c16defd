#include "config.h"

#include <getopt.h>
#include <stdio.h>

#include "cmd.h"
#include "exitcode.h"
#include "msg.h"

const char cmd_config_help[] =
	"Usage: nfscheck config [OPTIONS]\n"
	"\n"
	"Not implemented yet: exits 2.\n"
	"\n"
	"Options:\n"
	"  -h, --help  show this help and exit\n";

int cmd_config(int argc, char **argv)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(cmd_config_help, stdout);
			return NF_EXIT_OK;
		default:
			return nf_option_error("config", c, argv);
		}
	}
	nf_error("config: not implemented yet");
	return NF_EXIT_INCOMPLETE;
}
