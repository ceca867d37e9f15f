#!/usr/bin/env python3
"""Connects to 127.0.0.1:PORT once and prints what the peer sent, or the error's name."""
import socket
import sys

try:
    with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5) as s:
        print(s.recv(64).decode().strip())
except OSError as e:
    print(type(e).__name__)
