#!/bin/sh
# Ways out to the home's secrets: a working directory that is (or leads to) a hidden directory,
# the same by a race with a running sandbox, bind sources that lead there through a symlink,
# and the fuse-overlayfs daemon as a way to the host's tree.
. "${SBOX_TESTS:-$(dirname "$0")/..}/lib.sh"
export SBOX_PROFILE_PATH="${SBOX_PROFILES:?SBOX_PROFILES must name the profiles directory}"

mkdir -p "$HOME/.ssh" "$HOME/.config/tool"
chmod 0700 "$HOME/.ssh"
key="$HOME/.ssh/id_sbox_escape_test"
echo "fake-escape-key-$$" >"$key"
at_exit rm -f "$key" "$HOME/.ssh/authorized_keys_sbox_test"
secret=$(cat "$key")
proj=$(mktemp -d "$HOME/proj.XXXXXX")
at_exit rm -rf "$proj"
mkdir -p "$proj/packages"

# 1. A payload of an earlier run replaced a project directory with a symlink to ~/.ssh; the
# user's shell follows it with cd and its prompt still shows the project.
ln -s "$HOME/.ssh" "$proj/packages/web"
for prof in "" "-p node" "-p python" "-p build"; do
    # shellcheck disable=SC2086
    (cd "$proj/packages/web" && "$SBOX" $prof -- sh -c \
        'cat ./id_sbox_escape_test; echo planted >authorized_keys_sbox_test') \
        >"$WORK/out" 2>"$WORK/err"
    rc=$?
    is "$rc/$(lines "$(cat "$WORK/err")")" "125/1" "cwd through a symlink to ~/.ssh${prof:+ ($prof)}: refused, one line, 125"
    unlike "$(cat "$WORK/out")" "$secret" "... the key is not read"
    ok "... nothing is written to ~/.ssh" test ! -e "$HOME/.ssh/authorized_keys_sbox_test"
done
like "$(cat "$WORK/err")" "hidden directory of your home (~/.ssh)" "the refusal says what the directory is"
(cd "$proj/packages/web" && "$SBOX" -- true) >/dev/null 2>"$WORK/err"
like "$(cat "$WORK/err")" "\$PWD \`$proj/packages/web\` leads there through a symlink" \
    "the refusal names the shell's \$PWD and the symlink"
(cd -P "$proj/packages/web" && "$SBOX" --cwd ro-bind -- cat id_sbox_escape_test) >"$WORK/out" 2>&1
unlike "$(cat "$WORK/out")" "$secret" "cwd = ro-bind inside ~/.ssh: the key is not shown either"
(cd -P "$HOME/.config/tool" && "$SBOX" -- true) >/dev/null 2>"$WORK/err"
like "$(cat "$WORK/err")" "(~/.config)" "any hidden directory of the home is refused (~/.config/tool)"
(cd "$HOME/.config/tool" && "$SBOX" --cwd none -- true) 2>"$WORK/err"
is "$?" 0 "... with --cwd none it runs"
(cd "$HOME/.config/tool" && "$SBOX" --bind "$HOME/.config/tool" -- sh -c 'pwd') >"$WORK/out" 2>"$WORK/err"
is "$(cat "$WORK/out")" "$HOME/.config/tool" "... bound by name, it is shown as asked"
rm "$proj/packages/web"

# A directory the profile hides or empties is not handed back as the working directory.
mkdir -p "$proj/vault/inner" "$proj/scratch/inner"
echo hidden >"$proj/vault/inner/file"
(cd "$proj/vault/inner" && "$SBOX" --bind "$proj" --hide "$proj/vault" -- cat file) >"$WORK/out" 2>"$WORK/err"
is "$?/$(cat "$WORK/out")" "125/" "cwd inside a hidden directory: refused"
like "$(cat "$WORK/err")" "hidden by \`hide = $proj/vault\` (--hide)" "... naming the hide"
(cd "$proj/scratch/inner" && "$SBOX" --tmpfs "$proj/scratch" -- true) 2>"$WORK/err"
is "$?" 125 "cwd inside a tmpfs the plan lays: refused"

# Not hidden, but reached through a symlink: one line says where the sandbox really runs.
mkdir -p "$proj/real"
ln -s real "$proj/link"
(cd "$proj/link" && "$SBOX" -- pwd) >"$WORK/out" 2>"$WORK/err"
is "$(cat "$WORK/out")" "$proj/real" "cwd through a harmless symlink: runs in the real directory"
like "$(cat "$WORK/err")" "the current directory is $proj/real (your shell's \$PWD \`$proj/link\`" \
    "... and says so"

# A bind source that leads into a hidden directory through a symlink is refused; the same
# directory named as it is stays the user's choice.
other=$(mktemp -d "$HOME/other.XXXXXX")
at_exit rm -rf "$other"
ln -s "$HOME/.ssh" "$other/docs"
run_sbox --ro-bind "$other/docs:/docs" -- cat /docs/id_sbox_escape_test
is "$RC/$(lines "$ERR")" "125/1" "a bind source through a symlink into ~/.ssh: refused"
unlike "$OUT" "$secret" "... the key is not read"
like "$ERR" "--ro-bind" "... naming the flag"

# ... nor one that leads to the home, or to a directory holding it.
ln -s "$HOME" "$other/data"
run_sbox --ro-bind "$other/data:/data" -- cat "/data/.ssh/$(basename "$key")"
is "$RC/$(lines "$ERR")" "125/1" "a bind source through a symlink to the home: refused"
unlike "$OUT" "$secret" "... the key is not read"
ln -s / "$other/root"
run_sbox --ro-bind "$other/root:/r" -- cat "/r$key"
is "$RC" 125 "a bind source through a symlink to /: refused"

# A hide written through a symlinked HOME still covers the directory it names.
ln -s "$HOME" "$WORK/homelink"
rel=${proj#"$HOME"/}
(cd "$proj/vault/inner" && HOME="$WORK/homelink" "$SBOX" --bind "$proj" \
    --hide "$WORK/homelink/$rel/vault" -- cat file) >"$WORK/out" 2>"$WORK/err"
is "$?/$(cat "$WORK/out")" "125/" "cwd below a hide spelt through a symlinked HOME: refused"

# 2. The same by a race, with no mistake of the user's: the shell really is in packages/web,
# while a running sandbox that can write the project swaps it with a symlink to ~/.ssh.
rm -f "$HOME/.ssh/authorized_keys_sbox_test"
mkdir -p "$proj/packages/web"
cd "$proj/packages/web"
at_exit touch "$WORK/swapper.stop"
python3 - "$proj/packages" "$HOME/.ssh" "$WORK/swapper.stop" <<'EOF' &
import os, sys, time
d, target, stop = sys.argv[1:]
os.chdir(d)
# The attacker's pace: each state held for a moment, so that a path read in one state is
# used in the other.
hold = lambda: time.sleep(0.002)
while not os.path.exists(stop):
    hold()
    os.rename("web", "web.real")
    os.symlink(target, "web")
    hold()
    os.rename("web", "web.tmp")
    os.unlink("web.tmp")
    os.rename("web.real", "web")
EOF
swapper=$!
leaks=0 ran=0 odd=0
i=0
while [ $i -lt 150 ]; do
    i=$((i + 1))
    rc=0
    "$SBOX" -- sh -c 'cat ./id_sbox_escape_test 2>/dev/null; echo x >>authorized_keys_sbox_test' \
        >"$WORK/out" 2>/dev/null || rc=$?
    case $(cat "$WORK/out") in *"$secret"*) leaks=$((leaks + 1)) ;; esac
    case $rc in 0) ran=$((ran + 1)) ;; 1 | 125) ;; *) odd=$((odd + 1)) ;; esac
done
cd "$WORK"
touch "$WORK/swapper.stop"
wait "$swapper"
diag "race: $ran of $i runs ran, $leaks leaked"
is "$leaks" 0 "racing a swap of the working directory never shows the key"
ok "... nor writes into ~/.ssh" test ! -e "$HOME/.ssh/authorized_keys_sbox_test"
is "$odd" 0 "... every run either ran or was refused"
ok "... and some runs did run" test "$ran" -gt 0

# 3. The fuse-overlayfs daemon (--overlay tmpfs over the host's directories uses it) is no way
# to the host: not in the payload's pid namespace (with ptrace allowed, /proc/PID/root and
# /proc/PID/environ of every process there are tried), and its own root holds its layers and the
# system's libraries only, with few capabilities, no_new_privs and a seccomp filter.
if command -v fuse-overlayfs >/dev/null && [ -r /dev/fuse ] && [ -w /dev/fuse ]; then
    mine() { pgrep -u "$(id -u)" -x fuse-overlayfs | sort; }
    SBOX_ESCAPE_SECRET=env-secret-$$ run_sbox -v --overlay tmpfs --overlay-driver fuse \
        --cap-add CAP_SYS_PTRACE -- sh -c '
        for p in /proc/[0-9]*; do
            cat "$p/comm"
            cat "$p/root'"$key"'" "$p/environ" 2>/dev/null | tr "\0" "\n"
        done
        echo written >/usr/sbox-probe && cat /usr/sbox-probe'
    like "$ERR" "overlay: fuse-overlayfs" "the host's directories are overlaid by fuse-overlayfs"
    like "$OUT" "written" "... which works"
    unlike "$OUT" "fuse-overlayfs" "no fuse-overlayfs daemon is in the payload's pid namespace"
    unlike "$OUT" "$secret" "no process there has a root showing the home's keys"
    unlike "$OUT" "env-secret-$$" "... nor the caller's environment"

    mkfifo "$WORK/hold" "$WORK/ready"
    "$SBOX" --overlay tmpfs --overlay-driver fuse -- sh -c 'echo up; read x' <"$WORK/hold" >"$WORK/ready" &
    held=$!
    exec 7>"$WORK/hold"
    read -r _ <"$WORK/ready"
    # This sandbox's daemons: other tests may run sandboxes of their own meanwhile.
    under() {
        _u=$1
        while [ "${_u:-0}" -gt 1 ]; do
            [ "$_u" = "$2" ] && return 0
            _u=$(awk '/^PPid:/ { print $2 }' "/proc/$_u/status" 2>/dev/null)
        done
        return 1
    }
    daemons=$(for f in $(mine); do under "$f" "$held" && echo "$f"; done)
    ok "the daemons run while the sandbox does" test -n "$daemons"
    for dpid in $daemons; do
        ls -A "/proc/$dpid/root/" >"$WORK/root"
        ok "daemon $dpid: its root can be looked at" test -s "$WORK/root"
        extra=$(grep -vxE 'bin|dev|lib|lib32|lib64|libx32|lower|proc|sbin|store|usr' "$WORK/root")
        is "$extra" "" "daemon $dpid: its root holds its layers, proc and the system's libraries only"
        like "$(tr '\n' ' ' <"$WORK/root")" "lower proc" "... its layers among them"
        st=$(cat "/proc/$dpid/status")
        like "$st" "NoNewPrivs:	1" "daemon $dpid: no_new_privs"
        like "$st" "Seccomp:	2" "daemon $dpid: a seccomp filter"
        is "$(printf '%s\n' "$st" | awk '/^CapBnd/ { print $2 }')" "000000000800001f" \
            "daemon $dpid: bounded to chown, dac_override, dac_read_search, fowner, fsetid and mknod"
        unlike "$(tr '\0' '\n' <"/proc/$dpid/environ")" "SBOX" "daemon $dpid: none of the caller's environment"
    done
    exec 7>&-
    wait "$held"
    left=$(for p in $daemons; do [ -d "/proc/$p" ] && echo "$p"; done)
    is "$left" "" "the daemons are gone with the sandbox"
else
    skip "fuse-overlayfs or a usable /dev/fuse is missing (see sbox check)"
fi

# A kept overlay directory whose upper layer another sandbox swaps with a symlink to ~/.ssh
# while sbox starts: the layers are opened once, with no symlink followed, and named by their
# descriptors from then on.
ovl="$proj/ovl"
at_exit rm -rf "$HOME/.ssh/etc" "$HOME/.ssh/usr" "$HOME/.ssh/opt"
"$SBOX" --overlay "$ovl" --overlay-driver native --cwd none -- true
rm -f "$WORK/swapper.stop"
python3 - "$ovl" "$HOME/.ssh" "$WORK/swapper.stop" <<'EOF' &
import ctypes, os, select, sys, time
ovl, target, stop = sys.argv[1:]
libc = ctypes.CDLL(None, use_errno=True)
os.symlink(target, os.path.join(ovl, "evil"))
a, b = os.path.join(ovl, "upper").encode(), os.path.join(ovl, "evil").encode()
# renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE): upper and the symlink trade places,
# right after sbox has checked the directory and written its lock, for a moment.
ino = libc.inotify_init1(os.O_NONBLOCK)
libc.inotify_add_watch(ino, os.path.join(ovl, "lock").encode(), 0x2)  # IN_MODIFY
while not os.path.exists(stop):
    if not select.select([ino], [], [], 0.05)[0]:
        continue
    os.read(ino, 4096)
    libc.renameat2(-100, a, -100, b, 2)
    time.sleep(0.3)
    libc.renameat2(-100, a, -100, b, 2)
EOF
swapper=$!
leaks=0 odd=0 i=0
while [ $i -lt 10 ]; do
    i=$((i + 1))
    rc=0
    "$SBOX" --overlay "$ovl" --overlay-driver native --cwd none -- \
        sh -c "echo planted >/etc/sbox-race-probe; cat /etc/$(basename "$key") 2>/dev/null" \
        >"$WORK/out" 2>/dev/null || rc=$?
    case $(cat "$WORK/out") in *"$secret"*) leaks=$((leaks + 1)) ;; esac
    case $rc in 0 | 1 | 125) ;; *) odd=$((odd + 1)) ;; esac
done
touch "$WORK/swapper.stop"
wait "$swapper"
diag "overlay race: $leaks of $i runs leaked"
is "$leaks" 0 "racing a swap of a kept overlay's upper layer never shows the key"
ok "... nor writes into ~/.ssh" test ! -e "$HOME/.ssh/etc" -a ! -e "$HOME/.ssh/usr"
is "$odd" 0 "... every run either ran or was refused"

done_testing
