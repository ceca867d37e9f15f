#!/usr/bin/env python3
"""A TCP listener on the host's loopback for network tests: prints its port, then answers each
connection with "hello" until its stdin closes (the test controls its lifetime) or 60 s pass."""
import select
import socket
import sys
import time

srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.bind(("127.0.0.1", 0))
srv.listen(8)
print(srv.getsockname()[1], flush=True)
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    ready, _, _ = select.select([srv, sys.stdin], [], [], 1)
    if sys.stdin in ready and not sys.stdin.buffer.read1(1):
        break
    if srv in ready:
        conn, _ = srv.accept()
        conn.sendall(b"hello\n")
        conn.close()
