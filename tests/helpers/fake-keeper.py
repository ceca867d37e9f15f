#!/usr/bin/env python3
"""A forged keeper of the kept user namespace, for keptns.sh: binds a UNIX socket at PATH (a
temporary name renamed into place, as the real keeper does), prints "ready", then answers each
connection as the keeper would, with one byte and its own user namespace as an SCM_RIGHTS
descriptor, until its stdin closes or 60 s pass. Run it in whatever namespace the test wants
sbox to be offered. With --full it accepts nothing, its backlog full."""
import os
import select
import socket
import sys
import time

path = sys.argv[1]
full = len(sys.argv) > 2 and sys.argv[2] == "--full"
tmp = f"{path}.{os.getpid()}.tmp"
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(tmp)
srv.listen(0 if full else 8)
os.rename(tmp, path)
if full:  # --full: its backlog filled by a connection of its own, never accepted
    filler = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    filler.connect(path)
ns = os.open("/proc/self/ns/user", os.O_RDONLY)
print("ready", flush=True)
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    ready, _, _ = select.select([srv, sys.stdin], [], [], 1)
    if sys.stdin in ready and not sys.stdin.buffer.read1(1):
        break
    if srv in ready and not full:
        conn, _ = srv.accept()
        socket.send_fds(conn, [b"u"], [ns])
        conn.close()
