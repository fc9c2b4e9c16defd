/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nfscheck server HOST[:PORT]: the report diagnose makes on the server of
 * an NFS mount, on its own, for an admin checking a filer before users are
 * put on it. Every step has a deadline, and --timeout bounds them all.
 */
#include "config.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "exitcode.h"
#include "guard.h"
#include "msg.h"
#include "nfsserver.h"
#include "nfsserver-verdict.h"
#include "render.h"
#include "report.h"
#include "status.h"

/* Room for every step to use its full per-call time at least twice. */
#define DEFAULT_TIMEOUT_S 10

const char cmd_server_help[] =
	"Usage: nfscheck server [--json] [--timeout SECONDS] [--rpcbind-port PORT]\n"
	"                       HOST[:PORT]\n"
	"\n"
	"Ask an NFS server, over TCP, what it offers: whether its NFS port (2049,\n"
	"or PORT) takes a connection and answers, which NFS versions answer, and\n"
	"what its rpcbind lists -- mountd, and the lock manager (nlockmgr) and\n"
	"status monitor (rpc.statd) that NFSv3 locking needs. Every connection and\n"
	"call has a deadline of 3 seconds; a server that does not answer is\n"
	"reported as not responding. HOST is a name or an address; write an IPv6\n"
	"address with a port as [ADDRESS]:PORT.\n"
	"\n"
	"Options:\n"
	"      --json               print one JSON document (schema in nfscheck(1))\n"
	"  -t, --timeout SECONDS    finish within SECONDS in all (default 10)\n"
	"      --rpcbind-port PORT  ask rpcbind on PORT instead of 111; 0 skips it\n"
	"  -h, --help               show this help and exit\n"
	"\n"
	"Exit status: 0 the server answers NFS, 1 it does not, or it offers only\n"
	"NFSv3 and lacks what NFSv3 locks need, 2 nfscheck could not complete (the\n"
	"name did not resolve, or the time ran out first), 64 usage error.\n";

static void print_text(const struct nfs_server_report *r, const struct nfs_judgement *j, int timeout_ms)
{
	const struct render_style st = {.id_width = 9};
	char *v = nfs_server_verdict(r, j);

	printf("nfscheck server: %s port %d", r->host, r->port);
	if (r->address && strcmp(r->address, r->host) != 0)
		printf(" (%s)", r->address);
	if (r->rpcbind_port > 0)
		printf(", rpcbind port %d", r->rpcbind_port);
	printf("; each call at most %.1f s, %.1f s in all\n\n", r->call_ms / 1000.0, timeout_ms / 1000.0);
	render_text(stdout, &j->f, &st);
	printf("\nVerdict: %s\n", v);
	free(v);
}

static struct json_object *json_doc(const struct nfs_server_report *r, const struct nfs_judgement *j, int timeout_ms,
				    int status)
{
	struct json_object *o = nfs_server_json(r), *fa = json_object_new_array();
	char *v = nfs_server_verdict(r, j);

	for (size_t i = 0; i < j->f.n; i++)
		json_object_array_add(fa, render_finding_json_brief(&j->f.v[i]));
	json_object_object_add(o, "timeout", json_object_new_double(timeout_ms / 1000.0));
	json_object_object_add(o, "verdict", json_object_new_string(status == NF_EXIT_OK ? "ok"
								    : status == NF_EXIT_PROBLEMS ? "fail"
												 : "incomplete"));
	json_object_object_add(o, "exit_status", json_object_new_int(status));
	json_object_object_add(o, "summary", json_object_new_string(v));
	json_object_object_add(o, "findings", fa);
	free(v);
	return o;
}

int cmd_server(int argc, char **argv)
{
	enum { OPT_JSON = 256, OPT_RPCBIND_PORT };
	static const struct option opts[] = {
		{"json", no_argument, NULL, OPT_JSON},
		{"timeout", required_argument, NULL, 't'},
		{"rpcbind-port", required_argument, NULL, OPT_RPCBIND_PORT},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct nfs_server_request rq = {.port = RPC_PORT_NFS, .rpcbind_port = RPC_PORT_RPCBIND};
	struct nfs_server_report r;
	struct nfs_judgement j;
	struct nfs_need need;
	int timeout_ms = DEFAULT_TIMEOUT_S * 1000, c, status;
	bool json = false;
	char *host = NULL;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":t:h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_JSON:
			json = true;
			break;
		case 't':
			if ((status = nf_timeout_option("server", optarg, &timeout_ms)) != NF_EXIT_OK)
				return status;
			break;
		case OPT_RPCBIND_PORT:
			if (nfs_parse_port(optarg, 0, &rq.rpcbind_port) != 0)
				return nf_usage_error("server", "--rpcbind-port: '%s' is not a port number", optarg);
			break;
		case 'h':
			fputs(cmd_server_help, stdout);
			return NF_EXIT_OK;
		default:
			return nf_option_error("server", c, argv, opts);
		}
	}
	if (optind >= argc)
		return nf_usage_error("server", "server: no HOST given");
	if (optind + 1 < argc)
		return nf_usage_error("server", "server: unexpected argument '%s'", argv[optind + 1]);
	if (nfs_parse_hostport(argv[optind], &host, &rq.port) != 0)
		return nf_usage_error("server", "server: '%s' is not HOST, HOST:PORT or [ADDRESS]:PORT", argv[optind]);
	guard_catch_signals();
	guard_set_run_deadline(timeout_ms);
	rq.host = host;
	rq.budget_ms = timeout_ms;
	nfs_server_probe(&rq, &r);
	/* No mount to go by: judged for clients that may use whatever it offers. */
	need = nfs_server_offer(&r);
	nfs_server_judge(&r, &need, &j);
	status = nfs_server_exit_status(&r, &j);
	if (!nfs_server_resolved(&r) && !r.interrupted && j.f.n)
		nf_error("server: %s", j.f.v[0].summary);
	if (json)
		json_print(json_doc(&r, &j, timeout_ms, status));
	else
		print_text(&r, &j, timeout_ms);
	nfs_judgement_free(&j);
	nfs_server_report_free(&r);
	free(host);
	return status;
}
