#!/usr/bin/env python3
"""Tries to push a byte into the terminal's input queue (TIOCSTI); with any argument, with the
upper 32 bits of the request set, as an attacker would to slip past a careless filter."""
import fcntl
import sys
import termios

req = termios.TIOCSTI | (0xFFFFFFFF00000000 if len(sys.argv) > 1 else 0)
try:
    fcntl.ioctl(0, req, b"#")
    print("injected")
except OSError as e:
    print(type(e).__name__)
