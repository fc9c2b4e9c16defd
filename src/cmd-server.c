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
#include "report.h"
#include "strbuf.h"
#include "util.h"
#include "xalloc.h"

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

enum level { L_OK, L_WARN, L_FAIL };

struct finding {
	enum level level;
	const char *id;
	char *text;
};

struct findings {
	struct finding v[8];
	size_t n;
};

static void add(struct findings *f, enum level l, const char *id, char *text)
{
	if (f->n < ARRAY_SIZE(f->v))
		f->v[f->n++] = (struct finding){l, id, text};
	else
		free(text);
}

static bool resolved(const struct nfs_server_report *r)
{
	const struct nfs_step *s = nfs_server_step(r, "resolve");

	return s && s->done && s->o.err == 0;
}

/* Only NFSv3 answers, so its locks are the only ones clients can have. */
static bool only_v3(const struct nfs_server_report *r)
{
	return r->answers[3] && !r->answers[4];
}

static void service_finding(struct findings *f, const struct nfs_server_report *r, uint32_t prog,
			    const char *missing)
{
	char *text = nfs_server_service_text(r, prog), ping[32];
	int answers = nfs_server_service_answers(r, prog);
	bool v3 = r->answers[3], lock = prog != RPC_PROG_MOUNT;

	snprintf(ping, sizeof(ping), "ping-%s", rpc_prog_name(prog));
	if (text && answers == 0)
		add(f, !v3 ? L_OK : only_v3(r) && lock ? L_FAIL : L_WARN, rpc_prog_name(prog),
		    xasprintf("%s; registered, but does not answer%s", text, lock && v3 ? ": NFSv3 locks will fail" : ""));
	else if (text)
		add(f, L_OK, rpc_prog_name(prog),
		    answers == 1 ? xasprintf("%s; answers", text)
		    : answers < 0 && nfs_server_step(r, ping) ? xasprintf("%s; not asked to the end, the time ran out", text)
			: xstrdup(text));
	else if (v3)
		add(f, only_v3(r) && lock ? L_FAIL : L_WARN, rpc_prog_name(prog), xasprintf("not registered: %s", missing));
	else
		add(f, L_OK, rpc_prog_name(prog), xstrdup("not registered (NFSv4 does not need it)"));
	free(text);
}

static void judge(const struct nfs_server_report *r, struct findings *f)
{
	const struct nfs_step *c = nfs_server_step(r, "connect"), *rb = nfs_server_step(r, "rpcbind-dump"),
			      *rc = nfs_server_step(r, "rpcbind-connect");
	char *problem = nfs_server_problem(r), *vers = nfs_server_versions_text(r);
	int answers = nfs_server_answers(r), rpcbind = nfs_server_rpcbind_answers(r);

	if (!resolved(r)) {
		add(f, L_FAIL, "resolve", problem);
		free(vers);
		return;
	}
	if (c && c->done && c->o.err == 0)
		add(f, L_OK, "connect", xasprintf("TCP connection to %s port %d in %.1f ms", r->address, r->port, c->o.ms));
	if (problem) {
		add(f, answers == 0 ? L_FAIL : L_WARN, "nfs",
		    xasprintf("%s: %s", answers == 0 ? "not responding" : "not known", problem));
		free(problem);
	} else if (r->have_range) {
		add(f, L_OK, "nfs", xasprintf("answers %s (the server has versions %u to %u)", vers, (unsigned)r->low,
					      (unsigned)r->high));
	} else {
		add(f, L_OK, "nfs", xasprintf("answers %s", vers));
	}
	free(vers);
	if (r->rpcbind_port <= 0)
		return;
	if (rpcbind < 0) {
		add(f, L_WARN, "rpcbind", xasprintf("on port %d: not asked to the end, the time ran out", r->rpcbind_port));
		return;
	}
	if (rpcbind == 0) {
		const struct nfs_step *why = rc && rc->o.err ? rc : rb;

		add(f, answers == 1 && !r->answers[3] ? L_OK : only_v3(r) ? L_FAIL : L_WARN, "rpcbind",
		    xasprintf("no answer from rpcbind on port %d: %s%s", r->rpcbind_port, why->o.message,
			      r->answers[3] ? "; NFSv3 clients cannot mount or lock"
			      : answers == 1 ? " (NFSv4 does not need it)" : ""));
		return;
	}
	add(f, L_OK, "rpcbind", xasprintf("%s on port %d lists %zu registrations",
					  r->rpcbind_proto == 4 ? "rpcbind (protocol 4)" : "portmap (protocol 2)",
					  r->rpcbind_port, r->nregs));
	service_finding(f, r, RPC_PROG_MOUNT, "NFSv3 clients cannot mount");
	service_finding(f, r, RPC_PROG_NLM, "NFSv3 locks will fail");
	service_finding(f, r, RPC_PROG_NSM, "NFSv3 locks will fail");
}

/* What NFSv3 locks would miss, when only NFSv3 answers and rpcbind was to be asked; *KNOWN false when the time ran out first. */
static char *v3_lock_gap(const struct nfs_server_report *r, bool *known)
{
	*known = true;
	if (!r->answers[3] || r->rpcbind_port <= 0)
		return NULL;
	*known = nfs_server_locks_known(r);
	return *known ? nfs_server_lock_gap(r) : NULL;
}

/* Derived from the report by the same rules as the findings and the verdict. */
static int exit_status(const struct nfs_server_report *r)
{
	bool known;
	char *gap;
	int st;

	if (r->interrupted || r->failed || !resolved(r))
		return NF_EXIT_INCOMPLETE;
	switch (nfs_server_answers(r)) {
	case 0:
		return NF_EXIT_PROBLEMS;
	case -1:
		return NF_EXIT_INCOMPLETE;
	}
	if (!only_v3(r))
		return NF_EXIT_OK;
	gap = v3_lock_gap(r, &known);
	st = !known ? NF_EXIT_INCOMPLETE : gap ? NF_EXIT_PROBLEMS : NF_EXIT_OK;
	free(gap);
	return st;
}

static char *verdict(const struct nfs_server_report *r)
{
	char *problem = nfs_server_problem(r), *vers, *gap, *s;
	const char *a = r->address ? r->address : r->host;
	bool known;

	if (r->interrupted)
		s = xstrdup("interrupted");
	else if (!resolved(r) || r->failed)
		s = xasprintf("nfscheck could not complete: %s", problem);
	else if (problem && nfs_server_answers(r) < 0)
		s = xasprintf("nfscheck could not complete: %s; give it more time with --timeout", problem);
	else if (problem)
		s = xasprintf("%s is not responding: everything under a mount from it will hang", a);
	else {
		vers = nfs_server_versions_text(r);
		gap = v3_lock_gap(r, &known);
		if (gap)
			s = xasprintf("%s answers %s, but NFSv3 locks will fail: %s", a, vers, gap);
		else if (!known)
			s = xasprintf("%s answers %s; the time ran out before rpcbind and the lock services were asked "
				      "to the end%s", a, vers, only_v3(r) ? ", so whether NFSv3 locks work is not known" : "");
		else if (r->answers[3] && r->rpcbind_port > 0)
			s = xasprintf("%s answers %s, with the lock manager and status monitor NFSv3 locking needs", a,
				      vers);
		else
			s = xasprintf("%s answers %s", a, vers);
		free(vers);
		free(gap);
	}
	free(problem);
	return s;
}

static const char *level_name(enum level l)
{
	return l == L_OK ? "ok" : l == L_WARN ? "warn" : "fail";
}

static void print_text(const struct nfs_server_report *r, const struct findings *f, int timeout_ms)
{
	static const char *const tags[] = {"[ ok ]", "[warn]", "[FAIL]"};
	char *v = verdict(r);

	printf("nfscheck server: %s port %d", r->host, r->port);
	if (r->address && strcmp(r->address, r->host) != 0)
		printf(" (%s)", r->address);
	if (r->rpcbind_port > 0)
		printf(", rpcbind port %d", r->rpcbind_port);
	printf("; each call at most %.1f s, %.1f s in all\n\n", r->call_ms / 1000.0, timeout_ms / 1000.0);
	for (size_t i = 0; i < f->n; i++)
		printf("  %s %-9s %s\n", tags[f->v[i].level], f->v[i].id, f->v[i].text);
	printf("\nVerdict: %s\n", v);
	free(v);
}

static struct json_object *json_doc(const struct nfs_server_report *r, const struct findings *f, int timeout_ms,
				    int status)
{
	struct json_object *o = nfs_server_json(r), *fa = json_object_new_array();
	char *v = verdict(r);

	for (size_t i = 0; i < f->n; i++) {
		struct json_object *x = json_object_new_object();

		json_object_object_add(x, "id", json_object_new_string(f->v[i].id));
		json_object_object_add(x, "status", json_object_new_string(level_name(f->v[i].level)));
		json_object_object_add(x, "text", json_object_new_string(f->v[i].text));
		json_object_array_add(fa, x);
	}
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
	struct findings f = {0};
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
			return nf_option_error("server", c, argv);
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
	judge(&r, &f);
	status = exit_status(&r);
	if (!resolved(&r) && !r.interrupted && f.n)
		nf_error("server: %s", f.v[0].text);
	if (json)
		json_print(json_doc(&r, &f, timeout_ms, status));
	else
		print_text(&r, &f, timeout_ms);
	for (size_t i = 0; i < f.n; i++)
		free(f.v[i].text);
	nfs_server_report_free(&r);
	free(host);
	return status;
}
