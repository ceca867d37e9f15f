#!/usr/bin/env python3
"""The host's side of the publish tests, on 127.0.0.1 (or ::1 with --v6); every wait bounded.
  ask PORT LINE     the first line, then LINE sent and the answer printed (or the error's name)
  hold PORT         connects, prints the first line, then "closed" once the peer closes (or
                    "open" after 30 s)
  many PORT N       a slow client that sends without reading until its buffers are full, then
                    N clients at once, each answered and echoed: prints "ANSWERED/N"
  http PORT         GET /: the status and the first line of the body"""
import socket
import sys
import threading
import urllib.request

args = [a for a in sys.argv[1:] if a != "--v6"]
host = "::1" if "--v6" in sys.argv else "127.0.0.1"
mode, port = args[0], int(args[1])


def connect():
    return socket.create_connection((host, port), timeout=10)


def first_line(c):
    line = b""
    while not line.endswith(b"\n"):
        b = c.recv(1)
        if not b:
            break
        line += b
    return line.decode(errors="replace").strip()


try:
    if mode == "ask":
        with connect() as c:
            first_line(c)
            c.sendall(args[2].encode() + b"\n")
            print(first_line(c))
    elif mode == "hold":
        with connect() as c:
            print(first_line(c), flush=True)
            c.settimeout(30)
            try:
                print("closed" if not c.recv(64) else "data")
            except socket.timeout:
                print("open")
            except ConnectionResetError:
                print("closed")
    elif mode == "many":
        slow = connect()
        slow.setblocking(False)
        try:
            while True:
                slow.send(b"x" * 65536)
        except BlockingIOError:
            pass
        n = int(args[2])
        done = []

        def one(i):
            try:
                with connect() as c:
                    if first_line(c) == "from-sandbox":
                        c.sendall(b"ping %d\n" % i)
                        if first_line(c) == "ping %d" % i:
                            done.append(i)
            except OSError:
                pass

        threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        print(f"{len(done)}/{n}")
        slow.close()
    elif mode == "http":
        with urllib.request.urlopen(f"http://{host}:{port}/", timeout=10) as r:
            print(r.status, r.readline().decode(errors="replace").strip())
except OSError as e:
    print(type(e).__name__)
