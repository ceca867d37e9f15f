#!/bin/sh
# The environment: an allowlist by default; keep-env, setenv, unsetenv and clearenv.
. "${SBOX_TESTS:-$(dirname "$0")/..}/lib.sh"

export SSH_AUTH_SOCK=/run/fake-agent.sock DISPLAY=:0 DBUS_SESSION_BUS_ADDRESS=unix:path=/x \
    AWS_SECRET_ACCESS_KEY=fake GITHUB_TOKEN=fake NPM_TOKEN=fake XDG_RUNTIME_DIR=/run/user/1 \
    NODE_ENV=test NODE_OPTIONS=--x TERM=xterm-test LANG=C.UTF-8 LC_TIME=C TZ=UTC

run_sbox -- env
for v in SSH_AUTH_SOCK DISPLAY DBUS_SESSION_BUS_ADDRESS AWS_SECRET_ACCESS_KEY GITHUB_TOKEN \
    NPM_TOKEN XDG_RUNTIME_DIR NODE_ENV; do
    unlike "$OUT" "$v=" "$v is dropped by default"
done
for kv in "TERM=xterm-test" "LANG=C.UTF-8" "LC_TIME=C" "TZ=UTC" "HOME=$HOME" "PATH=$PATH" \
    "USER=$USER" "LOGNAME=$LOGNAME"; do
    like "$OUT" "$kv" "${kv%%=*} passes by default"
done

run_sbox --keep-env 'NODE_*' -- env
like "$OUT" "NODE_ENV=test" "--keep-env passes a pattern's variables"
like "$OUT" "NODE_OPTIONS=--x" "--keep-env matches every variable of the pattern"
unlike "$OUT" "GITHUB_TOKEN" "--keep-env passes nothing else"

run_sbox --setenv A=1 --setenv 'B=x y=z' --unsetenv TERM -- env
like "$OUT" "A=1" "--setenv sets a variable"
like "$OUT" "B=x y=z" "--setenv keeps '=' and spaces in the value"
unlike "$OUT" "TERM=" "--unsetenv removes a variable"

run_sbox --clearenv --keep-env TERM --setenv K=v -- env
is "$(printf '%s\n' "$OUT" | grep -v '^PWD=' | sort | tr '\n' ' ')" "K=v TERM=xterm-test " \
    "--clearenv passes only keep-env and setenv"

run_sbox --clearenv -- /usr/bin/env
is "$(printf '%s\n' "$OUT" | grep -v '^PWD=')" "" "--clearenv alone gives an empty environment"

done_testing
