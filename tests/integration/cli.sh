#!/bin/sh
# Command line: help, version, bad input (one line, exit 125, nothing left behind), exit codes.
. "${SBOX_TESTS:-$(dirname "$0")/..}/lib.sh"

run_sbox --help
is "$RC" 0 "--help exits 0"
for key in ro-bind bind ro-bind-try bind-try tmpfs hide chdir setenv unsetenv keep-env clearenv \
    hostname uid gid dry-run verbose version; do
    like "$OUT" "--$key" "--help lists --$key"
done

run_sbox --version
like "$OUT" "sbox " "--version names the program"
is "$RC" 0 "--version exits 0"
run_sbox --version --bogus
is "$RC/$(printf '%s\n' "$ERR" | wc -l)" "125/1" "--version with a bad flag is a mistake: one line, 125"
like "$ERR" "--bogus: unknown option" "... naming the flag"
run_sbox --help --cwd
is "$RC" 125 "--help with a flag missing its value: 125"
run_sbox --help
is "$(printf '%s\n' "$OUT" | awk 'length > 80' | wc -l)" 0 "--help fits in 80 columns"

# bad_input DESCRIPTION EXPECTED-SUBSTRING ARGS...: exit 125, one line naming the problem,
# no output, and no process or mount left behind.
bad_input() {
    d=$1 want=$2
    shift 2
    run_sbox "$@"
    is "$RC" 125 "$d: exit 125"
    is "$(lines "$ERR")" 1 "$d: one line of error"
    like "$ERR" "sbox: " "$d: the line says who speaks"
    like "$ERR" "$want" "$d: the line names '$want'"
    is "$OUT" "" "$d: nothing on stdout"
}

bad_input "unknown option" "--frobnicate" --frobnicate -- true
bad_input "misspelt option" "did you mean --ro-bind" --ro-bnd /usr -- true
bad_input "missing argument" "--bind" --bind
bad_input "flag given a value" "--clearenv=yes" --clearenv=yes -- true
bad_input "unknown short option" "-x" -x -- true
bad_input "missing bind source" "/nonexistent/src" --bind /nonexistent/src:/x -- true
bad_input "missing ro-bind source names the flag" "--ro-bind" --ro-bind /nonexistent -- true
bad_input "relative destination" "must be an absolute path" --bind /usr:usr -- true
bad_input "bad tmpfs size" "12bogus" --tmpfs /t:size=12bogus -- true
bad_input "tmpfs size 2^64" "too large" --tmpfs /t:size=18446744073709551616 -- true
bad_input "bad tmpfs mode" "9999" --tmpfs /t:mode=9999 -- true
bad_input "unknown tmpfs option" "color=red" --tmpfs /t:color=red -- true
bad_input "negative uid" "--uid" --uid -1 -- true
bad_input "unmappable uid" "out of range" --uid 4294967295 -- true
bad_input "bad hostname" "--hostname" --hostname "a b" -- true
bad_input "bad setenv" "NAME=VALUE" --setenv NOEQUALS -- true
bad_input "missing working directory" "/nonexistent" --chdir /nonexistent -- true
bad_input "an overlay directory whose parent is missing names the parent" \
    "its parent \`$WORK/envs\` does not exist" --overlay "$WORK/envs/dev" -- true
ok "... and makes nothing" test ! -e "$WORK/envs"
bad_input "control characters are escaped" '\x1b' --bind "$(printf '/no\033[2Jpe')" -- true
unlike "$ERR" "$(printf '\033')" "no raw escape character reaches the terminal"

run_sbox --dry-run --setenv A=1 --hostname build -- echo hi
is "$RC" 0 "--dry-run exits 0"
like "$OUT" "hostname = build  ; from command line" "--dry-run shows a flag's origin"
like "$OUT" "mirror = /usr  ; built-in" "--dry-run shows built-in values"
like "$OUT" "; command: echo hi" "--dry-run shows the command"

run_sbox -- true
is "$RC" 0 "exit status 0"
run_sbox -- sh -c 'exit 3'
is "$RC" 3 "the payload's exit status"
run_sbox -- sh -c 'kill -TERM $$'
is "$RC" 143 "128+N when the payload dies of signal N"
run_sbox -- sh -c 'kill -KILL $$'
is "$RC" 137 "128+9 for SIGKILL"
run_sbox -- sbox-no-such-command
is "$RC" 127 "127 when the command is not found"
like "$ERR" "sbox-no-such-command: command not found" "not found is reported"
printf 'echo hi\n' >"$WORK/not-executable"
run_sbox -- "$WORK/not-executable"
is "$RC" 126 "126 when the command is not executable"
like "$ERR" "Permission denied" "not executable is reported"
run_sbox ls -d /
is "$OUT" "/" "options end at the command, no -- needed"

done_testing
