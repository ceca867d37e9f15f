#!/usr/bin/env python3
"""A stand-in resolver and a client for the network tests.
  dns.py serve ADDR: answers every UDP query on ADDR:53 with the query plus b"FAKE"; prints "up"
                     once bound, and ends when its standard input closes.
  dns.py ask ADDR:   sends one query to ADDR:53 and prints "answered" if the answer is the
                     stand-in's, else the error's name."""
import select
import socket
import struct
import sys

mode, addr = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
if mode == "serve":
    s.bind((addr, 53))
    print("up", flush=True)
    while True:
        ready = select.select([s, sys.stdin], [], [])[0]
        if sys.stdin in ready:
            break
        query, peer = s.recvfrom(512)
        s.sendto(query + b"FAKE", peer)
else:
    query = struct.pack(">HHHHHH", 0x5b0c, 0x0100, 1, 0, 0, 0) + b"\x04test\x00\x00\x01\x00\x01"
    s.settimeout(5)
    try:
        s.sendto(query, (addr, 53))
        print("answered" if s.recv(512) == query + b"FAKE" else "other")
    except OSError as e:
        print(type(e).__name__)
