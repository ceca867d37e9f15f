#!/usr/bin/env python3
"""A server for the publish tests, run inside a sandbox: listens on HOST:PORT (an IPv4 or IPv6
address), prints "ready" once it listens, and serves every connection in a thread of its own:
"from-sandbox" first, then an answer to each line: "procs" (the names of every process this
sandbox's /proc shows), "peer" (the address the connection comes from), "quit" (the server
exits), anything else echoed back. Ends by itself after 120 s."""
import os
import socket
import sys
import threading

host, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((host, port))
s.listen(256)
print("ready", flush=True)


def procs():
    names = []
    for pid in os.listdir("/proc"):
        try:
            with open(f"/proc/{pid}/comm") as f:
                names.append(f.read().strip())
        except OSError:
            pass
    return " ".join(sorted(names))


def serve(c, peer):
    with c:
        c.sendall(b"from-sandbox\n")
        for line in c.makefile("rb"):
            cmd = line.strip()
            if cmd == b"quit":
                os._exit(0)
            elif cmd == b"procs":
                c.sendall(procs().encode() + b"\n")
            elif cmd == b"peer":
                c.sendall(peer[0].encode() + b"\n")
            else:
                c.sendall(line)


threading.Timer(120, lambda: os._exit(1)).start()
while True:
    c, peer = s.accept()
    threading.Thread(target=serve, args=(c, peer), daemon=True).start()
