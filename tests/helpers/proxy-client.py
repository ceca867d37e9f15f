#!/usr/bin/env python3
"""A client of sbox's proxy, run inside the sandbox (HTTP on 127.0.0.1:3128, SOCKS5 on
127.0.0.1:1080). Each mode prints one line:
  connect HOST PORT     CONNECT, then "ping" through the tunnel: "200 ping", or the status and
                        the first line of the answer's body
  socks HOST PORT [v4]  SOCKS5 CONNECT (HOST as a name, or as an IPv4 address with v4), then
                        "ping": "0 ping", or the reply's code
  get URL               urllib with the proxy variables: "STATUS BODY"
  direct PORT           a TCP connection to 127.0.0.1:PORT, no proxy: the error's name
  dns NAME              getaddrinfo(NAME), then a query to 127.0.0.1:53: both errors' names
  hold HOST PORT        a CONNECT tunnel, "held", then waits until killed
  slow HTTP_HOST PORT   idle and byte-at-a-time clients, then a CONNECT beside them: "ok
                        SECONDS" when it is answered while they go on
  big                   headers without end: "STATUS closed" once the proxy stops reading
  idle                  a connection that sends nothing: "closed after SECONDS"
  many N                N idle connections: how many the proxy closed at once"""
import os
import select
import socket
import struct
import sys
import time
import urllib.error
import urllib.request

HTTP = ("127.0.0.1", 3128)
SOCKS = ("127.0.0.1", 1080)


def recv_head(s):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def connect(host, port):
    s = socket.create_connection(HTTP, timeout=20)
    s.sendall(b"CONNECT %s:%s HTTP/1.1\r\nHost: %s:%s\r\n\r\n" % ((host.encode(), port.encode()) * 2))
    head = recv_head(s)
    status = head.split(b" ")[1].decode() if b" " in head else "none"
    return s, status, head


def main():
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "connect":
        s, status, head = connect(*args)
        if status != "200":
            body = head.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in head else b""
            while True:
                more = s.recv(4096)
                if not more:
                    break
                body += more
            print(status, body.decode().splitlines()[0] if body else "")
            return
        s.sendall(b"ping\n")
        print(status, s.recv(64).decode().strip())
    elif mode == "socks":
        s = socket.create_connection(SOCKS, timeout=20)
        s.sendall(b"\x05\x01\x00")
        if s.recv(2) != b"\x05\x00":
            print("no-greeting")
            return
        host, port = args[0], int(args[1])
        if len(args) > 2 and args[2] == "v4":
            addr = b"\x01" + socket.inet_aton(host)
        else:
            addr = b"\x03" + bytes([len(host)]) + host.encode()
        s.sendall(b"\x05\x01\x00" + addr + struct.pack(">H", port))
        reply = s.recv(10)
        if len(reply) < 2 or reply[1] != 0:
            print(reply[1] if len(reply) > 1 else "none")
            return
        s.sendall(b"ping\n")
        print(0, s.recv(64).decode().strip())
    elif mode == "get":
        try:
            with urllib.request.urlopen(args[0], timeout=20) as r:
                print(r.status, r.read().decode().strip())
        except urllib.error.HTTPError as e:
            print(e.code, e.read().decode().strip())
    elif mode == "direct":
        try:
            socket.create_connection(("127.0.0.1", int(args[0])), timeout=5)
            print("connected")
        except OSError as e:
            print(type(e).__name__)
    elif mode == "dns":
        words = []
        try:
            socket.getaddrinfo(args[0], 443)
            words.append("resolved")
        except OSError as e:
            words.append(type(e).__name__)
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.settimeout(5)
        try:
            u.connect(("127.0.0.1", 53))
            u.send(struct.pack(">HHHHHH", 1, 0x0100, 1, 0, 0, 0) + b"\x04test\x00\x00\x01\x00\x01")
            u.recv(512)
            words.append("answered")
        except OSError as e:
            words.append(type(e).__name__)
        print(" ".join(words))
    elif mode == "hold":
        s, status, _ = connect(*args)
        s.sendall(b"ping\n")
        s.recv(64)
        print("held" if status == "200" else status, flush=True)
        while True:
            select.select([], [], [])
    elif mode == "slow":
        host, port = args
        held = []
        for _ in range(8):  # idle: connected, nothing sent
            held.append(socket.create_connection(HTTP))
        drip = []
        for _ in range(4):  # a byte at a time, never ending
            d = socket.create_connection(HTTP)
            d.sendall(b"CONNECT ")
            drip.append(d)
        t = time.monotonic()
        for i in range(3):
            for d in drip:
                d.sendall(b"a")
        s, status, _ = connect(host, port)
        s.sendall(b"ping\n")
        got = s.recv(64).decode().strip()
        for d in drip:
            d.sendall(b"b")
        print("ok" if status == "200" and got == "ping" else "failed %s" % status,
              "%.1f" % (time.monotonic() - t))
    elif mode == "big":
        s = socket.create_connection(HTTP, timeout=20)
        s.sendall(b"CONNECT example.org:443 HTTP/1.1\r\n")
        sent = 0
        line = b"X-Filler: " + b"x" * 1000 + b"\r\n"
        try:
            while sent < 64 << 20:
                s.sendall(line)
                sent += len(line)
        except OSError:
            pass
        head = recv_head(s)
        status = head.split(b" ")[1].decode() if b" " in head else "none"
        print(status, "closed" if sent < 64 << 20 else "read %d bytes" % sent)
    elif mode == "idle":
        s = socket.create_connection(HTTP)
        t = time.monotonic()
        s.settimeout(120)
        try:
            s.recv(1)
        except OSError:
            pass
        print("closed after %d" % round(time.monotonic() - t))
    elif mode == "many":
        n = int(args[0])
        conns = [socket.create_connection(HTTP) for _ in range(n)]
        closed = set()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and len(closed) < n - 128:
            ready = select.select([c for c in conns if c not in closed], [], [], 1)[0]
            for c in ready:
                if c.recv(1) == b"":
                    closed.add(c)
        # Then none other is closed: the rest are being served.
        ready = select.select([c for c in conns if c not in closed], [], [], 1)[0]
        print(len(closed), len(ready))


main()
