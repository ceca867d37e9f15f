#!/usr/bin/env python3
"""Waits (at most SECONDS) for every process of this user named NAME (a comma-separated list of
names: pasta runs on as passt.avx2, say) to end, by pidfd, and prints how many were still
running at the end (0: all gone)."""
import os
import select
import sys
import time

names, timeout = sys.argv[1].split(","), float(sys.argv[2])
deadline = time.monotonic() + timeout
left = 0
for pid in [int(p) for p in os.listdir("/proc") if p.isdigit()]:
    try:
        with open(f"/proc/{pid}/comm") as f:
            if f.read().strip() not in names or os.stat(f"/proc/{pid}").st_uid != os.getuid():
                continue
        fd = os.pidfd_open(pid)
    except OSError:
        continue
    if not select.select([fd], [], [], max(0.0, deadline - time.monotonic()))[0]:
        left += 1
    os.close(fd)
print(left)
