/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The server report against small libtirpc servers on loopback: version
 * range and pings, rpcbind's dump, the portmap fallback, a status monitor
 * that is registered but gone; and the parsers it needs.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <rpc/rpc.h>
#include <rpc/pmap_prot.h>
#include <rpc/rpcb_prot.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guard.h"
#include "nfsserver.h"
#include "rpcclient.h"
#include "tap.h"

#define XDRPROC(f) ((xdrproc_t)(void (*)(void))(f))

/* What the fake rpcbind lists: the port it serves on for nfs and the lock
 * services, and a dead port for status when asked to. */
static int served_port, dead_port;

static void uaddr(char *buf, size_t n, int port)
{
	snprintf(buf, n, "127.0.0.1.%d.%d", port / 256, port % 256);
}

static void reply_dump4(SVCXPRT *xprt)
{
	static const struct {
		uint32_t prog, vers;
	} list[] = {{100000, 4}, {100003, 3}, {100003, 4}, {100005, 3}, {100021, 4}, {100024, 1}};
	rpcblist nodes[6], *head = NULL;
	char addrs[6][32];

	for (int i = 5; i >= 0; i--) {
		int port = list[i].prog == 100024 && dead_port ? dead_port : served_port;

		uaddr(addrs[i], sizeof(addrs[i]), port);
		nodes[i].rpcb_map.r_prog = list[i].prog;
		nodes[i].rpcb_map.r_vers = list[i].vers;
		nodes[i].rpcb_map.r_netid = (char *)"tcp";
		nodes[i].rpcb_map.r_addr = addrs[i];
		nodes[i].rpcb_map.r_owner = (char *)"superuser";
		nodes[i].rpcb_next = head;
		head = &nodes[i];
	}
	svc_sendreply(xprt, XDRPROC(xdr_rpcblist_ptr), (char *)&head);
}

static void reply_dump2(SVCXPRT *xprt)
{
	struct pmaplist nodes[2], *head = NULL;

	nodes[1] = (struct pmaplist){{100021, 4, IPPROTO_UDP, 4045}, NULL};
	nodes[0] = (struct pmaplist){{100003, 3, IPPROTO_TCP, 2049}, &nodes[1]};
	head = &nodes[0];
	svc_sendreply(xprt, XDRPROC(xdr_pmaplist), (char *)&head);
}

static void dispatch(struct svc_req *rq, SVCXPRT *xprt)
{
	if (rq->rq_proc == NULLPROC)
		svc_sendreply(xprt, XDRPROC(xdr_void), NULL);
	else if (rq->rq_prog == 100000 && rq->rq_vers == 4 && rq->rq_proc == RPCBPROC_DUMP)
		reply_dump4(xprt);
	else if (rq->rq_prog == 100000 && rq->rq_vers == 2 && rq->rq_proc == PMAPPROC_DUMP)
		reply_dump2(xprt);
	else
		svcerr_noproc(xprt);
}

/* A server in a child on 127.0.0.1, with PROGS/VERS registered; its port in *PORT. */
static pid_t serve(const uint32_t (*progs)[2], size_t n, int *port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	pid_t pid;

	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, len) != 0 || listen(fd, 16) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) != 0)
		return -1;
	*port = ntohs(sin.sin_port);
	served_port = *port;
	pid = fork();
	if (pid == 0) {
		SVCXPRT *x = svc_vc_create(fd, 0, 0);

		for (size_t i = 0; x && i < n; i++)
			svc_reg(x, progs[i][0], progs[i][1], dispatch, NULL);
		svc_run();
		_exit(1);
	}
	close(fd);
	return pid;
}

static void stop(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void probe(struct nfs_server_report *r, int port, int rpcbind_port)
{
	struct nfs_server_request rq = {.host = "127.0.0.1", .port = port, .rpcbind_port = rpcbind_port,
					.call_ms = 2000, .budget_ms = 8000};

	nfs_server_probe(&rq, r);
}

static void test_full_server(void)
{
	static const uint32_t progs[][2] = {{100003, 3}, {100003, 4}, {100000, 4}, {100021, 4}, {100024, 1}};
	struct nfs_server_report r;
	char *t;
	int port;
	pid_t pid = serve(progs, 5, &port);

	if (!ok(pid > 0, "a fake NFS server and rpcbind listen on 127.0.0.1"))
		return;
	probe(&r, port, port);
	ok(nfs_server_responding(&r), "it is responding");
	ok(r.have_range && r.low == 3 && r.high == 4, "NULL with version 0 names the range 3 to 4 (got %u to %u)",
	   (unsigned)r.low, (unsigned)r.high);
	ok(!r.answers[2] && r.answers[3] && r.answers[4], "versions 3 and 4 answer a NULL call, 2 is not asked");
	t = nfs_server_versions_text(&r);
	is_str(t, "NFSv3, NFSv4", "versions as text");
	free(t);
	is_int(r.rpcbind_proto, 4, "rpcbind protocol 4 answers the dump");
	is_int(r.nregs, 6, "six registrations");
	ok(nfs_server_registered(&r, RPC_PROG_MOUNT) && nfs_server_registered(&r, RPC_PROG_NLM) &&
	   nfs_server_registered(&r, RPC_PROG_NSM), "mountd, nlockmgr and status are registered");
	is_int(nfs_server_service_answers(&r, RPC_PROG_NLM), 1, "nlockmgr answers a NULL call");
	is_int(nfs_server_service_answers(&r, RPC_PROG_NSM), 1, "status answers a NULL call");
	is_int(nfs_server_service_answers(&r, RPC_PROG_MOUNT), -1, "mountd is not called");
	t = nfs_server_lock_gap(&r);
	ok(t == NULL, "nothing missing for NFSv3 locks");
	free(t);
	t = nfs_server_service_text(&r, RPC_PROG_NLM);
	ok(t && strstr(t, "version 4 on tcp port "), "nlockmgr as text: %s", t ? t : "(null)");
	free(t);
	t = nfs_server_problem(&r);
	ok(t == NULL, "no problem");
	free(t);
	/* Handed to another worker of a fleet run and back: the same report. */
	{
		struct nfs_server_request rq = {.host = r.host, .port = r.port, .rpcbind_port = r.rpcbind_port, .call_ms = r.call_ms,
						.budget_ms = r.budget_ms};
		struct nfs_server_report back;
		char *packed = nfs_server_report_pack(&r), *again;
		struct json_object *a = nfs_server_json(&r), *b;

		nfs_server_report_unpack(&rq, packed, &back);
		again = nfs_server_report_pack(&back);
		b = nfs_server_json(&back);
		is_str(again, packed, "a packed report unpacks to one that packs the same");
		is_str(json_object_to_json_string(b), json_object_to_json_string(a), "and whose JSON is the same");
		ok(nfs_server_responding(&back) && back.nregs == r.nregs && back.nsteps == r.nsteps,
		   "responding, with its %zu steps and %zu registrations", back.nsteps, back.nregs);
		json_object_put(a);
		json_object_put(b);
		free(packed);
		free(again);
		nfs_server_report_free(&back);
	}
	nfs_server_report_free(&r);

	/* status registered on a port where nothing listens: registered, does not answer. */
	{
		struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
		socklen_t len = sizeof(sin);
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		bind(fd, (struct sockaddr *)&sin, len);
		getsockname(fd, (struct sockaddr *)&sin, &len);
		dead_port = ntohs(sin.sin_port);
		close(fd);
	}
	stop(pid);
	pid = serve(progs, 5, &port);
	probe(&r, port, port);
	is_int(nfs_server_service_answers(&r, RPC_PROG_NSM), 0, "a status monitor on a dead port does not answer");
	t = nfs_server_lock_gap(&r);
	ok(t && strstr(t, "rpc.statd") && strstr(t, "does not answer"), "the lock gap names it: %s", t ? t : "(null)");
	free(t);
	nfs_server_report_free(&r);
	dead_port = 0;
	stop(pid);
}

static void test_portmap_fallback(void)
{
	static const uint32_t progs[][2] = {{100000, 2}};
	struct nfs_server_report r;
	char *t;
	int port;
	pid_t pid = serve(progs, 1, &port);

	if (!ok(pid > 0, "a fake portmapper (version 2 only) listens"))
		return;
	probe(&r, port, port);
	is_int(r.rpcbind_proto, 2, "the dump falls back to portmap version 2");
	is_int(r.nregs, 2, "two registrations");
	ok(r.nregs == 2 && r.regs[1].prog == 100021 && strcmp(r.regs[1].netid, "udp") == 0 && r.regs[1].port == 4045,
	   "nlockmgr over udp on port 4045");
	ok(!nfs_server_responding(&r), "a portmapper is not an NFS server");
	t = nfs_server_problem(&r);
	ok(t && strstr(t, "has no NFS program"), "the problem says so: %s", t ? t : "(null)");
	free(t);
	t = nfs_server_lock_gap(&r);
	ok(t && strstr(t, "status monitor") && !strstr(t, "lock manager"), "only status is missing: %s",
	   t ? t : "(null)");
	free(t);
	nfs_server_report_free(&r);
	stop(pid);
}

static void test_parsers(void)
{
	char *h;
	int port = 2049;

	ok(nfs_parse_hostport("filer", &h, &port) == 0 && strcmp(h, "filer") == 0 && port == 2049, "HOST");
	free(h);
	ok(nfs_parse_hostport("filer:20490", &h, &port) == 0 && strcmp(h, "filer") == 0 && port == 20490, "HOST:PORT");
	free(h);
	port = 2049;
	ok(nfs_parse_hostport("fe80::1", &h, &port) == 0 && strcmp(h, "fe80::1") == 0 && port == 2049,
	   "a bare IPv6 address has no port");
	free(h);
	ok(nfs_parse_hostport("[::1]:111", &h, &port) == 0 && strcmp(h, "::1") == 0 && port == 111, "[V6]:PORT");
	free(h);
	ok(nfs_parse_hostport("[::1]", &h, &port) == 0 && strcmp(h, "::1") == 0, "[V6]");
	free(h);
	ok(nfs_parse_hostport("filer:0", &h, &port) != 0, "port 0 is refused");
	ok(nfs_parse_hostport("filer:65536", &h, &port) != 0, "port 65536 is refused");
	ok(nfs_parse_hostport("filer:x", &h, &port) != 0, "a port that is not a number is refused");
	ok(nfs_parse_hostport(":2049", &h, &port) != 0, "no host is refused");
	ok(nfs_parse_hostport("[::1]x", &h, &port) != 0, "junk after ] is refused");
	ok(nfs_parse_hostport("", &h, &port) != 0, "the empty string is refused");

	is_int(rpc_uaddr_port("0.0.0.0.193.206"), 49614, "universal address 0.0.0.0.193.206 is port 49614");
	is_int(rpc_uaddr_port("127.0.0.1.8.1"), 2049, "127.0.0.1.8.1 is 2049");
	is_int(rpc_uaddr_port("::.0.111"), 111, "IPv6 ::.0.111 is 111");
	is_int(rpc_uaddr_port("/run/rpcbind.sock"), -1, "a local socket has no port");
	is_int(rpc_uaddr_port("1.2.3.4.256.1"), -1, "an octet above 255 is refused");
	is_int(rpc_uaddr_port(".1"), -1, "too short");
	is_str(rpc_prog_name(100021), "nlockmgr", "100021 is nlockmgr");
	is_str(rpc_stat_name(RPC_PROGVERSMISMATCH), "RPC_PROGVERSMISMATCH", "clnt_stat names");
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	test_parsers();
	test_full_server();
	test_portmap_fallback();
	return done_testing();
}
