#!/bin/sh
# The terminal: the settings (--terminal relay|raw|plain|none, --no-tty, --exit-code-only), the
# exit status of a payload killed by a signal, a payload that stops with no terminal at all,
# pid 1 killed from outside, pipes; then, through real ptys (helpers/terminal.py), the payload's
# own pty and the relay to the user's terminal, what a payload can do to that terminal, escape
# sequences, ^C, ^Z, fg, bg and full-screen programs inside.
. "${SBOX_TESTS:-$(dirname "$0")/..}/lib.sh"
helpers=${SBOX_TESTS:-$(dirname "$0")/..}/helpers

# The settings.
for v in relay raw plain none; do
    run_sbox --terminal "$v" -- true
    is "$RC" 0 "--terminal $v is taken"
done
run_sbox --no-tty -- true
is "$RC" 0 "--no-tty is taken"
run_sbox --exit-code-only -- true
is "$RC" 0 "--exit-code-only is taken"
refuses "--terminal bogus|--terminal"
run_sbox --terminal plain --dry-run -- true
like "$OUT" "terminal = plain" "--dry-run prints --terminal's value"
run_sbox --no-tty --dry-run -- true
like "$OUT" "terminal = none" "--no-tty is terminal = none"
# A profile's key, in the section --dry-run prints it in.
section=$(printf '%s\n' "$OUT" | awk '/^\[/ { s = $0 } /^terminal = / { print s; exit }')
printf '[profile]\ninclude = default\n%s\nterminal = plain\n' "$section" >"$WORK/plain.ini"
run_sbox -p "$WORK/plain.ini" --dry-run -- true
like "$OUT" "terminal = plain" "a profile's terminal = plain is read"

# Exit status: a payload's death by a signal is sbox's own (a shell then says what killed it),
# or 128+N with --exit-code-only. (Python tells a death by a signal from an exit status.)
status() {
    python3 -c 'import subprocess, sys
print(subprocess.run(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL).returncode)' "$@"
}
is "$(status "$SBOX" -- sh -c 'exit 7')" 7 "a payload's exit status is sbox's"
is "$(status "$SBOX" -- sh -c 'kill -TERM $$')" -15 "a payload killed by SIGTERM: sbox dies of SIGTERM"
is "$(status "$SBOX" --exit-code-only -- sh -c 'kill -TERM $$')" 143 \
    "... and exits 143 with --exit-code-only"

# Pipes with no terminal: head's end stops the payload at once.
t0=$(date +%s)
# shellcheck disable=SC2016
out=$(timeout 60 sh -c '"$1" -- seq 1 100000 | head -n 3; echo "rc=$?"' sh "$SBOX" </dev/null 2>&1)
is "$out" "1
2
3
rc=0" "'sbox -- seq 1 100000 | head -n 3' gives 3 lines"
took=$(($(date +%s) - t0))
[ "$took" -lt 20 ] || diag "it took $took s"
ok "... and ends at once" test "$took" -lt 20

# A payload that stops itself with no terminal at all (no shell will ever continue it): sbox
# says so and goes on.
rc=0
timeout -k 5 60 setsid -w "$SBOX" -- sh -c 'kill -STOP $$; echo resumed' \
    </dev/null >"$WORK/stop.out" 2>"$WORK/stop.err" || rc=$?
is "$rc" 0 "a payload that stops itself with no terminal: sbox does not hang"
is "$(cat "$WORK/stop.out")" "resumed" "... the payload goes on"
err=$(cat "$WORK/stop.err")
is "$(lines "$err")" 1 "... and sbox says so in one line"
like "$(printf '%s' "$err" | tr '[:upper:]' '[:lower:]')" "stop" "... that the command stopped"

# The sandbox's pid 1 killed from outside (the child of sbox whose pid inside is 1).
rm -f "$WORK/p1" "$WORK/p1.fired"
mkfifo "$WORK/p1"
"$SBOX" -- sh -c 'echo up; exec sleep 1000' >"$WORK/p1" 2>"$WORK/p1.err" &
spid=$!
exec 6<"$WORK/p1"
read -r up <&6 || up=""
is "$up" "up" "a sandbox runs"
init=""
for c in $(pgrep -P "$spid"); do
    [ "$(awk '/^NSpid:/ { print $NF }' "/proc/$c/status" 2>/dev/null)" = 1 ] && init=$c
done
ok "its pid 1 is a child of sbox" test -n "$init"
# (A bound, should sbox never end: the watchdog's mark then fails the check.)
(
    sleep 60
    touch "$WORK/p1.fired"
    kill -KILL "$spid"
) 2>/dev/null &
watchdog=$!
if [ -n "$init" ]; then kill -KILL "$init"; else kill -KILL "$spid"; fi
rc=0
wait "$spid" || rc=$?
kill "$watchdog" 2>/dev/null
wait "$watchdog" 2>/dev/null
exec 6<&-
ok "pid 1 killed from outside: sbox ends" test ! -e "$WORK/p1.fired"
is "$rc" 137 "... with status 137"
err=$(cat "$WORK/p1.err")
is "$(lines "$err")" 1 "... saying so in one line"
like "$err" "pid 1" "... that names pid 1"
like "$err" "killed" "... and says it was killed"

# Interactive shells in ptys, as a person uses them.
if command -v bash >/dev/null 2>&1; then
    cp "$helpers/terminal.py" "$helpers/steal.py" "$helpers/tty-probe.py" "$WORK/"
    cp /bin/sleep "$WORK/sbox-victim"
    timeout 1500 python3 "$WORK/terminal.py" "$SBOX" >"$WORK/terminal.tap" 2>&1
    while IFS= read -r line; do
        case $line in
        "ok "*"# SKIP "*) skip "${line#*# SKIP }" ;;
        "ok "*) pass "${line#ok * - }" ;;
        "not ok "*) fail "${line#not ok * - }" ;;
        "#"*) echo "$line" ;;
        1..*) ;;
        *) diag "$line" ;;
        esac
    done <"$WORK/terminal.tap"
    grep -q '^1\.\.' "$WORK/terminal.tap" || fail "the pty sessions ran to their end"
else
    fail "bash is needed for the terminal test"
fi

done_testing
