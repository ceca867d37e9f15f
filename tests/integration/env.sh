#!/bin/sh
# The environment: an allowlist by default; keep-env, setenv, unsetenv and clearenv.
. "${SBOX_TESTS:-$(dirname "$0")/..}/lib.sh"

export SSH_AUTH_SOCK=/run/fake-agent.sock DISPLAY=:0 DBUS_SESSION_BUS_ADDRESS=unix:path=/x \
    AWS_SECRET_ACCESS_KEY=fake GITHUB_TOKEN=fake NPM_TOKEN=fake XDG_RUNTIME_DIR=/run/user/1 \
    NODE_ENV=test NODE_OPTIONS=--x TERM=xterm-test LANG=C.UTF-8 LANGUAGE=fr:en LC_TIME=C TZ=UTC

run_sbox -- env
for v in SSH_AUTH_SOCK DISPLAY DBUS_SESSION_BUS_ADDRESS AWS_SECRET_ACCESS_KEY GITHUB_TOKEN \
    NPM_TOKEN XDG_RUNTIME_DIR NODE_ENV; do
    unlike "$OUT" "$v=" "$v is dropped by default"
done
for kv in "TERM=xterm-test" "LANG=C.UTF-8" "LANGUAGE=fr:en" "LC_TIME=C" "TZ=UTC" "HOME=$HOME" "PATH=$PATH" \
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

# Credentials in variables whose names the shipped profiles' patterns keep (npm_config_*,
# PIP_*): never passed by a pattern, whatever the profile; passed when named exactly.
profiles=${SBOX_PROFILES:?SBOX_PROFILES must name the profiles directory}
export SBOX_PROFILE_PATH="$profiles"
hostile() {
    RC=0
    env 'npm_config_//registry.example.invalid/:_authToken=s3cr3t-1' \
        'npm_config_//npm.pkg.example.invalid/:_authToken=ghp_0123456789abcdefghijABCDEFGHIJ0123' \
        npm_config__auth=s3cr3t-2 npm_config_key=s3cr3t-3 npm_config__password=s3cr3t-4 \
        npm_config_cache=/tmp/npm-cache NODE_OPTIONS=--x \
        PIP_INDEX_URL=https://user:s3cr3t-5@pypi.example.invalid/simple \
        PIP_FIND_LINKS=https://user:s3cr3t-6@files.example.invalid/wheels \
        PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1 LC_ALL=C \
        "$SBOX" "$@" >"$WORK/.out" 2>"$WORK/.err" || RC=$?
    OUT=$(cat "$WORK/.out")
    ERR=$(cat "$WORK/.err")
}
for prof in node python; do
    hostile -p "$prof" -- env
    is "$RC" 0 "-p $prof runs"
    unlike "$OUT" "s3cr3t" "-p $prof: no credential-looking variable passes"
    unlike "$OUT" "ghp_" "-p $prof: nor a value with a token's form"
    unlike "$OUT" ":_authToken" "-p $prof: nor npm's per-registry tokens"
    like "$OUT" "LC_ALL=C" "-p $prof: harmless variables still pass"
done
hostile -p node -- env
like "$OUT" "npm_config_cache=/tmp/npm-cache" "-p node passes npm_config_cache"
like "$OUT" "NODE_OPTIONS=--x" "-p node passes NODE_OPTIONS"
hostile -p python -- env
like "$OUT" "PIP_NO_CACHE_DIR=1" "-p python passes PIP_NO_CACHE_DIR"
like "$OUT" "PYTHONDONTWRITEBYTECODE=1" "-p python passes PYTHON*"

hostile -p node --keep-env npm_config_key \
    --keep-env 'npm_config_//registry.example.invalid/:_authToken' -- env
like "$OUT" "npm_config_key=s3cr3t-3" "an exact --keep-env passes a credential"
like "$OUT" "npm_config_//registry.example.invalid/:_authToken=s3cr3t-1" \
    "... npm's per-registry token too"
unlike "$OUT" "s3cr3t-2" "... and only what it names"
hostile -p python --keep-env PIP_FIND_LINKS -- env
like "$OUT" "PIP_FIND_LINKS=https://user:s3cr3t-6@" \
    "an exact --keep-env passes a URL with a password"
hostile -p python --setenv PIP_INDEX_URL=https://u:p@pypi.example.invalid/ -- env
like "$OUT" "PIP_INDEX_URL=https://u:p@pypi.example.invalid/" "--setenv sets what it says"

hostile -p node -p python --dry-run -- true
like "$ERR" "npm_config_key not passed" "--dry-run names what was withheld"
like "$ERR" "--keep-env PIP_FIND_LINKS)" "... and how to pass it"
unlike "$ERR" "s3cr3t" "... never its value"
hostile -v -p node -- true
like "$ERR" "npm_config_key not passed: its name looks like a credential's" "-v names it too"
unlike "$ERR" "s3cr3t" "... never its value"
hostile -p node -- true
unlike "$ERR" "not passed" "without -v, nothing is said"

# git-identity: the name and email git would use outside, as variables; nothing else of the
# config (credential helpers, a token in a url rewrite) comes in.
if command -v git >/dev/null 2>&1; then
    cat >"$WORK/gitconfig" <<'CFG'
[user]
	name = "Ada L"
	email = ada@example.org ; a comment
[credential]
	helper = store
[url "https://tok3n-secret@git.example/"]
	insteadOf = https://git.example/
CFG
    export GIT_CONFIG_GLOBAL="$WORK/gitconfig"
    mkdir -p "$WORK/repo"
    (cd "$WORK/repo" && "$SBOX" --git-identity -- sh -c \
        'env | grep "^GIT_" | sort; git init -q . && git commit -q --allow-empty -m x &&
         git log --format="%an <%ae> %cn <%ce>"; git config --global --list 2>&1; env') \
        >"$WORK/out" 2>&1
    like "$(cat "$WORK/out")" "GIT_AUTHOR_EMAIL=ada@example.org" "git-identity sets GIT_AUTHOR_EMAIL"
    like "$(cat "$WORK/out")" "GIT_COMMITTER_NAME=Ada L" "... and GIT_COMMITTER_NAME, as git reads the quotes"
    like "$(cat "$WORK/out")" "Ada L <ada@example.org> Ada L <ada@example.org>" "... so git commit works inside"
    unlike "$(cat "$WORK/out")" "tok3n-secret" "... and nothing else of the config comes in"
    unlike "$(cat "$WORK/out")" "helper" "... no credential helper"
    (cd "$WORK/repo" && "$SBOX" -- sh -c 'env | grep "^GIT_AUTHOR"') >"$WORK/out" 2>&1
    is "$(cat "$WORK/out")" "" "without git-identity no identity is set"
    (cd "$WORK/repo" && "$SBOX" --git-identity --setenv GIT_AUTHOR_NAME=Other -- sh -c 'echo $GIT_AUTHOR_NAME') \
        >"$WORK/out" 2>&1
    is "$(cat "$WORK/out")" "Other" "setenv goes over it"
    printf '[core]\n\teditor = vi\n' >"$WORK/gitconfig"
    (cd "$WORK/repo" && "$SBOX" --git-identity -- true) >"$WORK/out" 2>&1
    like "$(cat "$WORK/out")" "git-identity: your git config has no user.name" "a config without a name says so"
    unset GIT_CONFIG_GLOBAL
else
    fail "git is needed for the git-identity checks"
fi

done_testing
