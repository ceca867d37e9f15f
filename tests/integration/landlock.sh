#!/bin/sh
# Landlock, the second wall: the payload's ruleset derived from the plan. Ordinary work still
# runs under it; a write where the plan grants none fails with EACCES even when the mount that
# should have kept it read-only is missing (--landlock-test-rw); signals and abstract sockets
# stay inside the sandbox; --dry-run and -v say what the ruleset is. Then isolation = landlock,
# with no namespace at all: escape.sh's cases that apply, and a host where none can be made.
. "${SBOX_TESTS:-$(dirname "$0")/..}/lib.sh"
export SBOX_PROFILE_PATH="${SBOX_PROFILES:?SBOX_PROFILES must name the profiles directory}"
helpers=${SBOX_TESTS:-$(dirname "$0")/..}/helpers

"$SBOX" check 2>/dev/null | grep -q "Landlock, ABI" || skip_all "this kernel has no Landlock"
cd "$WORK" || exit 1

run_sbox --landlock required -- true
is "$RC" 0 "landlock = required runs on this kernel"

# --- ordinary work under the ruleset -------------------------------------------------------
mkdir -p proj data
echo kept >data/file
cd proj || exit 1
printf '#include <stdio.h>\nint main(void) { puts("built"); return 0; }\n' >hello.c
printf 'all: hello\n\t./hello >out.txt\nhello: hello.c\n\tcc -o hello hello.c\n' >Makefile
if command -v cc >/dev/null && command -v make >/dev/null; then
    run_sbox -- sh -c 'make -s && cat out.txt'
    is "$RC/$OUT" "0/built" "make and cc write and run the project's files"
else
    skip "no cc or make"
fi
if command -v git >/dev/null; then
    run_sbox -- sh -c 'git init -q r && cd r && echo a >a && git add a &&
        git -c user.name=t -c user.email=t@t commit -qm one && git mv a b &&
        git -c user.name=t -c user.email=t@t commit -qm two && git log --oneline | wc -l'
    is "$RC/$OUT" "0/2" "git: init, commit, rename"
else
    skip "no git"
fi
run_sbox -- python3 -c '
import os, tempfile, subprocess
with tempfile.NamedTemporaryFile(dir="/tmp") as f: f.write(b"x")
os.makedirs("a/b", exist_ok=True); os.rename("hello.c", "a/b/moved.c"); os.rename("a/b/moved.c", "hello.c")
print(subprocess.run(["sh", "-c", "echo sub"], capture_output=True).stdout.decode().strip())'
is "$RC/$OUT" "0/sub" "python: temporary files, renames across directories, a child"
if command -v node >/dev/null; then
    run_sbox -- node -e 'require("fs").writeFileSync("n.txt", "n"); console.log(require("fs").readFileSync("n.txt", "utf8"))'
    is "$RC/$OUT" "0/n" "node writes and reads the project"
else
    skip "no node"
fi
run_sbox -- sh -c 'echo 100 >/proc/self/oom_score_adj && echo x >/dev/null && ls / >/dev/null &&
    cat /etc/hostname >/dev/null && echo ok'
is "$RC/$OUT" "0/ok" "/proc written, /dev/null truncated, / listed, /etc read"
run_sbox -- python3 -c '
import socket, threading
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
t = threading.Thread(target=lambda: s.accept()[0].sendall(b"served")); t.start()
c = socket.create_connection(s.getsockname(), timeout=10); print(c.recv(16).decode()); t.join()'
is "$RC/$OUT" "0/served" "net = none: a server of its own on the sandbox's loopback"
run_sbox -- sh -c 'cat ~/.ssh/id_rsa 2>/dev/null; touch /opt/x'
like "$ERR" "Read-only file system" "a mirror is read-only (the mount answers first: EROFS)"

# --- the second wall: a read-only bind mounted writable ---------------------------------------
run_sbox --ro-bind "$WORK/data:/data" --landlock required --landlock-test-rw /data -- sh -c \
    'grep " /data " /proc/self/mountinfo | cut -d" " -f6; cat /data/file; echo x >/data/new; mkdir /data/d; rm /data/file; echo end'
like "$OUT" "rw," "landlock-test-rw: /data is mounted writable"
like "$OUT" "kept" "... it is read"
like "$ERR" "/data/new: Permission denied" "... a new file there is refused by Landlock (EACCES)"
ok "... so is a directory" sh -c 'printf "%s\n" "$1" | grep "/data/d" | grep -q "Permission denied"' - "$ERR"
like "$ERR" "cannot remove '/data/file': Permission denied" "... and a removal"
ok "... nothing reached the host's directory" test ! -e "$WORK/data/new" -a ! -e "$WORK/data/d" -a -e "$WORK/data/file"
run_sbox --ro-bind "$WORK/data:/data" -- sh -c 'echo x >/data/new'
like "$ERR" "Read-only file system" "without the switch the mount refuses first (EROFS)"
refuses "--ro-bind $WORK/data:/data --landlock-test-rw /data|for tests only, and only with landlock = required" \
    "--bind $WORK/data:/data --landlock required --landlock-test-rw /data|is not the destination of a read-only bind" \
    "--landlock maybe|--landlock: \`maybe\` is not one of auto, required, off" \
    "--landlock-test-rw relative|--landlock-test-rw: destination \`relative\` must be an absolute path"

# --- scopes: signals and abstract UNIX sockets stay inside -----------------------------------
run_sbox -- sh -c 'kill -0 1 && echo reached'
like "$ERR" "Operation not permitted" "a signal to pid 1, outside the payload's domain, is refused"
run_sbox --landlock off -- sh -c 'kill -0 1 && echo reached'
is "$OUT" "reached" "... and reaches it with landlock = off"
run_sbox -- sh -c 'sh -c "sleep 30" & kill $! && wait $!; echo "status $?"'
is "$OUT" "status 143" "the payload signals its own children"
rm -f abs.ctl abs.ready
mkfifo abs.ctl abs.ready
python3 -c '
import socket, sys, select
s = socket.socket(socket.AF_UNIX); s.bind("\0sbox-landlock-test-%s" % sys.argv[1]); s.listen(4)
print("ready", flush=True)
while True:
    r, _, _ = select.select([s, sys.stdin], [], [], 60)
    if not r or sys.stdin in r: break
    s.accept()[0].sendall(b"hello")' "$$" <abs.ctl >abs.ready &
apid=$!
exec 7>abs.ctl
read -r _ <abs.ready
abs_client='
import socket, sys
c = socket.socket(socket.AF_UNIX)
try:
    c.connect("\0sbox-landlock-test-%s" % sys.argv[1]); print(c.recv(8).decode())
except OSError as e:
    print(type(e).__name__)'
run_sbox --net host -- python3 -c "$abs_client" "$$"
is "$OUT" "PermissionError" "net = host: the host's abstract socket is out of reach"
run_sbox --net host --landlock off -- python3 -c "$abs_client" "$$"
is "$OUT" "hello" "... and reached with landlock = off"
exec 7>&-
wait "$apid"

# --- what it says -----------------------------------------------------------------------------
run_sbox --ro-bind "$WORK/data:/data" --dry-run -- true
like "$OUT" "landlock = auto  ; built-in" "--dry-run: the setting"
like "$OUT" ";   landlock: /data  read-only" "--dry-run: a read-only bind's rule"
like "$OUT" ";   landlock: $WORK/proj  read-write" "--dry-run: the current directory's rule"
like "$OUT" ";   landlock: TCP not restricted" "--dry-run: TCP's rule"
run_sbox -v -- true
like "$ERR" "Landlock ABI " "-v: the kernel's ABI"
run_sbox --landlock off --dry-run -- true
unlike "$OUT" ";   landlock: /" "landlock = off: no ruleset"

# --- a captured build and an image with an overlay -------------------------------------------
if command -v cc >/dev/null && command -v make >/dev/null; then
    rm -f hello out.txt
    XDG_STATE_HOME=$WORK/state run_sbox -p build -- make -s
    is "$RC" 0 "-p build: make in a captured project"
    ok "... the project is untouched" test ! -e hello
fi
if has_subuid; then
    python3 "$helpers/mkimage.py" "$WORK/img.tar" >/dev/null 2>&1
    "$SBOX" import "$WORK/img.tar" "$WORK/img" >/dev/null 2>&1
    at_exit '"$SBOX" --userns subuid --uid 0 --cwd none --bind "$WORK:/w" -- rm -rf /w/img 2>/dev/null'
    run_sbox --rootfs "$WORK/img" --overlay tmpfs -- sh -c 'echo x >/etc/new && cat /etc/new'
    is "$RC/$OUT" "0/x" "an image with an overlay: its root is writable"
    run_sbox --rootfs "$WORK/img" -- sh -c 'echo x >/etc/new'
    like "$ERR" "Read-only file system" "... without one, read-only"
else
    skip "no subordinate ids for an image"
fi

# --- isolation = landlock: no namespace at all -----------------------------------------------
# The escape cases of escape.sh that apply here, with these expected differences from the
# namespaces: hidden paths are only denied (their names show: `ls ~/.ssh` lists), a TCP connect
# to the host's loopback is EACCES (no loopback of its own to be refused on), a process outside
# is there to be refused a signal (EPERM) rather than absent, /tmp is the host's (denied: TMPDIR
# is a private directory), and what the settings need namespaces for is refused up front.
cd "$WORK/proj" || exit 1
# The tests' helpers live in a directory the plan does not show: copied into the project.
cp "$helpers/connect.py" .
[ -x "$helpers/try-syscall" ] && cp "$helpers/try-syscall" .
mkdir -p "$HOME/.ssh"
chmod 0700 "$HOME/.ssh"
key="$HOME/.ssh/id_sbox_landlock_test"
echo "fake-landlock-key-$$" >"$key"
at_exit rm -f "$key"
secret=$(cat "$key")
run_sbox --isolation landlock -- true
is "$RC/$(lines "$ERR")" "0/1" "isolation = landlock runs, with one line"
like "$ERR" "isolation = landlock: no namespaces, so no private /tmp" "... naming what it cannot give"
run_sbox --isolation landlock -- sh -c 'echo in >inside.txt; cat inside.txt; echo out >"$HOME/outside.txt"; echo t >/tmp/sbox-landlock-outside; echo "$TMPDIR" >tmpdir.txt; echo p >"$TMPDIR/x" && cat "$TMPDIR/x"'
like "$OUT" "in" "the project is writable"
like "$OUT" "p" "TMPDIR is writable"
like "$ERR" "outside.txt: Permission denied" "a write outside the project: EACCES"
like "$ERR" "/tmp/sbox-landlock-outside: Permission denied" "the host's /tmp: EACCES"
ok "... nothing written outside" test ! -e "$HOME/outside.txt" -a ! -e /tmp/sbox-landlock-outside
ok "TMPDIR is removed after the run" test ! -e "$(cat tmpdir.txt)"
run_sbox --isolation landlock -- sh -c "cat $key; ls ~/.ssh"
unlike "$OUT" "$secret" "the key in ~/.ssh is not read"
like "$ERR" "id_sbox_landlock_test: Permission denied" "... EACCES"
like "$OUT" "id_sbox_landlock_test" "expected difference: its name shows (only denied)"
listener_start
run_sbox --isolation landlock -- python3 connect.py "$LPORT"
is "$OUT" "PermissionError" "net = none: no TCP connect to a listener on the host's loopback"
run_sbox --isolation landlock --net host -- python3 connect.py "$LPORT"
is "$OUT" "hello" "net = host: it connects"
run_sbox --isolation landlock -- python3 -c 'import socket; socket.socket().bind(("127.0.0.1", 0))'
like "$ERR" "PermissionError" "net = none: no TCP bind either"
listener_stop
if [ -x try-syscall ]; then
    run_sbox --isolation landlock -- ./try-syscall ptrace mount:0:0:0:0 unshare:0x10000000
    is "$OUT" "ptrace EPERM
mount EPERM
unshare EPERM" "ptrace, mount and a user namespace: denied by seccomp"
else
    skip "no try-syscall helper"
fi
run_sbox --isolation landlock -- sh -c "kill -0 $$"
like "$ERR" "Operation not permitted" "a signal to a process outside: EPERM (expected difference: it is there)"
run_sbox --isolation landlock -- sh -c 'exit 3'
is "$RC" 3 "the command's exit status"
run_sbox --isolation landlock -- sh -c 'kill -TERM $$'
is "$RC" 143 "a command killed by a signal: 128+N"
run_sbox --isolation landlock -- no-such-command-here
is "$RC/$(lines "$ERR")" "127/2" "a missing command: 127, its line after the mode's"
# --json-status-fd in this mode: the mode's line as a note, then how the command ended.
RC=0
"$SBOX" --isolation landlock --json-status-fd 3 -- sh -c 'exit 3' 3>"$WORK/status.json" 2>/dev/null || RC=$?
is "$RC" 3 "--json-status-fd with isolation = landlock: the command's status"
is "$(python3 -c 'import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
print(" ".join(e["event"] for e in ev), ev[-1].get("status"), "isolation = landlock" in ev[0].get("text", ""))' "$WORK/status.json")" \
    "note exited 3 True" "... its events: the mode's note, then exited with the status"
ln -s "$HOME/.ssh" "$WORK/proj/sshlink"
(cd "$WORK/proj/sshlink" && "$SBOX" --isolation landlock -- cat id_sbox_landlock_test) >"$WORK/o" 2>"$WORK/e"
is "$?/$(lines "$(cat "$WORK/e")")" "125/1" "cwd through a symlink to ~/.ssh: refused, one line"
unlike "$(cat "$WORK/o")" "$secret" "... the key is not read"
rm "$WORK/proj/sshlink"
refuses "--isolation landlock -p build|build.ini:9: \`$WORK/proj\`: not with isolation = landlock (a capture" \
    "--isolation landlock --rootfs $WORK|--rootfs: an image needs namespaces" \
    "--isolation landlock --overlay tmpfs|--overlay: an overlay needs namespaces" \
    "--isolation landlock --tmpfs /data|--tmpfs: \`/data\`: not with isolation = landlock" \
    "--isolation landlock --bind $WORK/data:/elsewhere|--bind: \`/elsewhere\`: not with isolation = landlock" \
    "--isolation landlock --hide $WORK/proj/Makefile|--hide: \`$WORK/proj/Makefile\`: not with isolation = landlock" \
    "--isolation landlock --net slirp|--net: net = slirp needs a network namespace" \
    "--isolation landlock --allow-host example.org|--allow-host: allow-host needs a network namespace" \
    "--isolation landlock --cap-add net_raw|--cap-add: no capability to keep" \
    "--isolation landlock --uid 0|--uid: without a user namespace the command runs as you" \
    "--isolation landlock --hostname h|--hostname: a hostname of its own needs namespaces" \
    "--isolation landlock --landlock off|--landlock: isolation = landlock is Landlock" \
    "--isolation maybe|--isolation: \`maybe\` is not one of namespaces, landlock, auto"
run_sbox --isolation landlock --dry-run -- true
like "$OUT" ";   landlock: /dev/null  devices" "--dry-run: the host's device nodes, one by one"
like "$OUT" ";   landlock: TCP no TCP bind or connect" "--dry-run: net = none's TCP rule"

# Where no user namespace can be made: inside a user namespace whose max_user_namespaces is 0
# (it holds for its children only). auto falls back, in one line; namespaces fails, in one.
if unshare -U --map-root-user true 2>/dev/null; then
    nouserns() { unshare -U --map-root-user sh -c 'echo 0 >/proc/sys/user/max_user_namespaces && exec "$@"' - "$@"; }
    RC=0
    nouserns "$SBOX" -- true >"$WORK/o" 2>"$WORK/e" || RC=$?
    is "$RC/$(lines "$(cat "$WORK/e")")" "125/1" "no user namespace: the namespaces fail, one line"
    like "$(cat "$WORK/e")" "max_user_namespaces is 0" "... saying why"
    RC=0
    nouserns "$SBOX" --isolation auto -- sh -c 'echo x >inside2.txt && cat inside2.txt; touch "$HOME/outside2.txt"' >"$WORK/o" 2>"$WORK/e" || RC=$?
    is "$(cat "$WORK/o")" "x" "isolation = auto: the command runs there"
    like "$(cat "$WORK/e")" "no user namespace can be made here, so isolation = landlock: no namespaces" "... said in one line"
    like "$(cat "$WORK/e")" "outside2.txt': Permission denied" "... under Landlock"
    ok "... nothing written outside" test ! -e "$HOME/outside2.txt"
    RC=0
    nouserns "$SBOX" --isolation auto -p build -- true >"$WORK/o" 2>"$WORK/e" || RC=$?
    is "$RC/$(lines "$(cat "$WORK/e")")" "125/1" "... a capture there: refused, one line"
    like "$(cat "$WORK/e")" "isolation = auto, and no user namespace can be made here" "... saying why"
    run_sbox --isolation auto -- true
    is "$RC/$ERR" "0/" "isolation = auto where namespaces work: namespaces, nothing said"
else
    skip "unshare cannot make a user namespace here"
fi

done_testing
