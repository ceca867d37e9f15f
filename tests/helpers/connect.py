#!/usr/bin/env python3
"""Connects to 127.0.0.1:PORT (or HOST PORT) once and prints what the peer sent, or the error's
name. With --udp, sends one datagram and prints the answer."""
import socket
import sys

args = [a for a in sys.argv[1:] if a != "--udp"]
host, port = (args[0], int(args[1])) if len(args) > 1 else ("127.0.0.1", int(args[0]))
try:
    if "--udp" in sys.argv:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(5)
            s.sendto(b"ping\n", (host, port))
            print(s.recv(64).decode().strip())
            s.sendto(b"done\n", (host, port))
    else:
        with socket.create_connection((host, port), timeout=5) as s:
            print(s.recv(64).decode().strip())
except OSError as e:
    print(type(e).__name__)
