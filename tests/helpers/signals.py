#!/usr/bin/env python3
"""Prints "ready N" for the signal named in argv[1], waits for it, exits with 100 + N."""
import os
import signal
import sys

signum = getattr(signal, "SIG" + sys.argv[1])
signal.signal(signum, lambda n, f: os._exit(100 + n))
print("ready", int(signum), flush=True)
sys.stdout.close()
while True:
    signal.pause()
