#!/bin/sh
# Machine-readable output: --json-status-fd's events (started with the payload's pid as the
# host counts it, notes, allow-host's refusals, exited or failed), its errors, and the --json
# forms of sbox profiles, captures and image ls; every document parses, hostile bytes too.
. "${SBOX_TESTS:-$(dirname "$0")/..}/lib.sh"
helpers=${SBOX_TESTS:-$(dirname "$0")/..}/helpers

command -v python3 >/dev/null 2>&1 || skip_all "python3 is needed (scripts/setup installs it)"
cp "$helpers/status-run.py" "$helpers/proxy-client.py" "$WORK/"

# jq-like: python3 reads the JSON document(s) on stdin (one per line with -l) and prints EXPR
# evaluated with d bound to each, or "INVALID".
pyjson() {
    python3 -c '
import json, sys
lines = sys.argv[1] == "-l"
expr = sys.argv[-1]
text = sys.stdin.buffer.read()
try:
    text.decode("utf-8")
    docs = [json.loads(l) for l in text.splitlines()] if lines else [json.loads(text)]
    for d in docs:
        print(eval(expr))
except Exception as e:
    print("INVALID", e)
' "$@"
}

# --- --json-status-fd --------------------------------------------------------------------------
"$SBOX" --json-status-fd 3 -- true 3>"$WORK/ev" >"$WORK/out" 2>"$WORK/err"
is "$?" 0 "a run with --json-status-fd: status 0"
is "$(pyjson -l 'd["event"]' <"$WORK/ev" | tr '\n' ' ')" "started exited " \
    "... two events: started, exited"
is "$(pyjson -l '[type(d["time"]).__name__, type(d.get("pid", 0)).__name__]' <"$WORK/ev" | tr '\n' ' ')" \
    "['float', 'int'] ['float', 'int'] " "... with their time, and the payload's pid"
is "$(sed -n 2p "$WORK/ev" | pyjson '(d["status"], "signal" in d)')" "(0, False)" "... exited: status 0"
is "$(cat "$WORK/out" "$WORK/err")" "" "... and nothing else on stdout or stderr"

out=$(python3 "$WORK/status-run.py" kill "$SBOX" -- sh -c 'echo up; read x')
is "$out" "line=up
cmdline=sh -c echo up; read x
init_pid_is_int=True
started {}
exited {\"signal\": \"SIGKILL\", \"status\": 137}
status=-9" "started names the payload's pid as seen outside: SIGKILL to it ends the run, said as such"

"$SBOX" --json-status-fd 5 -- sh -c 'if [ -e /proc/self/fd/5 ]; then echo passed; else echo kept out; fi' 5>"$WORK/ev" >"$WORK/out"
is "$(cat "$WORK/out")" "kept out" "the descriptor is not passed into the sandbox"

out=$(python3 "$WORK/status-run.py" gone "$SBOX" -- sh -c 'echo fine; exit 3')
is "$out" "status=3" "a reader that went away costs the events, not the run (no SIGPIPE)"

"$SBOX" --json-status-fd 3 -- "$(printf 'no\033]0;x\007\377such')" 3>"$WORK/ev" 2>"$WORK/err"
is "$?" 127 "a command not found: 127"
is "$(pyjson -l 'd["event"]' <"$WORK/ev" | tail -n 1)" "failed" "... the last event is failed"
is "$(tail -n 1 "$WORK/ev" | pyjson '"%d %s" % (d["status"], "sbox: " + d["message"])')" "127 $(cat "$WORK/err")" \
    "... status 127 and sbox's line, the hostile name in it escaped"
is "$(LC_ALL=C grep -c "$(printf '\033')" "$WORK/ev")" 0 "... no raw escape byte in the stream"

"$SBOX" --json-status-fd 3 -p no-such-profile -- true 3>"$WORK/ev" 2>/dev/null
is "$(pyjson -l '(d["event"], d["status"], "no-such-profile" in d["message"])' <"$WORK/ev")" \
    "('failed', 125, True)" "a bad profile: one failed event, status 125, the message"

"$SBOX" --json-status-fd 3 --timeout 1s -- cat 3>"$WORK/ev" 2>"$WORK/err" </dev/zero >/dev/null &
spid=$!
# cat of /dev/zero never ends: the timeout (1 s, bounded) does.
wait "$spid"
is "$?" 124 "a timed-out run: 124"
is "$(pyjson -l 'd["event"]' <"$WORK/ev" | tr '\n' ' ')" "started note exited " \
    "... events: started, the timeout's note, exited"
is "$(sed -n 2p "$WORK/ev" | pyjson 'd["text"]')" "$(sed 's/^sbox: //' "$WORK/err")" \
    "... the note is the line sbox printed"

# allow-host's refusals, summed up as sbox prints them, also as refused events.
printf '127.0.0.1 allowed.test other.test\n' >"$WORK/hosts"
"$SBOX" --json-status-fd 3 --proxy-hosts "$WORK/hosts" --host-loopback yes --allow-host allowed.test:9 \
    -- sh -c "python3 $WORK/proxy-client.py connect other.test 9; python3 $WORK/proxy-client.py connect other.test 9; python3 $WORK/proxy-client.py connect other.test 7" \
    3>"$WORK/ev" >/dev/null 2>"$WORK/err"
is "$(pyjson -l 'd["event"]' <"$WORK/ev" | sort | uniq -c | tr -s ' \n' '  ')" \
    " 1 exited 2 note 2 refused 1 started " "refusals: a note and a refused event per destination"
is "$(pyjson -l '(d["to"], d["count"]) if d["event"] == "refused" else None' <"$WORK/ev" | grep -v None | sort | tr '\n' ' ')" \
    "('other.test:7', 1) ('other.test:9', 2) " "... naming the destination and the count"

# Mistakes: one line naming the flag, 125, no event, nothing run.
for bad in "x|is not a descriptor number" "-1|is not a descriptor number" "+3|is not a descriptor number" \
    "99|descriptor 99" "4|is not open for writing" "|needs an argument"; do
    v=${bad%%|*}
    if [ -n "$v" ]; then
        "$SBOX" --json-status-fd "$v" -- touch "$WORK/ran" 4<"$WORK/hosts" >"$WORK/out" 2>"$WORK/err"
    else
        "$SBOX" --json-status-fd >"$WORK/out" 2>"$WORK/err"
    fi
    rc=$?
    is "$rc/$(lines "$(cat "$WORK/err")")" "125/1" "--json-status-fd '$v': one line, status 125"
    like "$(cat "$WORK/err")" "${bad#*|}" "... saying: ${bad#*|}"
    like "$(cat "$WORK/err")" "--json-status-fd" "... naming the flag"
done
ok "... and the command never ran" test ! -e "$WORK/ran"

# --- --json listings -------------------------------------------------------------------------
run_sbox profiles --json
is "$RC/$(lines "$OUT")" "0/1" "sbox profiles --json: one document on one line"
is "$(printf '%s' "$OUT" | pyjson '[p["name"] for p in d["profiles"] if p["name"] == "default"]')" "['default']" \
    "... listing the default"
is "$(printf '%s' "$OUT" | pyjson 'sorted(set(k for p in d["profiles"] for k in p))')" \
    "['builtin', 'description', 'name', 'path']" "... each with name, description, path, builtin"
cfg=$(mktemp -d "$HOME/cfg.XXXXXX")
at_exit rm -rf "$cfg"
mkdir -p "$cfg/sbox/profiles"
printf '[profile]\ndescription = evil \033[31mred\033[0m \377 "q"\ninclude = default\n' >"$cfg/sbox/profiles/$(printf 'odd\033name')".ini
XDG_CONFIG_HOME=$cfg "$SBOX" profiles --json >"$WORK/out"
is "$(pyjson '[(p["name"], p["description"]) for p in d["profiles"] if p["name"].startswith("odd")]' <"$WORK/out")" \
    "[('odd\\x1bname', 'evil \\x1b[31mred\\x1b[0m $(printf '\357\277\275') \"q\"')]" "... a hostile name and description, escaped"
run_sbox profiles --bogus
is "$RC/$(lines "$ERR")" "125/1" "sbox profiles --bogus: one line, 125"

state=$(mktemp -d "$HOME/state.XXXXXX")
at_exit rm -rf "$state"
proj=$(mktemp -d "$HOME/proj.XXXXXX")
at_exit rm -rf "$proj"
export XDG_STATE_HOME="$state"
run_sbox captures --json
is "$(printf '%s' "$OUT" | pyjson 'd["captures"]')" "[]" "sbox captures --json with none: an empty list"
echo old >"$proj/a"
run_sbox --capture "$proj" -- sh -c "echo new >$proj/a; echo add >$proj/b; exit 3" "$(printf 'arg\033]2;t\007')"
is "$RC" 3 "a captured run"
run_sbox captures --json
is "$RC/$(lines "$OUT")" "0/1" "sbox captures --json: one line"
is "$(printf '%s' "$OUT" | pyjson '[(c["state"], c["status"], c["changes"]["added"], c["directories"]) for c in d["captures"]]')" \
    "[('exited', 3, 1, ['$proj'])]" "... its state, status, files added, directory"
counts=$(printf '%s' "$OUT" | pyjson '"%(changed)d changed, %(added)d added, %(deleted)d del" % d["captures"][0]["changes"]')
is "$(printf '%s' "$OUT" | pyjson '"\x1b]2;t\x07" in d["captures"][0]["command"]')" "True" \
    "... and its command, control bytes escaped"
id=$(printf '%s' "$OUT" | pyjson 'd["captures"][0]["id"]')
run_sbox captures
like "$OUT" "$id" "... the id sbox captures lists"
like "$OUT" "$counts" "... and its counts"
run_sbox captures --json x
is "$RC/$(lines "$ERR")" "125/1" "sbox captures --json x: one line, 125"
unset XDG_STATE_HOME

data=$(mktemp -d "$HOME/data.XXXXXX")
at_exit rm -rf "$data"
export XDG_DATA_HOME="$data"
run_sbox image ls --json
is "$RC/$OUT" '0/{"images":[]}' "sbox image ls --json with no store: an empty list"
python3 "$helpers/mkimage.py" "$WORK/img.tar" >/dev/null
run_sbox image import "$WORK/img.tar" app
is "$RC" 0 "an image stored"
run_sbox image ls --json
is "$(printf '%s' "$OUT" | pyjson '[(i["name"], i["layers"], i["id"].startswith("sha256:"), i["size"] > 0) for i in d["images"]]')" \
    "[('app', 1, True, True)]" "sbox image ls --json: name, layers, id, size"
run_sbox image ls --json --x
is "$RC/$(lines "$ERR")" "125/1" "sbox image ls --json --x: one line, 125"
"$SBOX" image rm app >/dev/null 2>&1
unset XDG_DATA_HOME

done_testing
