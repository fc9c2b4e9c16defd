#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""A small ONC RPC server over TCP on loopback, to give `nfscheck server`
answers a real filer gives rarely on demand.

usage: rpc-fake.py CONFIG-JSON

Prints its port on a line of its own when ready, then serves until killed.
CONFIG (a JSON object):
  "family":   "4" (127.0.0.1, default) or "6" (::1)
  "programs": {"100003": {"low": 3, "high": 3, "silent": [4]}, ...}
              each program it serves, the versions it has, and versions
              whose calls it takes but never answers; any other program
              gets PROG_UNAVAIL
  "rpcbind":  [[prog, vers, netid, port], ...] the registrations rpcbind
              (program 100000, versions 2 to 4, on this same port) lists;
              port 0 means this server's own port
  "rpcbind_versions": [2]  the rpcbind versions it has (default 2 to 4)
  "rpcbind_silent": true   take rpcbind's calls and never answer them
  "rpcbind_truncate": N    cut N bytes off the end of each list it sends
  "uid_log":  FILE   append the UID owning each connecting socket (read
              from /proc/net/tcp*), to show who asked
"""
import json
import socket
import struct
import sys
import threading

cfg = json.loads(sys.argv[1]) if len(sys.argv) == 2 else None
if cfg is None:
    print(__doc__, file=sys.stderr)
    sys.exit(64)
v6 = cfg.get("family") == "6"
host = "::1" if v6 else "127.0.0.1"
srv = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((host, 0))
srv.listen(16)
port = srv.getsockname()[1]
held = []


def record(conn):
    """The UID of the connecting socket, from the kernel's socket table."""
    peer_port = conn.getpeername()[1]
    for table in ("/proc/net/tcp6", "/proc/net/tcp"):
        try:
            lines = open(table).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            f = line.split()
            if int(f[1].rsplit(":", 1)[1], 16) == peer_port and int(f[2].rsplit(":", 1)[1], 16) == port:
                with open(cfg["uid_log"], "a") as log:
                    log.write(f[7] + "\n")
                return


def read_record(conn):
    data = b""
    while True:
        head = conn.recv(4, socket.MSG_WAITALL)
        if len(head) < 4:
            return None
        (n,) = struct.unpack(">I", head)
        data += conn.recv(n & 0x7FFFFFFF, socket.MSG_WAITALL)
        if n & 0x80000000:
            return data


def send(conn, xid, stat, body=b""):
    # REPLY, MSG_ACCEPTED, a null verifier, then the accept status and results.
    msg = struct.pack(">IIIIII", xid, 1, 0, 0, 0, stat) + body
    conn.sendall(struct.pack(">I", 0x80000000 | len(msg)) + msg)


def opaque(s):
    b = s.encode()
    return struct.pack(">I", len(b)) + b + b"\0" * (-len(b) % 4)


def uaddr(p):
    return "%s.%d.%d" % (host, p // 256, p % 256)


def dump(vers):
    body = b""
    for prog, v, netid, p in cfg.get("rpcbind", []):
        p = p or port
        body += struct.pack(">I", 1)
        if vers == 2:
            body += struct.pack(">IIII", prog, v, 6 if netid.startswith("tcp") else 17, p)
        else:
            body += struct.pack(">II", prog, v) + opaque(netid) + opaque(uaddr(p)) + opaque("superuser")
    body += struct.pack(">I", 0)
    return body[: len(body) - cfg.get("rpcbind_truncate", 0)]


def serve(conn):
    if "uid_log" in cfg:
        record(conn)
    while True:
        m = read_record(conn)
        if m is None:
            return
        xid, _, _, prog, vers, proc = struct.unpack(">IIIIII", m[:24])
        if prog == 100000 and "rpcbind" in cfg:
            if cfg.get("rpcbind_silent"):
                continue
            have = cfg.get("rpcbind_versions", [2, 3, 4])
            if vers not in have:
                send(conn, xid, 2, struct.pack(">II", min(have), max(have)))
            elif proc == 0:
                send(conn, xid, 0)
            elif proc == 4:
                send(conn, xid, 0, dump(vers))
            else:
                send(conn, xid, 3)
            continue
        p = cfg.get("programs", {}).get(str(prog))
        if p is None:
            send(conn, xid, 1)
        elif vers in p.get("silent", []):
            continue
        elif not p["low"] <= vers <= p["high"]:
            send(conn, xid, 2, struct.pack(">II", p["low"], p["high"]))
        else:
            send(conn, xid, 0)


print(port, flush=True)
while True:
    c, _ = srv.accept()
    held.append(c)
    threading.Thread(target=serve, args=(c,), daemon=True).start()
