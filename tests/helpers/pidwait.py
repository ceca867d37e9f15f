#!/usr/bin/env python3
"""Waits (at most SECONDS) for every process named NAME of this user to end, by pidfd, and
prints how many were still running at the end (0: all gone)."""
import os
import select
import sys
import time

name, timeout = sys.argv[1], float(sys.argv[2])
deadline = time.monotonic() + timeout
left = 0
for pid in [int(p) for p in os.listdir("/proc") if p.isdigit()]:
    try:
        with open(f"/proc/{pid}/comm") as f:
            if f.read().strip() != name or os.stat(f"/proc/{pid}").st_uid != os.getuid():
                continue
        fd = os.pidfd_open(pid)
    except OSError:
        continue
    if not select.select([fd], [], [], max(0.0, deadline - time.monotonic()))[0]:
        left += 1
    os.close(fd)
print(left)
