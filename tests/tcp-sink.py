#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""A TCP port on 127.0.0.1 that never answers, for the deadline tests.

usage: tcp-sink.py mute|full

Prints the port number on a line of its own when ready, then waits until
killed.
  mute  accepts every connection and never sends a byte or closes one: an
        RPC call gets no reply.
  full  listens with a backlog of 0 and makes one connection it never
        accepts, so the accept queue is full and the kernel drops every
        further SYN: a connect() hangs. It checks that before it says
        ready, and exits 3 if a test connect was not left hanging.
"""
import select
import socket
import sys
import time


def ready(port):
    print(port, flush=True)


def mute():
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    ready(srv.getsockname()[1])
    held = []
    while True:
        select.select([srv], [], [])
        conn, _ = srv.accept()
        held.append(conn)


def full():
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(0)
    port = srv.getsockname()[1]
    filler = socket.create_connection(("127.0.0.1", port), timeout=2)
    time.sleep(0.1)
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.setblocking(False)
    probe.connect_ex(("127.0.0.1", port))
    _, w, _ = select.select([], [probe], [], 0.5)
    if w:
        print("tcp-sink: a connect to the full queue completed; SYNs are not dropped here",
              file=sys.stderr)
        sys.exit(3)
    probe.close()
    ready(port)
    while True:
        time.sleep(3600)
    del filler


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in ("mute", "full"):
        print(__doc__, file=sys.stderr)
        sys.exit(64)
    mute() if sys.argv[1] == "mute" else full()
