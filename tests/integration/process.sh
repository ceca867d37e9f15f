#!/bin/sh
# Processes: no inherited descriptors, signal forwarding, nothing survives the payload or a
# SIGKILLed sbox, interactive use with a terminal.
. "${SBOX_TESTS:-$(dirname "$0")/..}/lib.sh"
helpers=${SBOX_TESTS:-$(dirname "$0")/..}/helpers

# Descriptors beyond 0-2 never reach the payload.
echo marker >"$WORK/leak-marker"
exec 7>"$WORK/leak-marker" 8<"$WORK/leak-marker" 9<>"$WORK/leak-marker"
run_sbox -- sh -c 'ls -l /proc/self/fd/ 2>&1'
exec 7>&- 8<&- 9<&-
unlike "$OUT" "leak-marker" "no descriptor of the caller's reaches the payload"
run_sbox -- ls -l /proc/self/fd/
# (ls's own descriptor for the directory it lists does not count.)
fds=$(printf '%s\n' "$OUT" | awk '$(NF-1) == "->" && $NF !~ /^\/proc\/[0-9]+\/fd$/ { printf "%s ", $(NF-2) }')
is "$fds" "0 1 2 " "the payload starts with descriptors 0, 1 and 2 only"

# Signals sent to sbox reach the payload, which reports which one it got in its status.
cp "$helpers/signals.py" "$WORK/signals.py"
for sig in INT TERM HUP QUIT USR1 USR2 WINCH CONT; do
    rm -f "$WORK/ready"
    mkfifo "$WORK/ready"
    "$SBOX" -- python3 "$WORK/signals.py" "$sig" >"$WORK/ready" &
    spid=$!
    got=$(timeout 60 head -n 1 "$WORK/ready")
    kill -s "$sig" "$spid"
    rc=0
    wait "$spid" || rc=$?
    num=${got#ready }
    is "$got/$rc" "ready $num/$((100 + ${num:-0}))" "SIG$sig sent to sbox is forwarded to the payload"
done

# pid 1 reaps orphans: twenty of them exit, and no zombie remains. (The loop polls /proc until
# none is left; it is bounded, so an init that never reaps fails it.)
run_sbox -- sh -c 'i=0; while [ $i -lt 20 ]; do (true &); i=$((i + 1)); done
    n=0; z=1
    while [ $n -lt 2000 ]; do
        z=0
        for s in /proc/[0-9]*/stat; do
            read -r line <"$s" 2>/dev/null || continue
            case ${line#*) } in Z*) z=$((z + 1)) ;; esac
        done
        [ $z = 0 ] && break
        n=$((n + 1))
    done
    echo zombies=$z'
is "$OUT" "zombies=0" "pid 1 reaps orphaned processes"

# The sandbox has a process group (and, without a terminal, a session) of its own: a payload's
# kill(0, ...) reaches only the sandbox, never the caller or its neighbours.
sleep 1000 &
witness=$!
trap 'echo got-TERM >"$WORK/caller-signalled"' TERM
run_sbox -- sh -c 'kill -TERM 0; echo survived'
trap - TERM
ok "kill 0 inside does not reach the caller" test ! -e "$WORK/caller-signalled"
ok "... nor a process in the caller's group" kill -0 "$witness"
kill "$witness"
wait "$witness" 2>/dev/null || true
run_sbox -- sh -c 'test "$(ps -o sid= -p $$)" = "$(ps -o sid= -p 1)" && echo own-session'
is "$OUT" "own-session" "without a terminal the sandbox is a session of its own"

# A daemon left behind by the payload does not survive it.
cp /bin/sleep "$WORK/sbox-daemon-$$"
run_sbox -- sh -c "setsid $WORK/sbox-daemon-$$ 1000 </dev/null >/dev/null 2>&1 & echo started"
is "$OUT" "started" "the payload started a daemon and exited"
ok "the daemon died with the sandbox" test -z "$(pgrep -f "sbox-daemon-$$" || true)"

# sbox returns at pid 1's report, and pid 1, which then waits for sbox to be gone, ends with it:
# its pid (the "started" event's) is gone soon after sbox returned (at most 10 s).
"$SBOX" --json-status-fd 3 -- true 3>"$WORK/ev" >/dev/null 2>&1
init=$(python3 -c 'import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["event"] == "started":
        print(e["init_pid"])' "$WORK/ev")
i=0
while [ -n "$init" ] && [ "$(cat "/proc/$init/comm" 2>/dev/null)" = sbox ] && [ "$i" -lt 200 ]; do
    sleep 0.05
    i=$((i + 1))
done
ok "pid 1 ($init) ends once sbox has returned" \
    test -n "$init" -a "$(cat "/proc/$init/comm" 2>/dev/null)" != sbox

# SIGKILL of sbox itself takes the sandbox down: its processes hold the pipe's write end, so
# the reader sees end-of-file only when every one of them is gone.
cp /bin/sleep "$WORK/sbox-orphan-$$"
rm -f "$WORK/pipe"
mkfifo "$WORK/pipe"
"$SBOX" -- sh -c "echo up; $WORK/sbox-orphan-$$ 1000 & $WORK/sbox-orphan-$$ 1000" >"$WORK/pipe" &
spid=$!
exec 6<"$WORK/pipe"
read -r up <&6
is "$up" "up" "the sandbox is running"
ok "its processes are there before the kill" test -n "$(pgrep -f "sbox-orphan-$$" || true)"
kill -KILL "$spid"
rest=$(timeout 60 cat <&6; echo "eof:$?")
exec 6<&-
is "$rest" "eof:0" "every process of the sandbox is gone after sbox is SIGKILLed"
ok "no process of it remains" test -z "$(pgrep -f "sbox-orphan-$$" || true)"

# timeout: the whole sandbox is killed at the deadline, said in one line, status 124; the
# pipe's end of file proves every process of it is gone, a daemon that left the payload's
# session included. A command that ends in time keeps its own status.
cp /bin/sleep "$WORK/sbox-late-$$"
{
    "$SBOX" --timeout 1 -- sh -c "setsid $WORK/sbox-late-$$ 1000 & echo up; $WORK/sbox-late-$$ 1000" \
        2>"$WORK/err"
    echo $? >"$WORK/rc"
} | {
    read -r up
    echo "$up"
    cat >/dev/null
} >"$WORK/out"
rc=$(cat "$WORK/rc")
is "$(cat "$WORK/out")" "up" "timeout: the sandbox ran, and its output ended when it was killed"
like "$(cat "$WORK/err")" "timeout: the sandbox ran for 1s (--timeout) and was killed" \
    "... said in one line naming the setting"
is "$(wc -l <"$WORK/err")" 1 "... one line"
is "$rc" 124 "... status 124"
ok "... and nothing of it remains" test -z "$(pgrep -f "sbox-late-$$" || true)"
printf '[profile]\ninclude = default\n[process]\ntimeout = 1h30m\n' >"$WORK/t.ini"
run_sbox -p "$WORK/t.ini" -- sh -c 'exit 3'
is "$RC/$ERR" "3/" "a command that ends in time keeps its status, and nothing is said"
run_sbox -p "$WORK/t.ini" --dry-run -- true
like "$OUT" "timeout = 1h30m  ; from $WORK/t.ini:4" "--dry-run shows the timeout and where it came from"
for bad in 1x -5 10mm 31d; do
    run_sbox --timeout "$bad" -- true
    is "$RC/$(lines "$ERR")" "125/1" "--timeout $bad: one line, 125"
done
like "$ERR" "longer than 30 days" "... a timeout over 30 days says so"

# pass-fd: the descriptors named, and no other, reach the command; a directory, a terminal or a
# closed descriptor is refused.
run_sbox --pass-fd 7 -- sh -c 'read x <&7; echo "$x"; ls /proc/self/fd | sort -n | tr "\n" " "' 7<<EOF_FD
through-seven
EOF_FD
is "$(echo $OUT)" "through-seven 0 1 2 3 7" "--pass-fd 7: descriptor 7 reaches the command, and only it"
run_sbox --pass-fd 7 -- true 7<"$WORK"
is "$RC/$(lines "$ERR")" "125/1" "--pass-fd of a directory: one line, 125"
like "$ERR" "descriptor 7 is a directory" "... naming why (openat through it would reach outside)"
run_sbox --pass-fd 9 -- true
like "$RC $ERR" "125 sbox: --pass-fd: descriptor 9 is not open" "--pass-fd of a closed descriptor: named, 125"
run_sbox --pass-fd 2 -- true
is "$RC" 125 "--pass-fd 2 is refused (0-2 always pass)"

# jobserver: a sandboxed sub-make joins the outer make's jobserver. Job a waits for job b
# through a fifo, so only two jobs at once can finish it: at -j1 it would wait forever (timeout).
if command -v make >/dev/null 2>&1; then
    mkdir -p "$WORK/js/sub"
    printf 'all:\n\t+$(SBOX) --jobserver -- $(MAKE) -s -C sub\nalone:\n\t+$(SBOX) --keep-env MAKEFLAGS -- $(MAKE) -s -C sub\n' \
        >"$WORK/js/Makefile"
    printf 'all: a b\na:\n\t@read x < ff; echo a-got-$$x\nb:\n\t@echo hi > ff\n' >"$WORK/js/sub/Makefile"
    rm -f "$WORK/js/sub/ff" && mkfifo "$WORK/js/sub/ff"
    (cd "$WORK/js" && timeout 60 make -s -j4 SBOX="$SBOX") >"$WORK/out" 2>&1
    is "$(cat "$WORK/out")" "a-got-hi" "--jobserver: make inside runs jobs side by side with the outer make's tokens"
    # Without it, make inside says the jobserver is gone (and would run one job at a time).
    printf 'all:\n\t@echo one\n' >"$WORK/js/sub/Makefile"
    (cd "$WORK/js" && timeout 60 make -s -j4 SBOX="$SBOX" alone) >"$WORK/out" 2>&1
    like "$(cat "$WORK/out")" "jobserver unavailable" "without --jobserver make inside cannot join it"
else
    fail "make is needed for the jobserver checks"
fi

# zsh in the empty home: its new-user wizard would greet every sandbox shell; an empty .zshrc of
# sbox's own keeps it away (the control shows the wizard does start without one).
if command -v zsh >/dev/null 2>&1 && command -v script >/dev/null 2>&1; then
    out=$(printf 'q\n' | timeout 60 script -qec "$SBOX --cwd none -- sh -c 'exec zsh -i'" /dev/null 2>&1 | tr -d '\r')
    like "$out" "configuration function for new users" "zsh in an empty home without a .zshrc starts its wizard"
    out=$(printf 'echo zsh-ran\nexit\n' | timeout 60 script -qec "$SBOX --cwd none -- zsh -i" /dev/null 2>&1 | tr -d '\r')
    unlike "$out" "configuration function for new users" "sbox -- zsh: no new-user wizard"
    like "$out" "zsh-ran" "... the shell runs"
    out=$(SHELL=/usr/bin/zsh timeout 60 "$SBOX" --cwd none -- sh -c 'cat ~/.zshrc' 2>&1)
    like "$out" "keeps zsh's new-user wizard away" "... and with SHELL=zsh too"
else
    fail "zsh and script are needed for the zsh checks"
fi

# Interactive use: a terminal, and job control for the shell.
if command -v script >/dev/null 2>&1 && command -v bash >/dev/null 2>&1; then
    out=$(TERM=dumb timeout 60 script -qec "$SBOX -- bash --norc -ic 'set -o | grep ^monitor; test -t 0 && echo tty-ok; tty; sleep 0 & wait; jobs; echo done'" /dev/null </dev/null 2>&1 | tr -d '\r')
    like "$out" "tty-ok" "stdin is a terminal inside"
    like "$out" "/dev/pts/0" "the terminal is the sandbox's own pseudo-terminal (/dev/pts/0)"
    like "$out" "monitor        	on" "bash gets job control"
    unlike "$out" "no job control" "bash does not complain about job control"
    like "$out" "done" "the interactive shell ran to the end"
    # Job control as a person uses it: ^Z, fg, ^C, and kill 0 inside, through a real pty.
    cp "$helpers/pty-session.py" "$WORK/pty-session.py"
    timeout 120 python3 "$WORK/pty-session.py" "$SBOX" >"$WORK/pty.tap" 2>&1
    while IFS= read -r line; do
        case $line in
        "ok "*) pass "terminal: ${line#ok * - }" ;;
        "not ok "*) fail "terminal: ${line#not ok * - }" ;;
        "#"*) echo "$line" ;;
        esac
    done <"$WORK/pty.tap"
    grep -q '^1\.\.' "$WORK/pty.tap" || fail "terminal: the pty session ran to its end"

    # A payload must not type into the caller's terminal (TIOCSTI): commands pushed there
    # would run in the caller's shell after sbox exits.
    cp "$helpers/tiocsti.py" "$WORK/tiocsti.py"
    control=$(timeout 60 script -qec "python3 $WORK/tiocsti.py" /dev/null </dev/null 2>&1 | tr -d '\r')
    # (Kernels with dev.tty.legacy_tiocsti=0 refuse it outside too; then the control says so.)
    ok "TIOCSTI control outside: $control" test "$control" = "#injected" -o "$control" = PermissionError
    # (script(1) sends its terminal a NUL when its input ends, which the sandbox's terminal
    # echoes as ^@: not the payload's words.)
    out=$(timeout 60 script -qec "$SBOX -- python3 $WORK/tiocsti.py; $SBOX -- python3 $WORK/tiocsti.py high; $SBOX --no-tty -- python3 $WORK/tiocsti.py" /dev/null </dev/null 2>&1 | tr -d '\r\000' | sed 's/\^@//g')
    is "$(echo $out)" "PermissionError PermissionError PermissionError" \
        "TIOCSTI is refused inside, upper bits set or not, with a pseudo-terminal or without"
else
    fail "script(1) and bash are needed for the terminal test"
fi

done_testing
