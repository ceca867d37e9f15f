#!/usr/bin/env python3
"""Drives an interactive bash in a pseudo-terminal, as a person at a terminal would, and checks
job control around sbox: ^Z stops the sandboxed command and gives the prompt back, fg resumes it
with the terminal, ^C reaches it, and a `kill 0` inside does not reach the shell.
Usage: pty-session.py SBOX. Prints TAP lines; every wait is for expected output, bounded."""
import os
import pty
import select
import sys
import time

sbox = sys.argv[1]
n = 0
failed = 0


def check(cond, what, detail=""):
    global n, failed
    n += 1
    if not cond:
        failed += 1
    print(("ok" if cond else "not ok") + f" {n} - {what}")
    if not cond and detail:
        for line in detail.splitlines()[-12:]:
            print("#   " + line)


pid, fd = pty.fork()
if pid == 0:
    os.environ["PS1"] = "PROMPT> "
    os.environ["TERM"] = "dumb"
    os.execvp("bash", ["bash", "--norc", "--noprofile", "-i"])

buf = b""


def expect(text, timeout=30):
    """Reads until text appears (True) or the time runs out (False)."""
    global buf
    end = time.monotonic() + timeout
    want = text.encode()
    while want not in buf:
        left = end - time.monotonic()
        if left <= 0:
            return False
        r, _, _ = select.select([fd], [], [], left)
        if not r:
            return False
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            return False
        if not chunk:
            return False
        buf += chunk
    return True


def send(data):
    global buf
    buf = b""
    os.write(fd, data.encode() if isinstance(data, str) else data)


check(expect("PROMPT> "), "an interactive bash starts")
# (Expected words are split in the typed command, so its echo does not match them.)
send(f"{sbox} -- sh -c 'echo sandbox-\"\"ready; read x; echo got-$x'\n")
check(expect("sandbox-ready"), "the sandboxed command runs and reads the terminal")
send(b"\x1a")  # ^Z
check(expect("Stopped") and expect("PROMPT> "), "^Z stops it and gives the prompt back", buf.decode(errors="replace"))
send("fg\n")
check(expect("sbox"), "fg resumes it", buf.decode(errors="replace"))
send("hello\n")
check(expect("got-hello") and expect("PROMPT> "), "it has the terminal again and finishes",
      buf.decode(errors="replace"))

send(f"{sbox} -- sh -c 'echo slee\"\"ping; exec sleep 100'\n")
check(expect("sleeping"), "a long command starts")
send(b"\x03")  # ^C
# Keys typed before the prompt is back would go to the sandbox's terminal, as with any relay
# (script, ssh): a person waits for the prompt.
check(expect("PROMPT> "), "^C gives the prompt back", buf.decode(errors="replace"))
# Each later command ends by echoing a marker, split in the typed text: seeing the marker means
# everything before it has run.
send("echo status=$?-\"\"done\n")
check(expect("-done") and b"status=130-done" in buf, "^C ends it with status 130 (128+SIGINT)",
      buf.decode(errors="replace"))

send("trap 'echo shell-got-TERM' TERM; echo trap-\"\"set\n")
expect("trap-set")
send(f"{sbox} -- sh -c 'kill -TERM 0; echo never'; echo rc=$?-\"\"done\n")
ok_ = expect("-done")
check(ok_ and b"rc=143-done" in buf and b"shell-got-TERM" not in buf,
      "kill 0 inside ends the sandbox but does not reach the shell", buf.decode(errors="replace"))

# A sandbox in the background that reads the terminal is stopped, as any job would be: it never
# sees what the user types next.
send(f"{sbox} -- sh -c 'read x; echo STO\"\"LEN=$x' &\n")
send("echo typed-by-user-\"\"x\n")
check(expect("typed-by-user-x"), "the shell reads what the user types next", buf.decode(errors="replace"))
# The job stops once its read reaches the terminal: ask the shell until it says so, for up to
# 30 seconds (a count of questions would be a time that shrinks on a fast shell and a loaded or
# sanitized build's slow start).
seen = b""
deadline = time.monotonic() + 30
attempt = 0
while time.monotonic() < deadline:
    send(f"jobs; echo jobs-\"\"listed-{attempt}\n")
    expect(f"jobs-listed-{attempt}")
    seen += buf
    attempt += 1
    if b"Stopped" in buf:
        break
check(b"Stopped" in seen and b"STOLEN" not in seen,
      "the background sandbox is stopped instead of reading it", seen.decode(errors="replace")[-600:])
send("kill -9 %1; wait; echo cleaned-\"\"up\n")
expect("cleaned-up")

# ^Z, then bg: the sandbox finishes in the background and the shell keeps its terminal.
send(f"{sbox} -- sh -c 'echo fore\"\"ground; exec sleep 2'\n")
check(expect("foreground"), "a command runs in the foreground")
send(b"\x1a")
check(expect("Stopped") and expect("PROMPT> "), "^Z stops it", buf.decode(errors="replace"))
send("bg; wait; echo after-\"\"wait\n")
check(expect("after-wait"), "bg lets it finish in the background", buf.decode(errors="replace"))
send("echo still-\"\"here\n")
check(expect("still-here"), "the shell still has its terminal afterwards", buf.decode(errors="replace"))

send("exit\n")
try:
    os.waitpid(pid, 0)
except ChildProcessError:
    pass
print(f"1..{n}")
sys.exit(1 if failed else 0)
