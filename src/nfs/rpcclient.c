/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <rpc/rpc.h>
#include <rpc/pmap_prot.h>
#include <rpc/rpcb_prot.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dynlib.h"
#include "guard.h"
#include "rpcclient.h"
#include "util.h"
#include "xalloc.h"

struct rpc_conn {
	CLIENT *cl;
};

/* libtirpc declares xdr_void() without parameters; xdrproc_t is variadic.
 * Going through void (*)(void) says the conversion is meant. */
#define XDRPROC(f) ((xdrproc_t)(void (*)(void))(f))

/* libtirpc, loaded when a run first asks a server (dynlib.h). Its
 * rpc_createerr is a macro around __rpc_createerr(). */
static struct {
	__typeof__(clnt_vc_create) *vc_create;
	__typeof__(__rpc_createerr) *createerr;
	__typeof__(clnt_spcreateerror) *spcreateerror;
	__typeof__(clnt_sperrno) *sperrno;
	__typeof__(xdr_free) *xdr_free;
	__typeof__(xdr_void) *xdr_void;
	__typeof__(xdr_rpcblist_ptr) *xdr_rpcblist_ptr;
	__typeof__(xdr_pmaplist) *xdr_pmaplist;
} tr;
static const struct dynsym tr_syms[] = {
	DYNSYM(clnt_vc_create, tr.vc_create),
	DYNSYM(__rpc_createerr, tr.createerr),
	DYNSYM(clnt_spcreateerror, tr.spcreateerror),
	DYNSYM(clnt_sperrno, tr.sperrno),
	DYNSYM(xdr_free, tr.xdr_free),
	DYNSYM(xdr_void, tr.xdr_void),
	DYNSYM(xdr_rpcblist_ptr, tr.xdr_rpcblist_ptr),
	DYNSYM(xdr_pmaplist, tr.xdr_pmaplist),
};
static struct dynlib tr_lib = DYNLIB(SONAME_TIRPC, tr_syms);

static void say(struct rpc_outcome *o, const char *fmt, ...) NF_PRINTF(2, 3);

static void say(struct rpc_outcome *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(o->message, sizeof(o->message), fmt, ap);
	va_end(ap);
}

/* The errno's symbolic name, ETIMEDOUT for a deadline. */
static void code_errno(struct rpc_outcome *o, int err)
{
	snprintf(o->code, sizeof(o->code), "%s", errno_name(err));
}

static void begin(struct rpc_outcome *o)
{
	memset(o, 0, sizeof(*o));
	o->stat = -1;
	o->ms = mono_ms();
}

static void finish(struct rpc_outcome *o)
{
	o->ms = mono_ms() - o->ms;
}

/* Wait for a non-blocking connect to end, at most TIMEOUT_MS in all. 0 or errno. */
static int wait_connected(int fd, int timeout_ms)
{
	double end = mono_ms() + timeout_ms;
	socklen_t sl = sizeof(int);
	int soerr = 0;

	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLOUT};
		double left = end - mono_ms();
		int r;

		if (left <= 0)
			return NF_EDEADLINE;
		r = poll(&p, 1, (int)left + 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return errno;
		if (r > 0)
			break;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
		return errno;
	return soerr;
}

struct rpc_conn *rpc_connect(const struct sockaddr *sa, socklen_t len, uint32_t prog, uint32_t vers,
			     int timeout_ms, struct rpc_outcome *o)
{
	struct netbuf nb = {.maxlen = len, .len = len, .buf = (void *)sa};
	struct rpc_conn *c;
	CLIENT *cl;
	int fd, err = 0, fl;

	begin(o);
	if (!dynlib_load(&tr_lib)) {
		o->err = ELIBACC;
		code_errno(o, o->err);
		say(o, "libtirpc could not be loaded: %s", tr_lib.err);
		finish(o);
		return NULL;
	}
	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		o->err = errno;
		code_errno(o, o->err);
		say(o, "socket: %s", strerror(o->err));
		finish(o);
		return NULL;
	}
	if (connect(fd, sa, len) != 0)
		err = errno == EINPROGRESS ? wait_connected(fd, timeout_ms) : errno;
	if (err) {
		o->err = err;
		code_errno(o, err);
		if (err == NF_EDEADLINE)
			say(o, "no TCP connection within %.1f s", timeout_ms / 1000.0);
		else
			say(o, "%s", strerror(err));
		close(fd);
		finish(o);
		return NULL;
	}
	/* libtirpc's record stream expects a blocking socket; its reads poll. */
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
		o->err = errno;
		code_errno(o, o->err);
		say(o, "fcntl: %s", strerror(o->err));
		close(fd);
		finish(o);
		return NULL;
	}
	cl = tr.vc_create(fd, &nb, prog, vers, 0, 0);
	if (!cl) {
		o->err = EPROTO;
		snprintf(o->code, sizeof(o->code), "%s", rpc_stat_name(tr.createerr()->cf_stat) ?
			 rpc_stat_name(tr.createerr()->cf_stat) : "EPROTO");
		say(o, "%s", tr.spcreateerror("cannot make an RPC client"));
		o->message[strcspn(o->message, "\n")] = '\0';
		close(fd);
		finish(o);
		return NULL;
	}
	clnt_control(cl, CLSET_FD_CLOSE, NULL);
	c = xmalloc(sizeof(*c));
	c->cl = cl;
	finish(o);
	return c;
}

void rpc_close(struct rpc_conn *c)
{
	if (!c)
		return;
	clnt_destroy(c->cl);
	free(c);
}

static struct timeval tv_of(int ms)
{
	struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};

	return tv;
}

/* Fill *O from a finished call. */
static void call_outcome(struct rpc_conn *c, enum clnt_stat st, int timeout_ms, struct rpc_outcome *o)
{
	struct rpc_err e;

	o->stat = st;
	clnt_geterr(c->cl, &e);
	if (st != RPC_SUCCESS)
		snprintf(o->code, sizeof(o->code), "%s", rpc_stat_name(st) ? rpc_stat_name(st) : "RPC_FAILED");
	switch (st) {
	case RPC_SUCCESS:
		break;
	case RPC_TIMEDOUT:
		o->err = NF_EDEADLINE;
		say(o, "no answer within %.1f s", timeout_ms / 1000.0);
		break;
	case RPC_CANTSEND:
	case RPC_CANTRECV:
		o->err = e.re_errno ? e.re_errno : ECONNRESET;
		code_errno(o, o->err);
		say(o, "connection lost: %s", strerror(o->err));
		break;
	case RPC_PROGVERSMISMATCH:
		o->err = EPROTONOSUPPORT;
		say(o, "program version mismatch: the server has versions %lu to %lu", (unsigned long)e.re_vers.low,
		    (unsigned long)e.re_vers.high);
		break;
	default:
		o->err = EPROTO;
		say(o, "%s", tr.sperrno(st));
		break;
	}
}

int rpc_null(struct rpc_conn *c, uint32_t vers, int timeout_ms, struct rpc_outcome *o,
	     uint32_t *low, uint32_t *high)
{
	rpcvers_t v = vers;
	enum clnt_stat st;

	begin(o);
	clnt_control(c->cl, CLSET_VERS, (char *)&v);
	st = clnt_call(c->cl, NULLPROC, XDRPROC(tr.xdr_void), NULL, XDRPROC(tr.xdr_void), NULL, tv_of(timeout_ms));
	call_outcome(c, st, timeout_ms, o);
	if (st == RPC_PROGVERSMISMATCH) {
		struct rpc_err e;

		clnt_geterr(c->cl, &e);
		if (low)
			*low = (uint32_t)e.re_vers.low;
		if (high)
			*high = (uint32_t)e.re_vers.high;
	}
	finish(o);
	return st == RPC_SUCCESS ? 0 : -1;
}

static void add_reg(struct rpc_reg **regs, size_t *n, uint32_t prog, uint32_t vers, const char *netid, int port)
{
	struct rpc_reg *r;

	*regs = xreallocarray(*regs, *n + 1, sizeof(**regs));
	r = &(*regs)[(*n)++];
	r->prog = prog;
	r->vers = vers;
	snprintf(r->netid, sizeof(r->netid), "%s", netid ? netid : "?");
	r->port = port;
}

int rpc_dump(struct rpc_conn *c, int timeout_ms, struct rpc_reg **regs, size_t *n, int *proto,
	     struct rpc_outcome *o)
{
	rpcblist_ptr head = NULL;
	struct pmaplist *pl = NULL;
	rpcvers_t v = RPCBVERS4;
	enum clnt_stat st;
	double t0 = mono_ms();
	int left;

	*regs = NULL;
	*n = 0;
	*proto = 0;
	begin(o);
	clnt_control(c->cl, CLSET_VERS, (char *)&v);
	st = clnt_call(c->cl, RPCBPROC_DUMP, XDRPROC(tr.xdr_void), NULL, XDRPROC(tr.xdr_rpcblist_ptr),
		       (char *)&head, tv_of(timeout_ms));
	if (st == RPC_SUCCESS) {
		for (rpcblist_ptr p = head; p; p = p->rpcb_next)
			add_reg(regs, n, (uint32_t)p->rpcb_map.r_prog, (uint32_t)p->rpcb_map.r_vers,
				p->rpcb_map.r_netid, p->rpcb_map.r_addr ? rpc_uaddr_port(p->rpcb_map.r_addr) : -1);
		tr.xdr_free(XDRPROC(tr.xdr_rpcblist_ptr), (char *)&head);
		*proto = 4;
		call_outcome(c, st, timeout_ms, o);
		finish(o);
		return 0;
	}
	/* A reply that failed to decode half way keeps what it decoded. */
	tr.xdr_free(XDRPROC(tr.xdr_rpcblist_ptr), (char *)&head);
	/* An old portmapper: ask it its own way, in what is left of the time. */
	left = timeout_ms - (int)(mono_ms() - t0);
	if ((st == RPC_PROGVERSMISMATCH || st == RPC_PROGUNAVAIL) && left > 0) {
		v = PMAPVERS;
		clnt_control(c->cl, CLSET_VERS, (char *)&v);
		st = clnt_call(c->cl, PMAPPROC_DUMP, XDRPROC(tr.xdr_void), NULL, XDRPROC(tr.xdr_pmaplist),
			       (char *)&pl, tv_of(left));
		if (st == RPC_SUCCESS) {
			for (struct pmaplist *p = pl; p; p = p->pml_next)
				add_reg(regs, n, (uint32_t)p->pml_map.pm_prog, (uint32_t)p->pml_map.pm_vers,
					p->pml_map.pm_prot == IPPROTO_TCP   ? "tcp"
					: p->pml_map.pm_prot == IPPROTO_UDP ? "udp"
									    : "?",
					(int)p->pml_map.pm_port);
			*proto = 2;
		}
		/* Also after a half-decoded reply. libtirpc's xdr_pmaplist reads
		 * each node after freeing it (valgrind); the nodes hold no
		 * pointers but the next one, and are zeroed when made. */
		while (pl) {
			struct pmaplist *next = pl->pml_next;

			free(pl);
			pl = next;
		}
		timeout_ms = left;
	}
	call_outcome(c, st, timeout_ms, o);
	finish(o);
	return st == RPC_SUCCESS ? 0 : -1;
}

int rpc_uaddr_port(const char *uaddr)
{
	const char *p2 = strrchr(uaddr, '.'), *p1;
	char *end;
	long hi, lo;

	if (!p2 || p2 == uaddr)
		return -1;
	for (p1 = p2 - 1; p1 > uaddr && *p1 != '.'; p1--)
		;
	if (*p1 != '.')
		return -1;
	hi = strtol(p1 + 1, &end, 10);
	if (end != p2 || hi < 0 || hi > 255 || p1[1] == '.')
		return -1;
	lo = strtol(p2 + 1, &end, 10);
	if (*end || lo < 0 || lo > 255 || !p2[1])
		return -1;
	return (int)(hi * 256 + lo);
}

const char *rpc_prog_name(uint32_t prog)
{
	switch (prog) {
	case RPC_PROG_RPCBIND: return "rpcbind";
	case RPC_PROG_NFS: return "nfs";
	case RPC_PROG_MOUNT: return "mountd";
	case RPC_PROG_NLM: return "nlockmgr";
	case RPC_PROG_NSM: return "status";
	case 100227: return "nfs_acl";
	}
	return NULL;
}

const char *rpc_stat_name(int stat)
{
	static const char *const names[] = {
		[RPC_SUCCESS] = "RPC_SUCCESS",
		[RPC_CANTENCODEARGS] = "RPC_CANTENCODEARGS",
		[RPC_CANTDECODERES] = "RPC_CANTDECODERES",
		[RPC_CANTSEND] = "RPC_CANTSEND",
		[RPC_CANTRECV] = "RPC_CANTRECV",
		[RPC_TIMEDOUT] = "RPC_TIMEDOUT",
		[RPC_VERSMISMATCH] = "RPC_VERSMISMATCH",
		[RPC_AUTHERROR] = "RPC_AUTHERROR",
		[RPC_PROGUNAVAIL] = "RPC_PROGUNAVAIL",
		[RPC_PROGVERSMISMATCH] = "RPC_PROGVERSMISMATCH",
		[RPC_PROCUNAVAIL] = "RPC_PROCUNAVAIL",
		[RPC_CANTDECODEARGS] = "RPC_CANTDECODEARGS",
		[RPC_SYSTEMERROR] = "RPC_SYSTEMERROR",
		[RPC_UNKNOWNHOST] = "RPC_UNKNOWNHOST",
		[RPC_PMAPFAILURE] = "RPC_PMAPFAILURE",
		[RPC_PROGNOTREGISTERED] = "RPC_PROGNOTREGISTERED",
		[RPC_UNKNOWNPROTO] = "RPC_UNKNOWNPROTO",
		[RPC_INTR] = "RPC_INTR",
		[RPC_UNKNOWNADDR] = "RPC_UNKNOWNADDR",
		[RPC_TLIERROR] = "RPC_TLIERROR",
		[RPC_NOBROADCAST] = "RPC_NOBROADCAST",
		[RPC_N2AXLATEFAILURE] = "RPC_N2AXLATEFAILURE",
		[RPC_UDERROR] = "RPC_UDERROR",
	};

	if (stat >= 0 && (size_t)stat < ARRAY_SIZE(names) && names[stat])
		return names[stat];
	return NULL;
}
