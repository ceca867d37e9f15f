#!/usr/bin/env python3
"""What a payload does to the terminal on its descriptor 0, for tests/helpers/terminal.py:
  winch        prints its window size, then waits for SIGWINCH and prints the new size
  setd         sets the line discipline to N_NULL (27), which discards all the terminal's I/O
  tiocsti TEXT pushes TEXT and a newline into the terminal's input queue, byte by byte (TIOCSTI)
Each prints one word of result (or the error's name) on standard output."""
import fcntl
import os
import signal
import struct
import sys
import termios

what = sys.argv[1]


def size():
    rows, cols, _, _ = struct.unpack("HHHH", fcntl.ioctl(0, termios.TIOCGWINSZ, b"\0" * 8))
    return f"{rows},{cols}"


try:
    if what == "winch":
        got = []
        signal.signal(signal.SIGWINCH, lambda n, f: got.append(1))
        print(f"size={size()} probe-waiting", flush=True)
        while not got:
            signal.pause()
        print(f"winch={size()}", flush=True)
    elif what == "setd":
        fcntl.ioctl(0, termios.TIOCSETD, struct.pack("i", 27))
        print("setd=done", flush=True)
    elif what == "tiocsti":
        for b in sys.argv[2].encode() + b"\n":
            fcntl.ioctl(0, termios.TIOCSTI, bytes([b]))
        print("tiocsti=done", flush=True)
    else:
        sys.exit(f"tty-probe: unknown request {what}")
except OSError as e:
    print(f"{what}={type(e).__name__}", flush=True)
    os._exit(1)
