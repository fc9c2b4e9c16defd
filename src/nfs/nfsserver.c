/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Two halves: the guarded child asks the server and prints one line per
 * event ("begin ID", "end ID ...", "reg ..."); nfscheck reads the lines back
 * into the report. A step that began and never ended was cut off by the
 * deadline, which is itself the finding.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <rpc/rpc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "guard.h"
#include "nfsserver.h"
#include "util.h"
#include "xalloc.h"

/* The child stops this long before nfscheck would kill it, so that its own
 * timeouts, with their clearer messages, come first. */
#define CHILD_MARGIN_MS 150

/* ---- the child ---- */

static void send_end(const char *id, const struct rpc_outcome *o)
{
	guard_sendf("end %s %d %d %.1f %s %s\n", id, o->err, o->stat, o->ms, o->code[0] ? o->code : "-", o->message);
}

/* A name may have several addresses (IPv6 and IPv4); a few are tried. */
#define MAX_ADDRS 4

struct addrs {
	struct sockaddr_storage ss[MAX_ADDRS];
	socklen_t len[MAX_ADDRS];
	int n;
};

/*
 * Step ID's deadline: the per-call limit, or what is left of the run, if
 * less; the report is told, because a silence that short proves nothing.
 * 0 when nothing is left: the step is reported as not asked.
 */
static int call_ms(const struct nfs_server_request *rq, const char *id)
{
	int per = rq->call_ms > 0 ? rq->call_ms : NFS_CALL_MS;
	int left = guard_remaining_ms();

	if (left <= 0) {
		guard_sendf("skipped %s\n", id);
		return 0;
	}
	if (left < per) {
		guard_sendf("short %s\n", id);
		return left;
	}
	return per;
}

static const char *gai_code(int rc)
{
	switch (rc) {
	case EAI_NONAME: return "EAI_NONAME";
	case EAI_AGAIN: return "EAI_AGAIN";
	case EAI_FAIL: return "EAI_FAIL";
	case EAI_FAMILY: return "EAI_FAMILY";
	case EAI_MEMORY: return "EAI_MEMORY";
	case EAI_SYSTEM: return "EAI_SYSTEM";
#ifdef EAI_NODATA
	case EAI_NODATA: return "EAI_NODATA";
#endif
	}
	return "EAI_FAIL";
}

/* Name to addresses, in the child: getaddrinfo() has no timeout of its own. */
static bool resolve(const struct nfs_server_request *rq, struct addrs *a)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST}, *res = NULL;
	struct rpc_outcome o = {.stat = -1};
	double t0 = mono_ms();
	int rc;

	guard_sendf("begin resolve\n");
	rc = getaddrinfo(rq->host, NULL, &hints, &res);
	if (rc == EAI_NONAME) {
		/* Only the families this machine has an address in. */
		hints.ai_flags = AI_ADDRCONFIG;
		rc = getaddrinfo(rq->host, NULL, &hints, &res);
	}
	o.ms = mono_ms() - t0;
	if (rc != 0 || !res) {
		o.err = rc == EAI_SYSTEM ? errno : EHOSTUNREACH;
		snprintf(o.code, sizeof(o.code), "%s", gai_code(rc));
		snprintf(o.message, sizeof(o.message), "%s", rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		send_end("resolve", &o);
		if (res)
			freeaddrinfo(res);
		return false;
	}
	a->n = 0;
	for (struct addrinfo *ai = res; ai && a->n < MAX_ADDRS; ai = ai->ai_next)
		if ((ai->ai_family == AF_INET || ai->ai_family == AF_INET6) && ai->ai_addrlen <= sizeof(a->ss[0])) {
			memcpy(&a->ss[a->n], ai->ai_addr, ai->ai_addrlen);
			a->len[a->n++] = ai->ai_addrlen;
		}
	freeaddrinfo(res);
	if (!a->n) {
		o.err = EAFNOSUPPORT;
		snprintf(o.code, sizeof(o.code), "EAI_FAMILY");
		snprintf(o.message, sizeof(o.message), "no IPv4 or IPv6 address");
		send_end("resolve", &o);
		return false;
	}
	send_end("resolve", &o);
	return true;
}

/* The report's address: the one being asked now. */
static void say_addr(const struct sockaddr_storage *ss)
{
	char text[INET6_ADDRSTRLEN] = "";

	if (ss->ss_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, text, sizeof(text));
	else if (ss->ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, text, sizeof(text));
	guard_sendf("addr %s\n", text[0] ? text : "?");
}

static void set_port(struct sockaddr_storage *ss, int port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
	else if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
}

/* Connect for PROG as step ID; NULL (reported) on failure or with no time left. */
static struct rpc_conn *connect_step(const struct nfs_server_request *rq, const char *id,
				     struct sockaddr_storage *ss, socklen_t len, int port, uint32_t prog,
				     uint32_t vers)
{
	struct rpc_outcome o;
	struct rpc_conn *c;
	int ms = call_ms(rq, id);

	if (ms <= 0)
		return NULL;
	set_port(ss, port);
	guard_sendf("begin %s\n", id);
	c = rpc_connect((struct sockaddr *)ss, len, prog, vers, ms, &o);
	send_end(id, &o);
	return c;
}

/* NFS: the version range, then a NULL call per version, from the first
 * address that takes a connection (*AT, which rpcbind is asked on then).
 * True when the server answered at all. */
static bool ask_nfs(const struct nfs_server_request *rq, struct addrs *a, int *at)
{
	struct rpc_conn *c = NULL;
	uint32_t low = 0, high = 0, from = 3, to = 4;
	struct rpc_outcome o;
	bool replied;
	int ms;

	for (*at = 0; *at < a->n; ++*at) {
		say_addr(&a->ss[*at]);
		c = connect_step(rq, "connect", &a->ss[*at], a->len[*at], rq->port, RPC_PROG_NFS, 3);
		if (c || *at + 1 == a->n || guard_remaining_ms() <= 0)
			break;
	}
	if (*at == a->n)
		*at = a->n - 1;
	if (!c || (ms = call_ms(rq, "null")) <= 0) {
		rpc_close(c);
		return false;
	}
	/* Version 0 exists nowhere: the mismatch reply names the range (rpcinfo's way). */
	guard_sendf("begin null\n");
	rpc_null(c, 0, ms, &o, &low, &high);
	replied = o.stat == RPC_SUCCESS || o.stat == RPC_PROGVERSMISMATCH;
	if (o.stat == RPC_PROGVERSMISMATCH) {
		o.err = 0;
		o.code[0] = '\0';
		snprintf(o.message, sizeof(o.message), "the server has versions %u to %u", (unsigned)low,
			 (unsigned)high);
		guard_sendf("range %u %u\n", (unsigned)low, (unsigned)high);
		from = low < 2 ? 2 : low;
		to = high > 4 ? 4 : high;
	}
	send_end("null", &o);
	for (uint32_t v = from; replied && v <= to; v++) {
		char id[24];

		snprintf(id, sizeof(id), "ping-v%u", (unsigned)v);
		if ((ms = call_ms(rq, id)) <= 0)
			break;
		guard_sendf("begin %s\n", id);
		if (rpc_null(c, v, ms, &o, NULL, NULL) == 0)
			guard_sendf("answers %u\n", (unsigned)v);
		send_end(id, &o);
		/* After a timeout the stream is out of step; the rest would wait too. */
		if (o.err == NF_EDEADLINE)
			break;
	}
	rpc_close(c);
	return replied;
}

/* The highest version of PROG registered over TCP for this address family,
 * with its port; over IPv6, an IPv4 registration when there is no other
 * (portmap version 2 knows no families, and services mostly listen on both). */
static bool tcp_registration(const struct rpc_reg *regs, size_t n, uint32_t prog, int family,
			     uint32_t *vers, int *port)
{
	bool found = false;

	for (int pass = 0; pass < 2 && !found; pass++) {
		const char *netid = family == AF_INET6 && pass == 0 ? "tcp6" : "tcp";

		if (pass == 1 && family != AF_INET6)
			break;
		for (size_t i = 0; i < n; i++)
			if (regs[i].prog == prog && strcmp(regs[i].netid, netid) == 0 && regs[i].port > 0 &&
			    (!found || regs[i].vers > *vers)) {
				*vers = regs[i].vers;
				*port = regs[i].port;
				found = true;
			}
	}
	return found;
}

/* Connect to a registered service and call its NULL procedure, as one step. */
static void ping_service(const struct nfs_server_request *rq, struct sockaddr_storage *ss, socklen_t len,
			 uint32_t prog, uint32_t vers, int port)
{
	struct rpc_outcome o;
	struct rpc_conn *c;
	char id[32];
	int ms;

	snprintf(id, sizeof(id), "ping-%s", rpc_prog_name(prog));
	if ((ms = call_ms(rq, id)) <= 0)
		return;
	set_port(ss, port);
	guard_sendf("begin %s\n", id);
	c = rpc_connect((struct sockaddr *)ss, len, prog, vers, ms, &o);
	if (c) {
		double connect_ms = o.ms;

		if ((ms = call_ms(rq, id)) > 0) {
			rpc_null(c, vers, ms, &o, NULL, NULL);
			o.ms += connect_ms;
		} else {
			o.err = NF_EDEADLINE;
			snprintf(o.code, sizeof(o.code), "ETIMEDOUT");
			snprintf(o.message, sizeof(o.message), "connected, but no time was left to call it");
		}
		rpc_close(c);
	}
	send_end(id, &o);
}

static void ask_rpcbind(const struct nfs_server_request *rq, struct sockaddr_storage *ss, socklen_t len,
			bool host_alive)
{
	static const uint32_t lock_progs[] = {RPC_PROG_NLM, RPC_PROG_NSM};
	struct rpc_conn *c = connect_step(rq, "rpcbind-connect", ss, len, rq->rpcbind_port, RPC_PROG_RPCBIND, 4);
	struct rpc_reg *regs = NULL;
	struct rpc_outcome o;
	size_t n = 0;
	int proto = 0, ms;

	if (!c || (ms = call_ms(rq, "rpcbind-dump")) <= 0) {
		rpc_close(c);
		return;
	}
	guard_sendf("begin rpcbind-dump\n");
	if (rpc_dump(c, ms, &regs, &n, &proto, &o) == 0) {
		guard_sendf("rpcbind %d\n", proto);
		for (size_t i = 0; i < n; i++)
			guard_sendf("reg %u %u %s %d\n", (unsigned)regs[i].prog, (unsigned)regs[i].vers, regs[i].netid,
			      regs[i].port);
	}
	send_end("rpcbind-dump", &o);
	rpc_close(c);
	/* A registration outlives a daemon killed with SIGKILL: ask the lock
	 * services themselves, unless the host is gone and it would only wait. */
	for (size_t k = 0; host_alive && k < 2; k++) {
		uint32_t vers = 0;
		int port = 0;

		if (tcp_registration(regs, n, lock_progs[k], ss->ss_family, &vers, &port))
			ping_service(rq, ss, len, lock_progs[k], vers, port);
	}
	free(regs);
}

static int server_child(void *arg, struct guard_out *out)
{
	const struct nfs_server_request *rq = arg;
	struct addrs a;
	int left = guard_remaining_ms(), at = 0;
	bool alive;

	(void)out;
	if (rq->budget_ms > 0 && rq->budget_ms < left)
		left = rq->budget_ms;
	guard_set_run_deadline(left - (left > 4 * CHILD_MARGIN_MS ? CHILD_MARGIN_MS : left / 4));
	if (!resolve(rq, &a))
		return 0;
	if (rq->rpcbind_only)
		say_addr(&a.ss[0]);
	alive = rq->rpcbind_only || ask_nfs(rq, &a, &at);
	if (rq->rpcbind_port > 0)
		ask_rpcbind(rq, &a.ss[at], a.len[at], alive);
	return 0;
}

/* ---- nfscheck: read the lines back ---- */

static struct nfs_step *find_step(const struct nfs_server_report *r, const char *id)
{
	for (size_t i = 0; i < r->nsteps; i++)
		if (strcmp(r->steps[i].id, id) == 0)
			return &r->steps[i];
	return NULL;
}

const struct nfs_step *nfs_server_step(const struct nfs_server_report *r, const char *id)
{
	return find_step(r, id);
}

static struct nfs_step *add_step(struct nfs_server_report *r, const char *id)
{
	struct nfs_step *s = find_step(r, id);

	if (s)
		return s;
	r->steps = xreallocarray(r->steps, r->nsteps + 1, sizeof(*r->steps));
	s = &r->steps[r->nsteps++];
	memset(s, 0, sizeof(*s));
	s->id = xstrdup(id);
	s->o.stat = -1;
	return s;
}

void nfs_server_parse_line(struct nfs_server_report *r, char *line)
{
	char word[32], id[32], netid[16], code[32];
	unsigned a, b;
	int err, stat, used = 0, port;
	double ms;
	struct nfs_step *s;

	if (sscanf(line, "%31s %n", word, &used) < 1)
		return;
	line += used;
	if (strcmp(word, "begin") == 0 && sscanf(line, "%31s", id) == 1) {
		add_step(r, id)->done = false;
	} else if (strcmp(word, "skipped") == 0 && sscanf(line, "%31s", id) == 1) {
		add_step(r, id)->skipped = true;
	} else if (strcmp(word, "short") == 0 && sscanf(line, "%31s", id) == 1) {
		add_step(r, id)->short_deadline = true;
	} else if (strcmp(word, "end") == 0 &&
		   sscanf(line, "%31s %d %d %lf %31s %n", id, &err, &stat, &ms, code, &used) == 5) {
		s = add_step(r, id);
		s->done = true;
		s->o.err = err;
		s->o.stat = stat;
		s->o.ms = ms;
		snprintf(s->o.code, sizeof(s->o.code), "%s", strcmp(code, "-") == 0 ? "" : code);
		snprintf(s->o.message, sizeof(s->o.message), "%s", line + used);
	} else if (strcmp(word, "addr") == 0) {
		free(r->address);
		r->address = xstrdup(line);
	} else if (strcmp(word, "range") == 0 && sscanf(line, "%u %u", &a, &b) == 2) {
		r->have_range = true;
		r->low = a;
		r->high = b;
	} else if (strcmp(word, "answers") == 0 && sscanf(line, "%u", &a) == 1 && a < 5) {
		r->answers[a] = true;
	} else if (strcmp(word, "rpcbind") == 0 && sscanf(line, "%u", &a) == 1) {
		r->rpcbind_proto = (int)a;
	} else if (strcmp(word, "reg") == 0 && sscanf(line, "%u %u %15s %d", &a, &b, netid, &port) == 4) {
		struct rpc_reg *g;

		r->regs = xreallocarray(r->regs, r->nregs + 1, sizeof(*r->regs));
		g = &r->regs[r->nregs++];
		g->prog = a;
		g->vers = b;
		snprintf(g->netid, sizeof(g->netid), "%s", netid);
		g->port = port;
	}
}

/* The step settles its question: it ended, was asked, and a silence, if
 * that is what it got, lasted long enough to mean something. */
bool nfs_step_settled(const struct nfs_step *s)
{
	return s && s->done && !s->skipped &&
	       !(s->o.err == NF_EDEADLINE && s->short_deadline && s->o.ms < NFS_MIN_SILENCE_MS);
}

void nfs_server_report_init(struct nfs_server_report *r, const struct nfs_server_request *rq)
{
	memset(r, 0, sizeof(*r));
	r->host = xstrdup(rq->host);
	r->port = rq->port;
	r->rpcbind_port = rq->rpcbind_port;
	r->call_ms = rq->call_ms > 0 ? rq->call_ms : NFS_CALL_MS;
	r->budget_ms = rq->budget_ms;
}

void nfs_server_probe(const struct nfs_server_request *rq, struct nfs_server_report *r)
{
	struct identity nobody = {0};
	const struct identity *as = rq->as;
	struct guard_out out;
	enum guard_status gs;
	int status;
	char *line;

	nfs_server_report_init(r, rq);
	/* Nothing here needs root, and libtirpc decodes whatever the host sends. */
	if (!as && geteuid() == 0 && identity_lookup("nobody", &nobody) == 0)
		as = &nobody;
	gs = guard_run(as, rq->budget_ms, server_child, (void *)rq, &status, &out);
	identity_free(&nobody);
	for (size_t at = 0; (line = guard_out_line(&out, &at));)
		nfs_server_parse_line(r, line);
	free(out.data);
	r->interrupted = guard_interrupted() != 0;
	r->failed = gs == GUARD_FAILED;
	r->timed_out = gs == GUARD_DEADLINE && !r->interrupted;
	nfs_server_settle(r);
}

void nfs_server_settle(struct nfs_server_report *r)
{
	for (size_t i = 0; i < r->nsteps; i++) {
		struct nfs_step *s = &r->steps[i];

		if (!nfs_step_settled(s))
			r->timed_out = !r->interrupted;
		if (s->done)
			continue;
		s->o.err = r->interrupted ? EINTR : NF_EDEADLINE;
		snprintf(s->o.code, sizeof(s->o.code), "%s", r->interrupted ? "EINTR" : "ETIMEDOUT");
		snprintf(s->o.message, sizeof(s->o.message), "%s", r->interrupted ? "interrupted"
				 : s->skipped ? "not asked: no time was left"
				 : "cut off at the deadline of the whole check");
	}
}

void nfs_server_report_free(struct nfs_server_report *r)
{
	for (size_t i = 0; i < r->nsteps; i++)
		free(r->steps[i].id);
	free(r->steps);
	free(r->regs);
	free(r->host);
	free(r->address);
	memset(r, 0, sizeof(*r));
}

int nfs_parse_hostport(const char *arg, char **host, int *port)
{
	const char *colon, *num = NULL;

	*host = NULL;
	if (arg[0] == '[') {
		const char *close = strchr(arg, ']');

		if (!close || close == arg + 1)
			return -1;
		if (close[1] == ':')
			num = close + 2;
		else if (close[1])
			return -1;
		*host = xstrndup(arg + 1, (size_t)(close - arg - 1));
	} else if ((colon = strchr(arg, ':')) && !strchr(colon + 1, ':')) {
		if (colon == arg)
			return -1;
		num = colon + 1;
		*host = xstrndup(arg, (size_t)(colon - arg));
	} else if (*arg) {
		*host = xstrdup(arg);  /* a name, an IPv4 address, or a bare IPv6 address */
	} else {
		return -1;
	}
	if (num && nfs_parse_port(num, 1, port) != 0) {
		free(*host);
		*host = NULL;
		return -1;
	}
	return 0;
}

int nfs_parse_port(const char *s, int min, int *port)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || !isdigit((unsigned char)*s) || v < min || v > 65535)
		return -1;
	*port = (int)v;
	return 0;
}
