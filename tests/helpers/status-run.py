#!/usr/bin/env python3
"""status-run.py MODE SBOX ARGS...: runs sbox with --json-status-fd on a pipe and prints what
the test checks, one fact a line. Every wait is bounded (20 s).

kill:   the payload (ARGS) writes a line, then waits on its standard input; once "started"
        came and the line was read, the pid it names must be the payload's (its
        /proc/PID/cmdline), and SIGKILL to that pid must end the
        run: prints "cmdline=...", then each event's name and fields.
gone:   the pipe's reader is closed before sbox starts: sbox must run and exit as usual (no
        SIGPIPE): prints "status=N".
"""
import json
import os
import select
import signal
import subprocess
import sys

mode, sbox, args = sys.argv[1], sys.argv[2], sys.argv[3:]
r, w = os.pipe()
os.set_inheritable(w, True)


def events(f, deadline=20):
    buf = b""
    while True:
        ready, _, _ = select.select([f], [], [], deadline)
        if not ready:
            print("timeout")
            return
        chunk = os.read(f, 65536)
        if not chunk:
            break
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            yield json.loads(line)


if mode == "gone":
    os.close(r)
    p = subprocess.run([sbox, "--json-status-fd", str(w)] + args, pass_fds=[w],
                       stdout=subprocess.DEVNULL, timeout=20)
    print("status=%d" % p.returncode)
    sys.exit(0)

p = subprocess.Popen([sbox, "--json-status-fd", str(w)] + args, pass_fds=[w],
                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
os.close(w)
for ev in events(r):
    name = ev.pop("event")
    t = ev.pop("time")
    assert isinstance(t, float) and t > 0
    if name == "started":
        # Forked, the payload is sbox until its exec: its first line says it runs.
        ready, _, _ = select.select([p.stdout], [], [], 20)
        print("line=" + (p.stdout.readline().decode().strip() if ready else "timeout"))
        with open("/proc/%d/cmdline" % ev["pid"], "rb") as c:
            print("cmdline=" + c.read().replace(b"\0", b" ").decode().strip())
        print("init_pid_is_int=%s" % (isinstance(ev["init_pid"], int) and ev["init_pid"] > 0))
        os.kill(ev["pid"], signal.SIGKILL)
        ev = {}
    print(name + " " + json.dumps(ev, sort_keys=True))
print("status=%d" % p.wait(timeout=20))
