#!/usr/bin/env python3
"""A server for the network tests, run inside a sandbox: listens on 0.0.0.0:PORT (TCP, or UDP
with --udp), prints "ready" once it listens, answers one client with "from-sandbox", and exits
once the client says it got the answer (a UDP "done", or the TCP connection closed), so the
answer is never lost in the network helper as the sandbox ends."""
import socket
import sys

udp = "--udp" in sys.argv
port = int([a for a in sys.argv[1:] if a != "--udp"][0])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM if udp else socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", port))
if not udp:
    s.listen(4)
print("ready", flush=True)
s.settimeout(60)
if udp:
    _, peer = s.recvfrom(64)
    s.sendto(b"from-sandbox\n", peer)
    while s.recvfrom(64)[0] != b"done\n":
        s.sendto(b"from-sandbox\n", peer)
else:
    c, _ = s.accept()
    c.sendall(b"from-sandbox\n")
    c.recv(64)
    c.close()
