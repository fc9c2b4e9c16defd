/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a server report means: responding or why not, the versions and
 * services as text, what NFSv3 locking would miss; and the report as JSON.
 */
#include "config.h"

#include <errno.h>
#include <rpc/rpc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guard.h"
#include "nfsserver.h"
#include "strbuf.h"
#include "util.h"
#include "xalloc.h"

/* ---- what it means ---- */

/* " (after 1.2 s)", for a message; one at a time. */
static const char *xfmt_secs(double ms)
{
	static char t[32];

	snprintf(t, sizeof(t), " (after %.1f s)", ms / 1000.0);
	return t;
}

static bool step_ok(const struct nfs_step *s)
{
	return s && s->done && s->o.err == 0;
}

static const char *addr_of(const struct nfs_server_report *r)
{
	return r->address ? r->address : r->host;
}

static bool any_answer(const struct nfs_server_report *r)
{
	for (int v = 2; v <= 4; v++)
		if (r->answers[v])
			return true;
	return false;
}

bool nfs_server_responding(const struct nfs_server_report *r)
{
	return step_ok(nfs_server_step(r, "connect")) && any_answer(r);
}

int nfs_server_answers(const struct nfs_server_report *r)
{
	const struct nfs_step *res = nfs_server_step(r, "resolve"), *c = nfs_server_step(r, "connect"),
			      *n = nfs_server_step(r, "null");

	if (nfs_server_responding(r))
		return 1;
	if (r->interrupted || r->failed || !step_ok(res))
		return -1;
	if (!nfs_step_settled(c))
		return -1;
	if (c->o.err)
		return 0;
	if (!nfs_step_settled(n))
		return -1;
	if (n->o.err || (n->o.stat != RPC_SUCCESS && n->o.stat != RPC_PROGVERSMISMATCH))
		return 0;
	/* It named its versions; were the pings cut short? */
	for (size_t i = 0; i < r->nsteps; i++)
		if (strncmp(r->steps[i].id, "ping-v", 6) == 0 && !nfs_step_settled(&r->steps[i]))
			return -1;
	return 0;
}

int nfs_server_rpcbind_answers(const struct nfs_server_report *r)
{
	const struct nfs_step *c = nfs_server_step(r, "rpcbind-connect"), *d = nfs_server_step(r, "rpcbind-dump");

	if (r->rpcbind_proto)
		return 1;
	if (r->rpcbind_port <= 0 || !nfs_step_settled(c))
		return -1;
	if (c->o.err)
		return 0;
	return nfs_step_settled(d) ? 0 : -1;
}

char *nfs_server_problem(const struct nfs_server_report *r)
{
	const struct nfs_step *res = nfs_server_step(r, "resolve"), *c = nfs_server_step(r, "connect"),
			      *n = nfs_server_step(r, "null");
	const char *a = addr_of(r);

	if (nfs_server_responding(r))
		return NULL;
	if (r->interrupted)
		return xstrdup("interrupted before the server answered");
	if (r->failed)
		return xstrdup("nfscheck could not start the check");
	if (!res)
		return xstrdup("not asked: no time left");
	if (!step_ok(res))
		return res->o.err == NF_EDEADLINE ? xasprintf("no address for %s within the deadline", r->host)
						  : xasprintf("cannot resolve %s: %s", r->host, res->o.message);
	if (!c || c->skipped)
		return xasprintf("not asked: no time left to connect to %s port %d", a, r->port);
	if (c->o.err == ECONNREFUSED)
		return xasprintf("%s port %d refuses connections: no NFS server is listening there", a, r->port);
	if (c->o.err == NF_EDEADLINE && !nfs_step_settled(c))
		return xasprintf("no TCP connection to %s port %d before the time ran out%s", a, r->port,
				 c->done ? xfmt_secs(c->o.ms) : "");
	if (c->o.err == NF_EDEADLINE)
		return xasprintf("no TCP connection to %s port %d within %.1f s: the host is down or "
				 "unreachable, a firewall drops the attempt, or the server's listen queue is full",
				 a, r->port, c->o.ms / 1000.0);
	if (!step_ok(c))
		return xasprintf("cannot connect to %s port %d: %s", a, r->port, c->o.message);
	if (!n || n->skipped)
		return xasprintf("connected to %s port %d, but no time was left to ask it anything", a, r->port);
	if (n->o.err == NF_EDEADLINE && !nfs_step_settled(n))
		return xasprintf("connected to %s port %d, but the time ran out before it answered an RPC call%s", a,
				 r->port, n->done ? xfmt_secs(n->o.ms) : "");
	if (n->o.err == NF_EDEADLINE)
		return xasprintf("connected to %s port %d, but no answer to an RPC call within %.1f s", a, r->port,
				 n->o.ms / 1000.0);
	if (n->o.stat == RPC_CANTRECV || n->o.stat == RPC_CANTSEND)
		return xasprintf("%s port %d closed the connection without answering an RPC call (%s)", a, r->port,
				 strerror(n->o.err));
	if (n->o.stat == RPC_PROGUNAVAIL)
		return xasprintf("%s port %d answers RPC, but has no NFS program", a, r->port);
	if (!step_ok(n))
		return xasprintf("%s port %d: the RPC call failed: %s", a, r->port, n->o.message);
	for (size_t i = 0; i < r->nsteps; i++) {
		const struct nfs_step *p = &r->steps[i];

		if (strncmp(p->id, "ping-v", 6) != 0 || p->o.err != NF_EDEADLINE)
			continue;
		if (!nfs_step_settled(p))
			return xasprintf("%s port %d named its versions, but the time ran out before %s was asked "
					 "to the end", a, r->port, p->id + 5);
		return xasprintf("%s port %d named its versions, but %s got no answer within %.1f s", a, r->port,
				 p->id + 5, p->o.ms / 1000.0);
	}
	return xasprintf("%s port %d answered, but no NFS version from 2 to 4 answered a NULL call", a, r->port);
}

char *nfs_server_versions_text(const struct nfs_server_report *r)
{
	struct strbuf b = {0};

	for (int v = 2; v <= 4; v++)
		if (r->answers[v]) {
			char t[16];

			snprintf(t, sizeof(t), "%sNFSv%d", b.n ? ", " : "", v);
			strbuf_adds(&b, t);
		}
	return b.n ? strbuf_take(&b) : NULL;
}

bool nfs_server_registered(const struct nfs_server_report *r, uint32_t prog)
{
	for (size_t i = 0; i < r->nregs; i++)
		if (r->regs[i].prog == prog)
			return true;
	return false;
}

int nfs_server_service_answers(const struct nfs_server_report *r, uint32_t prog)
{
	char id[32];
	const struct nfs_step *s;

	if (prog == RPC_PROG_NFS)
		return nfs_server_answers(r);
	if (!rpc_prog_name(prog))
		return -1;
	snprintf(id, sizeof(id), "ping-%s", rpc_prog_name(prog));
	s = nfs_server_step(r, id);
	return nfs_step_settled(s) ? step_ok(s) : -1;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

char *nfs_server_service_text(const struct nfs_server_report *r, uint32_t prog)
{
	uint32_t *vers = xcalloc(r->nregs + 1, sizeof(uint32_t));
	int *ports = xcalloc(r->nregs + 1, sizeof(int));
	struct strbuf b = {0};
	size_t nv = 0, np = 0;
	bool udp = false;
	char t[64];

	for (size_t i = 0; i < r->nregs; i++) {
		const struct rpc_reg *g = &r->regs[i];
		bool seen = false;

		if (g->prog != prog)
			continue;
		for (size_t k = 0; k < nv; k++)
			seen = seen || vers[k] == g->vers;
		if (!seen)
			vers[nv++] = g->vers;
		udp = udp || strncmp(g->netid, "udp", 3) == 0;
		/* TCP is what nfscheck and most clients use; mountd has a port per version. */
		seen = false;
		for (size_t k = 0; k < np; k++)
			seen = seen || ports[k] == g->port;
		if (strncmp(g->netid, "tcp", 3) == 0 && g->port > 0 && !seen)
			ports[np++] = g->port;
	}
	if (!nv) {
		free(vers);
		free(ports);
		return NULL;
	}
	qsort(vers, nv, sizeof(uint32_t), cmp_u32);
	strbuf_adds(&b, nv == 1 ? "version " : "versions ");
	for (size_t k = 0; k < nv; k++) {
		snprintf(t, sizeof(t), "%s%u", k ? ", " : "", (unsigned)vers[k]);
		strbuf_adds(&b, t);
	}
	if (np)
		strbuf_adds(&b, np == 1 ? " on tcp port " : " on tcp ports ");
	for (size_t k = 0; k < np; k++) {
		snprintf(t, sizeof(t), "%s%d", k ? ", " : "", ports[k]);
		strbuf_adds(&b, t);
	}
	if (udp)
		strbuf_adds(&b, np ? " (udp too)" : " on udp");
	free(vers);
	free(ports);
	return strbuf_take(&b);
}

static const uint32_t lock_progs[] = {RPC_PROG_NLM, RPC_PROG_NSM};

bool nfs_server_locks_known(const struct nfs_server_report *r)
{
	int rb = nfs_server_rpcbind_answers(r);

	if (rb <= 0)
		return rb == 0;
	/* A service registered but not pinged (no TCP registration, or the
	 * host was down) is judged by its registration. */
	for (size_t i = 0; i < 2; i++) {
		char id[32];
		const struct nfs_step *s;

		snprintf(id, sizeof(id), "ping-%s", rpc_prog_name(lock_progs[i]));
		s = nfs_server_step(r, id);
		if (s && !nfs_step_settled(s))
			return false;
	}
	return true;
}

char *nfs_server_lock_gap(const struct nfs_server_report *r)
{
	const struct nfs_step *c = nfs_server_step(r, "rpcbind-connect"), *d = nfs_server_step(r, "rpcbind-dump");
	static const struct {
		uint32_t prog;
		const char *what;
	} need[] = {
		{RPC_PROG_NLM, "lock manager (nlockmgr, program 100021)"},
		{RPC_PROG_NSM, "status monitor (rpc.statd, program 100024)"},
	};
	struct strbuf b = {0};

	if (!nfs_server_locks_known(r))
		return NULL;
	if (!step_ok(c) || !step_ok(d))
		return xasprintf("its rpcbind (port %d) does not answer (%s), and NFSv3 clients find the lock "
				 "manager through it", r->rpcbind_port, step_ok(c) ? (d ? d->o.message : "no time left")
										 : c->o.message);
	for (size_t i = 0; i < 2; i++) {
		char *t = NULL;

		if (!nfs_server_registered(r, need[i].prog))
			t = xasprintf("no %s is registered with its rpcbind", need[i].what);
		else if (nfs_server_service_answers(r, need[i].prog) == 0)
			t = xasprintf("its %s is registered but does not answer", need[i].what);
		if (t) {
			if (b.n)
				strbuf_adds(&b, "; ");
			strbuf_adds(&b, t);
			free(t);
		}
	}
	return b.n ? strbuf_take(&b) : NULL;
}

/* ---- JSON ---- */

static struct json_object *jstr(const char *s)
{
	return s && *s ? json_object_new_string(s) : NULL;
}

struct json_object *nfs_json_ms(double ms)
{
	char t[32];

	snprintf(t, sizeof(t), "%.1f", ms);
	return json_object_new_double_s(strtod(t, NULL), t);
}

static struct json_object *json_step(const struct nfs_step *s)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_string(s->id));
	json_object_object_add(o, "ok", json_object_new_boolean(step_ok(s)));
	json_object_object_add(o, "completed", json_object_new_boolean(s->done));
	json_object_object_add(o, "asked", json_object_new_boolean(!s->skipped));
	json_object_object_add(o, "settled", json_object_new_boolean(nfs_step_settled(s)));
	json_object_object_add(o, "error", jstr(s->o.code));
	json_object_object_add(o, "message", jstr(s->o.message));
	json_object_object_add(o, "ms", nfs_json_ms(s->o.ms));
	return o;
}

static struct json_object *json_service(const struct nfs_server_report *r, uint32_t prog)
{
	struct json_object *o = json_object_new_object(), *vers = json_object_new_array();
	int answers = nfs_server_service_answers(r, prog);
	uint32_t seen[32];
	size_t ns = 0;

	for (size_t i = 0; i < r->nregs && ns < 32; i++) {
		bool dup = false;

		if (r->regs[i].prog != prog)
			continue;
		for (size_t k = 0; k < ns; k++)
			dup = dup || seen[k] == r->regs[i].vers;
		if (!dup)
			seen[ns++] = r->regs[i].vers;
	}
	qsort(seen, ns, sizeof(uint32_t), cmp_u32);
	for (size_t k = 0; k < ns; k++)
		json_object_array_add(vers, json_object_new_int((int)seen[k]));
	json_object_object_add(o, "program", json_object_new_int((int)prog));
	json_object_object_add(o, "registered", r->rpcbind_proto ? json_object_new_boolean(ns > 0) : NULL);
	json_object_object_add(o, "versions", vers);
	json_object_object_add(o, "answers", answers < 0 ? NULL : json_object_new_boolean(answers));
	return o;
}

struct json_object *nfs_server_json(const struct nfs_server_report *r)
{
	static const uint32_t progs[] = {RPC_PROG_NFS, RPC_PROG_MOUNT, RPC_PROG_NLM, RPC_PROG_NSM};
	struct json_object *o = json_object_new_object(), *steps = json_object_new_array();
	struct json_object *offered = json_object_new_array(), *range = NULL, *rb = json_object_new_object();
	struct json_object *regs = json_object_new_array(), *svc = json_object_new_object();
	char *problem = nfs_server_problem(r);

	json_object_object_add(o, "host", json_object_new_string(r->host));
	json_object_object_add(o, "address", jstr(r->address));
	json_object_object_add(o, "port", json_object_new_int(r->port));
	json_object_object_add(o, "rpcbind_port", r->rpcbind_port > 0 ? json_object_new_int(r->rpcbind_port) : NULL);
	json_object_object_add(o, "call_timeout", json_object_new_double(r->call_ms / 1000.0));
	json_object_object_add(o, "budget", json_object_new_double(r->budget_ms / 1000.0));
	json_object_object_add(o, "responding", json_object_new_boolean(nfs_server_responding(r)));
	json_object_object_add(o, "problem", jstr(problem));
	if (r->have_range) {
		range = json_object_new_object();
		json_object_object_add(range, "low", json_object_new_int((int)r->low));
		json_object_object_add(range, "high", json_object_new_int((int)r->high));
	}
	json_object_object_add(o, "nfs_versions", range);
	for (int v = 2; v <= 4; v++)
		if (r->answers[v])
			json_object_array_add(offered, json_object_new_int(v));
	json_object_object_add(o, "nfs_answers", offered);
	json_object_object_add(rb, "answers", json_object_new_boolean(r->rpcbind_proto != 0));
	json_object_object_add(rb, "protocol", r->rpcbind_proto ? json_object_new_int(r->rpcbind_proto) : NULL);
	for (size_t i = 0; i < r->nregs; i++) {
		struct json_object *g = json_object_new_object();

		json_object_object_add(g, "program", json_object_new_int((int)r->regs[i].prog));
		json_object_object_add(g, "name", jstr(rpc_prog_name(r->regs[i].prog)));
		json_object_object_add(g, "version", json_object_new_int((int)r->regs[i].vers));
		json_object_object_add(g, "netid", json_object_new_string(r->regs[i].netid));
		json_object_object_add(g, "port", r->regs[i].port >= 0 ? json_object_new_int(r->regs[i].port) : NULL);
		json_object_array_add(regs, g);
	}
	json_object_object_add(rb, "registrations", regs);
	json_object_object_add(o, "rpcbind", rb);
	for (size_t i = 0; i < ARRAY_SIZE(progs); i++)
		json_object_object_add(svc, rpc_prog_name(progs[i]), json_service(r, progs[i]));
	json_object_object_add(o, "services", svc);
	for (size_t i = 0; i < r->nsteps; i++)
		json_object_array_add(steps, json_step(&r->steps[i]));
	json_object_object_add(o, "steps", steps);
	json_object_object_add(o, "timed_out", json_object_new_boolean(r->timed_out));
	free(problem);
	return o;
}
